"""Who may be put in a session: the rules, stated once.

Each rule is written once and used both ways: to refuse (``check_enrolment``, behind the
``enrol`` service, names the first rule that fails) and to offer (``enrolment_candidates``,
the people every picker lists — staff, coordinators — and the planner's candidates).

- Who fits the session's kind: for Training 1/2 a current participant with a sending
  organisation whose exchange start (Training 1) or end (Training 2) puts the session's
  first day in its window (``fitting_participants``); for Partner training an active
  contact person of an organisation whose partnership has signed its agreement, for the
  introductory seminar one whose partnership is invited and in the feasibility phase
  (``fitting_contacts``).
- What the person already holds: the same session, Partner training before (once in a
  lifetime), an overlapping session, this exchange's Training 1/2
  (``EnrolmentQuerySet.bars``).
- The session itself: not cancelled, not begun.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, QuerySet, When
from django.utils.translation import gettext as _

from norec_portal.ids import parse_id
from partnerships.models import (
    ContactPerson,
    Participant,
    PartnerOrganisation,
    PartnershipMember,
    Person,
    Phase,
)

from ..models import (
    PARTICIPANT_KINDS,
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
    exchange_window,
)
from .common import SIGNED_PHASES, format_day, kind_label


@dataclass(frozen=True)
class Placement:
    """What an enrolment hangs on: the participation or the contact role, and the
    organisation that nominates."""

    organisation: PartnerOrganisation
    participant: Participant | None = None
    contact: ContactPerson | None = None


@dataclass(frozen=True)
class Candidate:
    """Someone a picker offers for a session."""

    person_id: int
    name: str
    organisation: str
    elearning_missing: bool = False


# --- Who fits the session's kind --------------------------------------------------------


def fitting_participants(session: TrainingSession) -> QuerySet[Participant]:
    """The participations that Training 1/2 ``session`` fits: current, sent by a partner
    organisation, the exchange date in the window."""
    earliest, latest = session.anchor_range()
    anchor = "exchange_start" if session.kind == SessionKind.TRAINING_1 else "exchange_end"
    return Participant.objects.current().filter(
        sending_organisation__isnull=False, **{f"{anchor}__range": (earliest, latest)}
    )


def fitting_contacts(session: TrainingSession) -> QuerySet[ContactPerson]:
    """The contact roles that Partner training or seminar ``session`` fits."""
    contacts = ContactPerson.objects.filter(active=True, organisation__active=True)
    if session.kind == SessionKind.PARTNER:
        return contacts.filter(organisation__memberships__partnership__phase__in=SIGNED_PHASES)
    # One filter() call: the invited partnership must be the one in feasibility.
    return contacts.filter(
        organisation__memberships__partnership__phase=Phase.FEASIBILITY,
        organisation__memberships__partnership__seminar_invitations__session=session,
    )


def enrolment_candidates(
    session: TrainingSession,
    *,
    organisation: PartnerOrganisation | None = None,
    today: dt.date | None = None,
) -> list[Candidate]:
    """The people ``enrol`` would accept in ``session`` (seats apart: a full session
    waitlists), by name; ``organisation`` narrows to a coordinator's own people. One
    query."""
    if session.is_cancelled or session.has_started(today):
        return []
    if session.kind in PARTICIPANT_KINDS:
        barred = Enrolment.objects.filter(person=OuterRef("person_id")).barring(
            session, participant=OuterRef("pk")
        )
        rows = fitting_participants(session)
        if organisation is not None:
            rows = rows.filter(sending_organisation=organisation)
        rows = rows.exclude(Exists(barred)).values_list(
            "person_id", "person__first_name", "person__last_name",
            "sending_organisation__name", "elearning_completed_on",
        )  # fmt: skip
    else:
        barred = Enrolment.objects.filter(person=OuterRef("person_id")).barring(session)
        rows = fitting_contacts(session)
        if organisation is not None:
            rows = rows.filter(organisation=organisation)
        rows = (
            rows.exclude(Exists(barred))
            .values_list(
                "person_id", "person__first_name", "person__last_name", "organisation__name"
            )
            .distinct()
        )
    seen: dict[int, Candidate] = {}
    for person_id, first, last, name, *done in rows.order_by(
        "person__last_name", "person__first_name", "person_id"
    ):
        missing = session.kind == SessionKind.TRAINING_1 and done[0] is None if done else False
        seen.setdefault(person_id, Candidate(person_id, Person.name_of(first, last), name, missing))
    return list(seen.values())


def explain_refusal(
    session: TrainingSession, person_id: str, *, organisation: PartnerOrganisation | None = None
) -> ValidationError | None:
    """Why ``enrol`` refuses the person with id ``person_id`` (as posted by a picker), or
    None. With ``organisation``, nothing is said about people outside it."""
    pk = parse_id(person_id)
    person = Person.objects.filter(pk=pk).first() if pk is not None else None
    if person is None:
        return None
    if organisation is not None and not (
        Participant.objects.filter(person=person, sending_organisation=organisation).exists()
        or ContactPerson.objects.filter(person=person, organisation=organisation).exists()
    ):
        return None
    try:
        check_enrolment(session=session, person=person, organisation=organisation)
    except ValidationError as exc:
        return exc
    return None


# --- Refusing, with the rule that says no -----------------------------------------------


def _participant_placement(
    session: TrainingSession, person: Person, organisation: PartnerOrganisation | None
) -> Placement:
    fitting = fitting_participants(session).filter(person=person)
    if organisation is not None:
        fitting = fitting.filter(sending_organisation=organisation)
    participant = fitting.select_related("sending_organisation").order_by("pk").first()
    if participant is None:
        raise _participant_refusal(session, person, organisation)
    return Placement(
        organisation=participant.sending_organisation, participant=participant, contact=None
    )


def _participant_refusal(
    session: TrainingSession, person: Person, organisation: PartnerOrganisation | None
) -> ValidationError:
    """Why ``fitting_participants`` leaves ``person`` out, in words they can act on."""
    name = person.full_name
    kind = kind_label(session.kind)
    participants = Participant.objects.current().filter(person=person)
    if organisation is not None:
        # Their own organisation's participation explains best, if there is one.
        participants = participants.order_by(
            Case(When(sending_organisation=organisation, then=0), default=1), "pk"
        )
    participant = participants.select_related("sending_organisation").first()
    if participant is None:
        return ValidationError(
            _("%(kind)s is for participants on exchange; %(name)s is not a current participant.")
            % {"kind": kind, "name": name}
        )
    if participant.sending_organisation is None:
        return ValidationError(
            _("%(name)s has no sending organisation; participants are nominated through it.")
            % {"name": name}
        )
    if organisation is not None and participant.sending_organisation_id != organisation.pk:
        return ValidationError(
            _("%(name)s is not a participant sent by your organisation.") % {"name": name}
        )
    first = session.kind == SessionKind.TRAINING_1
    anchor = participant.exchange_start if first else participant.exchange_end
    if anchor is None:
        return ValidationError(
            (
                _("%(name)s has no exchange start date yet; it decides when Training 1 is due.")
                if first
                else _("%(name)s has no exchange end date yet; it decides when Training 2 is due.")
            )
            % {"name": name}
        )
    earliest, latest = exchange_window(session.kind, anchor)
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
    return ValidationError(
        message
        % {
            "earliest": format_day(earliest),
            "latest": format_day(latest),
            "name": name,
            "anchor": format_day(anchor),
            "date": format_day(session.first_day),
        }
    )


def _contact_placement(
    session: TrainingSession, person: Person, organisation: PartnerOrganisation | None
) -> Placement:
    fitting = fitting_contacts(session).filter(person=person)
    if organisation is not None:
        fitting = fitting.filter(organisation=organisation)
    contact = fitting.select_related("organisation").order_by("pk").first()
    if contact is None:
        raise _contact_refusal(session, person, organisation)
    return Placement(organisation=contact.organisation, contact=contact)


def _contact_refusal(
    session: TrainingSession, person: Person, organisation: PartnerOrganisation | None
) -> ValidationError:
    """Why ``fitting_contacts`` leaves ``person`` out, in words they can act on."""
    name = person.full_name
    contacts = ContactPerson.objects.filter(person=person, active=True, organisation__active=True)
    if organisation is not None:
        contacts = contacts.filter(organisation=organisation)
    organisations = list(contacts.values_list("organisation_id", flat=True))
    if not organisations:
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
        return ValidationError(message % {"kind": kind_label(session.kind), "name": name})
    if session.kind == SessionKind.PARTNER:
        return ValidationError(
            _(
                "Partner training is for organisations whose partnership has signed its "
                "cooperation agreement; %(name)s's organisation has not signed one yet."
            )
            % {"name": name}
        )
    invited = (
        PartnershipMember.objects.filter(
            organisation_id__in=organisations,
            partnership__seminar_invitations__session=session,
        )
        .select_related("partnership")
        .order_by("pk")
        .first()
    )
    if invited is None:
        return ValidationError(
            _("%(name)s's organisation is not in a partnership invited to this seminar.")
            % {"name": name}
        )
    partnership = invited.partnership
    return ValidationError(
        _(
            "The introductory seminar is for partnerships in the feasibility phase; "
            "%(partnership)s is now in the phase “%(phase)s”."
        )
        % {"partnership": partnership.name, "phase": Phase(partnership.phase).label}
    )


def _bar_message(rule: str, session: TrainingSession, person: Person, held: Enrolment) -> str:
    """What to tell about enrolment ``held``, which keeps ``person`` out by ``rule``."""
    other = held.session
    values = {
        "name": person.full_name,
        "state": held.get_state_display(),
        "place": other.place,
        "date": format_day(other.first_day),
    }
    if rule == "same_session":
        return _("%(name)s is already in this session (%(state)s).") % values
    if rule == "partner_once":
        return (
            _(
                "%(name)s is already enrolled in Partner training (%(place)s, %(date)s, "
                "%(state)s). Each person takes Partner training only once."
            )
            % values
        )
    if rule == "overlap":
        return _(
            "%(name)s is already in %(other)s (%(place)s, %(first)s – %(last)s), which "
            "overlaps this session. Nobody can be in two sessions at the same time."
        ) % {
            **values,
            "other": other.name,
            "first": format_day(other.first_day),
            "last": format_day(other.last_day),
        }
    if rule == "order" and session.kind == SessionKind.TRAINING_2:
        return _(
            "Training 2 comes after Training 1: %(name)s has Training 1 from %(date)s "
            "(%(place)s, %(state)s), and this session begins on %(start)s. Choose a "
            "Training 2 that begins after %(last)s."
        ) % {**values, "start": format_day(session.first_day), "last": format_day(other.last_day)}
    if rule == "order":
        return _(
            "Training 1 comes before Training 2: %(name)s has Training 2 from %(date)s "
            "(%(place)s, %(state)s), and this session ends on %(end)s. Choose a Training 1 "
            "that ends before %(date)s, or cancel that Training 2 first."
        ) % {**values, "end": format_day(session.last_day)}
    if held.state == EnrolmentState.ATTENDED:
        return _(
            "%(name)s attended %(kind)s on %(date)s (%(place)s); it is taken once per exchange."
        ) % {**values, "kind": kind_label(session.kind)}
    return _(
        "%(name)s already has %(kind)s (%(place)s, %(date)s, %(state)s). Cancel "
        "that enrolment first to move to another week."
    ) % {**values, "kind": kind_label(session.kind)}


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
    if session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    if session.has_started(today):
        raise ValidationError(
            _("This session began on %(date)s; enrolment is closed.")
            % {"date": format_day(session.first_day)}
        )
    if session.kind in PARTICIPANT_KINDS:
        placement = _participant_placement(session, person, organisation)
    else:
        placement = _contact_placement(session, person, organisation)
    bars = Enrolment.objects.filter(person=person).bars(session, participant=placement.participant)
    for rule, enrolments in bars:
        held = (
            enrolments.select_related("session__week__venue", "session__venue")
            .order_by("session__first_day", "pk")
            .first()
        )
        if held is not None:
            raise ValidationError(_bar_message(rule, session, person, held))
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
