"""The outbox against the real stack: Celery worker processes on Redis, PostgreSQL, and a
real SMTP server. CI runs these; elsewhere they skip unless the stack is configured."""

from __future__ import annotations

import pytest

from norec_portal import outbox
from norec_portal.celery import app as celery_app
from norec_portal.models import OutboxEmail
from tests.conftest import need_stack
from tests.smtp_server import RecordingHandler, SMTPServer
from tests.stack import Worker, stack_problem, tasks_through_broker, wait_for

State = OutboxEmail.State
pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stack(transactional_db, tmp_path):
    problem = stack_problem()
    if problem:
        need_stack(problem)
    with tasks_through_broker():
        celery_app.control.purge()
        yield tmp_path


def campaign(n: int, prefix: str = "campaign") -> list[str]:
    recipients = [f"member{i}@example.org" for i in range(n)]
    outbox.queue_emails(
        outbox.EmailSpec(key=f"{prefix}:{i}", to=to, subject="Norec news", text="Hello")
        for i, to in enumerate(recipients)
    )
    return recipients


def finished(n: int) -> bool:
    return OutboxEmail.objects.filter(state__in=[State.SENT, State.FAILED]).count() >= n


def test_500_messages_each_delivered_exactly_once(stack):
    with SMTPServer() as smtp:
        worker = Worker(smtp_url=smtp.url, log_dir=stack)
        worker.start()
        try:
            recipients = campaign(500)
            wait_for(lambda: finished(500), 90, "500 deliveries")
        finally:
            worker.stop()
        counts = smtp.handler.counts()
    assert counts == {to: 1 for to in recipients}, worker.log()
    assert OutboxEmail.objects.filter(state=State.SENT).count() == 500
    message_ids = [mid for _to, mid in smtp.handler.received]
    assert len(set(message_ids)) == 500


def test_4xx_is_retried_and_5xx_is_not(stack):
    handler = RecordingHandler(
        scripted={"later@example.org": ["451 4.3.0 try again later"]},
        always={"gone@example.org": "550 5.1.1 no such user"},
    )
    with SMTPServer(handler) as smtp:
        worker = Worker(smtp_url=smtp.url, log_dir=stack)
        worker.start()
        try:
            for to in ["later@example.org", "gone@example.org", "fine@example.org"]:
                outbox.queue_email(key=f"codes:{to}", to=to, subject="S", text="x")
            wait_for(lambda: finished(3), 60, "three outcomes")
        finally:
            worker.stop()
    assert smtp.handler.counts() == {"later@example.org": 1, "fine@example.org": 1}
    later = OutboxEmail.objects.get(to_email="later@example.org")
    assert (later.state, later.attempts) == (State.SENT, 2)
    gone = OutboxEmail.objects.get(to_email="gone@example.org")
    assert (gone.state, gone.attempts) == (State.FAILED, 1)
    assert "550" in gone.last_error
    # The 550 was asked exactly once: no retry of a permanent failure.
    assert [r for r in smtp.handler.refusals if r[0] == "gone@example.org"] == [
        ("gone@example.org", "550 5.1.1 no such user")
    ]


def test_worker_killed_mid_batch_loses_nobody(stack):
    total = 400
    with SMTPServer(RecordingHandler(delay=0.01)) as smtp:
        worker = Worker(smtp_url=smtp.url, log_dir=stack)
        worker.start()
        try:
            recipients = campaign(total, prefix="kill")
            wait_for(lambda: len(smtp.handler.received) >= 100, 60, "first deliveries")
            worker.kill()
            delivered_at_kill = len(smtp.handler.received)
            assert delivered_at_kill < total, "the kill came too late to prove anything"
            assert OutboxEmail.objects.filter(state=State.SENDING).exists()
            worker.start()
            wait_for(lambda: finished(total), 120, "all deliveries after the restart")
        finally:
            worker.stop()
        counts = smtp.handler.counts()
    assert set(counts) == set(recipients), "somebody was lost"
    duplicates = sum(counts.values()) - total
    print(f"kill test: {delivered_at_kill} delivered before SIGKILL, {duplicates} duplicate(s)")
    # At most one message per pool process can be sent but not yet marked at the kill.
    assert duplicates <= worker.concurrency
    assert not OutboxEmail.objects.filter(state=State.SENDING).exists()
    assert OutboxEmail.objects.filter(state=State.SENT).count() == total
