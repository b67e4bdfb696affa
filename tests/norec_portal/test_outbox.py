from __future__ import annotations

import smtplib
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from norec_portal import outbox
from norec_portal.emails import send_templated_email
from norec_portal.models import OutboxEmail
from tests.smtp_server import RecordingHandler, SMTPServer

State = OutboxEmail.State
pytestmark = pytest.mark.django_db


def queue(n: int = 1, prefix: str = "test") -> list[OutboxEmail]:
    return [
        outbox.queue_email(
            key=f"{prefix}:{i}", to=f"person{i}@example.org", subject="Hello", text="Body"
        )
        for i in range(n)
    ]


def test_queue_email_is_idempotent_by_key():
    first = outbox.queue_email(key="k:1", to="a@example.org", subject="One", text="x")
    again = outbox.queue_email(key="k:1", to="b@example.org", subject="Two", text="y")
    assert again.pk == first.pk
    assert OutboxEmail.objects.count() == 1
    assert OutboxEmail.objects.get().to_email == "a@example.org"


def test_queue_email_belongs_to_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.queue_email(key="k:rollback", to="a@example.org", subject="S", text="x")
        raise RuntimeError("the business change failed")
    assert not OutboxEmail.objects.exists()


def test_delivery_is_requested_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(3)
        assert len(mail.outbox) == 0
    assert len(callbacks) == 3
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == [f"person{i}@example.org" for i in range(3)]
    assert set(OutboxEmail.objects.values_list("state", flat=True)) == {State.SENT}


def test_queue_emails_skips_known_keys_and_batches_delivery(django_capture_on_commit_callbacks):
    queue(2, prefix="bulk")
    specs = [
        outbox.EmailSpec(key=f"bulk:{i}", to=f"person{i}@example.org", subject="S", text="t")
        for i in range(5)
    ]
    with override_settings(OUTBOX_BATCH_SIZE=2), django_capture_on_commit_callbacks() as cbs:
        ids = outbox.queue_emails(specs)
    assert len(ids) == 3
    assert len(cbs) == 2  # three new rows in batches of two
    assert OutboxEmail.objects.count() == 5


def test_subject_cannot_carry_extra_headers():
    row = outbox.queue_email(
        key="k:inject", to="a@example.org", subject="Hi\r\nBcc: evil@example.org", text="x"
    )
    assert "\n" not in row.subject and "\r" not in row.subject
    outbox.deliver_emails()
    assert mail.outbox[0].bcc == []


def test_message_keeps_its_message_id_and_headers():
    row = outbox.queue_email(
        key="k:h", to="a@example.org", subject="S", text="plain", html="<p>rich</p>",
        headers={"List-Unsubscribe": "<https://example.org/u>"},
    )  # fmt: skip
    outbox.deliver_emails()
    message = mail.outbox[0].message()
    assert message["Message-ID"] == row.message_id
    assert message["List-Unsubscribe"] == "<https://example.org/u>"
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_a_message_reads_back_whole_with_its_headers():
    row = outbox.queue_email(
        key="k:p", to="Åse Nordmann <aase@example.org>",
        subject="Nyhetsbrev – november: a subject long enough to be folded over two lines",
        text="plain ✓ " * 40, html="<p>rich ✓</p>" * 40,
        headers={"List-Unsubscribe": "<https://portal.norec.no/network/unsubscribe/12001:"
                                     "CCG3iR4TLqDFzCVx6Hv3hwzfU_Su7M3cVm3DLKIXszw/>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )  # fmt: skip
    outbox.deliver_emails()
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes(), policy=default)
    # Django writes headers with compat32, which may fold before the first word.
    assert parsed["Subject"].strip() == row.subject
    assert parsed["Message-ID"] == row.message_id
    assert parsed["List-Unsubscribe"].strip() == row.headers["List-Unsubscribe"]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = (part.get_content() for part in parsed.iter_parts())
    assert (text, html) == ("plain ✓ " * 40, "<p>rich ✓</p>" * 40)


def test_a_retried_message_keeps_its_message_id(flaky):
    (row,) = queue(1)
    flaky({"person0@example.org": [smtplib.SMTPServerDisconnected("gone")]})
    outbox.deliver_emails()
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    outbox.deliver_emails()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 2)
    assert outbox._build_message(row, None).message()["Message-ID"] == row.message_id


def test_a_sent_mark_survives_an_expired_lease():
    """The message left: even if the sweep took the row back meanwhile, it is sent."""
    (row,) = queue(1)
    outbox.claim_emails()
    OutboxEmail.objects.filter(pk=row.pk).update(
        state=State.RETRYING, lease_expires_at=None, attempts=1
    )
    outbox._mark_sent(row)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.lease_expires_at) == (State.SENT, 2, None)
    assert outbox.claim_emails() == []


def test_delivery_marks_sent_once():
    queue(3)
    report = outbox.deliver_emails()
    assert report.sent == 3
    assert outbox.deliver_emails().sent == 0  # nothing left to claim
    assert len(mail.outbox) == 3
    row = OutboxEmail.objects.first()
    assert row.state == State.SENT and row.attempts == 1 and row.sent_at is not None


