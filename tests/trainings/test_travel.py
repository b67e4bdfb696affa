"""Travel details: the rules of the form, the emailed single-use link, the flags."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from norec_portal.models import AuditEntry, OutboxEmail
from tests.factories import PersonFactory
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState, TravelDetails, TravelLink
from trainings.services.travel import add_months, passport_needed_until
from trainings.travel_links import InvalidTravelLink, peek_travel_link

SUNDAY = f.SUNDAY  # 3 May 2026; the week ends on Saturday 9 May


def details(**changes):
    data = {
        "arrival_date": SUNDAY, "arrival_time": dt.time(14, 30), "arrival_by": "KQ 412",
        "arrival_airport": "EBB", "departure_date": SUNDAY + dt.timedelta(days=6),
        "departure_time": dt.time(10), "departure_by": "KQ 413", "departure_airport": "EBB",
        "dietary_needs": "Vegetarian", "accessibility_needs": "",
        "emergency_contact_name": "Ruth Nakato", "emergency_contact_phone": "+256 772 123456",
        "needs_visa": False, "passport_name": "", "passport_number": "",
        "passport_nationality": "", "passport_expiry": None,
    }  # fmt: skip
    data.update(changes)
    return data


VISA = {"needs_visa": True, "passport_name": "GRACE NAKATO", "passport_number": "B1234567",
        "passport_nationality": "UG", "passport_expiry": dt.date(2030, 1, 31)}  # fmt: skip


@pytest.fixture
def enrolment(t1, participant):
    return services.enrol(session=t1, person=participant.person, by=None)


def save(enrolment, by=None, **changes):
    return services.save_travel_details(
        enrolment=enrolment, data=details(**changes), by=by, via=TravelDetails.Source.STAFF
    )


def problems(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


# --- The rules ----------------------------------------------------------------------------


def test_saves_the_details_with_the_phone_in_international_format(enrolment, staff):
    travel = save(enrolment, by=staff)
    assert travel.emergency_contact_phone == "+256772123456"
    assert travel.submitted_via == TravelDetails.Source.STAFF
    assert travel.updated_by == staff
    status = services.travel_status(enrolment.__class__.objects.select_related("travel")
                                    .get(pk=enrolment.pk))  # fmt: skip
    assert not status.missing and not status.early_arrival and not status.late_departure


def test_waitlisted_enrolment_gets_no_travel_details_yet(week, participant):
    session = f.make_week(starts_on=SUNDAY + dt.timedelta(days=14), t1=1).sessions.get(kind="t1")
    services.enrol(session=session, person=f.participant_for(SUNDAY + dt.timedelta(days=14))
                   .person, by=None)  # fmt: skip
    other = f.participant_for(SUNDAY + dt.timedelta(days=14), first_name="Wai", last_name="Ting")
    waiting = services.enrol(session=session, person=other.person, by=None)
    assert waiting.state == EnrolmentState.WAITLISTED
    with pytest.raises(ValidationError, match="waitlist"):
        save(waiting, arrival_date=SUNDAY + dt.timedelta(days=14),
             departure_date=SUNDAY + dt.timedelta(days=20))  # fmt: skip


def test_cancelled_enrolment_gets_no_travel_details(enrolment):
    services.cancel_enrolment(enrolment=enrolment, by=None)
    enrolment.refresh_from_db()
    with pytest.raises(ValidationError, match="nominated or confirmed"):
        save(enrolment)


def test_online_session_needs_no_travel(week, enrolment, staff):
    services.switch_week_online(week=week, by=staff)
    enrolment.refresh_from_db()
    with pytest.raises(ValidationError, match="online"):
        save(enrolment)


def test_arrival_the_day_before_is_accepted_and_flagged(enrolment):
    save(enrolment, arrival_date=SUNDAY - dt.timedelta(days=1))
    row = enrolment.__class__.objects.select_related("travel", "session__week").get(pk=enrolment.pk)
    assert services.travel_status(row).early_arrival


@pytest.mark.parametrize("days", [-2, 1, 3])
def test_arrival_on_another_day_is_refused(enrolment, days):
    with pytest.raises(ValidationError) as exc:
        save(enrolment, arrival_date=SUNDAY + dt.timedelta(days=days))
    assert problems(exc)["arrival_date"] == [
        "Arrive on 3 May 2026, or the day before at the earliest."
    ]


def test_late_departure_is_accepted_and_flagged(enrolment):
    save(enrolment, departure_date=SUNDAY + dt.timedelta(days=8))
    row = enrolment.__class__.objects.select_related("travel", "session__week").get(pk=enrolment.pk)
    status = services.travel_status(row)
    assert status.late_departure and not status.early_arrival


def test_departure_before_the_saturday_is_refused(enrolment):
    with pytest.raises(ValidationError) as exc:
        save(enrolment, departure_date=SUNDAY + dt.timedelta(days=5))
    assert "leave on 9 May 2026 or later" in problems(exc)["departure_date"][0]


def test_seminar_days_anchor_arrival_and_departure(staff):
    first = SUNDAY + dt.timedelta(days=24)  # a Wednesday
    seminar = services.create_intro_seminar(
        title="Intro", capacity=10, venue=f.venue(), online=False, by=staff,
        days=[services.SeminarDay(date=first + dt.timedelta(days=i), starts=dt.time(9),
                                  ends=dt.time(16)) for i in range(3)],
    )  # fmt: skip
    enrolment = Enrolment(session=seminar, state=EnrolmentState.NOMINATED, person=PersonFactory())
    wrong = services.check_travel_details(
        enrolment=enrolment,
        data=details(
            arrival_date=first + dt.timedelta(days=1), departure_date=first + dt.timedelta(days=2)
        ),
    )
    assert set(wrong) == {"arrival_date", "departure_date"}
    assert "leave on 30 May 2026 or later" in wrong["departure_date"][0]
    right = services.check_travel_details(
        enrolment=enrolment,
        data=details(
            arrival_date=first - dt.timedelta(days=1), departure_date=first + dt.timedelta(days=3)
        ),
    )
    assert right == {}


def test_visa_needs_every_passport_field(enrolment):
    with pytest.raises(ValidationError) as exc:
        save(enrolment, needs_visa=True)
    assert problems(exc) == {
        "passport_name": ["Write the name exactly as in the passport (needed for the visa)."],
        "passport_number": ["Write the passport number (needed for the visa)."],
        "passport_nationality": ["Choose the nationality (needed for the visa)."],
        "passport_expiry": ["Write the date the passport is valid until (needed for the visa)."],
    }


def test_passport_must_be_valid_six_months_after_the_week(enrolment):
    assert passport_needed_until(enrolment.session) == dt.date(2026, 11, 9)
    with pytest.raises(ValidationError) as exc:
        save(enrolment, **{**VISA, "passport_expiry": dt.date(2026, 11, 8)})
    assert problems(exc)["passport_expiry"] == [
        "For the visa the passport must be valid until at least 9 November 2026 (six months "
        "after the training)."
    ]
    travel = save(enrolment, **{**VISA, "passport_expiry": dt.date(2026, 11, 9)})
    assert travel.passport_number == "B1234567"


def test_without_a_visa_the_passport_fields_are_emptied(enrolment):
    save(enrolment, **VISA)
    travel = save(enrolment, **{**VISA, "needs_visa": False})
    travel = TravelDetails.objects.get(pk=travel.pk)
    assert (travel.passport_name, travel.passport_number, travel.passport_nationality,
            travel.passport_expiry) == ("", "", "", None)  # fmt: skip


def test_bad_emergency_phone_is_refused_with_every_other_problem(enrolment):
    with pytest.raises(ValidationError) as exc:
        save(enrolment, emergency_contact_phone="12", arrival_date=SUNDAY + dt.timedelta(days=2),
             emergency_contact_name="")  # fmt: skip
    assert {"emergency_contact_phone", "arrival_date", "emergency_contact_name"} <= set(
        problems(exc)
    )


def test_departure_before_arrival_is_refused(enrolment):
    with pytest.raises(ValidationError) as exc:
        save(enrolment, departure_date=SUNDAY - dt.timedelta(days=3))
    assert "departure_date" in problems(exc)


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_save_is_audited_without_passport_values(enrolment, staff):
    travel = save(enrolment, by=staff, **VISA)
    entry = AuditEntry.objects.filter(object_id=travel.pk,
                                      object_type__model="traveldetails").get()  # fmt: skip
    assert entry.actor == staff and "passport_number" in entry.changed_fields
    dumped = repr(entry.__dict__)
    assert "B1234567" not in dumped and "GRACE NAKATO" not in dumped


# --- The link -------------------------------------------------------------------------------


def link_of(email: OutboxEmail) -> str:
    return re.search(r"/travel/([A-Za-z0-9_-]{40,})/", email.body_text).group(1)


def travel_mails(enrolment):
    key = f"training-travel-link:{enrolment.pk}:"
    return OutboxEmail.objects.filter(idempotency_key__startswith=key)


def test_nomination_emails_one_link_in_the_persons_language(t1, participant):
    participant.person.preferred_language = "fr"
    participant.person.save()
    enrolment = services.enrol(session=t1, person=participant.person, by=None)
    services.confirm_enrolment(enrolment=enrolment, by=None)
    [email] = travel_mails(enrolment)
    assert email.to_email == participant.person.email
    link = peek_travel_link(link_of(email))
    assert link.enrolment == enrolment
    assert link.expires_at.date() == timezone.localdate() + dt.timedelta(days=14)


def test_waitlisted_person_gets_the_link_on_promotion(participant):
    week = f.make_week(starts_on=SUNDAY + dt.timedelta(days=14), t1=1)
    session = week.sessions.get(kind="t1")
    later = SUNDAY + dt.timedelta(days=14)
    first = services.enrol(session=session, person=f.participant_for(later).person, by=None)
    other = f.participant_for(later, first_name="Wai", last_name="Ting")
    waiting = services.enrol(session=session, person=other.person, by=None)
    assert not travel_mails(waiting).exists()
    services.cancel_enrolment(enrolment=first, by=None)
    assert travel_mails(waiting).count() == 1


def test_online_session_sends_no_link(week, staff, participant):
    services.switch_week_online(week=week, by=staff)
    enrolment = services.enrol(session=f.session_of(week, "t1"), person=participant.person,
                               by=None)  # fmt: skip
    assert not travel_mails(enrolment).exists()


def test_link_expires_after_the_configured_days(enrolment, settings):
    settings.TRAVEL_LINK_DAYS = 3
    services.send_travel_link(enrolment=enrolment, by=None)
    raw = link_of(travel_mails(enrolment).order_by("-pk").first())
    link = peek_travel_link(raw)
    assert link.expires_at - link.created_at == dt.timedelta(days=3)
    TravelLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    with pytest.raises(InvalidTravelLink):
        peek_travel_link(raw)


def test_link_works_once_and_a_refused_form_keeps_it(enrolment):
    raw = link_of(travel_mails(enrolment).get())
    with pytest.raises(ValidationError):
        services.save_travel_details_with_link(raw_token=raw, data=details(arrival_date=None))
    travel = services.save_travel_details_with_link(raw_token=raw, data=details(**VISA))
    assert travel.submitted_via == TravelDetails.Source.PERSON and travel.updated_by is None
    with pytest.raises(InvalidTravelLink):
        services.save_travel_details_with_link(raw_token=raw, data=details())


def test_a_new_link_invalidates_the_old_one(enrolment, coordinator):
    old = link_of(travel_mails(enrolment).get())
    services.send_travel_link(enrolment=enrolment, by=coordinator)
    assert travel_mails(enrolment).count() == 2
    new = link_of(travel_mails(enrolment).order_by("-pk").first())
    with pytest.raises(InvalidTravelLink):
        peek_travel_link(old)
    assert peek_travel_link(new).sent_by == coordinator


def test_link_stops_working_when_the_address_changes(enrolment):
    raw = link_of(travel_mails(enrolment).get())
    enrolment.person.email = "new.address@example.org"
    enrolment.person.save()
    with pytest.raises(InvalidTravelLink):
        peek_travel_link(raw)


def test_only_the_hash_of_the_link_is_stored(enrolment):
    raw = link_of(travel_mails(enrolment).get())
    assert not TravelLink.objects.filter(token_hash=raw).exists()
    assert TravelLink.objects.get().token_hash != raw


# --- Week settings and the coordinator's list ----------------------------------------------


def test_deadline_must_be_before_the_week(week, staff):
    with pytest.raises(ValidationError) as exc:
        services.set_week_travel(week=week, travel_details_due=SUNDAY, rooms="single", by=staff)
    assert "travel_details_due" in exc.value.message_dict
    week = services.set_week_travel(week=week, travel_details_due=SUNDAY - dt.timedelta(days=14),
                                    rooms="single", by=staff)  # fmt: skip
    week.refresh_from_db()
    assert week.rooms == "single" and week.travel_details_due == dt.date(2026, 4, 19)


def test_missing_travel_lists_incomplete_ones_with_the_deadline(week, enrolment, org_a, staff):
    services.set_week_travel(week=week, travel_details_due=f.TODAY - dt.timedelta(days=1),
                             rooms="shared", by=staff)  # fmt: skip
    [row] = services.missing_travel(org_a)
    assert row.enrolment == enrolment and row.overdue
    save(enrolment)
    assert services.missing_travel(org_a) == []
