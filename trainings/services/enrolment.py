"""Enrolment: the one ``enrol`` every path uses, and the state changes. The rules of who
may be put in a session are in ``eligibility``.

Locking: every function that changes who holds a seat locks the session row first (see
``lock_session``), one session per transaction, so two enrolments can never race past
the capacity and locks are never taken in two orders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.audit import Action, record_audit
from norec_portal.models import User
from partnerships.models import (
    PartnerOrganisation,
    Person,
)

from .. import notifications
from ..models import (
    ACTIVE_STATES,
    ENROLMENT_TRANSITIONS,
    Enrolment,
    EnrolmentState,
    TrainingSession,
)
from .common import format_day, free_days, lock_person, lock_session, occupy_days, seats_taken
from .eligibility import check_confirmation, check_enrolment
from .seats import fill_free_seats


@transaction.atomic
def enrol(
    *,
    session: TrainingSession,
    person: Person,
    by: User | None,
    organisation: PartnerOrganisation | None = None,
    confirm: bool = False,
) -> Enrolment:
    """Put ``person`` in ``session``: nominated (or confirmed when ``confirm``) while seats
    are free, waitlisted once the session is full.

    The one entry point for staff, coordinators (who pass their ``organisation``), the
    admin and imports. The seat count happens under the session's row lock, the rules
    about the person's other enrolments under the person's (taken second). The database
    holds them too (one session a day, one Training 1/2 per exchange): a clash the locks
    did not catch is answered with the same message.
    """
    session = lock_session(session)
    lock_person(person)
    placement = check_enrolment(session=session, person=person, organisation=organisation)
    if confirm:
        check_confirmation(kind=session.kind, participant=placement.participant, person=person)
    requested = EnrolmentState.CONFIRMED if confirm else EnrolmentState.NOMINATED
    now = timezone.now()
    full = seats_taken(session) >= session.capacity
    state = EnrolmentState.WAITLISTED if full else requested
    enrolment = Enrolment(
        session=session,
        kind=session.kind,
        person=person,
        participant=placement.participant,
        contact=placement.contact,
        organisation=placement.organisation,
        state=state,
        requested_state=requested,
        waitlisted_at=now if full else None,
        confirmed_at=now if state == EnrolmentState.CONFIRMED else None,
        nominated_by=by,
        created_at=now,
    )
    try:
        with transaction.atomic():
            enrolment.save()
            occupy_days(enrolment)
    except IntegrityError as exc:
        # Someone enrolled the same person a moment ago (another tab, another worker):
        # say which rule it was, as the checks would now.
        check_enrolment(session=session, person=person, organisation=organisation)
        raise ValidationError(
            _("%(name)s was enrolled a moment ago.") % {"name": person.full_name}
        ) from exc
    record_audit(by=by, action=Action.CREATE, obj=enrolment, summary=state,
                 changes=["session", "person", "state"])  # fmt: skip
    if state == EnrolmentState.CONFIRMED:
        notifications.notify_confirmed(enrolment)
    else:
        notifications.notify_enrolled(enrolment)
    if state == EnrolmentState.WAITLISTED:
        notifications.notify_waitlist_started(session)
    return enrolment


@dataclass(frozen=True)
class Outcome:
    """What nominating one person of several came to: their enrolment, or the rule's
    message."""

    person: Person
    enrolment: Enrolment | None = None
    refusal: str = ""


def enrol_each(
    *,
    session: TrainingSession,
    people: Sequence[Person],
    by: User | None,
    organisation: PartnerOrganisation | None = None,
    confirm: bool = False,
) -> list[Outcome]:
    """Nominate several people to ``session`` in one step, each through :func:`enrol` in
    a transaction of their own: one refused (with the rule's message) does not hold back
    the others. Unlike the list import, which is all or nothing, this answers person by
    person, in the order given."""
    outcomes = []
    for person in people:
        try:
            enrolment = enrol(
                session=session, person=person, by=by, organisation=organisation,
                confirm=confirm,
            )  # fmt: skip
        except ValidationError as exc:
            outcomes.append(Outcome(person, refusal=" ".join(exc.messages)))
        else:
            outcomes.append(Outcome(person, enrolment))
    return outcomes


MAX_IMPORT_LINES = 500


@transaction.atomic
def enrol_many(
    *, session: TrainingSession, emails: Sequence[str], by: User | None, confirm: bool = False
) -> list[Enrolment]:
    """Import: enrol the people with these email addresses, one per line, through
    :func:`enrol`. All or nothing: if any line fails, nobody is enrolled (and nobody is
    mailed), and the error lists every failing line."""
    lines = [(number, raw.strip().lower()) for number, raw in enumerate(emails, start=1)]
    lines = [(number, email) for number, email in lines if email]
    if not lines:
        raise ValidationError(_("Give at least one email address."))
    if len(lines) > MAX_IMPORT_LINES:
        raise ValidationError(_("At most %(max)s lines at a time.") % {"max": MAX_IMPORT_LINES})
    valid = {email for _n, email in lines if _is_email(email)}
    people = {p.email: p for p in Person.objects.filter(email__in=valid)}
    problems: list[str] = []
    enrolments: list[Enrolment] = []
    seen: set[str] = set()
    for number, email in lines:
        context = {"line": number, "email": email}
        if email not in valid:
            context["email"] = email.replace("\x00", "")[:100]
            problems.append(_("Line %(line)s: “%(email)s” is not an email address.") % context)
            continue
        if email in seen:
            problems.append(_("Line %(line)s: %(email)s appears twice.") % context)
            continue
        seen.add(email)
        person = people.get(email)
        if person is None:
            problems.append(
                _("Line %(line)s: nobody is registered with the email %(email)s.") % context
            )
            continue
        try:
            enrolments.append(enrol(session=session, person=person, by=by, confirm=confirm))
        except ValidationError as exc:
            problems.append(
                _("Line %(line)s (%(email)s): %(message)s")
                % {**context, "message": " ".join(exc.messages)}
            )
    if problems:
        raise ValidationError(problems)
    return enrolments


def _is_email(value: str) -> bool:
    # A NUL byte cannot even be sent to PostgreSQL in a query.
    if "\x00" in value:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _transition_error(enrolment: Enrolment, target: str) -> ValidationError:
    allowed = [EnrolmentState(s).label for s in ENROLMENT_TRANSITIONS[enrolment.state]]
    return ValidationError(
        _("An enrolment that is “%(state)s” cannot become “%(target)s”.")
        % {"state": enrolment.get_state_display(), "target": EnrolmentState(target).label}
        + (" " + _("It can become: %(allowed)s.") % {"allowed": ", ".join(map(str, allowed))}
           if allowed else "")
    )  # fmt: skip


def _lock_enrolment(enrolment: Enrolment) -> tuple[TrainingSession, Enrolment]:
    session = lock_session(enrolment.session_id)
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("person", "participant", "organisation")
        .get(pk=enrolment.pk)
    )
    locked.session = session
    return session, locked


@transaction.atomic
def confirm_enrolment(*, enrolment: Enrolment, by: User | None) -> Enrolment:
    """Nominated → confirmed (Training 1 needs the e-learning done)."""
    session, enrolment = _lock_enrolment(enrolment)
    if enrolment.state != EnrolmentState.NOMINATED:
        raise _transition_error(enrolment, EnrolmentState.CONFIRMED)
    if session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    check_confirmation(
        kind=enrolment.kind, participant=enrolment.participant, person=enrolment.person
    )
    enrolment.state = EnrolmentState.CONFIRMED
    enrolment.requested_state = EnrolmentState.CONFIRMED
    enrolment.confirmed_at = timezone.now()
    enrolment.save(update_fields=["state", "requested_state", "confirmed_at"])
    record_audit(by=by, action=Action.STATUS, obj=enrolment, summary=enrolment.state,
                 changes=["state", "requested_state", "confirmed_at"])  # fmt: skip
    notifications.notify_confirmed(enrolment)
    return enrolment


# What a cancellation changes (named in the audit log).
CANCEL_FIELDS = ("state", "cancelled_at", "cancelled_by", "cancellation_reason")


@transaction.atomic
def cancel_enrolment(*, enrolment: Enrolment, by: User | None, reason: str = "") -> Enrolment:
    """Cancel an enrolment; a freed seat goes to the first on the waitlist. The person,
    Norec and the organisation's coordinators are told."""
    session, enrolment = _lock_enrolment(enrolment)
    if enrolment.state not in ACTIVE_STATES:
        raise _transition_error(enrolment, EnrolmentState.CANCELLED)
    if session.has_started():
        raise ValidationError(
            _("The session has begun: record that the person did not attend instead.")
        )
    held_seat = enrolment.holds_seat
    enrolment.state = EnrolmentState.CANCELLED
    enrolment.cancelled_at = timezone.now()
    enrolment.cancelled_by = by
    enrolment.cancellation_reason = reason.strip()[:500]
    enrolment.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancellation_reason"])
    free_days(enrolment)
    record_audit(by=by, action=Action.STATUS, obj=enrolment, summary=enrolment.state,
                 changes=CANCEL_FIELDS)  # fmt: skip
    notifications.notify_cancelled(enrolment)
    if held_seat:
        fill_free_seats(session)
    return enrolment


@transaction.atomic
def mark_attendance(
    *, enrolment: Enrolment, attended: bool, by: User | None, today: dt.date | None = None
) -> Enrolment:
    """Confirmed → attended or no-show, once the session has begun (correctable)."""
    target = EnrolmentState.ATTENDED if attended else EnrolmentState.NO_SHOW
    session, enrolment = _lock_enrolment(enrolment)
    if target not in ENROLMENT_TRANSITIONS[enrolment.state]:
        raise _transition_error(enrolment, target)
    if not session.has_started(today):
        raise ValidationError(
            _("Attendance can be recorded once the session has begun (%(date)s).")
            % {"date": format_day(session.first_day)}
        )
    enrolment.state = target
    enrolment.attendance_marked_at = timezone.now()
    try:
        with transaction.atomic():
            enrolment.save(update_fields=["state", "attendance_marked_at"])
    except IntegrityError as exc:
        # A no-show retook the training elsewhere: that one counts now.
        raise ValidationError(
            _(
                "%(name)s has since been enrolled in %(kind)s again; record the "
                "attendance there, or cancel that enrolment first."
            )
            % {"name": enrolment.person.full_name, "kind": enrolment.session.name}
        ) from exc
    record_audit(by=by, action=Action.STATUS, obj=enrolment, summary=target,
                 changes=["state", "attendance_marked_at"])  # fmt: skip
    return enrolment
