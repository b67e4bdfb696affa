"""The email outbox: queue in the caller's transaction, deliver after commit.

Flow of one message::

    queue_email()  ── row PENDING, written with the business change ──┐
                                                                      │ on commit
    deliver_emails task ── claim_emails(): PENDING/RETRYING → SENDING (lease)
                       ── one SMTP connection for the batch
                       ── 250 → SENT · 4xx / connection error → RETRYING (backoff)
                       ── 5xx or a malformed message → FAILED (never retried)
    sweep_outbox (beat) ── expired lease → RETRYING (an attempt only for the message the
                           worker was on) · due rows → deliver_emails again

The database is the source of truth; the broker only carries wake-up hints, so a lost
task, a flushed Redis or a killed worker delays a message but never loses it.
"""

from __future__ import annotations

import logging
import random
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.utils import timezone

from .dispatch import send_task_on_commit
from .mailhealth import record_heartbeat
from .models import OutboxEmail

logger = logging.getLogger(__name__)

State = OutboxEmail.State
MAX_BACKOFF = timedelta(hours=6)
# Sent by name: the task shim imports this module, never the reverse.
DELIVER_TASK = "norec_portal.tasks.deliver_emails"


@dataclass(frozen=True)
class EmailSpec:
    """One message to queue, for :func:`queue_emails`."""

    key: str
    to: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    from_email: str = ""


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _new_row(spec: EmailSpec) -> OutboxEmail:
    return OutboxEmail(
        idempotency_key=spec.key,
        to_email=spec.to,
        from_email=spec.from_email or settings.DEFAULT_FROM_EMAIL,
        # Header injection is impossible through the subject: it is a single line.
        subject=" ".join(spec.subject.split())[:300],
        body_text=spec.text,
        body_html=spec.html,
        headers=dict(spec.headers),
        message_id=make_msgid(domain=settings.OUTBOX_MESSAGE_ID_DOMAIN),
    )


def queue_email(
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    from_email: str = "",
) -> OutboxEmail:
    """Queue one message inside the caller's transaction.

    Idempotent by ``key``: queueing the same key again returns the existing row and
    sends nothing more. Delivery is requested once the transaction commits.
    """
    spec = EmailSpec(
        key=key, to=to, subject=subject, text=text, html=html,
        headers=headers or {}, from_email=from_email,
    )  # fmt: skip
    row = _new_row(spec)
    existing = OutboxEmail.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another transaction queued the same key a moment ago: that row is the message.
        return OutboxEmail.objects.get(idempotency_key=key)
    request_delivery([row.pk])
    return row


