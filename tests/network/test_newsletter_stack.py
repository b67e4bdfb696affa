"""A newsletter to 2,000 members on the real stack: a Celery worker (with its own beat) on
Redis, PostgreSQL, and a real SMTP server. CI runs it; elsewhere it skips without the stack.

Each member gets it once: through a pause at half and a resume, and when the same sending
is started twice at the same moment. An address refused with a 550 is marked bad and the
next newsletter does not try it again.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connections

from network import tasks
from network.models import BadAddress, Newsletter, NewsletterDelivery
from network.services import newsletters
from norec_portal.celery import app as celery_app
from norec_portal.models import OutboxEmail
from tests.conftest import need_stack
from tests.network.factories import bulk_members, make_newsletter
from tests.smtp_server import RecordingHandler, SMTPServer
from tests.stack import Worker, stack_problem, tasks_through_broker, wait_for

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

MEMBERS = 2000
State = OutboxEmail.State


@pytest.fixture
def stack(transactional_db, tmp_path):
    problem = stack_problem()
    if problem:
        need_stack(problem)
    with tasks_through_broker():
        celery_app.control.purge()
        yield tmp_path


def start_worker(smtp: SMTPServer, log_dir) -> Worker:
    worker = Worker(
        smtp_url=smtp.url,
        log_dir=log_dir,
        concurrency=2,
        NEWSLETTER_CHUNK_SIZE="100",
        # 20 chunks, one every half second: the pause lands well inside the sending.
        NEWSLETTER_CHUNK_SECONDS="0.5",
        NEWSLETTER_DUE_SECONDS="1",
        NETWORK_FOLLOW_UP_SECONDS="1",
        # Worker crashes are the outbox's own tests; a long lease keeps a slow machine from
        # re-sending a message whose worker is merely busy.
        OUTBOX_LEASE_SECONDS="60",
    )
    worker.start()
    return worker


def handled(newsletter: Newsletter) -> int:
    return OutboxEmail.objects.filter(
        newsletter_deliveries__newsletter=newsletter, state__in=[State.SENT, State.FAILED]
    ).count()


def queued(newsletter: Newsletter) -> int:
    return NewsletterDelivery.objects.filter(newsletter=newsletter).count()


def status_of(newsletter: Newsletter) -> str:
    return Newsletter.objects.values_list("status", flat=True).get(pk=newsletter.pk)


def outbox_quiet() -> bool:
    return not OutboxEmail.objects.filter(state__in=OutboxEmail.DUE_STATES + ("sending",)).exists()


def test_2000_members_once_each_through_pause_and_resume(stack):
    members = bulk_members(MEMBERS, ["KE", "UG", "TZ", "NP"])
    newsletter = make_newsletter(subject="Two thousand", body="Hello **everyone**.")
    with SMTPServer() as smtp:
        worker = start_worker(smtp, stack)
        try:
            assert newsletters.start_sending(newsletter=newsletter)
            wait_for(lambda: queued(newsletter) >= MEMBERS // 2, 120, "half of the chunks")
            newsletters.pause_sending(newsletter=newsletter, by=None)
            # What was queued before the pause is still delivered; nothing more is queued.
            wait_for(outbox_quiet, 120, "the queued half delivered")
            at_pause = queued(newsletter)
            time.sleep(2)  # several chunk intervals: nothing more may be queued meanwhile
            assert queued(newsletter) == at_pause
            newsletter.refresh_from_db()
            assert newsletter.status == Newsletter.Status.PAUSED
            assert MEMBERS // 2 <= at_pause < MEMBERS, (at_pause, worker.log())
            assert sum(smtp.handler.counts().values()) == at_pause, worker.log()

            newsletters.resume_sending(newsletter=newsletter, by=None)
            wait_for(lambda: handled(newsletter) >= MEMBERS, 180, "every member handled")
            wait_for(outbox_quiet, 60, "outbox empty")
            # The sending is closed by one more chunk run, which finds nobody left.
            wait_for(lambda: status_of(newsletter) == Newsletter.Status.SENT, 60, "sent")
        finally:
            worker.stop()
        counts = smtp.handler.counts()
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT, worker.log()
    assert counts == {m.person.email: 1 for m in members}, worker.log()
    assert OutboxEmail.objects.filter(state=State.SENT).count() == MEMBERS


def test_starting_twice_at_once_sends_once_and_a_550_is_skipped_next_time(stack):
    members = bulk_members(MEMBERS, ["KE", "UG"])
    gone = members[7].person.email
    first = make_newsletter(subject="First")
    handler = RecordingHandler(always={gone: "550 5.1.1 No such mailbox"})
    with SMTPServer(handler) as smtp:
        worker = start_worker(smtp, stack)
        try:
            barrier = threading.Barrier(2)
            started: list[bool] = []

            def start() -> None:
                try:
                    barrier.wait(timeout=10)
                    started.append(newsletters.start_sending(newsletter=first))
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=start) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(started) == [False, True]
            # Duplicated chunk tasks (a redelivery, a second beat) are ignored too.
            tasks.send_newsletter_chunk.delay(first.pk, 0)
            tasks.send_newsletter_chunk.delay(first.pk, 1)
            wait_for(lambda: handled(first) >= MEMBERS, 180, "first newsletter handled")
            wait_for(outbox_quiet, 60, "outbox empty")
            assert smtp.handler.counts() == {
                m.person.email: 1 for m in members if m.person.email != gone
            }, worker.log()
            # Beat's follow-up marks the refused address bad.
            wait_for(lambda: BadAddress.objects.filter(email=gone).exists(), 30, "bad address")

            second = make_newsletter(subject="Second")
            newsletters.start_sending(newsletter=second)
            wait_for(lambda: handled(second) >= MEMBERS - 1, 180, "second newsletter handled")
            wait_for(outbox_quiet, 60, "outbox empty")
        finally:
            worker.stop()
        counts = smtp.handler.counts()
        asked = smtp.handler.asked[gone]
    assert asked == 1  # refused once, never tried again
    assert counts == {m.person.email: 2 for m in members if m.person.email != gone}
    assert not NewsletterDelivery.objects.filter(newsletter=second, member=members[7]).exists()
    assert OutboxEmail.objects.filter(state=State.FAILED).count() == 1
    assert settings.CELERY_BROKER_URL.startswith("redis://")
