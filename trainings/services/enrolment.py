"""Enrolment: the rules, the one ``enrol`` every path uses, and the state changes.

Locking: every function that changes who holds a seat locks the session row first (see
``_lock_session``), one session per transaction, so two enrolments can never race past
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
    ContactPerson,
    Participant,
    PartnerOrganisation,
    PartnershipMember,
    Person,
    Phase,
)

from .. import conf, notifications
from ..models import (
    ACTIVE_STATES,
    ENROLMENT_TRANSITIONS,
    PARTICIPANT_KINDS,
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
)
from .common import SIGNED_PHASES, _date, _kind_label, _lock_session, _seats_taken


@dataclass(frozen=True)
class Placement:
    """What an enrolment hangs on: the participation or the contact role, and the
    organisation that nominates."""

    organisation: PartnerOrganisation
    participant: Participant | None = None
    contact: ContactPerson | None = None


def _participant_placement(
    session: TrainingSession, person: Person, organisation: PartnerOrganisation | None
) -> Placement:
    name = person.full_name
    kind = _kind_label(session.kind)
    participant = (
        Participant.objects.current()
        .select_related("sending_organisation")
        .filter(person=person)
        .first()
    )
    if participant is None:
        raise ValidationError(
            _("%(kind)s is for participants on exchange; %(name)s is not a current participant.")
            % {"kind": kind, "name": name}
        )
    if participant.sending_organisation is None:
        raise ValidationError(
            _("%(name)s has no sending organisation; participants are nominated through it.")
            % {"name": name}
        )
    if organisation is not None and participant.sending_organisation_id != organisation.pk:
        raise ValidationError(
            _("%(name)s is not a participant sent by your organisation.") % {"name": name}
        )
    first = session.kind == SessionKind.TRAINING_1
    anchor = participant.exchange_start if first else participant.exchange_end
    if anchor is None:
        raise ValidationError(
            (
                _("%(name)s has no exchange start date yet; it decides when Training 1 is due.")
                if first
                else _("%(name)s has no exchange end date yet; it decides when Training 2 is due.")
            )
            % {"name": name}
        )
    before, after = conf.window_days(session.kind)
    earliest = anchor - dt.timedelta(days=before)
    latest = anchor + dt.timedelta(days=after)
    if not earliest <= session.first_day <= latest:
        message = (
            _(
                "Training 1 must begin between %(earliest)s and %(latest)s for %(name)s, "
                "whose exchange starts on %(anchor)s; this session begins on %(date)s."
            )
            if first
            else _(
                "Training 2 must begin between %(earliest)s and %(latest)s for %(name)s, "
                "whose exchange ends on %(anchor)s; this session begins on %(date)s."
            )
        )
        raise ValidationError(
            message
            % {
                "earliest": _date(earliest),
                "latest": _date(latest),
                "name": name,
                "anchor": _date(anchor),
                "date": _date(session.first_day),
            }
        )
    return Placement(
        organisation=participant.sending_organisation, participant=participant, contact=None
    )


def _contact_placement(
    session: TrainingSession, person: Person, organisation: PartnerOrganisation | None
) -> Placement:
    name = person.full_name
    contacts = list(
        ContactPerson.objects.filter(person=person, active=True, organisation__active=True)
        .select_related("organisation")
        .order_by("pk")
    )
    if organisation is not None:
        contacts = [c for c in contacts if c.organisation_id == organisation.pk]
    kind = _kind_label(session.kind)
    if not contacts:
        message = (
            _(
                "%(kind)s is for the contact persons of partner organisations; %(name)s is "
                "not an active contact person of your organisation."
            )
            if organisation is not None
            else _(
                "%(kind)s is for the contact persons of partner organisations; %(name)s is "
                "not an active contact person."
            )
        )
        raise ValidationError(message % {"kind": kind, "name": name})
    by_organisation = {c.organisation_id: c for c in contacts}
    members = PartnershipMember.objects.filter(
        organisation_id__in=list(by_organisation)
    ).select_related("partnership")
    if session.kind == SessionKind.PARTNER:
        for member in members:
            if member.partnership.phase in SIGNED_PHASES:
                contact = by_organisation[member.organisation_id]
                return Placement(organisation=contact.organisation, contact=contact)
        raise ValidationError(
            _(
                "Partner training is for organisations whose partnership has signed its "
                "cooperation agreement; %(name)s's organisation has not signed one yet."
            )
            % {"name": name}
        )
    invited = set(session.invitations.values_list("partnership_id", flat=True))
    invited_members = [m for m in members if m.partnership_id in invited]
    if not invited_members:
        raise ValidationError(
            _("%(name)s's organisation is not in a partnership invited to this seminar.")
            % {"name": name}
        )
    for member in invited_members:
        if member.partnership.phase == Phase.FEASIBILITY:
            contact = by_organisation[member.organisation_id]
            return Placement(organisation=contact.organisation, contact=contact)
    partnership = invited_members[0].partnership
    raise ValidationError(
        _(
            "The introductory seminar is for partnerships in the feasibility phase; "
            "%(partnership)s is now in the phase “%(phase)s”."
        )
        % {"partnership": partnership.name, "phase": Phase(partnership.phase).label}
    )


def check_enrolment(
    *,
    session: TrainingSession,
    person: Person,
    organisation: PartnerOrganisation | None = None,
    today: dt.date | None = None,
) -> Placement:
    """Every rule for putting ``person`` in ``session``; raises with the first that fails.

    ``organisation`` limits a coordinator to the people of their own organisation.
    """
    name = person.full_name
    if session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    if session.has_started(today):
        raise ValidationError(
            _("This session began on %(date)s; enrolment is closed.")
            % {"date": _date(session.first_day)}
        )
    if session.kind in PARTICIPANT_KINDS:
        placement = _participant_placement(session, person, organisation)
    else:
        placement = _contact_placement(session, person, organisation)
    others = (
        Enrolment.objects.filter(person=person)
        .exclude(state=EnrolmentState.CANCELLED)
        .select_related("session__week__venue", "session__venue")
    )
    same = next((e for e in others if e.session_id == session.pk), None)
    if same is not None:
        raise ValidationError(
            _("%(name)s is already in this session (%(state)s).")
            % {"name": name, "state": same.get_state_display()}
        )
    if session.kind == SessionKind.PARTNER:
        earlier = next((e for e in others if e.kind == SessionKind.PARTNER), None)
        if earlier is not None:
            raise ValidationError(
                _(
                    "%(name)s is already enrolled in Partner training (%(place)s, %(date)s, "
                    "%(state)s). Each person takes Partner training only once."
                )
                % {
                    "name": name,
                    "place": earlier.session.place,
                    "date": _date(earlier.session.first_day),
                    "state": earlier.get_state_display(),
                }
            )
    clash = next(
        (
            e
            for e in others
            if e.session.first_day <= session.last_day and e.session.last_day >= session.first_day
        ),
        None,
    )
    if clash is not None:
        raise ValidationError(
            _(
                "%(name)s is already in %(other)s (%(place)s, %(first)s – %(last)s), which "
                "overlaps this session. Nobody can be in two sessions at the same time."
            )
            % {
                "name": name,
                "other": clash.session.name,
                "place": clash.session.place,
                "first": _date(clash.session.first_day),
                "last": _date(clash.session.last_day),
            }
        )
    if placement.participant is not None:
        # One Training 1 and one Training 2 per exchange; after a no-show it may be retaken.
        taken = next(
            (
                e
                for e in others
                if e.participant_id == placement.participant.pk
                and e.kind == session.kind
                and e.state != EnrolmentState.NO_SHOW
            ),
            None,
        )
        if taken is not None:
            raise ValidationError(
                _(
                    "%(name)s already has %(kind)s (%(place)s, %(date)s, %(state)s). Cancel "
                    "that enrolment first to move to another week."
                )
                % {
                    "name": name,
                    "kind": _kind_label(session.kind),
                    "place": taken.session.place,
                    "date": _date(taken.session.first_day),
                    "state": taken.get_state_display(),
                }
            )
    return placement


def check_confirmation(*, kind: str, participant: Participant | None, person: Person) -> None:
    """Training 1 is confirmed only once the e-learning is done."""
    if (
        kind == SessionKind.TRAINING_1
        and participant is not None
        and participant.elearning_completed_on is None
    ):
        raise ValidationError(
            _(
                "%(name)s has not completed the Norec e-learning. Training 1 can be confirmed "
                "once it is done; until then the nomination stays open."
            )
            % {"name": person.full_name}
        )


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
    admin and imports. The seat count happens under the session's row lock.
    """
    session = _lock_session(session)
    placement = check_enrolment(session=session, person=person, organisation=organisation)
    if confirm:
        check_confirmation(kind=session.kind, participant=placement.participant, person=person)
    requested = EnrolmentState.CONFIRMED if confirm else EnrolmentState.NOMINATED
    now = timezone.now()
    full = _seats_taken(session) >= session.capacity
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
    return enrolment


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
    session = _lock_session(enrolment.session_id)
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
    """Cancel an enrolment; a freed seat goes to the first on the waitlist. Norec and the
    organisation's coordinators are told."""
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
    record_audit(by=by, action=Action.STATUS, obj=enrolment, summary=enrolment.state,
                 changes=CANCEL_FIELDS)  # fmt: skip
    notifications.notify_cancelled(enrolment)
    if held_seat:
        _fill_free_seats(session)
    return enrolment


