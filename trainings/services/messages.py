"""Staff write to everyone in a session (or in every session of a week) at once.

Flow: :func:`recipients` works out who gets the message (the preview shows it);
:func:`send_session_message` checks the text, records the :class:`SessionMessage` and
queues one outbox email per address in the same transaction. The compose form carries a
one-time token stored on the message, so a second submit of the same form returns the
message already sent instead of sending again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from norec_portal.audit import Action, record_audit
from norec_portal.emails import make_email_spec, render_email
from norec_portal.models import OutboxEmail
from norec_portal.outbox import queue_emails
from partnerships.models import PartnerOrganisation, Person

from .. import notifications
from ..models import (
    BODY_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    Enrolment,
    EnrolmentState,
    SessionMessage,
    TrainingSession,
    TrainingWeek,
)

Target = TrainingSession | TrainingWeek
TEMPLATE = "training_session_message"
# The people holding a seat; those marked as not having come are no longer written to.
SEATED = (EnrolmentState.NOMINATED, EnrolmentState.CONFIRMED, EnrolmentState.ATTENDED)


class Audience:
    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"


@dataclass
class Recipient:
    """One address that gets one copy. ``enrolments`` are the person's own (a participant)
    or those of the people they coordinate (a coordinator) that the message is about."""

    person: Person
    audience: str
    enrolments: list[Enrolment] = field(default_factory=list)
    organisations: list[PartnerOrganisation] = field(default_factory=list)

    @property
    def email(self) -> str:
        return self.person.email.strip()

    @property
    def language(self) -> str | None:
        return self.person.preferred_language or None


@dataclass
class Recipients:
    reachable: list[Recipient]
    # Enrolled people without an email address: the preview lists them to be reached
    # some other way.
    unreachable: list[Enrolment]

    def __len__(self) -> int:
        return len(self.reachable)


def _sessions_of(target: Target) -> list[TrainingSession]:
    if isinstance(target, TrainingWeek):
        return list(target.sessions.order_by("kind", "group", "pk"))
    return [target]


def recipients(target: Target, *, include_coordinators: bool, include_waitlist: bool) -> Recipients:
    """Who gets a message to ``target`` (a session, or every session of a week).

    The people holding a seat (nominated, confirmed, attended), and the waitlisted when
    asked; then, when asked, the active coordinators of their organisations. One copy
    per address (case-insensitive), the first role found winning: someone both enrolled
    and a coordinator reads the participant's version. People without an address are
    returned apart, once each.
    """
    states = [*SEATED, EnrolmentState.WAITLISTED] if include_waitlist else list(SEATED)
    enrolments = list(
        Enrolment.objects.filter(session__in=_sessions_of(target), state__in=states)
        .select_related("person", "organisation", "session__week__venue", "session__venue")
        .order_by("person__last_name", "person__first_name", "person_id", "session__kind", "pk")
    )
    by_address: dict[str, Recipient] = {}
    unreachable: dict[int, Enrolment] = {}
    for enrolment in enrolments:
        address = enrolment.person.email.strip().lower()
        if not address:
            unreachable.setdefault(enrolment.person_id, enrolment)
            continue
        recipient = by_address.setdefault(
            address, Recipient(person=enrolment.person, audience=Audience.PARTICIPANT)
        )
        if recipient.audience == Audience.PARTICIPANT and recipient.person == enrolment.person:
            recipient.enrolments.append(enrolment)
    if include_coordinators:
        by_organisation: dict[int, list[Enrolment]] = {}
        for enrolment in enrolments:
            by_organisation.setdefault(enrolment.organisation_id, []).append(enrolment)
        for organisation_id, contacts in notifications.coordinators_of(by_organisation).items():
            for contact in contacts:
                address = contact.person.email.strip().lower()
                recipient = by_address.setdefault(
                    address, Recipient(person=contact.person, audience=Audience.COORDINATOR)
                )
                # A person is one organisation's contact today (ContactPerson.person is
                # unique); should that change, their one copy names every organisation.
                if recipient.audience == Audience.COORDINATOR:
                    recipient.organisations.append(contact.organisation)
                    recipient.enrolments.extend(by_organisation[organisation_id])
    return Recipients(reachable=list(by_address.values()), unreachable=list(unreachable.values()))


# --- Checks -----------------------------------------------------------------------------


def normalise_body(body: str) -> str:
    """The body as written, with the browser's line ends made plain and the blank lines
    around it dropped (paragraphs inside are kept)."""
    return body.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()


def check_message(*, subject: str, body: str) -> dict[str, str]:
    """Problems with a message's text, by field (empty when it may be sent)."""
    problems: dict[str, str] = {}
    subject = subject.strip()
    if not subject:
        problems["subject"] = _("Write a subject: it is the first thing people see.")
    elif len(subject) > SUBJECT_MAX_LENGTH:
        problems["subject"] = _(
            "The subject is %(length)s characters long; keep it to %(max)s."
        ) % {"length": len(subject), "max": SUBJECT_MAX_LENGTH}
    elif any(ch in subject for ch in "\r\n\t") or not subject.isprintable():
        problems["subject"] = _("Write the subject on one line.")
    body = normalise_body(body)
    if not body.strip():
        problems["body"] = _("Write the message: it is empty.")
    elif len(body) > BODY_MAX_LENGTH:
        problems["body"] = _(
            "The message is %(length)s characters long; keep it to %(max)s (send a "
            "document as a link instead of pasting it)."
        ) % {"length": len(body), "max": BODY_MAX_LENGTH}
    return problems


