"""Builders for training data, all going through the services like the portal does."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from partnerships.models import ContactPerson, Phase
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartnershipFactory,
    PersonFactory,
)
from trainings import services
from trainings.models import SessionKind, TrainingSession, TrainingWeek, Venue

# Tests run on a fixed date (see conftest): Monday 2 March 2026.
TODAY = dt.date(2026, 3, 2)
SUNDAY = dt.date(2026, 5, 3)  # a Sunday two months ahead


def venue(name: str = "Kampala") -> Venue:
    """A seeded venue; re-seeded when a transactional test has flushed the database."""
    found = Venue.objects.filter(name=name).first()
    if found is None:
        seed = import_module("trainings.migrations.0002_seed_venues")
        data = next(v for v in seed.VENUES if v["name"] == name)
        found = Venue.objects.create(**data)
    return found


def make_week(
    *,
    venue_name: str = "Kampala",
    starts_on: dt.date = SUNDAY,
    t1: int = 30,
    t2: int = 30,
    partner: int = 40,
    partner_days: int = 6,
    by=None,
    history: bool = False,
) -> TrainingWeek:
    plans = [
        services.SessionPlan(kind=SessionKind.TRAINING_1, capacity=t1),
        services.SessionPlan(kind=SessionKind.TRAINING_2, capacity=t2),
        services.SessionPlan(kind=SessionKind.PARTNER, capacity=partner, days=partner_days),
    ]
    return services.create_training_week(
        venue=venue(venue_name), starts_on=starts_on, sessions=plans, by=by, history=history
    )


def session_of(week: TrainingWeek, kind: str) -> TrainingSession:
    return week.sessions.get(kind=kind, group=1)


def participant_for(
    week_start: dt.date = SUNDAY,
    *,
    partnership=None,
    elearning: bool = True,
    start_offset: int = 14,
    length_days: int = 300,
    **person,
):
    """A current participant whose exchange starts ``start_offset`` days after
    ``week_start`` (so Training 1 that week fits the window)."""
    start = week_start + dt.timedelta(days=start_offset)
    fields = {
        "exchange_start": start,
        "exchange_end": start + dt.timedelta(days=length_days),
        "elearning_completed_on": TODAY - dt.timedelta(days=10) if elearning else None,
    }
    if person:
        fields["person"] = PersonFactory(**person)
    if partnership is not None:
        fields["partnership"] = partnership
    return ParticipantFactory(**fields)


def contact_for(organisation=None, *, role=ContactPerson.Role.MANAGER, phase=None, **person):
    """An active contact person of an organisation (of a signed partnership by default)."""
    if organisation is None:
        partnership = PartnershipFactory(phase=phase or Phase.AGREEMENT_SIGNED)
        organisation = partnership.members.order_by("pk")[0].organisation
    return ContactFactory(
        organisation=organisation,
        role=role,
        person=PersonFactory(**person) if person else PersonFactory(),
    )


def feasibility_partnership():
    return PartnershipFactory(
        phase=Phase.FEASIBILITY, members=[OrganisationFactory(), OrganisationFactory()]
    )


def visa_travel(enrolment, **fields):
    """Travel details of someone who needs a visa, with a complete passport."""
    from trainings.models import TravelDetails

    defaults = {
        "needs_visa": True,
        "passport_name": enrolment.person.full_name.upper(),
        "passport_number": "P7654321",
        "passport_nationality": "KE",
        "passport_expiry": dt.date(2031, 1, 31),
        "submitted_via": TravelDetails.Source.PERSON,
    }
    return TravelDetails.objects.create(enrolment=enrolment, **{**defaults, **fields})