class FlakyConnection:
    """An email connection that raises the scripted errors, then succeeds."""

    def __init__(self, errors: dict[str, list[BaseException]]) -> None:
        self.errors = errors
        self.sent: list[str] = []
        self.opened = 0

    def open(self):
        self.opened += 1

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            queue_ = self.errors.get(message.to[0], [])
            if queue_:
                raise queue_.pop(0)
            self.sent.append(message.to[0])
        return len(messages)


@pytest.fixture
def flaky(monkeypatch):
    def install(errors):
        connection = FlakyConnection(errors)
        monkeypatch.setattr(outbox, "get_connection", lambda **kw: connection)
        return connection

    return install


def test_transient_error_is_retried_with_backoff(flaky, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    queue(1)
    connection = flaky(
        {"person0@example.org": [smtplib.SMTPRecipientsRefused(
            {"person0@example.org": (451, b"try later")})]}
    )  # fmt: skip
    report = outbox.deliver_emails()
    row = OutboxEmail.objects.get()
    assert report.retrying == 1
    assert row.state == State.RETRYING and row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=40)
    assert outbox.deliver_emails().sent == 0  # not due yet
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_emails().sent == 1
    assert connection.sent == ["person0@example.org"]


def test_permanent_error_fails_without_retry(flaky):
    queue(2)
    connection = flaky(
        {"person0@example.org": [smtplib.SMTPRecipientsRefused(
            {"person0@example.org": (550, b"no such user")})] * 5}
    )  # fmt: skip
    report = outbox.deliver_emails()
    assert (report.sent, report.failed) == (1, 1)
    failed = OutboxEmail.objects.get(to_email="person0@example.org")
    assert failed.state == State.FAILED and "550" in failed.last_error
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    outbox.sweep_outbox(grace_seconds=0)
    assert connection.sent == ["person1@example.org"]


def test_421_closes_the_connection_without_blaming_the_next_message(flaky):
    queue(2)
    refused = {"person0@example.org": (421, b"closing")}
    connection = flaky({"person0@example.org": [smtplib.SMTPRecipientsRefused(refused)]})
    report = outbox.deliver_emails()
    assert (report.sent, report.retrying) == (1, 1)
    assert connection.opened == 2  # reconnected for person1
    assert OutboxEmail.objects.get(to_email="person1@example.org").attempts == 1


