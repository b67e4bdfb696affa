"""The check-in pages and the scanner's JSON endpoint."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.trainings import factories as f
from trainings import services
from trainings.badges import badge_code
from trainings.models import DayAttendance, EnrolmentState

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 5, 4)
MONDAY_MORNING = dt.datetime(2026, 5, 4, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def confirmed(t1, participant, staff):
    return services.enrol(session=t1, person=participant.person, by=staff, confirm=True)


def move_to(time_machine, client, staff, when):
    time_machine.move_to(when)
    client.force_login(staff)  # the session cookie has expired meanwhile


@pytest.fixture
def at_the_venue(confirmed, time_machine, client, staff):
    move_to(time_machine, client, staff, MONDAY_MORNING)
    return confirmed


def scan(client, week, code, *, day="2026-05-04", client_id="c1"):
    return client.post(
        reverse("trainings:staff_week_checkin_scan", args=[week.pk]),
        data=json.dumps({"code": code, "day": day, "client_id": client_id}),
        content_type="application/json",
    )


def test_page_opens_on_today_in_the_venue_and_lets_the_camera_in(staff_client, week, at_the_venue):
    response = staff_client.get(reverse("trainings:staff_week_checkin", args=[week.pk]))
    assert response.status_code == 200
    assert response.context["day"] == MONDAY
    assert "camera=(self)" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    body = response.content.decode()
    assert "Grace Nakato" in body
    assert "0 / 1" in " ".join(body.split()).replace("</span>", "")


def test_page_before_the_week_opens_on_its_first_day(staff_client, week):
    response = staff_client.get(reverse("trainings:staff_week_checkin", args=[week.pk]))
    assert response.context["day"] == dt.date(2026, 5, 3)
    assert "still to come" in response.content.decode()


def test_page_refuses_a_day_not_in_the_week_with_a_message(staff_client, week, at_the_venue):
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    response = staff_client.get(url, {"day": "2026-13-40"}, follow=True)
    assert response.status_code == 200
    assert response.context["day"] == MONDAY
    assert "is not a day of this programme: choose one of the days listed. Showing 4 May" in (
        response.content.decode()
    )


def test_coordinator_and_alumnus_cannot_open_it(coordinator_client, week):
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    assert coordinator_client.get(url).status_code == 403
    scan_url = reverse("trainings:staff_week_checkin_scan", args=[week.pk])
    assert (
        coordinator_client.post(scan_url, "{}", content_type="application/json").status_code == 403
    )


def test_scan_checks_in_and_a_second_scan_says_already(staff_client, week, at_the_venue):
    first = scan(staff_client, week, badge_code(at_the_venue)).json()
    assert first["outcome"] == "checked_in"
    assert first["name"] == "Grace Nakato" and first["session"] == "Training 1"
    assert first["present"] == 1 and first["client_id"] == "c1"
    again = scan(staff_client, week, badge_code(at_the_venue), client_id="c2").json()
    assert again["outcome"] == "already" and again["message"] == "Already checked in."
    assert DayAttendance.objects.get().how == "scan"
    at_the_venue.refresh_from_db()
    assert at_the_venue.state == EnrolmentState.ATTENDED


def test_scan_reads_a_code_inside_other_text(staff_client, week, at_the_venue):
    answer = scan(staff_client, week, f"https://x.example/?b={badge_code(at_the_venue)} ").json()
    assert answer["outcome"] == "checked_in"


def test_forged_badge_is_not_recognised(staff_client, week, at_the_venue):
    forged = badge_code(at_the_venue)[:-3] + "abc"
    response = scan(staff_client, week, forged)
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown"
    assert response.json()["message"] == "Badge not recognised."
    assert not DayAttendance.objects.exists()


def test_badge_of_another_week_is_not_in_this_week(staff_client, staff, week, at_the_venue,
                                                    time_machine):  # fmt: skip
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    other_week = f.make_week(starts_on=dt.date(2026, 6, 7), venue_name="Bangkok")
    other = services.enrol(
        session=f.session_of(other_week, "t1"),
        person=f.participant_for(other_week.starts_on).person,
        by=staff,
    )
    move_to(time_machine, staff_client, staff, MONDAY_MORNING)
    answer = scan(staff_client, week, badge_code(other)).json()
    assert answer["outcome"] == "elsewhere"
    assert answer["message"].startswith("Not in this week: enrolled in Training 1 — Bangkok")
    assert not DayAttendance.objects.exists()


def test_cancelled_enrolment_is_refused_with_the_reason(staff_client, staff, week, confirmed,
                                                        time_machine):  # fmt: skip
    services.cancel_enrolment(enrolment=confirmed, by=staff)
    move_to(time_machine, staff_client, staff, MONDAY_MORNING)
    answer = scan(staff_client, week, badge_code(confirmed)).json()
    assert answer["outcome"] == "refused"
    assert "was cancelled" in answer["message"]
    assert not DayAttendance.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json{", "The scan did not arrive as JSON."),
        ("[1, 2]", "The scan has no badge code."),
        ('{"code": 5}', "The scan has no badge code."),
        ('{"code": "B1:1:x", "day": "Monday"}', "The scan has no valid day (YYYY-MM-DD)."),
        ("\xff\xfe", "The scan did not arrive as JSON."),
        ('{"code": "' + "x" * 5000 + '"}', "The scan is too long to be a badge."),
    ],
)
def test_bad_request_is_a_400_with_a_message(staff_client, week, body, message):
    response = staff_client.post(
        reverse("trainings:staff_week_checkin_scan", args=[week.pk]),
        data=body.encode("latin-1") if body.startswith("\xff") else body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == message


def test_scan_needs_post(staff_client, week):
    url = reverse("trainings:staff_week_checkin_scan", args=[week.pk])
    assert staff_client.get(url).status_code == 405


def test_typed_check_in_without_javascript(staff_client, week, at_the_venue):
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    found = staff_client.get(url, {"q": "nakato", "day": MONDAY.isoformat()})
    assert [e.pk for e, _present in found.context["people"]] == [at_the_venue.pk]
    response = staff_client.post(
        url, {"enrolment": at_the_venue.pk, "day": MONDAY.isoformat(), "action": "check_in",
              "q": "nakato"},
        follow=True,
    )  # fmt: skip
    assert "Grace Nakato is checked in." in response.content.decode()
    assert DayAttendance.objects.get().how == "typed"
    assert [m.enrolment_id for m, _at in response.context["present"]] == [at_the_venue.pk]
    assert "Name typed" in response.content.decode()


def test_a_tick_in_the_whole_list_is_recorded_as_such(staff_client, week, at_the_venue):
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    listed = staff_client.get(url, {"day": MONDAY.isoformat()})
    assert at_the_venue.pk in [e.pk for e, _present in listed.context["people"]]
    response = staff_client.post(
        url, {"enrolment": at_the_venue.pk, "day": MONDAY.isoformat(), "action": "check_in",
              "q": ""},
        follow=True,
    )  # fmt: skip
    assert DayAttendance.objects.get().how == "list"
    assert "Ticked in a list" in response.content.decode()


def test_search_without_a_match_says_what_to_do(staff_client, week, at_the_venue):
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    response = staff_client.get(url, {"q": "Zebedee"})
    assert "Nobody expected here is called “Zebedee”" in response.content.decode()


def test_typed_check_in_of_someone_not_expected_is_refused(staff_client, staff, week,
                                                           at_the_venue):  # fmt: skip
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    response = staff_client.post(url, {"enrolment": "999999", "day": MONDAY.isoformat()},
                                 follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "Choose a person and a day from the page." in response.content.decode()
    assert not DayAttendance.objects.exists()


def test_undo_asks_first_then_removes_the_mark(staff_client, staff, week, at_the_venue):
    services.check_in(enrolment=at_the_venue, day=MONDAY, by=staff, how="scan")
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    data = {"enrolment": at_the_venue.pk, "day": MONDAY.isoformat(), "action": "undo"}
    asked = staff_client.post(url, data)
    assert asked.status_code == 200
    assert "Remove the check-in of Grace Nakato" in asked.content.decode()
    assert DayAttendance.objects.exists()
    done = staff_client.post(url, {**data, "confirm": "yes"}, follow=True)
    assert "is undone" in done.content.decode()
    assert not DayAttendance.objects.exists()


def test_seminar_has_its_own_page_and_a_week_session_goes_to_its_week(
    staff_client, staff, t1, time_machine
):
    seminar = services.create_intro_seminar(
        title="Introduction", capacity=20, venue=f.venue(), online=False, by=None,
        days=[services.SeminarDay(date=dt.date(2026, 4, 13) + dt.timedelta(days=2 * i),
                                  starts=dt.time(9), ends=dt.time(16)) for i in range(3)],
    )  # fmt: skip
    week_session = staff_client.get(reverse("trainings:staff_session_checkin", args=[t1.pk]))
    assert week_session.status_code == 302
    assert week_session["Location"] == reverse("trainings:staff_week_checkin", args=[t1.week_id])
    move_to(time_machine, staff_client, staff, dt.datetime(2026, 4, 15, 6, tzinfo=dt.UTC))
    page = staff_client.get(reverse("trainings:staff_session_checkin", args=[seminar.pk]))
    assert page.status_code == 200
    assert page.context["days"] == [dt.date(2026, 4, 13), dt.date(2026, 4, 15),
                                    dt.date(2026, 4, 17)]  # fmt: skip
    assert page.context["day"] == dt.date(2026, 4, 15)
    scan_url = reverse("trainings:staff_session_checkin_scan", args=[t1.pk])
    refused = staff_client.post(scan_url, "{}", content_type="application/json")
    assert refused.status_code == 404


def test_service_worker_is_javascript_for_staff_only(staff_client):
    url = reverse("trainings:staff_checkin_worker")
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"norec-checkin-v1" in response.content
    assert response["Cache-Control"].startswith("no-store")


def test_the_page_registers_the_worker_for_the_trainings_pages(staff_client, week):
    body = staff_client.get(reverse("trainings:staff_week_checkin", args=[week.pk])).content
    assert b'data-worker-url="/staff/trainings/check-in-worker.js"' in body
    assert b'data-worker-scope="/staff/trainings/"' in body


def test_week_page_leads_to_the_check_in(staff_client, week):
    body = staff_client.get(reverse("trainings:staff_week", args=[week.pk])).content.decode()
    assert reverse("trainings:staff_week_checkin", args=[week.pk]) in body


def test_page_reads_a_constant_number_of_queries(
    staff_client, staff, week, confirmed, time_machine, django_assert_num_queries
):
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    move_to(time_machine, staff_client, staff, MONDAY_MORNING)
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    staff_client.get(url)  # the session's first request reads the user's MFA state
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    baseline = len(few.captured_queries)  # read now: each request empties the log
    # A dozen more people, in all three sessions, and all of them checked in.
    move_to(time_machine, staff_client, staff, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    enrolled = [
        services.enrol(session=f.session_of(week, "t1"), person=f.participant_for().person,
                       by=staff, confirm=True)
        for _ in range(6)
    ] + [
        services.enrol(session=f.session_of(week, "partner"), person=f.contact_for().person,
                       by=staff, confirm=True)
        for _ in range(6)
    ]  # fmt: skip
    move_to(time_machine, staff_client, staff, MONDAY_MORNING)
    for enrolment in enrolled:
        services.check_in(enrolment=enrolment, day=MONDAY, by=staff, how="scan")
    staff_client.get(url)
    with django_assert_num_queries(baseline):
        response = staff_client.get(url)
    assert len(response.context["present"]) == 13
    assert len(response.context["people"]) == 13


def test_the_days_list_has_pages(staff_client, staff, week, at_the_venue):
    services.check_in(enrolment=at_the_venue, day=MONDAY, by=staff, how="scan")
    url = reverse("trainings:staff_week_checkin", args=[week.pk])
    response = staff_client.get(url, {"day": MONDAY.isoformat(), "done": "1"})
    assert response.context["present_page"].paginator.per_page == 50
    assert [m.enrolment_id for m, _at in response.context["present"]] == [at_the_venue.pk]


def test_badge_of_a_cancelled_week_is_refused_with_the_reason(staff_client, staff, week,
                                                              confirmed, time_machine):  # fmt: skip
    services.cancel_training_week(week=week, by=staff, reason="Strike")
    move_to(time_machine, staff_client, staff, MONDAY_MORNING)
    answer = scan(staff_client, week, badge_code(confirmed)).json()
    assert answer["outcome"] == "refused"
    assert answer["message"] == "Training 1 has been cancelled."
