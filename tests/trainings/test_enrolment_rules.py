"""Every enrolment rule holds, and says so in words a person can act on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from norec_portal.models import OutboxEmail
from partnerships.models import ContactPerson, Participant, Phase
from tests.factories import OrganisationFactory, PartnershipFactory
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState, OccupiedDay, SessionKind
from trainings.readiness import PartnerTraining, partner_training_roster

pytestmark = pytest.mark.django_db
State = EnrolmentState


def message(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


# --- Training 1 / Training 2: only participants, in their window ------------------------


def test_participant_is_nominated_for_training_1(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    assert enrolment.state == State.NOMINATED
    assert enrolment.participant == participant
    assert enrolment.organisation == participant.sending_organisation
    assert enrolment.kind == SessionKind.TRAINING_1


def test_contact_person_cannot_take_training_1(t1, contact, staff):
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=contact.person, by=staff)
    assert message(exc) == (
        "Training 1 is for participants on exchange; Joseph Mwangi is not a current participant."
    )
    assert not Enrolment.objects.exists()


def test_withdrawn_participant_is_not_a_participant_any_more(t1, participant, staff):
    Participant.objects.filter(pk=participant.pk).update(status=Participant.Status.WITHDRAWN)
    with pytest.raises(ValidationError, match="not a current participant"):
        services.enrol(session=t1, person=participant.person, by=staff)


def test_training_1_must_fall_in_the_window_around_the_exchange_start(t1, partnership, staff):
    # Exchange starts 1 Dec 2026: Training 1 may begin from 2 Sep 2026 (90 days before).
    late = f.participant_for(partnership=partnership, start_offset=212, first_name="Late",
                             last_name="Starter")  # fmt: skip
    assert late.exchange_start == dt.date(2026, 12, 1)
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=late.person, by=staff)
    assert message(exc) == (
        "Training 1 must begin between 2 September 2026 and 1 December 2026 for Late Starter, "
        "whose exchange starts on 1 December 2026; this session begins on 3 May 2026."
    )


def test_training_1_window_edges_come_from_settings(t1, partnership, staff, settings):
    person = f.participant_for(partnership=partnership, start_offset=0).person
    services.enrol(session=t1, person=person, by=staff)  # the day the exchange starts: inside
    other = f.participant_for(partnership=partnership, start_offset=-1).person
    with pytest.raises(ValidationError, match="Training 1 must begin between"):
        services.enrol(session=t1, person=other, by=staff)
    settings.TRAINING_1_WINDOW_DAYS = (90, 1)
    assert services.enrol(session=t1, person=other, by=staff).state == State.NOMINATED


# The exchange of the report: 1 May – 15 June 2027.
EXCHANGE_START, EXCHANGE_END = dt.date(2027, 5, 1), dt.date(2027, 6, 15)


@pytest.fixture
def exchange_2027(partnership):
    return f.participant_for(
        EXCHANGE_START, partnership=partnership, start_offset=0,
        length_days=(EXCHANGE_END - EXCHANGE_START).days, first_name="Ana", last_name="Order",
    )  # fmt: skip


def _session(kind: str, sunday: dt.date, venue_name: str = "Kampala"):
    return f.session_of(f.make_week(venue_name=venue_name, starts_on=sunday), kind)


def test_training_1_is_before_or_at_the_start_of_the_exchange(exchange_2027, staff):
    after_start = _session(SessionKind.TRAINING_1, dt.date(2027, 5, 9))
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=after_start, person=exchange_2027.person, by=staff)
    assert message(exc) == (
        "Training 1 must begin between 31 January 2027 and 1 May 2027 for Ana Order, "
        "whose exchange starts on 1 May 2027; this session begins on 9 May 2027."
    )
    before = _session(SessionKind.TRAINING_1, dt.date(2027, 4, 25))
    assert services.enrol(session=before, person=exchange_2027.person, by=staff).pk


def test_training_2_never_before_training_1_of_the_same_exchange(exchange_2027, staff):
    services.enrol(
        session=_session(SessionKind.TRAINING_1, dt.date(2027, 4, 25)),
        person=exchange_2027.person, by=staff,
    )  # fmt: skip
    early_t2 = _session(SessionKind.TRAINING_2, dt.date(2027, 4, 18), "Bangkok")
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=early_t2, person=exchange_2027.person, by=staff)
    assert message(exc) == (
        "Training 2 comes after Training 1: Ana Order has Training 1 from 25 April 2027 "
        "(Kampala, Nominated), and this session begins on 18 April 2027. Choose a "
        "Training 2 that begins after 1 May 2027."
    )
    at_the_end = _session(SessionKind.TRAINING_2, dt.date(2027, 6, 13), "Bangkok")
    assert services.enrol(session=at_the_end, person=exchange_2027.person, by=staff).pk


def test_training_1_never_after_training_2_of_the_same_exchange(exchange_2027, staff):
    services.enrol(
        session=_session(SessionKind.TRAINING_2, dt.date(2027, 4, 18)),
        person=exchange_2027.person, by=staff,
    )  # fmt: skip
    t1 = _session(SessionKind.TRAINING_1, dt.date(2027, 4, 25), "Bangkok")
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=exchange_2027.person, by=staff)
    assert message(exc) == (
        "Training 1 comes before Training 2: Ana Order has Training 2 from 18 April 2027 "
        "(Kampala, Nominated), and this session ends on 1 May 2027. Choose a Training 1 "
        "that ends before 18 April 2027, or cancel that Training 2 first."
    )
    # The pickers leave the person out by the same rule.
    assert exchange_2027.person_id not in {c.person_id for c in services.enrolment_candidates(t1)}


def test_training_2_is_around_the_exchange_end(t2, partnership, staff):
    ending = f.participant_for(partnership=partnership, start_offset=-300, length_days=310,
                               first_name="Amina", last_name="Ends")  # fmt: skip
    assert services.enrol(session=t2, person=ending.person, by=staff).state == State.NOMINATED
    starting = f.participant_for(partnership=partnership, first_name="Just", last_name="Started")
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t2, person=starting.person, by=staff)
    assert message(exc) == (
        "Training 2 must begin between 12 January 2027 and 12 April 2027 for Just Started, "
        "whose exchange ends on 13 March 2027; this session begins on 3 May 2026."
    )


def test_participant_without_dates_is_told_what_is_missing(t1, participant, staff):
    Participant.objects.filter(pk=participant.pk).update(exchange_start=None, exchange_end=None)
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=participant.person, by=staff)
    assert message(exc) == (
        "Grace Nakato has no exchange start date yet; it decides when Training 1 is due."
    )


# --- E-learning before Training 1 is confirmed ------------------------------------------


def test_training_1_is_not_confirmed_without_elearning(t1, partnership, staff):
    person = f.participant_for(partnership=partnership, elearning=False, first_name="No",
                               last_name="Elearning").person  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=person, by=staff, confirm=True)
    assert message(exc) == (
        "No Elearning has not completed the Norec e-learning. Training 1 can be confirmed "
        "once it is done; until then the nomination stays open."
    )
    enrolment = services.enrol(session=t1, person=person, by=staff)
    assert enrolment.state == State.NOMINATED
    assert enrolment.elearning_missing  # flagged
    with pytest.raises(ValidationError, match="has not completed the Norec e-learning"):
        services.confirm_enrolment(enrolment=enrolment, by=staff)
    Participant.objects.filter(person=person).update(elearning_completed_on=f.TODAY)
    enrolment.refresh_from_db()
    assert services.confirm_enrolment(enrolment=enrolment, by=staff).state == State.CONFIRMED


def test_training_2_needs_no_elearning_check(t2, partnership, staff):
    person = f.participant_for(partnership=partnership, elearning=False, start_offset=-300,
                               length_days=310).person  # fmt: skip
    assert services.enrol(session=t2, person=person, by=staff, confirm=True).state == (
        State.CONFIRMED
    )


# --- Partner training -------------------------------------------------------------------


def test_contact_of_a_signed_partnership_takes_partner_training(partner_session, contact, staff):
    enrolment = services.enrol(session=partner_session, person=contact.person, by=staff)
    assert enrolment.contact == contact
    assert enrolment.organisation == contact.organisation
    assert enrolment.kind == SessionKind.PARTNER


def test_partner_training_needs_a_signed_agreement(partner_session, staff):
    early = f.contact_for(phase=Phase.FEASIBILITY, first_name="Early", last_name="Bird")
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=partner_session, person=early.person, by=staff)
    assert message(exc) == (
        "Partner training is for organisations whose partnership has signed its cooperation "
        "agreement; Early Bird's organisation has not signed one yet."
    )


def test_partner_training_is_for_contact_persons(partner_session, participant, staff):
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=partner_session, person=participant.person, by=staff)
    assert message(exc) == (
        "Partner training is for the contact persons of partner organisations; Grace Nakato "
        "is not an active contact person."
    )


def test_partner_training_only_once_ever(partner_session, contact, staff):
    services.enrol(session=partner_session, person=contact.person, by=staff, confirm=True)
    later = f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 9, 6))
    later_partner = f.session_of(later, SessionKind.PARTNER)
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=later_partner, person=contact.person, by=staff)
    assert message(exc) == (
        "Joseph Mwangi is already enrolled in Partner training (Kampala, 3 May 2026, "
        "Confirmed). Each person takes Partner training only once."
    )


def test_partner_training_once_is_a_database_constraint(partner_session, contact, staff):
    first = services.enrol(session=partner_session, person=contact.person, by=staff)
    later = f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 9, 6))
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            session=f.session_of(later, SessionKind.PARTNER),
            kind=SessionKind.PARTNER,
            person=contact.person,
            contact=contact,
            organisation=contact.organisation,
            state=State.NOMINATED,
        )
    # A cancelled enrolment does not count.
    services.cancel_enrolment(enrolment=first, by=staff)
    again = services.enrol(
        session=f.session_of(later, SessionKind.PARTNER), person=contact.person, by=staff
    )
    assert again.state == State.NOMINATED


# --- Introductory seminar ---------------------------------------------------------------


@pytest.fixture
def seminar(staff):
    return services.create_intro_seminar(
        title="Introductory seminar, spring",
        days=[
            services.SeminarDay(dt.date(2026, 4, 14), dt.time(9), dt.time(15)),
            services.SeminarDay(dt.date(2026, 4, 16), dt.time(9), dt.time(15)),
            services.SeminarDay(dt.date(2026, 4, 21), dt.time(9), dt.time(15)),
        ],
        capacity=20,
        venue=None,
        online=True,
        by=staff,
    )


def test_introductory_seminar_is_three_days_not_necessarily_in_a_row(seminar):
    assert seminar.days.count() == 3
    assert (seminar.first_day, seminar.last_day) == (dt.date(2026, 4, 14), dt.date(2026, 4, 21))
    assert seminar.is_online and seminar.time_zone == "Europe/Oslo"


def test_introductory_seminar_needs_exactly_three_days(staff):
    with pytest.raises(ValidationError) as exc:
        services.create_intro_seminar(
            title="Too short",
            days=[services.SeminarDay(dt.date(2026, 4, 14), dt.time(9), dt.time(15))],
            capacity=20, venue=None, online=False, by=staff,
        )  # fmt: skip
    assert exc.value.messages == [
        "An introductory seminar has exactly three days.",
        "Choose a venue, or hold the seminar online.",
    ]


def test_representatives_of_invited_feasibility_partnerships_attend(seminar, staff):
    partnership = f.feasibility_partnership()
    first, second = [m.organisation for m in partnership.members.order_by("pk")]
    services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff)
    rep_a = f.contact_for(first, role=ContactPerson.Role.COORDINATOR)
    rep_b = f.contact_for(second, role=ContactPerson.Role.OTHER)
    assert services.enrol(session=seminar, person=rep_a.person, by=staff).organisation == first
    assert services.enrol(session=seminar, person=rep_b.person, by=staff).organisation == second


def test_seminar_refuses_uninvited_partnerships(seminar, staff):
    outsider = f.contact_for(f.feasibility_partnership().members.first().organisation,
                             first_name="Not", last_name="Invited")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=seminar, person=outsider.person, by=staff)
    assert message(exc) == (
        "Not Invited's organisation is not in a partnership invited to this seminar."
    )


def test_seminar_is_for_the_feasibility_phase(seminar, staff, partnership):
    with pytest.raises(ValidationError) as exc:
        services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff)
    assert message(exc) == (
        "The introductory seminar is for partnerships in the feasibility phase; "
        "Lake Victoria Health Exchange is past it."
    )
    # Invited while in feasibility, then the agreement is signed: no longer eligible.
    early = f.feasibility_partnership()
    services.invite_partnerships(session=seminar, partnerships=[early], by=staff)
    rep = f.contact_for(early.members.first().organisation)
    type(early).objects.filter(pk=early.pk).update(
        phase=Phase.AGREEMENT_SIGNED, agreement_signed_on=f.TODAY
    )
    with pytest.raises(ValidationError, match="feasibility phase; .* is now in the phase"):
        services.enrol(session=seminar, person=rep.person, by=staff)


def test_invitation_tells_the_coordinators_of_each_member(seminar, staff):
    partnership = f.feasibility_partnership()
    coordinators = [
        f.contact_for(m.organisation, role=ContactPerson.Role.COORDINATOR)
        for m in partnership.members.order_by("pk")
    ]
    assert services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff) == 1
    sent = OutboxEmail.objects.filter(idempotency_key__startswith="training-seminar-invitation:")
    assert sorted(sent.values_list("to_email", flat=True)) == sorted(
        c.person.email for c in coordinators
    )
    # Inviting again changes nothing and mails nobody twice.
    assert services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff) == 0
    assert sent.count() == 2


# --- Overlap ----------------------------------------------------------------------------


def test_nobody_is_in_two_sessions_whose_weeks_overlap(t1, participant, staff):
    services.enrol(session=t1, person=participant.person, by=staff)
    same_week = f.make_week(venue_name="Bangkok")
    with pytest.raises(ValidationError) as exc:
        services.enrol(
            session=f.session_of(same_week, SessionKind.TRAINING_1),
            person=participant.person,
            by=staff,
        )
    assert message(exc) == (
        "Grace Nakato is already in Training 1 (Kampala, 3 May 2026 – 9 May 2026), which "
        "overlaps this session. Nobody can be in two sessions at the same time."
    )


def test_partner_training_and_seminar_on_overlapping_days_clash(partner_session, staff):
    partnership = f.feasibility_partnership()
    # One person represents a signed partnership's member and a new partnership's member.
    organisation = partnership.members.first().organisation
    signed = PartnershipFactory(members=[organisation, OrganisationFactory()])
    assert signed.phase == Phase.AGREEMENT_SIGNED
    rep = f.contact_for(organisation, first_name="Busy", last_name="Person")
    seminar = services.create_intro_seminar(
        title="", capacity=10, venue=f.venue("Kampala"), online=False, by=staff,
        days=[services.SeminarDay(dt.date(2026, 4, 28), dt.time(9), dt.time(15)),
              services.SeminarDay(dt.date(2026, 4, 30), dt.time(9), dt.time(15)),
              services.SeminarDay(dt.date(2026, 5, 5), dt.time(9), dt.time(15))],
    )  # fmt: skip
    services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff)
    services.enrol(session=partner_session, person=rep.person, by=staff)
    with pytest.raises(ValidationError, match="Busy Person is already in Partner training"):
        services.enrol(session=seminar, person=rep.person, by=staff)


def _seminar(staff, dates, partnership):
    seminar = services.create_intro_seminar(
        title="", capacity=10, venue=f.venue("Kampala"), online=False, by=staff,
        days=[services.SeminarDay(day, dt.time(9), dt.time(15)) for day in dates],
    )  # fmt: skip
    services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff)
    return seminar


def test_overlap_compares_the_seminars_real_days_not_their_spans(staff):
    partnership = f.feasibility_partnership()
    rep = f.contact_for(partnership.members.first().organisation, first_name="Two",
                        last_name="Seminars")  # fmt: skip
    december = _seminar(staff, [dt.date(2026, 12, 21), dt.date(2026, 12, 23),
                                dt.date(2026, 12, 30)], partnership)  # fmt: skip
    january = _seminar(staff, [dt.date(2026, 12, 26), dt.date(2027, 1, 2),
                               dt.date(2027, 1, 16)], partnership)  # fmt: skip
    services.enrol(session=january, person=rep.person, by=staff)
    # The spans (21–30 Dec, 26 Dec–16 Jan) cross, but no day is shared.
    assert services.enrol(session=december, person=rep.person, by=staff).pk
    assert sorted(rep.person.occupied_days.values_list("date", flat=True)) == [
        dt.date(2026, 12, 21), dt.date(2026, 12, 23), dt.date(2026, 12, 26),
        dt.date(2026, 12, 30), dt.date(2027, 1, 2), dt.date(2027, 1, 16),
    ]  # fmt: skip
    # A third seminar sharing 23 December is refused, with the rule's message.
    clash = _seminar(staff, [dt.date(2026, 12, 22), dt.date(2026, 12, 23),
                             dt.date(2027, 1, 5)], partnership)  # fmt: skip
    with pytest.raises(ValidationError, match="which overlaps this session"):
        services.enrol(session=clash, person=rep.person, by=staff)


def test_one_session_a_day_is_a_database_constraint(t1, participant, staff):
    held = services.enrol(session=t1, person=participant.person, by=staff)
    assert held.occupied_days.count() == 7  # arrival Sunday to departure Saturday
    bangkok = f.session_of(f.make_week(venue_name="Bangkok"), SessionKind.TRAINING_2)
    # Written past the services (as a racing worker's insert would land), it is refused.
    other = Enrolment.objects.create(
        session=bangkok, kind=bangkok.kind, person=participant.person, participant=participant,
        organisation=participant.sending_organisation, state=State.NOMINATED,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        services.occupy_days(other)


def test_one_training_1_per_exchange_is_a_database_constraint(t1, participant, staff):
    services.enrol(session=t1, person=participant.person, by=staff)
    later = f.session_of(
        f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 5, 10)), SessionKind.TRAINING_1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            session=later, kind=later.kind, person=participant.person, participant=participant,
            organisation=participant.sending_organisation, state=State.NOMINATED,
        )  # fmt: skip


def test_cancelling_frees_the_days(t1, participant, staff):
    held = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=held, by=staff)
    assert not participant.person.occupied_days.exists()
    week = f.make_week(venue_name="Bangkok")
    again = services.enrol(session=f.session_of(week, SessionKind.TRAINING_1),
                           person=participant.person, by=staff)  # fmt: skip
    services.cancel_training_week(week=week, by=staff, reason="Venue closed")
    assert not again.occupied_days.exists()


def test_existing_enrolments_get_their_days_from_the_migration(t1, participant, staff):
    from importlib import import_module

    from django.apps import apps

    held = services.enrol(session=t1, person=participant.person, by=staff)
    OccupiedDay.objects.all().delete()
    migration = import_module("trainings.migrations.0004_occupied_days")
    migration.occupy_days_of_counting_enrolments(apps, None)
    assert list(held.occupied_days.values_list("date", flat=True)) == [
        dt.date(2026, 5, 3) + dt.timedelta(days=n) for n in range(7)
    ]


def test_a_partner_training_no_show_takes_it_again(partner_session, contact, staff):
    first = services.enrol(session=partner_session, person=contact.person, by=staff, confirm=True)
    services.mark_attendance(enrolment=first, attended=False, by=staff, today=dt.date(2026, 5, 4))
    roster = partner_training_roster(ContactPerson.objects.filter(pk=contact.pk))
    # Not taken: due (here overdue, the agreement being old), nominated like anyone due.
    assert [c.readiness for c in roster] == [PartnerTraining.OVERDUE]
    later = f.session_of(
        f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 9, 6)), SessionKind.PARTNER
    )
    again = services.enrol(session=later, person=contact.person, by=staff)
    roster = partner_training_roster(ContactPerson.objects.filter(pk=contact.pk))
    assert [(c.readiness, c.partner_day) for c in roster] == [
        (PartnerTraining.ENROLLED, later.first_day)
    ]
    # The old no-show cannot be turned into attendance while the new one counts.
    with pytest.raises(ValidationError) as exc:
        services.mark_attendance(
            enrolment=first, attended=True, by=staff, today=dt.date(2026, 5, 4)
        )
    assert "has since been enrolled in Partner training again" in message(exc)
    first.refresh_from_db()
    assert first.state == State.NO_SHOW
    # Nor can a third enrolment be written past the rules.
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            session=f.session_of(
                f.make_week(venue_name="Kampala", starts_on=dt.date(2026, 11, 1)),
                SessionKind.PARTNER,
            ),
            kind=SessionKind.PARTNER,
            person=contact.person,
            contact=contact,
            organisation=contact.organisation,
            state=State.NOMINATED,
        )
    assert again.state == State.NOMINATED


def test_a_cancelled_enrolment_does_not_block_another_week(t1, participant, staff):
    first = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=first, by=staff)
    same_week = f.make_week(venue_name="Bangkok")
    other = f.session_of(same_week, SessionKind.TRAINING_1)
    assert services.enrol(session=other, person=participant.person, by=staff).pk


def test_one_training_1_per_exchange_unless_a_no_show(t1, participant, staff):
    first = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    later = f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 5, 10))
    later_t1 = f.session_of(later, SessionKind.TRAINING_1)
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=later_t1, person=participant.person, by=staff)
    assert message(exc) == (
        "Grace Nakato already has Training 1 (Kampala, 3 May 2026, Confirmed). Cancel that "
        "enrolment first to move to another week."
    )
    services.mark_attendance(enrolment=first, attended=False, by=staff, today=dt.date(2026, 5, 4))
    assert services.enrol(session=later_t1, person=participant.person, by=staff).pk


def test_same_session_twice_is_refused(t1, participant, staff):
    services.enrol(session=t1, person=participant.person, by=staff)
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=participant.person, by=staff)
    assert message(exc) == "Grace Nakato is already in this session (Nominated)."


# --- Capacity, waitlist, promotion ------------------------------------------------------


def fill(session, count, partnership, staff, **kwargs):
    people = [
        f.participant_for(partnership=partnership, first_name=f"P{i}", last_name="Full").person
        for i in range(count)
    ]
    return [services.enrol(session=session, person=p, by=staff, **kwargs) for p in people]


def test_full_session_puts_people_on_the_waitlist(partnership, staff):
    week = f.make_week(t1=2)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    enrolments = fill(t1, 4, partnership, staff, confirm=True)
    assert [e.state for e in enrolments] == [
        State.CONFIRMED, State.CONFIRMED, State.WAITLISTED, State.WAITLISTED
    ]  # fmt: skip
    assert enrolments[2].requested_state == State.CONFIRMED
    assert OutboxEmail.objects.get(idempotency_key=f"training-nominated:{enrolments[2].pk}")


def test_cancellation_promotes_the_first_on_the_waitlist_and_mails_them(partnership, staff):
    week = f.make_week(t1=2)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    first, _second, third, fourth = fill(t1, 4, partnership, staff, confirm=True)
    services.cancel_enrolment(enrolment=first, by=staff, reason="Visa refused")
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert third.state == State.CONFIRMED
    assert fourth.state == State.WAITLISTED
    promoted = OutboxEmail.objects.get(idempotency_key=f"training-promoted:{third.pk}")
    assert promoted.to_email == third.person.email
    assert "A seat has freed up" in promoted.body_text
    assert not OutboxEmail.objects.filter(idempotency_key=f"training-promoted:{fourth.pk}")


def test_cancelling_a_waitlisted_enrolment_promotes_nobody(partnership, staff):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    _first, second, third = fill(t1, 3, partnership, staff)
    services.cancel_enrolment(enrolment=second, by=staff)
    third.refresh_from_db()
    assert third.state == State.WAITLISTED


def test_promotion_keeps_training_1_nominated_without_elearning(partnership, staff):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    first = fill(t1, 1, partnership, staff, confirm=True)[0]
    waiting = f.participant_for(partnership=partnership, elearning=False).person
    enrolment = services.enrol(session=t1, person=waiting, by=staff)
    assert enrolment.state == State.WAITLISTED
    services.cancel_enrolment(enrolment=first, by=staff)
    enrolment.refresh_from_db()
    assert enrolment.state == State.NOMINATED


def test_more_seats_go_to_the_waitlist_in_order(partnership, staff):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    enrolments = fill(t1, 4, partnership, staff)
    services.update_session(session=t1, capacity=3, facilitators=[], by=staff)
    states = [Enrolment.objects.get(pk=e.pk).state for e in enrolments]
    assert states == [State.NOMINATED, State.NOMINATED, State.NOMINATED, State.WAITLISTED]


def test_seats_cannot_drop_below_those_taken(partnership, staff):
    week = f.make_week(t1=3)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    fill(t1, 3, partnership, staff)
    with pytest.raises(ValidationError) as exc:
        services.update_session(session=t1, capacity=2, facilitators=[], by=staff)
    assert message(exc) == (
        "3 seats are already taken; cancel enrolments before lowering the number of seats "
        "below that."
    )


def test_second_group_opens_only_when_full_and_takes_the_waitlist(partnership, staff):
    week = f.make_week(t1=2)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    fill(t1, 1, partnership, staff)
    with pytest.raises(ValidationError) as exc:
        services.add_parallel_group(session=t1, capacity=2, by=staff)
    assert message(exc) == (
        "A second group opens when demand exceeds the seats: 1 of 2 seats are taken. "
        "Add seats or wait for the session to fill."
    )
    waiting = fill(t1, 4, partnership, staff)[1:]
    group = services.add_parallel_group(session=t1, capacity=2, by=staff)
    assert group.group == 2 and group.week == week and group.days.count() == 6
    moved = [Enrolment.objects.get(pk=e.pk) for e in waiting]
    assert [(e.session_id, e.state) for e in moved] == [
        (group.pk, State.NOMINATED), (group.pk, State.NOMINATED), (t1.pk, State.WAITLISTED)
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="already runs in two groups"):
        services.add_parallel_group(session=t1, capacity=2, by=staff)


# --- States -----------------------------------------------------------------------------


def test_attendance_only_once_the_session_has_begun(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    with pytest.raises(ValidationError) as exc:
        services.mark_attendance(enrolment=enrolment, attended=True, by=staff)
    assert message(exc) == "Attendance can be recorded once the session has begun (3 May 2026)."
    done = services.mark_attendance(
        enrolment=enrolment, attended=True, by=staff, today=dt.date(2026, 5, 4)
    )
    assert done.state == State.ATTENDED
    corrected = services.mark_attendance(
        enrolment=enrolment, attended=False, by=staff, today=dt.date(2026, 5, 4)
    )
    assert corrected.state == State.NO_SHOW


def test_only_confirmed_people_can_attend(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    with pytest.raises(ValidationError) as exc:
        services.mark_attendance(
            enrolment=enrolment, attended=True, by=staff, today=dt.date(2026, 5, 4)
        )
    assert message(exc) == (
        "An enrolment that is “Nominated” cannot become “Attended”. "
        "It can become: Confirmed, Cancelled."
    )


def test_cancelled_is_final(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=enrolment, by=staff)
    with pytest.raises(ValidationError) as exc:
        services.confirm_enrolment(enrolment=enrolment, by=staff)
    assert message(exc) == "An enrolment that is “Cancelled” cannot become “Confirmed”."


def test_no_cancellation_once_the_session_has_begun(t1, participant, staff, time_machine):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    time_machine.move_to(dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as exc:
        services.cancel_enrolment(enrolment=enrolment, by=staff)
    assert message(exc) == ("The session has begun: record that the person did not attend instead.")


def test_enrolment_closes_when_the_session_begins(t1, participant, staff, time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 3, 12, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=participant.person, by=staff)
    assert message(exc) == "This session began on 3 May 2026; enrolment is closed."


def test_cancellation_tells_norec_and_the_coordinator(t1, participant, staff, coordinator):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=enrolment, by=coordinator, reason="Family matters")
    norec = OutboxEmail.objects.get(idempotency_key=f"training-cancelled:{enrolment.pk}:norec")
    assert norec.to_email == "training@norec.no"
    assert "Grace Nakato" in norec.subject and "Family matters" in norec.body_text
    told = OutboxEmail.objects.filter(
        idempotency_key__startswith=f"training-cancelled:{enrolment.pk}:contact:"
    )
    assert list(told.values_list("to_email", flat=True)) == ["coordinator.a@example.org"]
    enrolment.refresh_from_db()
    assert enrolment.cancelled_by == coordinator and enrolment.cancelled_at <= timezone.now()


def test_cancellation_tells_the_person_whose_seat_it_was(t1, participant, staff, coordinator):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=enrolment, by=coordinator, reason="Family matters")
    told = OutboxEmail.objects.get(idempotency_key=f"training-cancelled:{enrolment.pk}:person")
    assert told.to_email == participant.person.email
    assert told.body_text.startswith("Dear Grace,")
    assert f"Your place in {t1.name}" in told.body_text and "Family matters" in told.body_text
    assert "tell your coordinator" in told.body_text


def test_cancellation_of_someone_without_an_address_tells_the_others(
    t1, participant, staff, coordinator
):
    type(participant.person).objects.filter(pk=participant.person_id).update(email="")
    participant.person.refresh_from_db()
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=enrolment, by=staff)
    keys = set(
        OutboxEmail.objects.filter(
            idempotency_key__startswith=f"training-cancelled:{enrolment.pk}:"
        ).values_list("idempotency_key", flat=True)
    )
    assert f"training-cancelled:{enrolment.pk}:norec" in keys
    assert f"training-cancelled:{enrolment.pk}:person" not in keys
    assert any(":contact:" in key for key in keys)


# --- A coordinator only nominates their own people --------------------------------------


def test_coordinator_cannot_nominate_another_organisations_participant(
    t1, partnership, org_b, coordinator
):
    from partnerships.access import coordinator_organisation

    theirs = f.participant_for(partnership=partnership, first_name="Other", last_name="Org")
    Participant.objects.filter(pk=theirs.pk).update(
        sending_organisation=org_b, host_organisation=theirs.sending_organisation
    )
    with pytest.raises(ValidationError) as exc:
        services.enrol(
            session=t1, person=theirs.person, by=coordinator,
            organisation=coordinator_organisation(coordinator),
        )  # fmt: skip
    assert message(exc) == "Other Org is not a participant sent by your organisation."


def test_cancelled_week_refuses_enrolments(week, t1, participant, staff):
    services.cancel_training_week(week=week, by=staff, reason="Elections")
    t1.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.enrol(session=t1, person=participant.person, by=staff)
    assert message(exc) == "This session has been cancelled."
