"""Newsletters and activity announcements: compose, preview, test, schedule, send.

Flow of one sending::

    start_sending()      DRAFT/SCHEDULED → SENDING by one conditional UPDATE (two clicks,
                         or beat and a click at once: one wins), then chunk 0 on commit
    send_chunk(n)        the task: lock the newsletter row (SKIP LOCKED) if it is still
                         SENDING at chunk n; pause it if too many messages failed; else
                         queue the next NEWSLETTER_CHUNK_SIZE members after ``cursor`` in
                         the outbox (key ``newsletter:<id>:member:<member id>``, one
                         NewsletterDelivery row each), move the cursor, and set
                         ``next_chunk_at`` NEWSLETTER_CHUNK_SECONDS later (with no
                         interval, chunk n + 1 is asked for at once). No member left → SENT.
    pause / resume       a status checked at every chunk; resuming asks for the chunk
                         the newsletter is at, so a stale task of the old run does nothing
    run_due_newsletters  beat, every NEWSLETTER_DUE_SECONDS: start scheduled newsletters
                         whose time has come, and ask for the chunk of every sending whose
                         ``next_chunk_at`` has passed

The pause between chunks lives in the database, never as a delayed (countdown) task on the
broker: a delayed task sits unacknowledged in the worker for the whole interval, and is
lost or stuck with it when the worker or Redis restarts (docs/reliability.md).

Each member gets a newsletter once: the delivery row is unique per newsletter and member
and the outbox key is unique too, whatever runs twice.

What each member receives is rendered in ``newsletter_copies``. The rest stays in this
module, a little over 500 lines: the status machine, the chunks and the progress read the
same fields of a sending and are easier to check side by side.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.audit import Action, changed_fields, record_audit, snapshot
from norec_portal.dispatch import send_task_on_commit
from norec_portal.emails import render_email
from norec_portal.models import OutboxEmail, User
from norec_portal.outbox import queue_emails

from ..models import (
    NEWSLETTER_TRANSITIONS,
    Activity,
    Audience,
    Member,
    MemberQuerySet,
    Newsletter,
    NewsletterDelivery,
)
from ..rendering import render_markdown
from .bounces import address_is_bad, sync_delivery_failures
from .newsletter_copies import TEMPLATE, email_context, list_headers, member_spec, member_specs

Status = Newsletter.Status
OutboxState = OutboxEmail.State
WAITING_STATES = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.RETRYING)
EDITABLE_FIELDS = ("subject", "body", "audience", "countries")


def chunk_size() -> int:
    return max(1, settings.NEWSLETTER_CHUNK_SIZE)


def chunk_seconds() -> float:
    return max(0.0, settings.NEWSLETTER_CHUNK_SECONDS)


# --- Audience ----------------------------------------------------------------------------


def audience_members(
    *, audience: str, countries: Iterable[Any] = (), exclude_bad: bool = True
) -> MemberQuerySet:
    """Members who said yes to the newsletter and fit the audience; unreachable
    addresses left out."""
    members = Member.objects.newsletter_audience()
    if audience == Audience.COUNTRIES:
        codes = [getattr(c, "code", c) for c in countries]
        members = members.filter(person__country__in=codes)
    elif audience == Audience.RESOURCE_PERSONS:
        members = members.resource_persons()
    if exclude_bad:
        members = members.filter(~address_is_bad("person__email"))
    return members


def recipients(newsletter: Newsletter) -> MemberQuerySet:
    return audience_members(audience=newsletter.audience, countries=newsletter.countries)


def _remaining(newsletter: Newsletter) -> MemberQuerySet:
    """Audience members the sending has not reached yet: those after the cursor.

    Chunks are queued in member order and move the cursor in the same transaction, so the
    cursor alone says who has a copy; a second copy would be refused anyway by the
    delivery's unique constraint and the outbox key; checking each member for an
    existing copy as well would make every chunk compare with all the copies so far.
    """
    return recipients(newsletter).filter(pk__gt=newsletter.cursor)


# --- Composing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    audience: str = Audience.ALL
    countries: tuple[str, ...] = ()


def _check(draft: Draft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not " ".join(draft.subject.split()):
        errors["subject"] = _("Give the newsletter a subject.")
    if not draft.body.strip():
        errors["body"] = _("Write the text of the newsletter.")
    if draft.audience not in Audience.values:
        errors["audience"] = _("Choose who receives it.")
    elif draft.audience == Audience.COUNTRIES and not draft.countries:
        errors["countries"] = _("Choose at least one country.")
    return errors


def _apply(newsletter: Newsletter, draft: Draft) -> None:
    errors = _check(draft)
    if errors:
        raise ValidationError(errors)
    newsletter.subject = " ".join(draft.subject.split())[:200]
    newsletter.body = draft.body
    newsletter.body_html = render_markdown(draft.body)
    newsletter.audience = draft.audience
    newsletter.countries = list(draft.countries) if draft.audience == Audience.COUNTRIES else []


@transaction.atomic
def create_newsletter(
    *, draft: Draft, by: User | None, activity: Activity | None = None
) -> Newsletter:
    """A new draft (an announcement when ``activity`` is given)."""
    newsletter = Newsletter(
        created_by=by,
        kind=Newsletter.Kind.ANNOUNCEMENT if activity else Newsletter.Kind.NEWSLETTER,
        activity=activity,
    )
    _apply(newsletter, draft)
    newsletter.save()
    record_audit(by=by, action=Action.CREATE, obj=newsletter, summary=newsletter.kind)
    return newsletter


@transaction.atomic
def update_newsletter(*, newsletter: Newsletter, draft: Draft, by: User | None) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if not newsletter.is_editable:
        raise ValidationError(
            _("A newsletter that is “%(status)s” can no longer be changed.")
            % {"status": newsletter.get_status_display()}
        )
    before = snapshot(newsletter, EDITABLE_FIELDS)
    _apply(newsletter, draft)
    newsletter.save()
    if changes := changed_fields(before, snapshot(newsletter, EDITABLE_FIELDS)):
        record_audit(by=by, action=Action.UPDATE, obj=newsletter, changes=changes)
    return newsletter


@transaction.atomic
def delete_draft(*, newsletter: Newsletter, by: User | None) -> None:
    deleted, _rows = Newsletter.objects.filter(pk=newsletter.pk, status=Status.DRAFT).delete()
    if not deleted:
        raise ValidationError(_("Only a draft can be deleted."))


# --- Status changes ----------------------------------------------------------------------


def _sources(to_status: str) -> list[str]:
    return [s for s, targets in NEWSLETTER_TRANSITIONS.items() if to_status in targets]


def _transition(newsletter: Newsletter, to_status: str, *, by: User | None, **fields: Any) -> bool:
    """One conditional UPDATE: True when this call made the change (then audited; ``by``
    None is beat or the send task)."""
    now = timezone.now()
    changed = Newsletter.objects.filter(pk=newsletter.pk, status__in=_sources(to_status)).update(
        status=to_status, status_changed_at=now, updated_at=now, **fields
    )
    if changed:
        record_audit(
            by=by,
            action=Action.STATUS,
            obj=newsletter,
            changes=["status", *fields],
            summary=to_status,
        )
    return bool(changed)


def _refused(newsletter: Newsletter) -> ValidationError:
    newsletter.refresh_from_db(fields=["status"])
    return ValidationError(
        _("This newsletter is “%(status)s”; that is not possible now.")
        % {"status": newsletter.get_status_display()}
    )


@transaction.atomic
def schedule_newsletter(*, newsletter: Newsletter, when: dt.datetime, by: User | None) -> None:
    if when <= timezone.now():
        raise ValidationError({"scheduled_for": _("Choose a time in the future.")})
    if newsletter.status == Status.SCHEDULED:
        # Moving the time of a scheduled newsletter is not a status change.
        changed = Newsletter.objects.filter(pk=newsletter.pk, status=Status.SCHEDULED).update(
            scheduled_for=when, updated_at=timezone.now()
        )
        if changed:
            record_audit(by=by, action=Action.UPDATE, obj=newsletter, changes=["scheduled_for"])
    else:
        changed = _transition(newsletter, Status.SCHEDULED, by=by, scheduled_for=when)
    if not changed:
        raise _refused(newsletter)


@transaction.atomic
def unschedule_newsletter(*, newsletter: Newsletter, by: User | None) -> None:
    if not _transition(newsletter, Status.DRAFT, by=by, scheduled_for=None):
        raise _refused(newsletter)


# The task that queues a chunk, asked for by name: the task module imports this one.
CHUNK_TASK = "network.tasks.send_newsletter_chunk"


def _ask_for_chunk(newsletter_id: int, chunk: int) -> None:
    """Have the task queue ``chunk`` once the current transaction commits."""
    if current_app.conf.task_always_eager:
        transaction.on_commit(lambda: _run_eagerly(newsletter_id, chunk))
    else:
        send_task_on_commit(CHUNK_TASK, newsletter_id, chunk)


_eager = threading.local()


def _run_eagerly(newsletter_id: int, chunk: int) -> None:
    """No worker (the embedded default): the sending runs here, chunk after chunk, in a
    loop. Each chunk asks for the next from its own on-commit hook, so calling it directly
    would nest one call per chunk and overflow the stack on a large audience."""
    pending: list[tuple[int, int]] | None = getattr(_eager, "pending", None)
    if pending is not None:
        pending.append((newsletter_id, chunk))
        return
    _eager.pending = pending = [(newsletter_id, chunk)]
    try:
        while pending:
            next_id, next_chunk = pending.pop(0)
            send_chunk(newsletter_id=next_id, chunk=next_chunk)
    finally:
        _eager.pending = None


@transaction.atomic
def start_sending(*, newsletter: Newsletter, by: User | None = None) -> bool:
    """Begin sending now. Only one caller wins, however many start it at once; the others
    get False (from beat) or a ValidationError (from staff, ``by`` given)."""
    now = timezone.now()
    if not _transition(
        newsletter,
        Status.SENDING,
        by=by,
        started_at=now,
        next_chunk_at=now,
        pause_reason="",
        failures_counted_since=now,
    ):
        if by is not None:
            raise _refused(newsletter)
        return False
    _ask_for_chunk(newsletter.pk, 0)
    return True


@transaction.atomic
def pause_sending(*, newsletter: Newsletter, by: User | None, reason: str = "") -> None:
    if not _transition(newsletter, Status.PAUSED, by=by, pause_reason=reason[:300]):
        raise _refused(newsletter)


@transaction.atomic
def resume_sending(*, newsletter: Newsletter, by: User | None) -> None:
    locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    if locked.status != Status.PAUSED:
        raise _refused(newsletter)
    now = timezone.now()
    _transition(
        locked,
        Status.SENDING,
        by=by,
        next_chunk_at=now,
        pause_reason="",
        failures_counted_since=now,
    )
    _ask_for_chunk(locked.pk, locked.chunks_sent)


@transaction.atomic
def cancel_newsletter(*, newsletter: Newsletter, by: User | None) -> None:
    """Stop for good: a scheduled one is not sent, a paused one sends no more."""
    if not _transition(newsletter, Status.CANCELLED, by=by):
        raise _refused(newsletter)


# --- What members get (the copies themselves: ``newsletter_copies``) ---------------------


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    recipient: str


def preview(newsletter: Newsletter) -> Preview:
    """What a member gets: rendered for the first member of the audience (or a sample)."""
    member = recipients(newsletter).select_related("person").order_by("pk").first()
    if member is not None:
        spec = member_spec(newsletter, member)
        return Preview(spec.subject, spec.text, spec.html, spec.headers, member.person.full_name)
    context = email_context(newsletter, first_name=_("Amina"), member_id=0)
    subject, text, html = render_email(TEMPLATE, context)
    return Preview(subject, text, html, list_headers(context["unsubscribe_url"]), "")


# --- Sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkResult:
    ran: bool
    queued: int = 0
    finished: bool = False
    paused: bool = False


def _outcome_counts(newsletter_id: int, *, since: dt.datetime | None = None) -> dict[str, int]:
    """Outbox states of the newsletter's copies (those queued ``since``, if given)."""
    emails = OutboxEmail.objects.filter(newsletter_deliveries__newsletter_id=newsletter_id)
    if since is not None:
        emails = emails.filter(newsletter_deliveries__created_at__gte=since)
    rows = emails.values("state").annotate(n=Count("pk")).order_by()
    return {row["state"]: row["n"] for row in rows}


