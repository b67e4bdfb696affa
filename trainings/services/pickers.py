"""What the pickers show besides the people they offer (``eligibility``): who cannot be
chosen, with the reason ``enrol`` would give, and, for one participant, the sessions
their exchange reaches. Every reason is ``check_enrolment``'s own message: the pickers
never state a rule of their own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from partnerships.models import ContactPerson, Participant, PartnerOrganisation, Person

from ..models import PARTICIPANT_KINDS, Enrolment, SessionKind, TrainingSession, exchange_window
from .eligibility import (
    check_enrolment,
    enrolment_candidates,
    fitting_contacts,
    fitting_participants,
)


@dataclass(frozen=True)
class Barred:
    """Someone a picker shows greyed: who, and the rule that keeps them out."""

    person_id: int
    name: str
    organisation: str
    reason: str


# A picker names at most this many of the people it cannot offer (each reason is a check).
MAX_BARRED_SHOWN = 50


def barred_people(
    session: TrainingSession,
    *,
    organisation: PartnerOrganisation | None = None,
    today: dt.date | None = None,
) -> list[Barred]:
    """The people a picker shows greyed, each with the reason ``enrol`` would give (the
    same ``check_enrolment``): for a coordinator, the organisation's current participants
    (Training 1/2) or active contact persons (the other kinds) who are not offered; for
    staff, the people whose kind fits the session but another rule keeps out. Nobody
    already in the session, and nothing while it is closed (the page says so once). A
    check per person shown: at most ``MAX_BARRED_SHOWN``."""
    if session.is_cancelled or session.has_started(today):
        return []
    offered = {
        c.person_id for c in enrolment_candidates(session, organisation=organisation, today=today)
    }
    if session.kind in PARTICIPANT_KINDS:
        rows = (
            Participant.objects.current().filter(sending_organisation=organisation)
            if organisation is not None
            else fitting_participants(session)
        ).values_list("person_id", "sending_organisation__name")
    else:
        rows = (
            ContactPerson.objects.filter(active=True, organisation=organisation)
            if organisation is not None
            else fitting_contacts(session)
        ).values_list("person_id", "organisation__name")
    # Those already in the session are listed as enrolled, not as barred.
    rows = rows.exclude(
        person__enrolments__in=Enrolment.objects.filter(session=session).exclude(state="cancelled")
    )
    names: dict[int, str] = {}
    for person_id, organisation_name in rows.order_by(
        "person__last_name", "person__first_name", "person_id"
    ):
        if person_id not in offered:
            names.setdefault(person_id, organisation_name or "—")
    shown = list(names)[:MAX_BARRED_SHOWN]
    people = Person.objects.in_bulk(shown)
    barred = []
    for person_id in shown:
        person = people[person_id]
        try:
            check_enrolment(session=session, person=person, organisation=organisation, today=today)
        except ValidationError as exc:
            barred.append(Barred(person_id, person.full_name, names[person_id],
                                 " ".join(exc.messages)))  # fmt: skip
    return barred


def sessions_for_participant(
    participant: Participant,
    *,
    organisation: PartnerOrganisation | None = None,
    today: dt.date | None = None,
) -> list[tuple[TrainingSession, str]]:
    """The open Training 1/2 sessions whose window the participant's exchange reaches,
    by date, each with "" when ``enrol`` would accept the person or the rule's message
    when not: what the participant's page offers."""
    today = today or timezone.localdate()
    windows = Q()
    for kind, anchor in (
        (SessionKind.TRAINING_1, participant.exchange_start),
        (SessionKind.TRAINING_2, participant.exchange_end),
    ):
        if anchor is not None:
            windows |= Q(kind=kind, first_day__range=exchange_window(kind, anchor))
    if not windows:
        return []
    sessions = (
        TrainingSession.objects.scheduled()
        .with_place()
        .filter(windows, first_day__gt=today)
        .order_by("first_day", "kind", "group", "pk")
    )
    found = []
    for session in sessions:
        try:
            check_enrolment(
                session=session, person=participant.person, organisation=organisation,
                today=today,
            )  # fmt: skip
        except ValidationError as exc:
            found.append((session, " ".join(exc.messages)))
        else:
            found.append((session, ""))
    return found