def _promote(enrolment: Enrolment) -> None:
    """Waitlisted → the state asked for (nominated if Training 1 still lacks e-learning)."""
    state = enrolment.requested_state
    if state == EnrolmentState.CONFIRMED:
        try:
            check_confirmation(
                kind=enrolment.kind, participant=enrolment.participant, person=enrolment.person
            )
        except ValidationError:
            state = EnrolmentState.NOMINATED
    enrolment.state = state
    enrolment.confirmed_at = timezone.now() if state == EnrolmentState.CONFIRMED else None
    enrolment.save(update_fields=["session", "state", "confirmed_at"])
    # Promoted from the waitlist by the freed seat, not by whoever freed it.
    record_audit(by=None, action=Action.STATUS, obj=enrolment, summary=state,
                 changes=["state", "confirmed_at"])  # fmt: skip
    notifications.notify_promoted(enrolment)


def _fill_free_seats(session: TrainingSession) -> list[Enrolment]:
    """Give free seats to the waitlist in order. The caller holds the session's lock."""
    free = session.capacity - _seats_taken(session)
    if free <= 0 or session.is_cancelled:
        return []
    promoted = list(
        Enrolment.objects.waitlist()
        .filter(session=session)
        .select_related("participant", "person", "organisation")[:free]
    )
    for enrolment in promoted:
        enrolment.session = session
        _promote(enrolment)
    return promoted


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
            % {"date": _date(session.first_day)}
        )
    enrolment.state = target
    enrolment.attendance_marked_at = timezone.now()
    enrolment.save(update_fields=["state", "attendance_marked_at"])
    record_audit(by=by, action=Action.STATUS, obj=enrolment, summary=target,
                 changes=["state", "attendance_marked_at"])  # fmt: skip
    return enrolment
