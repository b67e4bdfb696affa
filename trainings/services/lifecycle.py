"""What the trainings do when a partnership enters a phase.

Connected to ``partnerships.signals.phase_entered`` (``TrainingsConfig.ready``), so it runs
inside the transaction of the phase change and its emails commit with it:

- **Feasibility** (a new partnership): it is invited to the next introductory seminar
  still open (``invite_partnerships``, which tells the coordinators of each member
  organisation). With no seminar scheduled, staff invite it when they plan one.
- **Agreement signed**: the coordinators of each member organisation are told, in their
  own language, that Partner training is now due for their contact persons who have not
  taken it, with the next Partner training sessions and a link to nominate. Who is due is
  ``readiness.partner_training_roster``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from norec_portal.models import User
from partnerships.models import ContactPerson, Partnership, Phase

from .. import notifications
from ..models import SessionKind, TrainingSession
from ..readiness import PartnerTraining, partner_training_roster
from .weeks import invite_partnerships

# How many upcoming Partner training sessions the announcement lists.
NEXT_SESSIONS = 3


def on_phase_entered(
    sender: Any, *, partnership: Partnership, phase: str, by: User | None = None, **kwargs: Any
) -> None:
    if phase == Phase.FEASIBILITY:
        invite_to_next_seminar(partnership=partnership, by=by)
    elif phase == Phase.AGREEMENT_SIGNED:
        announce_partner_training(partnership=partnership)


def next_seminar(*, today: dt.date | None = None) -> TrainingSession | None:
    """The first introductory seminar that has not begun and is not cancelled."""
    today = today or timezone.localdate()
    return (
        TrainingSession.objects.scheduled()
        .filter(kind=SessionKind.INTRO_SEMINAR, first_day__gt=today)
        .with_place()
        .order_by("first_day", "pk")
        .first()
    )


def invite_to_next_seminar(
    *, partnership: Partnership, by: User | None, today: dt.date | None = None
) -> TrainingSession | None:
    """Invite a partnership in feasibility to the next seminar (if any); returns it."""
    session = next_seminar(today=today)
    if session is not None:
        invite_partnerships(session=session, partnerships=[partnership], by=by)
    return session


def next_partner_sessions(*, today: dt.date | None = None) -> list[TrainingSession]:
    """The next Partner training sessions open for nomination, with their seat counts."""
    today = today or timezone.localdate()
    return list(
        TrainingSession.objects.scheduled()
        .filter(kind=SessionKind.PARTNER, first_day__gt=today)
        .with_counts()
        .with_place()
        .order_by("first_day", "group", "pk")[:NEXT_SESSIONS]
    )


def announce_partner_training(*, partnership: Partnership, today: dt.date | None = None) -> int:
    """Tell each member organisation's coordinators who of theirs is due for Partner
    training. Returns the number of emails queued; an organisation whose contact persons
    have all taken it is not written to. Safe to repeat (one outbox key per partnership
    and coordinator)."""
    organisation_ids = list(partnership.members.values_list("organisation_id", flat=True))
    due = (
        partner_training_roster(
            ContactPerson.objects.filter(organisation_id__in=organisation_ids), today=today
        )
        .filter(readiness__in=PartnerTraining.MISSING)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    people: dict[int, list] = defaultdict(list)
    for contact in due:
        people[contact.organisation_id].append(contact.person)
    if not people:
        return 0
    return notifications.notify_partner_training_due(
        partnership, people, next_partner_sessions(today=today)
    )