def check_reachable(found: Recipients) -> None:
    if not found.reachable:
        raise ValidationError(
            _(
                "Nobody can get this message: no one in it has an email address with the "
                "choices made. Tick the waitlist or the coordinators, or enrol people first."
            )
        )


# --- The email --------------------------------------------------------------------------


def email_context(
    *, target: Target, recipient: Recipient, subject: str, body: str
) -> dict[str, Any]:
    week = target if isinstance(target, TrainingWeek) else target.week
    return {
        "recipient": recipient.person,
        "person": recipient.person,  # the layout's greeting
        "audience": recipient.audience,
        "organisations": ", ".join(o.name for o in recipient.organisations),
        "enrolments": recipient.enrolments,
        "subject": subject,
        "body": body,
        "week": week,
        "session": target if isinstance(target, TrainingSession) else None,
        "norec_email": settings.TRAINING_NOREC_EMAIL,
    }


@dataclass(frozen=True)
class Preview:
    recipient: Recipient
    subject: str
    text: str
    html: str
    language: str


def preview(*, target: Target, found: Recipients, subject: str, body: str) -> Preview | None:
    """The first recipient's copy, rendered as it will be queued."""
    if not found.reachable:
        return None
    first = found.reachable[0]
    context = email_context(
        target=target, recipient=first, subject=subject.strip(), body=normalise_body(body)
    )
    rendered_subject, text, html = render_email(TEMPLATE, context, language=first.language)
    language = first.language or settings.LANGUAGE_CODE
    return Preview(first, rendered_subject, text.rstrip(), html, language)


@transaction.atomic
def send_session_message(
    *,
    target: Target,
    subject: str,
    body: str,
    include_coordinators: bool,
    include_waitlist: bool,
    by: Any,
    token: uuid.UUID | None = None,
) -> tuple[SessionMessage, bool]:
    """Record the message and queue one copy per recipient, in one transaction. Returns
    the message and whether it was sent now.

    ``token`` is the compose form's: when a message with it exists already (the form was
    submitted twice) that message is returned with ``False`` and nothing more is sent.
    Raises ``ValidationError`` (by field) for a bad subject or body, and when nobody can
    be reached.
    """
    if token is not None:
        existing = SessionMessage.objects.filter(token=token).first()
        if existing is not None:
            return _same_target(existing, target), False
    problems = check_message(subject=subject, body=body)
    if problems:
        raise ValidationError(problems)
    subject, body = subject.strip(), normalise_body(body)
    found = recipients(
        target, include_coordinators=include_coordinators, include_waitlist=include_waitlist
    )
    check_reachable(found)
    message = SessionMessage(
        session=target if isinstance(target, TrainingSession) else None,
        week=target if isinstance(target, TrainingWeek) else None,
        subject=subject,
        body=body,
        include_coordinators=include_coordinators,
        include_waitlist=include_waitlist,
        sent_by=by,
        recipient_count=len(found),
        token=token or uuid.uuid4(),
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same form submitted twice at the same moment: the other request sends it.
        return _same_target(SessionMessage.objects.get(token=message.token), target), False
    reply_to = {"Reply-To": settings.TRAINING_NOREC_EMAIL}
    queue_emails(
        make_email_spec(
            key=message.outbox_key(recipient.person.pk),
            to=recipient.email,
            name=TEMPLATE,
            context=email_context(target=target, recipient=recipient, subject=subject, body=body),
            language=recipient.language,
            headers=reply_to,
        )
        for recipient in found.reachable
    )
    record_audit(
        by=by, action=Action.CREATE, obj=message, summary=f"sent to {len(found)} recipients"
    )
    return message, True


def _same_target(message: SessionMessage, target: Target) -> SessionMessage:
    if message.target != target:
        raise ValidationError(_("This form was already used for another message. Start again."))
    return message


# --- The log ----------------------------------------------------------------------------


def messages_for_session(session: TrainingSession) -> QuerySet[SessionMessage]:
    """A session's messages: its own and those written to its whole week."""
    return SessionMessage.objects.filter(
        Q(session=session) | Q(week_id=session.week_id) if session.week_id else Q(session=session)
    )


# --- Delivery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    sent: int
    queued: int
    failed: int

    @property
    def total(self) -> int:
        return self.sent + self.queued + self.failed


def delivery(message: SessionMessage) -> Delivery:
    """Where the message's copies are, from their outbox rows (one query)."""
    state = OutboxEmail.State
    counts = OutboxEmail.objects.filter(
        idempotency_key__startswith=message.outbox_prefix
    ).aggregate(
        sent=Count("pk", filter=Q(state=state.SENT)),
        failed=Count("pk", filter=Q(state=state.FAILED)),
        queued=Count("pk", filter=Q(state__in=[state.PENDING, state.SENDING, state.RETRYING])),
    )
    return Delivery(**counts)