def queue_emails(specs: Iterable[EmailSpec], *, chunk_size: int = 1000) -> list[int]:
    """Queue many messages at once (campaigns). Keys already present are skipped.

    Returns the ids of the rows that are new and still pending; delivery of those is
    requested after commit, in batches of ``OUTBOX_BATCH_SIZE``.
    """
    specs = list(specs)
    keys = [s.key for s in specs]
    with transaction.atomic():
        existing = set(
            OutboxEmail.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        rows = [_new_row(s) for s in specs if s.key not in existing]
        OutboxEmail.objects.bulk_create(rows, batch_size=chunk_size, ignore_conflicts=True)
        ids = list(
            OutboxEmail.objects.filter(
                idempotency_key__in=[r.idempotency_key for r in rows], state=State.PENDING
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    request_delivery(ids)
    return ids


def request_delivery(ids: Sequence[int]) -> None:
    """Ask the workers, after the current transaction commits, to deliver these rows."""
    batch = settings.OUTBOX_BATCH_SIZE
    for start in range(0, len(ids), batch):
        send_task_on_commit(DELIVER_TASK, list(ids[start : start + batch]))


def claim_emails(
    *, ids: Sequence[int] | None = None, limit: int | None = None
) -> list[OutboxEmail]:
    """Take due rows for this worker: PENDING/RETRYING → SENDING with a lease.

    Rows another worker has locked are skipped (``SKIP LOCKED`` on PostgreSQL), and the
    UPDATE is conditional on the state, so a row is claimed by one worker at a time.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    limit = limit or settings.OUTBOX_BATCH_SIZE
    with transaction.atomic():
        due = OutboxEmail.objects.filter(state__in=OutboxEmail.DUE_STATES, next_attempt_at__lte=now)
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        pks = list(
            due.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxEmail.objects.filter(pk__in=pks, state__in=OutboxEmail.DUE_STATES).update(
            state=State.SENDING,
            lease_expires_at=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            claim_token=token,
        )
    # Only rows carrying our token are ours, even if two workers raced on a database
    # without row locks (SQLite).
    return list(
        OutboxEmail.objects.filter(pk__in=pks, state=State.SENDING, claim_token=token).order_by(
            "pk"
        )
    )


def _build_message(row: OutboxEmail, connection: Any) -> EmailMultiAlternatives:
    # The stored Message-ID goes out with every attempt, so a copy resent after a crash
    # is recognisable as the same message.
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email,
        to=[row.to_email],
        headers={**row.headers, "Message-ID": row.message_id},
        connection=connection,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return message


def classify_error(exc: BaseException) -> tuple[bool, bool]:
    """Return ``(permanent, connection_broken)`` for a delivery error.

    5xx answers are permanent; 4xx answers and network trouble are transient.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        # smtplib closes the connection itself on a 421: the next message needs a new one.
        return (bool(codes) and min(codes) >= 500, 421 in codes)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (False, True)
    if isinstance(exc, smtplib.SMTPResponseException):
        broken = exc.smtp_code == 421  # "service closing transmission channel"
        return (exc.smtp_code >= 500, broken)
    if isinstance(exc, OSError | smtplib.SMTPException):
        return (False, True)
    # A message the mail library refuses to build will never send: do not loop on it.
    return (True, False)


def backoff(attempts: int) -> timedelta:
    base = settings.OUTBOX_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    delay = timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 (jitter)
    return min(delay, MAX_BACKOFF)


def _mark_sent(row: OutboxEmail) -> None:
    # Conditional only on the row not being sent yet, not on our lease: the message has
    # left, so the row must never be sent again even if its lease expired meanwhile.
    OutboxEmail.objects.filter(pk=row.pk).exclude(state=State.SENT).update(
        state=State.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        lease_expires_at=None,
        last_error="",
    )


def _mark_failed_attempt(row: OutboxEmail, exc: BaseException, *, permanent: bool) -> str:
    attempts = row.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        state, next_at = State.FAILED, timezone.now()
    else:
        state, next_at = State.RETRYING, timezone.now() + backoff(attempts)
    OutboxEmail.objects.filter(pk=row.pk, state=State.SENDING).update(
        state=state,
        attempts=attempts,
        last_error=error,
        lease_expires_at=None,
        next_attempt_at=next_at,
    )
    logger.warning("outbox %s to %s: %s (%s)", row.pk, row.to_email, error, state)
    return state


def _release(rows: Iterable[OutboxEmail]) -> None:
    """Hand claimed rows back untouched (e.g. the mail server is unreachable)."""
    OutboxEmail.objects.filter(pk__in=[r.pk for r in rows], state=State.SENDING).update(
        state=State.RETRYING,
        lease_expires_at=None,
        last_error="not attempted: mail server unreachable",
        next_attempt_at=timezone.now() + backoff(1),
    )


def _renew_lease(rows: Sequence[OutboxEmail]) -> None:
    OutboxEmail.objects.filter(pk__in=[r.pk for r in rows], state=State.SENDING).update(
        lease_expires_at=timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    )


def deliver_emails(*, ids: Sequence[int] | None = None) -> DeliveryReport:
    """Claim a batch of due rows and send them over one SMTP connection.

    Each message is marked in its own commit as soon as the server accepted it, so a
    worker killed mid-batch resends at most the message in flight (docs/reliability.md).
    """
    report = DeliveryReport()
    rows = claim_emails(ids=ids)
    if not rows:
        return report
    connection = get_connection(fail_silently=False)
    is_open = False
    renew_every = settings.OUTBOX_LEASE_SECONDS / 3
    last_renewal = timezone.now()
    try:
        for index, row in enumerate(rows):
            if (timezone.now() - last_renewal).total_seconds() > renew_every:
                _renew_lease(rows[index:])
                last_renewal = timezone.now()
            if not is_open:
                try:
                    connection.open()
                    is_open = True
                except Exception as exc:
                    # No connection, no attempt: hand the whole rest of the batch back.
                    logger.warning("outbox: cannot reach the mail server: %s", exc)
                    _release(rows[index:])
                    report.retrying += len(rows) - index
                    break
            try:
                _build_message(row, connection).send()
            except Exception as exc:  # classified below; nothing is swallowed silently
                permanent, broken = classify_error(exc)
                state = _mark_failed_attempt(row, exc, permanent=permanent)
                if state == State.FAILED:
                    report.failed += 1
                else:
                    report.retrying += 1
                if broken:
                    _close_quietly(connection)
                    is_open = False
            else:
                _mark_sent(row)
                report.sent += 1
    finally:
        if is_open:
            _close_quietly(connection)
    return report


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # noqa: S110 - the connection is being discarded anyway
        pass


@dataclass
class SweepReport:
    expired_leases: int = 0
    dispatched: int = 0


def _take_back_expired_leases(now: datetime) -> int:
    """Rows whose worker vanished (lease expired while SENDING) become RETRYING.

    Only the message a worker was on when it stopped may have reached the SMTP server,
    and only that one is charged an attempt (so a message that kills workers ends FAILED
    after ``OUTBOX_MAX_ATTEMPTS``). A worker sends its claim in id order and marks each
    row as it leaves, so that message is the lowest id still SENDING under its claim
    token; the rows after it were never handed over and keep their count.
    """
    expired = OutboxEmail.objects.filter(state=State.SENDING, lease_expires_at__lt=now)
    in_flight = (
        expired.order_by()
        .values("claim_token")
        .annotate(first=Min("pk"))
        .values_list("first", flat=True)
    )
    with transaction.atomic():
        tried = expired.filter(pk__in=list(in_flight)).update(
            state=State.RETRYING,
            attempts=F("attempts") + 1,
            lease_expires_at=None,
            last_error="lease expired: the worker stopped while sending this message",
            next_attempt_at=now,
        )
        untried = expired.update(
            state=State.RETRYING,
            lease_expires_at=None,
            last_error="lease expired: the worker stopped before trying this message",
            next_attempt_at=now,
        )
    return tried + untried


def sweep_outbox(*, grace_seconds: int | None = None) -> SweepReport:
    """Re-drive the outbox from the database (run by beat every few seconds).

    1. Rows whose worker vanished are taken back (:func:`_take_back_expired_leases`).
    2. Rows due for (re)delivery are handed to workers again. Fresh PENDING rows get a
       grace period because their own on-commit task is normally on its way.
    3. The sweep's heartbeat is written: a worker ran it just now.
    """
    now = timezone.now()
    report = SweepReport()
    report.expired_leases = _take_back_expired_leases(now)
    OutboxEmail.objects.filter(
        state=State.RETRYING, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS
    ).update(state=State.FAILED)
    if grace_seconds is None:
        grace_seconds = settings.OUTBOX_LEASE_SECONDS // 10
    due_ids = list(
        OutboxEmail.objects.filter(state__in=OutboxEmail.DUE_STATES, next_attempt_at__lte=now)
        .exclude(state=State.PENDING, created_at__gt=now - timedelta(seconds=grace_seconds))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    request_delivery(due_ids)
    report.dispatched = len(due_ids)
    # The staff overview reads this to say whether a worker (and beat) is alive.
    record_heartbeat()
    return report


def retry_emails(ids: Sequence[int]) -> int:
    """Staff action: put failed or waiting rows back in the queue now."""
    with transaction.atomic():
        count = OutboxEmail.objects.filter(
            pk__in=list(ids), state__in=[State.FAILED, State.RETRYING]
        ).update(state=State.PENDING, next_attempt_at=timezone.now(), attempts=0)
        request_delivery(list(ids))
    return count


def redact_sent_emails() -> int:
    """Blank the bodies of messages delivered more than ``OUTBOX_KEEP_SENT_DAYS`` ago.

    The row itself stays: its idempotency key is what keeps a message from ever being
    sent twice, and the recipient, subject and times stay useful for support.
    """
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)
    return (
        OutboxEmail.objects.filter(state=State.SENT, sent_at__lt=cutoff)
        .exclude(body_text="", body_html="")
        .update(body_text="", body_html="")
    )
