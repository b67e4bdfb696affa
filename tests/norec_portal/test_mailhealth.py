"""The mail pipeline's health on the staff overview: counts by state, the oldest waiting
message, and whether the sweep (so beat and a worker) ran in the last few minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from norec_portal import outbox
from norec_portal.mailhealth import SWEEP_HEARTBEAT, WORKER_SEEN_WITHIN, mail_health
from norec_portal.models import OutboxEmail, WorkerHeartbeat

State = OutboxEmail.State
pytestmark = pytest.mark.django_db


def queue(n: int) -> list[OutboxEmail]:
    return [
        outbox.queue_email(key=f"health:{i}", to=f"p{i}@example.org", subject="S", text="T")
        for i in range(n)
    ]


def test_counts_each_state_and_the_oldest_waiting_message():
    rows = queue(6)
    states = [State.PENDING, State.PENDING, State.RETRYING, State.FAILED, State.SENT]
    for row, state in zip(rows, states, strict=False):
        OutboxEmail.objects.filter(pk=row.pk).update(state=state, sent_at=timezone.now())
    OutboxEmail.objects.filter(pk=rows[5].pk).update(
        state=State.SENDING, lease_expires_at=timezone.now() + timedelta(minutes=1)
    )
    hour_ago = timezone.now() - timedelta(hours=1)
    OutboxEmail.objects.filter(pk=rows[2].pk).update(created_at=hour_ago)
    OutboxEmail.objects.filter(pk=rows[3].pk).update(created_at=hour_ago - timedelta(days=1))
    health = mail_health()
    assert (health.queued, health.sending, health.retrying, health.failed) == (2, 1, 1, 1)
    assert health.waiting == 4
    # The failed message is older, but it no longer waits.
    assert health.oldest_waiting == hour_ago


def test_the_sweep_is_the_workers_heartbeat():
    assert mail_health().worker_seen_at is None
    outbox.sweep_outbox()
    health = mail_health()
    assert health.worker_seen
    assert WorkerHeartbeat.objects.get(name=SWEEP_HEARTBEAT).seen_at == health.worker_seen_at


def test_mail_waiting_without_a_worker_is_stuck():
    queue(1)
    WorkerHeartbeat.objects.create(
        name=SWEEP_HEARTBEAT, seen_at=timezone.now() - WORKER_SEEN_WITHIN - timedelta(seconds=1)
    )
    health = mail_health()
    assert not health.worker_seen and health.stuck
    WorkerHeartbeat.objects.filter(name=SWEEP_HEARTBEAT).update(seen_at=timezone.now())
    assert not mail_health().stuck


def test_staff_overview_says_whether_mail_goes_out(staff_client):
    url = reverse("staff_dashboard")
    queue(2)
    page = staff_client.get(url).content.decode()
    assert "Is email going out?" in page
    assert "no mail worker has been seen in the last few minutes" in page
    assert "Waiting to be sent" in page and "Oldest waiting message" in page
    outbox.sweep_outbox()
    page = staff_client.get(url).content.decode()
    assert "working through the waiting messages" in page
    assert "no mail worker has been seen" not in page


def test_check_heartbeat_fails_until_the_sweep_has_run_recently():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="never run"):
        call_command("check_heartbeat")
    WorkerHeartbeat.objects.create(
        name=SWEEP_HEARTBEAT, seen_at=timezone.now() - timedelta(seconds=300)
    )
    with pytest.raises(CommandError, match="last ran"):
        call_command("check_heartbeat", "--max-age", "120")
    outbox.sweep_outbox()
    call_command("check_heartbeat", "--max-age", "120")
