"""Staff planning pages: the year view, conflicts, the forecast, sessions, enrolments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_staff
from tests.trainings import factories as f
from trainings import planning, services
from trainings.models import (
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
    TrainingWeek,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def populate(
    partnership, staff, *, weeks: int, people: int, first: dt.date = f.SUNDAY
) -> list[TrainingWeek]:
    """``weeks`` weeks over the year, every other Sunday from ``first``, with
    facilitators, enrolments and a seminar."""
    made = []
    venues = ["Kampala", "Bangkok", "Johannesburg"]
    for index in range(weeks):
        starts = first + dt.timedelta(weeks=2 * index)
        week = f.make_week(venue_name=venues[index % 3], starts_on=starts, t1=people + 2)
        t1 = f.session_of(week, SessionKind.TRAINING_1)
        t1.facilitators.set([staff])
        for n in range(people):
            person = f.participant_for(starts, partnership=partnership, first_name=f"W{index}P{n}")
            services.enrol(session=t1, person=person.person, by=staff, confirm=True)
        made.append(week)
    services.create_intro_seminar(
        title=f"Seminar {weeks}", capacity=10, venue=None, online=True, by=staff,
        days=[services.SeminarDay(f.SUNDAY + dt.timedelta(days=100 + 2 * i + weeks * 7),
                                  dt.time(9), dt.time(12)) for i in range(3)],
    )  # fmt: skip
    return made


# --- Access -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("trainings:staff_year", []),
        ("trainings:staff_forecast", []),
        ("trainings:staff_venues", []),
        ("trainings:staff_week", [1]),
        ("trainings:staff_session", [1]),
        ("trainings:staff_batch_status", [1]),
        ("trainings:staff_batch_download", [1]),
        ("trainings:staff_enrolment_letter", [1]),
        ("trainings:staff_person_calendar", [1]),
        ("trainings:staff_venue_calendar", [1]),
    ],
)
def test_staff_pages_are_for_staff_only(client, coordinator, name, args):
    url = reverse(name, args=args)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(coordinator)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 403


# --- Year view --------------------------------------------------------------------------


def test_year_view_shows_weeks_by_venue_with_seats_taken(staff_client, partnership, staff):
    week = f.make_week(venue_name="Bangkok", t1=10)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    for n in range(3):
        person = f.participant_for(partnership=partnership, first_name=f"P{n}").person
        services.enrol(session=t1, person=person, by=staff)
    html = staff_client.get(reverse("trainings:staff_year") + "?year=2026").content.decode()
    assert "Trainings 2026" in html
    assert "3 of 10 seats" in html and "0 of 40 seats" in html
    assert reverse("trainings:staff_week", args=[week.pk]) in html
    for venue in ("Bangkok", "Johannesburg", "Kampala"):
        assert f'<th scope="col">{venue}</th>' in html


def test_year_view_is_empty_with_a_link_to_plan(staff_client):
    html = staff_client.get(reverse("trainings:staff_year") + "?year=2030").content.decode()
    assert "No training week is planned in 2030 yet." in html


def test_year_view_flags_a_facilitator_in_two_places(staff_client, staff):
    # A venue booked twice the same Sunday cannot happen any more (a database rule).
    first = f.make_week(venue_name="Kampala")
    elsewhere = f.make_week(venue_name="Bangkok")
    f.session_of(first, SessionKind.TRAINING_1).facilitators.set([staff])
    f.session_of(elsewhere, SessionKind.PARTNER).facilitators.set([staff])
    html = staff_client.get(reverse("trainings:staff_year") + "?year=2026").content.decode()
    conflict = (
        "Siri Staff facilitates Training 1 (Kampala, 3 May 2026) and "
        "Partner training (Bangkok, 3 May 2026) at the same time."
    )
    assert conflict in html
    week_page = staff_client.get(reverse("trainings:staff_week", args=[first.pk]))
    assert conflict in week_page.content.decode()


def test_year_view_flags_a_facilitator_in_a_week_and_a_seminar_at_once(staff_client, staff):
    week = f.make_week(venue_name="Kampala")  # 3 May 2026
    f.session_of(week, SessionKind.TRAINING_2).facilitators.set([staff])

    def seminar(title, first_day):
        days = [first_day + dt.timedelta(days=n) for n in range(3)]
        return services.create_intro_seminar(
            title=title, capacity=10, venue=None, online=True, facilitators=[staff], by=staff,
            days=[services.SeminarDay(day, dt.time(9), dt.time(12)) for day in days],
        )  # fmt: skip

    seminar("Intro", dt.date(2026, 5, 5))
    called_off = seminar("Called off", dt.date(2026, 5, 6))
    TrainingSession.objects.filter(pk=called_off.pk).update(status=TrainingSession.Status.CANCELLED)
    plan = planning.year_plan(2026)
    assert plan.conflicts == [
        "Siri Staff facilitates Training 2 (Kampala, 3 May 2026) and "
        "Intro (Online, 5 May 2026) at the same time."
    ]
    assert plan.week_conflicts == {week.pk: plan.conflicts}
    assert [s.name for s in plan.seminars] == ["Intro", "Called off"]
    html = staff_client.get(reverse("trainings:staff_year") + "?year=2026").content.decode()
    assert plan.conflicts[0] in html and "1 conflict" in html


def test_no_conflict_for_a_cancelled_week_or_weeks_apart(staff):
    cancelled = f.make_week(venue_name="Kampala")
    f.session_of(cancelled, SessionKind.TRAINING_1).facilitators.set([staff])
    services.cancel_training_week(week=cancelled, by=staff, reason="Moved")
    first = f.make_week(venue_name="Bangkok")
    later = f.make_week(venue_name="Bangkok", starts_on=f.SUNDAY + dt.timedelta(weeks=1))
    f.session_of(first, SessionKind.TRAINING_1).facilitators.set([staff])
    f.session_of(later, SessionKind.TRAINING_1).facilitators.set([staff])
    assert planning.year_plan(2026).conflicts == []


def test_year_view_runs_a_constant_number_of_queries(staff_client, partnership, staff):
    url = reverse("trainings:staff_year") + "?year=2026"
    populate(partnership, staff, weeks=1, people=1)
    small = count_queries(staff_client, url)
    populate(partnership, make_staff(email="second@norec.no"), weeks=8, people=4,
             first=f.SUNDAY + dt.timedelta(weeks=1))  # fmt: skip
    large = count_queries(staff_client, url)
    assert small == large


# --- Creating weeks and sessions --------------------------------------------------------


def test_creating_a_second_week_at_the_same_venue_is_refused(staff_client):
    f.make_week(venue_name="Kampala")
    response = staff_client.post(
        reverse("trainings:staff_week_create"),
        {"venue": f.venue().pk, "starts_on": "2026-05-03", "format": "in_person",
         "t1": "on", "t1_capacity": 30, "partner_capacity": 40, "partner_days": 6,
         "t2_capacity": 30},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Kampala already has a training week starting on 3 May 2026." in (
        response.content.decode()
    )
    assert TrainingWeek.objects.count() == 1


def test_staff_create_an_introductory_seminar(staff_client):
    response = staff_client.post(
        reverse("trainings:staff_seminar_create"),
        {"title": "Spring seminar", "online": "on", "capacity": 20,
         "day1": "2026-04-14", "day1_starts": "09:00", "day1_ends": "12:00",
         "day2": "2026-04-16", "day2_starts": "09:00", "day2_ends": "12:00",
         "day3": "2026-04-16", "day3_starts": "13:00", "day3_ends": "15:00"},
    )  # fmt: skip
    assert "Each day of the seminar must be a different date." in response.content.decode()


# --- Session page -----------------------------------------------------------------------


def test_staff_enrol_from_the_session_page(staff_client, t1, participant):
    url = reverse("trainings:staff_session", args=[t1.pk])
    page = staff_client.get(url).content.decode()
    assert f'value="{participant.person.pk}"' in page  # offered: fits the window
    response = staff_client.post(url, {"people": participant.person.pk, "confirm": "on"})
    assert response.status_code == 302
    assert Enrolment.objects.get().state == EnrolmentState.CONFIRMED


def test_session_page_shows_the_rule_message(staff_client, t1, partnership):
    person = f.participant_for(partnership=partnership, elearning=False, first_name="Noe",
                               last_name="Learning").person  # fmt: skip
    url = reverse("trainings:staff_session", args=[t1.pk])
    # "Confirm at once" cannot succeed for Noe: it is not ticked.
    assert 'name="confirm" id="id_confirm" checked' not in staff_client.get(url).content.decode()
    response = staff_client.post(url, {"people": person.pk, "confirm": "on"}, follow=True)
    assert "Noe Learning has not completed the Norec e-learning." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_session_page_shows_waitlist_positions_and_flags(staff_client, partnership, staff):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    people = [
        f.participant_for(partnership=partnership, elearning=n != 0, first_name=f"P{n}").person
        for n in range(3)
    ]
    for person in people:
        services.enrol(session=t1, person=person, by=staff)
    html = staff_client.get(reverse("trainings:staff_session", args=[t1.pk])).content.decode()
    assert "E-learning missing" in html
    assert "position 1" in html and "position 2" in html


def test_staff_confirm_and_cancel_from_the_session_page(staff_client, t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    staff_client.post(reverse("trainings:staff_enrolment_action", args=[enrolment.pk, "confirm"]))
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CONFIRMED
    cancel_url = reverse("trainings:staff_enrolment_cancel", args=[enrolment.pk])
    assert "Cancel the enrolment" in staff_client.get(cancel_url).content.decode()
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CONFIRMED  # asking changes nothing
    staff_client.post(cancel_url, {"reason": "Ill"})
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CANCELLED
    assert enrolment.cancellation_reason == "Ill"


def test_attendance_buttons_report_the_rule(staff_client, t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    response = staff_client.post(
        reverse("trainings:staff_enrolment_action", args=[enrolment.pk, "attended"]), follow=True
    )
    assert "Attendance can be recorded once the session has begun" in response.content.decode()


def test_session_page_runs_a_constant_number_of_queries(staff_client, partnership, staff):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    url = reverse("trainings:staff_session", args=[t1.pk])
    for n in range(2):  # one seat taken, one on the waitlist
        person = f.participant_for(partnership=partnership, first_name=f"S{n}").person
        services.enrol(session=t1, person=person, by=staff)
    small = count_queries(staff_client, url)
    for n in range(45):
        person = f.participant_for(partnership=partnership, first_name=f"N{n}").person
        services.enrol(session=t1, person=person, by=staff)
    for n in range(5):  # candidates not yet enrolled, offered in the form
        f.participant_for(partnership=partnership, first_name=f"C{n}")
    assert count_queries(staff_client, url) == small
    assert count_queries(staff_client, url + "?page=2") == small


def test_week_page_runs_a_constant_number_of_queries(staff_client, partnership, staff):
    [week] = populate(partnership, staff, weeks=1, people=1)
    url = reverse("trainings:staff_week", args=[week.pk])
    small = count_queries(staff_client, url)
    for n in range(10):
        person = f.participant_for(partnership=partnership, first_name=f"More{n}").person
        services.enrol(session=f.session_of(week, "t1"), person=person, by=staff)
    f.make_week(venue_name="Bangkok")
    f.session_of(week, "t2").facilitators.set([staff])
    assert count_queries(staff_client, url) == small


def test_venue_list_runs_a_constant_number_of_queries(staff_client):
    url = reverse("trainings:staff_venues")
    small = count_queries(staff_client, url)
    for n in range(30):
        services.save_venue(
            venue=type(f.venue())(name=f"Venue {n}", city="X", country="KE", address="Y",
                                  time_zone="Africa/Nairobi"),
            by=None,
        )  # fmt: skip
    assert count_queries(staff_client, url) == small


# --- Forecast ---------------------------------------------------------------------------


def test_forecast_counts_need_against_seats_and_suggests_a_week(partnership, staff):
    week = f.make_week(t1=2)  # 3 May 2026
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    # Training 1 begins at the latest on the day the exchange starts (17 May 2026).
    later = f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 5, 17), t1=5)
    # Three participants start in May 2026; one already holds a seat.
    placed, first, second, third = [
        f.participant_for(partnership=partnership, first_name=name)
        for name in ("Placed", "First", "Second", "Third")
    ]
    services.enrol(session=t1, person=placed.person, by=staff)
    result = planning.forecast(start=dt.date(2026, 3, 1), months=12, today=f.TODAY)
    may = next(m for m in result.months if m.month == dt.date(2026, 5, 1))
    assert may.t1 == {"need": 3, "seats": 7, "free": 6, "short": 0}
    suggestions = {u.participant_id: u.suggestion for u in result.unplaced
                   if u.kind == SessionKind.TRAINING_1}  # fmt: skip
    # Both weeks fit their window (3 May: one seat left; 17 May: five): all three placed.
    later_t1 = f.session_of(later, SessionKind.TRAINING_1)
    placed_in = [suggestions[p.pk] for p in (first, second, third)]
    assert set(placed_in) <= {t1, later_t1} and placed_in.count(t1) <= 1
    assert placed.pk not in suggestions
    # Training 2: needed in the month each exchange ends, no week scheduled for it.
    t2_needs = [u for u in result.unplaced if u.kind == SessionKind.TRAINING_2]
    assert t2_needs == []  # the exchanges end in March 2027, after the period
    next_year = planning.forecast(start=dt.date(2027, 3, 1), months=12, today=f.TODAY)
    march = next_year.months[0]
    assert march.t2["need"] == 4 and march.t2["seats"] == 0
    assert all(u.suggestion is None for u in next_year.unplaced)
    assert next_year.without_suggestion == 4


def test_forecast_page_shows_months_and_suggestions(staff_client, partnership, week):
    f.participant_for(partnership=partnership, first_name="Waiting", last_name="Person")
    html = staff_client.get(reverse("trainings:staff_forecast") + "?from=2026-03").content.decode()
    assert "May 2026" in html and "Waiting Person" in html
    assert "Kampala, 3 May 2026" in html
    assert staff_client.get(reverse("trainings:staff_forecast") + "?from=0-0").status_code == 200


def test_forecast_runs_a_constant_number_of_queries(staff_client, partnership, staff):
    url = reverse("trainings:staff_forecast") + "?from=2026-03"
    populate(partnership, staff, weeks=1, people=1)
    f.participant_for(partnership=partnership)
    small = count_queries(staff_client, url)
    populate(partnership, make_staff(email="second@norec.no"), weeks=6, people=3,
             first=f.SUNDAY + dt.timedelta(weeks=1))  # fmt: skip
    for n in range(40):
        f.participant_for(f.SUNDAY + dt.timedelta(weeks=n % 20), partnership=partnership)
    assert count_queries(staff_client, url) == small
    assert count_queries(staff_client, url + "&page=2") == small


def test_seminar_page_shows_which_member_organisations_are_represented(staff_client, staff):
    from partnerships.models import ContactPerson

    seminar = services.create_intro_seminar(
        title="Seminar", capacity=10, venue=f.venue("Kampala"), online=False, by=staff,
        days=[services.SeminarDay(dt.date(2026, 4, d), dt.time(9), dt.time(15))
              for d in (14, 16, 21)],
    )  # fmt: skip
    partnership = f.feasibility_partnership()
    first, second = [m.organisation for m in partnership.members.order_by("pk")]
    services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff)
    rep = f.contact_for(first, role=ContactPerson.Role.COORDINATOR)
    services.enrol(session=seminar, person=rep.person, by=staff)
    html = staff_client.get(reverse("trainings:staff_session", args=[seminar.pk])).content.decode()
    assert f'{first.name} <span class="badge badge--ok">represented</span>' in html
    assert f'{second.name} <span class="badge badge--warn">nobody nominated yet</span>' in html
