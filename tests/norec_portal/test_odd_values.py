"""Values no form offers, sent as an attacker or a broken client would: digits that are
not ASCII ("²" passes ``str.isdigit``), numbers past a database integer, dates at the
ends of the calendar. Each gets a page or a message, never a server error (on SQLite, a
number past 2**63 raises instead of finding nothing)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from norec_portal.ids import MAX_ID, parse_id
from tests.matrix.world import world_fixture

world = pytest.fixture(scope="module")(world_fixture)

HUGE = "99999999999999999999"  # past 2**63
ODD = ("²", HUGE, "abc", "-1", "0", " 7 ", "")


def client_of(world, persona: str) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(world.users[persona])
    return client


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7), (" 7 ", 7), (7, 7), ("²", None), ("٣", None), (HUGE, None), (str(MAX_ID), MAX_ID),
     (str(MAX_ID + 1), None), ("0", None), ("-1", None), ("", None), (None, None),
     (True, None), ("1e3", None)],
)  # fmt: skip
def test_an_id_is_ascii_digits_within_a_database_integer(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize("value", ODD)
def test_coordinator_pages_take_odd_ids(world, db, value):
    client = client_of(world, "coordinator_a")
    assert client.get(reverse("partnerships:coordinator_host_options"),
                      {"partnership": value}).status_code == 200  # fmt: skip
    nominate = reverse("trainings:coordinator_nominate", args=[world.t1.pk])
    assert client.get(nominate, {"person": value}).status_code == 200
    assert client.post(nominate, {"people": [value]}).status_code == 200


@pytest.mark.parametrize("value", ["²", HUGE, "abc"])
def test_a_participant_form_with_an_odd_partnership_says_so(world, db, value):
    client = client_of(world, "coordinator_a")
    response = client.post(
        reverse("partnerships:coordinator_participant_create"),
        {"first_name": "Odd", "last_name": "Value", "email": "odd@example.org",
         "nationality": "KE", "partnership": value, "host_organisation": world.org_b.pk,
         "exchange_start": "2031-02-01", "exchange_end": "2031-10-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_member_sends_an_odd_language_and_page(world, db):
    client = client_of(world, "alumnus")
    response = client.post(reverse("network:profile_edit"),
                           {"expertise": "x", "languages": [HUGE]})  # fmt: skip
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()
    assert client.get(reverse("network:member_directory"), {"page": HUGE}).status_code == 200


@pytest.mark.parametrize("value", ["²", HUGE])
def test_staff_pages_take_odd_ids(world, db, value):
    client = client_of(world, "staff")
    assert client.get(reverse("network:staff_merges"), {"person": value}).status_code == 200
    checkin = reverse("trainings:staff_week_checkin", args=[world.week.pk])
    response = client.post(checkin, {"enrolment": value, "day": "2031-01-05"}, follow=True)
    assert "Choose a person and a day from the page." in response.content.decode()
    for url, data in [
        (reverse("partnerships:staff_partnership_create"), {"name": "P", "partners": [value]}),
        (reverse("trainings:staff_seminar_create"), {"facilitators": [value]}),
        (reverse("trainings:staff_session_edit", args=[world.t1.pk]),
         {"capacity": "20", "facilitators": [value]}),
        (reverse("network:staff_resource_persons"),
         {"members": [value], "session": world.t1.pk, "role": "lecturer"}),
    ]:  # fmt: skip
        assert client.post(url, data).status_code in (200, 302), url


def test_a_week_at_the_ends_of_the_calendar_is_refused_with_a_reason(world, db):
    client = client_of(world, "staff")
    url = reverse("trainings:staff_week_create")
    assert client.get(url, {"starts_on": "9999-12-31"}).status_code == 200
    response = client.post(url, {"starts_on": "0001-01-01", "venue": world.week.venue_id})
    assert response.status_code == 200
    assert "is not a date a training week can have" in response.content.decode()
