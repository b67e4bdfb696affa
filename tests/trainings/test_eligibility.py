"""The pickers offer exactly whom ``enrol`` accepts: the rules of who may be put in a
session are written once (``trainings.services.eligibility``) and read both ways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships.models import Participant, Phase
from tests.factories import make_coordinator
from tests.trainings import factories as f
from trainings import services
from trainings.models import SessionKind

pytestmark = pytest.mark.django_db


def offered(session, **kwargs) -> set[int]:
    return {c.person_id for c in services.enrolment_candidates(session, **kwargs)}


def refusal(session, person, **kwargs) -> str | None:
    try:
        services.check_enrolment(session=session, person=person, **kwargs)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def test_training_1_picker_offers_whom_enrol_accepts_and_hides_whom_it_refuses(partnership, staff):
    week = f.make_week()
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    fits = f.participant_for(partnership=partnership, first_name="Fits", last_name="Here")
    late = f.participant_for(partnership=partnership, start_offset=212, first_name="Late")
    busy = f.participant_for(partnership=partnership, first_name="Busy", last_name="Elsewhere")
    same_sunday = f.make_week(venue_name="Bangkok")
    services.enrol(
        session=f.session_of(same_sunday, SessionKind.TRAINING_1), person=busy.person, by=staff
    )
    gone = f.participant_for(partnership=partnership, first_name="Gone")
    Participant.objects.filter(pk=gone.pk).update(status=Participant.Status.WITHDRAWN)

    people = offered(t1)
    assert fits.person_id in people
    for hidden in (late, busy, gone):
        assert hidden.person_id not in people
    # Hidden, and refused with the rule that hides them.
    assert "Training 1 must begin between" in refusal(t1, late.person)
    assert "overlaps this session" in refusal(t1, busy.person)
    assert "not a current participant" in refusal(t1, gone.person)
    # Offered, and accepted.
    enrolment = services.enrol(session=t1, person=fits.person, by=staff)
    assert enrolment.participant == fits
    assert fits.person_id not in offered(t1)
    assert "already in this session" in refusal(t1, fits.person)


def test_partner_training_picker_hides_who_took_it_once(staff):
    first = f.make_week()
    later = f.make_week(starts_on=f.SUNDAY + dt.timedelta(weeks=8))
    contact = f.contact_for(first_name="Once", last_name="Only")
    partner, partner_later = (f.session_of(w, SessionKind.PARTNER) for w in (first, later))
    assert contact.person_id in offered(partner_later)
    services.enrol(session=partner, person=contact.person, by=staff)
    assert contact.person_id not in offered(partner_later)
    assert "takes Partner training only once" in refusal(partner_later, contact.person)
    unsigned = f.contact_for(phase=Phase.FEASIBILITY, first_name="Not", last_name="Signed")
    assert unsigned.person_id not in offered(partner_later)
    assert "has not signed one yet" in refusal(partner_later, unsigned.person)


def test_seminar_picker_offers_invited_feasibility_contacts_only(staff):
    partnership = f.feasibility_partnership()
    organisation = partnership.members.order_by("pk")[0].organisation
    contact = f.contact_for(organisation, first_name="Early", last_name="Stage")
    days = [dt.date(2026, 6, 2) + dt.timedelta(days=n) for n in range(3)]
    seminar = services.create_intro_seminar(
        title="Intro", capacity=10, venue=None, online=True, facilitators=[], by=staff,
        days=[services.SeminarDay(day, dt.time(9), dt.time(12)) for day in days],
    )  # fmt: skip
    assert contact.person_id not in offered(seminar)
    assert "not in a partnership invited" in refusal(seminar, contact.person)
    services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff)
    assert contact.person_id in offered(seminar)
    assert refusal(seminar, contact.person) is None
    type(partnership).objects.filter(pk=partnership.pk).update(
        phase=Phase.AGREEMENT_SIGNED, agreement_signed_on=f.TODAY
    )
    assert contact.person_id not in offered(seminar)
    assert "feasibility phase" in refusal(seminar, contact.person)


def test_every_picker_agrees_with_enrol_for_everyone(partnership, org_a, org_b, staff):
    """For each session and each person: offered exactly when ``check_enrolment`` passes,
    for staff and for each organisation's coordinator."""
    week = f.make_week()
    other = f.make_week(venue_name="Bangkok", starts_on=f.SUNDAY + dt.timedelta(weeks=30))
    people = [
        f.participant_for(partnership=partnership, start_offset=offset).person
        for offset in (-200, -40, 0, 14, 30, 150, 212, 400)
    ] + [f.contact_for(org_a).person, f.contact_for(org_b).person, f.contact_for().person]
    services.enrol(session=f.session_of(week, SessionKind.TRAINING_1), person=people[3], by=staff)
    services.enrol(session=f.session_of(week, SessionKind.PARTNER), person=people[8], by=staff)
    for session in [*week.sessions.all(), *other.sessions.all()]:
        for organisation in (None, org_a, org_b):
            shown = offered(session, organisation=organisation)
            for person in people:
                accepted = refusal(session, person, organisation=organisation) is None
                assert (person.pk in shown) == accepted, (session, person, organisation)


def test_coordinator_picker_lists_only_their_fitting_people(client, partnership, org_a):
    coordinator = make_coordinator(org_a, email="c@example.org", full_name="Coord A")
    week = f.make_week()
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    fits = f.participant_for(partnership=partnership, first_name="Amani", last_name="Fits")
    late = f.participant_for(partnership=partnership, start_offset=212, first_name="Zawadi")
    client.force_login(coordinator)
    html = client.get(reverse("trainings:coordinator_nominate", args=[t1.pk])).content.decode()
    assert f'value="{fits.person.pk}"' in html
    # The one whose window does not fit is not offered: shown greyed, with the reason.
    assert f'value="{late.person.pk}"' not in html
    assert "Training 1 must begin between" in html and "Cannot be nominated" in html


def test_nominating_several_answers_each_person(partnership, staff):
    week = f.make_week()
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    grace = f.participant_for(partnership=partnership, first_name="Grace", last_name="Ok").person
    twice = f.participant_for(partnership=partnership, first_name="Twice", last_name="In").person
    services.enrol(session=t1, person=twice, by=staff)
    outcomes = services.enrol_each(session=t1, people=[grace, twice], by=staff)
    assert [o.person for o in outcomes] == [grace, twice]
    assert outcomes[0].enrolment is not None and outcomes[0].refusal == ""
    assert outcomes[1].enrolment is None
    assert outcomes[1].refusal == "Twice In is already in this session (Nominated)."


def test_the_barred_are_named_with_the_services_reason(partnership, org_a, staff):
    week = f.make_week()
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    fits = f.participant_for(partnership=partnership, first_name="Amani", last_name="Fits")
    late = f.participant_for(partnership=partnership, start_offset=212, first_name="Zawadi",
                             last_name="Late")  # fmt: skip
    barred = services.barred_people(t1, organisation=org_a)
    assert [b.person_id for b in barred] == [late.person_id]
    refusal = services.explain_refusal(t1, str(late.person_id), organisation=org_a)
    assert barred[0].reason == " ".join(refusal.messages)
    assert fits.person_id not in {b.person_id for b in barred}
