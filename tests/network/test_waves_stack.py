"""An invitation wave on the real stack: a Celery worker with its own beat on Redis,
PostgreSQL, and a real SMTP server. CI runs it; elsewhere it skips without the stack.

The worker's beat releases today's batch by itself; the following days are asked of the
same worker task with an explicit day (the worker's clock cannot be frozen from here).
"""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from network import tasks
from network.models import Invitation, InvitationWave
from network.services import waves
from norec_portal.celery import app as celery_app
from norec_portal.models import OutboxEmail
from partnerships.models import Person
from tests.conftest import need_stack
from tests.network.factories import bulk_alumni
from tests.smtp_server import RecordingHandler, SMTPServer
from tests.stack import Worker, stack_problem, tasks_through_broker, wait_for

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

CAP = 100
PEOPLE = 1000


@pytest.fixture
def stack(transactional_db, tmp_path):
    problem = stack_problem()
    if problem:
        need_stack(problem)
    with tasks_through_broker():
        celery_app.control.purge()
        yield tmp_path


def released(wave: InvitationWave, day: dt.date) -> int:
    return wave.invitations.filter(released_on=day).count()


def worker_idle() -> bool:
    """No task waiting in the broker and none running."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    if broker.llen("celery"):
        return False
    active = celery_app.control.inspect(timeout=0.5).active() or {}
    return bool(active) and not any(active.values())


def finished_emails(n: int) -> bool:
    states = [OutboxEmail.State.SENT, OutboxEmail.State.FAILED]
    return OutboxEmail.objects.filter(state__in=states).count() >= n


def test_real_worker_sends_the_daily_cap_and_nobody_twice(stack):
    bulk_alumni(PEOPLE, ["KE", "UG", "TZ"])
    bounce = Person.objects.order_by("pk").first()
    Person.objects.filter(pk=bounce.pk).update(email="bounce@example.org")
    today = timezone.localdate()
    wave = waves.create_wave(
        name="Stack", countries=["KE", "UG", "TZ"], daily_cap=CAP, starts_on=today,
        reminder_after_days=14, expires_after_days=60, by=None,
    )  # fmt: skip
    assert wave.invitations.count() == PEOPLE

    handler = RecordingHandler(always={"bounce@example.org": "550 5.1.1 no such user"})
    with SMTPServer(handler) as smtp:
        worker = Worker(smtp_url=smtp.url, log_dir=stack, concurrency=2,
                        NETWORK_RELEASE_SECONDS="1", NETWORK_FOLLOW_UP_SECONDS="1")  # fmt: skip
        worker.start()
        try:
            # Day 1: beat alone releases the first batch, and keeps to it.
            wait_for(lambda: released(wave, today) == CAP, 60, "beat's first batch")
            wait_for(lambda: finished_emails(CAP), 60, "first batch delivered")
            wait_for(worker_idle, 30, "worker idle")
            assert released(wave, today) == CAP

            day = today
            sent_days = [today]
            for offset in range(1, 20):
                day = today + dt.timedelta(days=offset)
                if offset == 2:
                    waves.change_wave_status(wave=wave, to_status="paused", by=None)
                if offset == 4:
                    waves.change_wave_status(wave=wave, to_status="active", by=None)
                tasks.release_invitation_batches.delay(day.isoformat())
                tasks.release_invitation_batches.delay(day.isoformat())  # a second beat run
                wait_for(worker_idle, 30, f"day {offset} processed")
                count = released(wave, day)
                assert count in (0, CAP), f"{count} released on day {offset}"
                if count:
                    sent_days.append(day)
                if not wave.invitations.filter(state=Invitation.State.QUEUED).exists():
                    break
            wait_for(lambda: finished_emails(PEOPLE), 120, "all deliveries")
            wait_for(
                lambda: Invitation.objects.filter(state=Invitation.State.BOUNCED).exists(),
                30, "the bounce noticed by beat",
            )  # fmt: skip
        finally:
            worker.stop()
        counts = smtp.handler.counts()

    pause = {today + dt.timedelta(days=2), today + dt.timedelta(days=3)}
    assert len(sent_days) == 10, worker.log()
    assert not pause & set(sent_days)
    # Everyone once, nobody twice; the unknown address bounced and is marked so.
    addresses = set(Person.objects.exclude(pk=bounce.pk).values_list("email", flat=True))
    assert counts == {address: 1 for address in addresses}, worker.log()
    bounced = Invitation.objects.get(person=bounce)
    assert bounced.state == Invitation.State.BOUNCED
    assert OutboxEmail.objects.filter(idempotency_key__startswith="invitation:").count() == PEOPLE
    wave.refresh_from_db()
    assert wave.status == InvitationWave.Status.COMPLETED
