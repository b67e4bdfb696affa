"""The health of the mail pipeline, in figures a network adviser can read.

Worked out from the outbox rows and the sweep's heartbeat alone (two queries), never by
asking Celery from a web request: a page must not wait on the broker, and the database is
what the workers answer to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import OutboxEmail, WorkerHeartbeat

State = OutboxEmail.State
SWEEP_HEARTBEAT = "outbox-sweep"
# A worker counts as seen when the sweep ran this recently (it runs every 15 s by default).
WORKER_SEEN_WITHIN = timedelta(minutes=5)


@dataclass(frozen=True)
class MailHealth:
    queued: int  # waiting for their first try
    sending: int  # in a worker's hands now
    retrying: int  # refused for now or unreachable server: tried again later
    failed: int  # refused for good, or out of attempts: not retried unless staff ask
    oldest_waiting: dt.datetime | None  # when the oldest unsent message was queued
    worker_seen_at: dt.datetime | None  # when the sweep last ran in a worker
    now: dt.datetime

    @property
    def worker_seen(self) -> bool:
        """Has a worker (and beat, which starts the sweep) run in the last few minutes?"""
        return self.worker_seen_at is not None and (
            self.now - self.worker_seen_at <= WORKER_SEEN_WITHIN
        )

    @property
    def waiting(self) -> int:
        return self.queued + self.sending + self.retrying

    @property
    def stuck(self) -> bool:
        """Mail waits and no worker is there to send it."""
        return self.waiting > 0 and not self.worker_seen


def record_heartbeat(name: str = SWEEP_HEARTBEAT) -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def mail_health() -> MailHealth:
    unsent = (State.PENDING, State.SENDING, State.RETRYING)
    figures = OutboxEmail.objects.filter(state__in=(*unsent, State.FAILED)).aggregate(
        queued=Count("pk", filter=Q(state=State.PENDING)),
        sending=Count("pk", filter=Q(state=State.SENDING)),
        retrying=Count("pk", filter=Q(state=State.RETRYING)),
        failed=Count("pk", filter=Q(state=State.FAILED)),
        oldest_waiting=Min("created_at", filter=Q(state__in=unsent)),
    )
    seen = (
        WorkerHeartbeat.objects.filter(name=SWEEP_HEARTBEAT)
        .values_list("seen_at", flat=True)
        .first()
    )
    return MailHealth(**figures, worker_seen_at=seen, now=timezone.now())