def _too_many_failures(counts: dict[str, int]) -> float | None:
    """The failure rate, when it passes the threshold on enough finished messages."""
    failed = counts.get(OutboxState.FAILED, 0)
    finished = failed + counts.get(OutboxState.SENT, 0)
    if finished < settings.NEWSLETTER_PAUSE_MIN_FINISHED:
        return None
    rate = failed / finished
    return rate if rate > settings.NEWSLETTER_PAUSE_FAILURE_RATE else None


def send_chunk(*, newsletter_id: int, chunk: int) -> ChunkResult:
    """Queue the next chunk of one sending (the task's work; see the module docstring)."""
    # Addresses that failed since the last chunk are marked first, so they are skipped.
    sync_delivery_failures()
    with transaction.atomic():
        return _send_chunk(newsletter_id, chunk)


def _send_chunk(newsletter_id: int, chunk: int) -> ChunkResult:
    newsletter = (
        Newsletter.objects.select_for_update(skip_locked=True)
        .filter(pk=newsletter_id, status=Status.SENDING, chunks_sent=chunk)
        .first()
    )
    if newsletter is None:
        # Paused, cancelled, finished, already past this chunk, or another run holds it.
        return ChunkResult(ran=False)
    rate = _too_many_failures(
        _outcome_counts(newsletter.pk, since=newsletter.failures_counted_since)
    )
    if rate is not None:
        _transition(
            newsletter,
            Status.PAUSED,
            by=None,
            pause_reason=_("Paused by itself: %(rate)d%% of the messages sent so far failed.")
            % {"rate": round(rate * 100)},
        )
        return ChunkResult(ran=True, paused=True)
    members = list(_remaining(newsletter).select_related("person").order_by("pk")[: chunk_size()])
    now = timezone.now()
    if not members:
        _transition(newsletter, Status.SENT, by=None, finished_at=now, next_chunk_at=None)
        return ChunkResult(ran=True, finished=True)
    if not chunk_seconds() or current_app.conf.task_always_eager:
        # No interval: the next chunk is asked for before this one's deliveries (both on
        # commit, in this order), so one worker writes it while the others deliver this
        # one. With an interval, beat asks for it once ``next_chunk_at`` has passed; with
        # no worker at all (eager tasks), the chunks run one after the other in place.
        _ask_for_chunk(newsletter.pk, chunk + 1)
    _queue(newsletter, members)
    newsletter.cursor = members[-1].pk
    newsletter.chunks_sent = chunk + 1
    newsletter.next_chunk_at = now + timedelta(seconds=chunk_seconds())
    newsletter.save(update_fields=["cursor", "chunks_sent", "next_chunk_at", "updated_at"])
    return ChunkResult(ran=True, queued=len(members))


