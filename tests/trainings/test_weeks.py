"""Venues, training weeks and their parallel sessions; times in the venue's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from norec_portal.models import OutboxEmail
from tests.trainings import factories as f
from tests.trainings.test_documents import flat, text
from trainings import documents, services
from trainings.models import SessionKind, TrainingWeek, Venue

pytestmark = pytest.mark.django_db


def test_the_three_usual_venues_are_seeded_with_their_zones():
    zones = dict(Venue.objects.values_list("name", "time_zone"))
    assert zones == {
        "Bangkok": "Asia/Bangkok",
        "Johannesburg": "Africa/Johannesburg",
        "Kampala": "Africa/Kampala",
    }
    assert all(v.address and v.practical_information for v in Venue.objects.all())


def test_staff_add_a_venue(staff_client):
    response = staff_client.post(
        reverse("trainings:staff_venue_create"),
        {"name": "Nairobi", "city": "Nairobi", "country": "KE", "address": "Westlands",
         "time_zone": "Africa/Nairobi", "practical_information": "", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Venue.objects.get(name="Nairobi").zone == ZoneInfo("Africa/Nairobi")


def test_a_venue_needs_a_known_time_zone():
    venue = Venue(name="Nowhere", city="X", country="KE", address="Y", time_zone="Mars/Base")
    with pytest.raises(ValidationError) as exc:
        services.save_venue(venue=venue, by=None)
    assert exc.value.message_dict["time_zone"] == [
        "“Mars/Base” is not a known time zone. Use a name such as Africa/Kampala."
    ]


# --- The Sunday rule --------------------------------------------------------------------


def test_a_week_starting_on_a_monday_is_refused():
    with pytest.raises(ValidationError) as exc:
        f.make_week(starts_on=dt.date(2026, 5, 4))
    assert exc.value.message_dict["starts_on"] == [
        "A training week must start on a Sunday, the day of arrival. 4 May 2026 is a Monday; "
        "the Sunday before it is 3 May 2026."
    ]
    assert not TrainingWeek.objects.exists()


def test_the_database_refuses_a_week_not_starting_on_sunday():
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingWeek.objects.create(venue=f.venue(), starts_on=dt.date(2026, 5, 4))


# --- Weeks that cannot be: a booked Sunday, absurd seats, a start in the past ---------


def test_a_second_week_at_a_venue_on_a_booked_sunday_is_refused(staff):
    first = f.make_week()  # Kampala, 3 May 2026, with its three parallel sessions
    assert first.sessions.count() == 3  # the parallel sessions are the normal case
    with pytest.raises(ValidationError) as exc:
        f.make_week()
    assert exc.value.messages == [
        "Kampala already has a training week starting on 3 May 2026. Its Training 1, "
        "Training 2 and Partner training run in parallel in that one week: open it to "
        "change seats or add a second group, or choose another Sunday or venue."
    ]
    assert TrainingWeek.objects.count() == 1
    assert f.make_week(venue_name="Bangkok").pk  # another venue the same Sunday is fine
    services.cancel_training_week(week=first, by=staff, reason="Moved")
    assert f.make_week().pk  # a cancelled week frees its Sunday


def test_the_database_holds_one_week_per_venue_and_sunday():
    f.make_week()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingWeek.objects.create(venue=f.venue(), starts_on=f.SUNDAY)


def test_absurd_seat_counts_are_refused_with_what_to_do():
    with pytest.raises(ValidationError) as exc:
        f.make_week(t1=99_999_999)
    assert exc.value.messages == [
        "Training 1 can have at most 200 seats, not 99999999. Check the number; when more "
        "people need it, open a second group."
    ]
    assert not TrainingWeek.objects.exists()
    t1 = f.session_of(f.make_week(), SessionKind.TRAINING_1)
    with pytest.raises(ValidationError, match="at most 200 seats, not 201"):
        services.update_session(session=t1, capacity=201, facilitators=[], by=None)


def test_the_database_refuses_absurd_seats():
    t1 = f.session_of(f.make_week(), SessionKind.TRAINING_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(t1).objects.filter(pk=t1.pk).update(capacity=99_999_999 % 32768)


def test_a_week_that_starts_in_the_past_is_refused():
    # Today is Monday 2 March 2026.
    with pytest.raises(ValidationError) as exc:
        f.make_week(starts_on=dt.date(2026, 3, 1))
    assert exc.value.messages == [
        "A training week must start in the future: 1 March 2026 is not after today. "
        "The next Sunday is 8 March 2026."
    ]
    assert not TrainingWeek.objects.exists()


def test_the_week_form_says_why_a_week_cannot_be(staff_client):
    f.make_week()
    response = staff_client.post(
        reverse("trainings:staff_week_create"),
        {"venue": f.venue().pk, "starts_on": f.SUNDAY.isoformat(), "format": "in_person",
         "t1": "on", "t1_capacity": 30, "t2": "on", "t2_capacity": 30, "partner": "on",
         "partner_capacity": 40, "partner_days": 3},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Kampala already has a training week starting on 3 May 2026" in (
        response.content.decode()
    )
    assert TrainingWeek.objects.count() == 1


def test_the_week_form_shows_every_problem_at_once(staff_client):
    # Seats left empty (the form's own error) used to hide the Sunday and past checks.
    response = staff_client.post(
        reverse("trainings:staff_week_create"),
        {"venue": f.venue().pk, "starts_on": "2026-02-02", "format": "in_person",
         "t1": "on", "t1_capacity": "", "t2": "on", "t2_capacity": 30, "partner": "on",
         "partner_capacity": 40, "partner_days": 3},
    )  # fmt: skip
    errors = response.context["form"].errors
    assert "t1_capacity" in errors
    assert [m[:41] for m in errors["starts_on"]] == [
        "A training week must start on a Sunday, t",
        "A training week must start in the future:",
    ]
    assert not TrainingWeek.objects.exists()


def test_the_week_form_shows_the_sunday_message(staff_client):
    response = staff_client.post(
        reverse("trainings:staff_week_create"),
        {"venue": f.venue().pk, "starts_on": "2026-05-04", "format": "in_person",
         "t1": "on", "t1_capacity": 30, "t2": "on", "t2_capacity": 30, "partner": "on",
         "partner_capacity": 40, "partner_days": 3},
    )  # fmt: skip
    assert response.status_code == 200
    assert "A training week must start on a Sunday" in response.content.decode()
    assert not TrainingWeek.objects.exists()


def test_one_form_creates_a_week_with_its_three_sessions(staff_client, staff):
    response = staff_client.post(
        reverse("trainings:staff_week_create"),
        {"venue": f.venue("Bangkok").pk, "starts_on": "2026-05-03", "format": "in_person",
         "t1": "on", "t1_capacity": 25, "t1_facilitators": [staff.pk], "t2": "on",
         "t2_capacity": 20, "partner": "on", "partner_capacity": 40, "partner_days": 3},
    )  # fmt: skip
    week = TrainingWeek.objects.get()
    assert response["Location"] == reverse("trainings:staff_week", args=[week.pk])
    sessions = {s.kind: s for s in week.sessions.all()}
    assert {k: s.capacity for k, s in sessions.items()} == {"t1": 25, "t2": 20, "partner": 40}
    assert sessions["partner"].days.count() == 3 and sessions["t1"].days.count() == 6
    assert list(sessions["t1"].facilitators.all()) == [staff]
    assert week.created_by == staff


def test_partner_training_defaults_to_forty_seats():
    from trainings.forms import WeekForm

    assert WeekForm().fields["partner_capacity"].initial == 40


def test_training_1_cannot_be_three_days():
    with pytest.raises(ValidationError) as exc:
        services.create_training_week(
            venue=f.venue(), starts_on=f.SUNDAY, by=None,
            sessions=[services.SessionPlan(kind=SessionKind.TRAINING_1, capacity=20, days=3)],
        )  # fmt: skip
    assert exc.value.messages == ["Training 1 lasts 6 days, not 3."]


# --- Times in the venue's zone ----------------------------------------------------------


def test_arrival_programme_and_departure_are_in_the_venue_zone():
    week = f.make_week(venue_name="Bangkok")
    bangkok = ZoneInfo("Asia/Bangkok")
    assert week.arrival_at == dt.datetime(2026, 5, 3, 8, 0, tzinfo=bangkok)
    assert week.programme_starts_at == dt.datetime(2026, 5, 3, 14, 0, tzinfo=bangkok)
    assert week.farewell_at == dt.datetime(2026, 5, 8, 19, 0, tzinfo=bangkok)
    assert week.farewell_at.strftime("%A") == "Friday"
    assert week.departure_at.date() == dt.date(2026, 5, 9)
    assert week.departure_at.strftime("%A") == "Saturday"
    first_day = f.session_of(week, SessionKind.TRAINING_1).days.first()
    # Stored in UTC: 14:00 in Bangkok is 07:00 UTC.
    assert first_day.starts_at == dt.datetime(2026, 5, 3, 7, 0, tzinfo=dt.UTC)


def test_week_page_shows_times_in_the_venue_zone(staff_client):
    week = f.make_week(venue_name="Bangkok")
    html = staff_client.get(reverse("trainings:staff_week", args=[week.pk])).content.decode()
    assert "Times in the venue's time (Asia/Bangkok)." in html
    assert "Sunday 3 May 2026, 14:00" in html  # programme start, Bangkok time
    assert "Friday 8 May 2026, 19:00" in html  # farewell party
    assert "Saturday 9 May 2026" in html  # departure
    assert "14:00–17:00" in html and "09:00–22:00" in html
    # Not converted to the server's zone (Oslo, 5 hours behind Bangkok in May).
    assert "09:00–12:00" not in html


def test_session_page_shows_the_days_in_the_venue_zone(staff_client):
    week = f.make_week(venue_name="Johannesburg")
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    html = staff_client.get(reverse("trainings:staff_session", args=[t1.pk])).content.decode()
    assert "Time at the venue (Africa/Johannesburg)" in html
    assert "14:00–17:00" in html


# --- Online switch and cancellation -----------------------------------------------------


def test_switching_a_week_online_moves_the_days_and_tells_everyone(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    told = services.switch_week_online(
        week=t1.week, by=staff, day_start=dt.time(13, 0), day_hours=3
    )
    assert told == 1
    t1.week.refresh_from_db()
    assert t1.week.is_online
    kampala = ZoneInfo("Africa/Kampala")
    day = t1.days.first()
    assert day.starts_at.astimezone(kampala).time() == dt.time(13, 0)
    assert day.ends_at.astimezone(kampala).time() == dt.time(16, 0)
    assert day.starts_at.astimezone(kampala).date() == dt.date(2026, 5, 3)
    mail = OutboxEmail.objects.get(
        idempotency_key=f"training-week-online:{t1.week.pk}:{enrolment.pk}"
    )
    # Kampala is UTC+3, Oslo UTC+2 in May: 13:00 in Kampala is 12:00 in Norway.
    assert "13:00–16:00 (12:00–15:00 in Norway)" in mail.body_text
    assert "Times are in the venue's time (Africa/Kampala)." in mail.body_text
    with pytest.raises(ValidationError, match="already runs online"):
        services.switch_week_online(week=t1.week, by=staff)


def test_an_online_week_starts_with_its_online_block(staff_client, week):
    services.switch_week_online(week=week, by=None, day_start=dt.time(13, 0))
    week.refresh_from_db()
    assert week.programme_starts_at.time() == dt.time(13, 0)
    html = staff_client.get(reverse("trainings:staff_week", args=[week.pk])).content.decode()
    assert "Sunday 3 May 2026, 13:00" in html and "Sunday 3 May 2026, 14:00" not in html
    body = flat(text(documents.week_programme(week, list(week.sessions.all()))))
    assert "Programme starts Sunday 3 May 2026, 13:00" in body


def test_a_week_created_online_starts_with_its_online_block():
    week = services.create_training_week(
        venue=f.venue("Bangkok"), starts_on=f.SUNDAY, format=TrainingWeek.Format.ONLINE,
        sessions=[services.SessionPlan(kind=SessionKind.TRAINING_1, capacity=10)], by=None,
    )  # fmt: skip
    first_day = week.sessions.get().days.order_by("starts_at").first()
    assert week.programme_starts_at == first_day.starts_at


def test_emails_say_when_the_date_in_norway_differs(partnership, staff):
    # Bangkok is UTC+7, Oslo UTC+1 in November: 05:00 in Bangkok is 23:00 the day before.
    week = f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 11, 8))
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    person = f.participant_for(week.starts_on, partnership=partnership).person
    enrolment = services.enrol(session=t1, person=person, by=staff, confirm=True)
    services.switch_week_online(week=week, by=staff, day_start=dt.time(5, 0), day_hours=3)
    mail = OutboxEmail.objects.get(idempotency_key=f"training-week-online:{week.pk}:{enrolment.pk}")
    assert "05:00–08:00 (23:00–02:00 the previous day in Norway)" in mail.body_text
    assert "23:00–02:00 the previous day in Norway" in mail.body_html
    week.refresh_from_db()
    pdf = documents.week_programme(week, list(week.sessions.all()))
    assert "23:00–02:00 the previous day" in flat(text(pdf))


def test_online_week_page_shows_norway_time(staff_client, week):
    services.switch_week_online(week=week, by=None)
    html = staff_client.get(reverse("trainings:staff_week", args=[week.pk])).content.decode()
    assert "Time in Norway (Europe/Oslo)" in html
    assert "12:00–15:00" in html


def test_switch_online_page_asks_before_acting(staff_client, week):
    url = reverse("trainings:staff_week_online", args=[week.pk])
    assert "Switch to online and notify" in staff_client.get(url).content.decode()
    week.refresh_from_db()
    assert not week.is_online
    response = staff_client.post(url, {"day_start": "12:00", "day_hours": 4})
    assert response.status_code == 302
    week.refresh_from_db()
    assert week.is_online


def test_cancelling_a_week_cancels_enrolments_and_tells_people(
    week, t1, participant, staff, coordinator
):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    with pytest.raises(ValidationError) as exc:
        services.cancel_training_week(week=week, by=staff, reason=" ")
    assert exc.value.message_dict["reason"] == ["Say why the week is cancelled: people are told."]
    services.cancel_training_week(week=week, by=staff, reason="Unrest in the city")
    enrolment.refresh_from_db()
    assert enrolment.state == "cancelled"
    person_mail = OutboxEmail.objects.get(
        idempotency_key=f"training-week-cancelled:{week.pk}:{enrolment.pk}"
    )
    assert "Unrest in the city" in person_mail.body_text
    coordinator_mail = OutboxEmail.objects.get(to_email="coordinator.a@example.org")
    assert "Grace Nakato" in coordinator_mail.body_text
    with pytest.raises(ValidationError, match="already been cancelled"):
        services.cancel_training_week(week=week, by=staff, reason="again")