def test_queueing_a_key_that_appears_meanwhile_returns_that_row(monkeypatch):
    first = outbox.queue_email(key="race", to="a@example.org", subject="S", text="x")
    # Simulate the race: the existence check misses the row another transaction just wrote.
    real_filter = OutboxEmail.objects.filter
    calls = {"n": 0}

    def blind_filter(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(OutboxEmail.objects, "filter", blind_filter)
    again = outbox.queue_email(key="race", to="a@example.org", subject="S", text="x")
    assert again.pk == first.pk
    assert OutboxEmail.objects.count() == 1


def test_broken_connection_is_reopened_for_the_rest_of_the_batch(flaky):
    queue(3)
    connection = flaky({"person1@example.org": [smtplib.SMTPServerDisconnected("gone")]})
    report = outbox.deliver_emails()
    assert (report.sent, report.retrying) == (2, 1)
    assert connection.opened == 2


def test_unreachable_server_releases_the_batch_untouched(monkeypatch):
    queue(3)

    class Down:
        def open(self):
            raise ConnectionRefusedError("refused")

        def close(self):
            pass

    monkeypatch.setattr(outbox, "get_connection", lambda **kw: Down())
    report = outbox.deliver_emails()
    assert report.retrying == 3
    assert set(OutboxEmail.objects.values_list("state", "attempts")) == {(State.RETRYING, 0)}


def test_gives_up_after_max_attempts(flaky, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    queue(1)
    error = smtplib.SMTPRecipientsRefused({"person0@example.org": (451, b"later")})
    flaky({"person0@example.org": [error, error, error]})
    outbox.deliver_emails()
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    outbox.deliver_emails()
    row = OutboxEmail.objects.get()
    assert row.state == State.FAILED and row.attempts == 2


def test_sweep_requeues_expired_leases_and_redrives(django_capture_on_commit_callbacks):
    (row,) = queue(1)
    claimed = outbox.claim_emails()
    assert [r.pk for r in claimed] == [row.pk]
    assert outbox.claim_emails() == []  # leased: nobody else takes it
    OutboxEmail.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        report = outbox.sweep_outbox(grace_seconds=0)
    assert report.expired_leases == 1
    row.refresh_from_db()
    assert row.state == State.SENT and row.attempts == 2
    assert len(mail.outbox) == 1


def test_sweep_charges_an_attempt_only_to_the_message_the_worker_was_on():
    """A worker sent the first row of its claim and died on the second: only the second
    may have reached the server; the third was never handed over and keeps its count."""
    first, second, third = queue(3)
    claimed = outbox.claim_emails()
    assert [r.pk for r in claimed] == [first.pk, second.pk, third.pk]
    outbox._mark_sent(claimed[0])
    OutboxEmail.objects.filter(state=State.SENDING).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.sweep_outbox(grace_seconds=0).expired_leases == 2
    rows = {r.pk: (r.state, r.attempts) for r in OutboxEmail.objects.all()}
    assert rows == {
        first.pk: (State.SENT, 1),
        second.pk: (State.RETRYING, 1),
        third.pk: (State.RETRYING, 0),
    }


def test_a_message_never_tried_does_not_fail_however_often_its_worker_dies(settings):
    """Interruptions before a message was handed to the server cost it nothing: it does
    not end FAILED after OUTBOX_MAX_ATTEMPTS (and no bounce handling sees it fail)."""
    settings.OUTBOX_MAX_ATTEMPTS = 2
    first, second = queue(2)
    for _crash in range(4):
        OutboxEmail.objects.filter(pk=first.pk).update(
            state=State.RETRYING, attempts=0, next_attempt_at=timezone.now()
        )
        outbox.claim_emails()  # the worker takes both, then dies on the first
        OutboxEmail.objects.filter(state=State.SENDING).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        outbox.sweep_outbox(grace_seconds=0)
    second.refresh_from_db()
    assert (second.state, second.attempts) == (State.RETRYING, 0)
    # Interrupted with a worker on it each time, the first would have failed.
    for _crash in range(2):
        outbox.claim_emails(ids=[first.pk])
        OutboxEmail.objects.filter(state=State.SENDING).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        outbox.sweep_outbox(grace_seconds=0)
    first.refresh_from_db()
    assert (first.state, first.attempts) == (State.FAILED, 2)


def test_sweep_leaves_fresh_pending_rows_to_their_own_task():
    queue(1)
    assert outbox.sweep_outbox(grace_seconds=60).dispatched == 0
    assert outbox.sweep_outbox(grace_seconds=0).dispatched == 1


def test_a_sending_row_must_have_a_lease():
    (row,) = queue(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxEmail.objects.filter(pk=row.pk).update(state=State.SENDING)


def test_redaction_keeps_the_key_but_drops_the_body(settings):
    queue(1)
    outbox.deliver_emails()
    OutboxEmail.objects.update(sent_at=timezone.now() - timedelta(days=400))
    assert outbox.redact_sent_emails() == 1
    row = OutboxEmail.objects.get()
    assert row.body_text == "" and row.idempotency_key == "test:0"
    again = outbox.queue_email(key="test:0", to="person0@example.org", subject="S", text="x")
    assert again.pk == row.pk and again.state == State.SENT


def test_templated_email_renders_subject_text_and_html():
    row = send_templated_email(
        key="tpl:1", to="a@example.org", name="outbox_test", context={"name": "Amina"}
    )
    assert row.subject == "Test message for Amina"
    assert "Hello Amina" in row.body_text
    assert "<strong>Amina</strong>" in row.body_html


def test_staff_see_the_outbox_and_retry_failed_rows(
    staff_client, django_capture_on_commit_callbacks
):
    (row,) = queue(1)
    OutboxEmail.objects.update(state=State.FAILED, attempts=3, last_error="550 nope")
    url = reverse("admin:norec_portal_outboxemail_changelist")
    response = staff_client.get(url, {"state__exact": "failed"})
    assert response.status_code == 200
    assert "person0@example.org" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url, {"action": "retry_now", "_selected_action": [row.pk]}, follow=True
        )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.state == State.SENT
    assert len(mail.outbox) == 1


def test_real_smtp_server_receives_each_message_once(settings):
    with SMTPServer(RecordingHandler(always={"bad@example.org": "550 no such user"})) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = False
        queue(20)
        outbox.queue_email(key="bad", to="bad@example.org", subject="S", text="x")
        report = outbox.deliver_emails()
    assert (report.sent, report.failed) == (20, 1)
    assert server.handler.counts() == {f"person{i}@example.org": 1 for i in range(20)}


def test_the_workers_and_the_sweep_read_the_partial_indexes():
    """The due and lease queries and the indexes' conditions must keep matching (the same
    states): a sent message is in neither index, so they stay the size of the queue."""
    from django.db import connection

    from tests.conftest import need_stack

    if connection.vendor != "postgresql":
        need_stack("the plan checked is PostgreSQL's (set DATABASE_URL)")
    now = timezone.now()
    queries = {
        "outbox_due_idx": OutboxEmail.objects.filter(
            state__in=OutboxEmail.DUE_STATES, next_attempt_at__lte=now
        ).values_list("pk"),
        "outbox_lease_idx": OutboxEmail.objects.filter(
            state=OutboxEmail.State.SENDING, lease_expires_at__lt=now
        ).values_list("pk"),
        "outbox_failed_idx": OutboxEmail.objects.filter(state=OutboxEmail.State.FAILED)
        .order_by("pk")
        .values_list("pk")[:10],
    }
    for index, query in queries.items():
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, plan