def _queue(newsletter: Newsletter, members: Sequence[Member]) -> None:
    specs = member_specs(newsletter, members)
    queue_emails(specs)
    outbox_ids = dict(
        OutboxEmail.objects.filter(idempotency_key__in=[s.key for s in specs]).values_list(
            "idempotency_key", "pk"
        )
    )
    NewsletterDelivery.objects.bulk_create(
        [
            NewsletterDelivery(
                newsletter=newsletter,
                member=member,
                email_id=outbox_ids.get(f"newsletter:{newsletter.pk}:member:{member.pk}"),
            )
            for member in members
        ],
        ignore_conflicts=True,
    )


def run_due_newsletters(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat: start what is scheduled for now, and ask for the next chunk of every sending
    whose ``next_chunk_at`` has passed.

    This is also what revives a sending whose chunk task was lost (a worker killed while
    it ran, a Redis restart): the chunk is due, so it is asked for again. A chunk asked
    for twice runs once (``send_chunk`` checks the chunk number under the row lock).
    """
    now = now or timezone.now()
    started = 0
    scheduled = Newsletter.objects.filter(status=Status.SCHEDULED, scheduled_for__lte=now)
    for newsletter in scheduled.order_by("scheduled_for", "pk"):
        started += start_sending(newsletter=newsletter)
    due = Newsletter.objects.filter(status=Status.SENDING, next_chunk_at__lte=now).values_list(
        "pk", "chunks_sent"
    )
    asked = 0
    for pk, chunk in due:
        with transaction.atomic():
            _ask_for_chunk(pk, chunk)
        asked += 1
    return {"started": started, "chunks": asked}


# --- Progress ----------------------------------------------------------------------------


@dataclass
class NewsletterProgress:
    counts: dict[str, int]
    remaining: int

    @property
    def sent(self) -> int:
        return self.counts.get(OutboxState.SENT, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(OutboxState.FAILED, 0)

    @property
    def waiting(self) -> int:
        return sum(self.counts.get(s, 0) for s in WAITING_STATES)

    @property
    def queued(self) -> int:
        return self.sent + self.failed + self.waiting

    @property
    def total(self) -> int:
        return self.queued + self.remaining

    @property
    def finished(self) -> int:
        return self.sent + self.failed

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0

    @property
    def failure_percent(self) -> int:
        return round(100 * self.failed / self.finished) if self.finished else 0

    @property
    def is_moving(self) -> bool:
        return self.waiting > 0


def progress(newsletter: Newsletter) -> NewsletterProgress:
    """Counts by the outbox rows' states (one query) and who is still to be queued."""
    counts = _outcome_counts(newsletter.pk)
    if newsletter.status in (Status.SENT, Status.CANCELLED):
        remaining = 0
    elif newsletter.status in (Status.DRAFT, Status.SCHEDULED):
        remaining = recipients(newsletter).count()
    else:
        remaining = _remaining(newsletter).count()
    return NewsletterProgress(counts=counts, remaining=remaining)


def annotate_progress(newsletters: Any) -> Any:
    """Per-state delivery counts on a list of newsletters, for list pages."""
    state = "deliveries__email__state"
    return newsletters.annotate(
        n_queued=Count("deliveries"),
        n_sent=Count("deliveries", filter=Q(**{state: OutboxState.SENT})),
        n_failed=Count("deliveries", filter=Q(**{state: OutboxState.FAILED})),
    )


# --- Archive -----------------------------------------------------------------------------


def archive() -> Any:
    """Newsletters members can read on the portal: those that went out."""
    return Newsletter.objects.filter(
        kind=Newsletter.Kind.NEWSLETTER, status__in=[Status.SENDING, Status.PAUSED, Status.SENT]
    ).order_by("-started_at", "-pk")
