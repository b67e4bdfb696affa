"""Travel details in a real browser: a coordinator nominates a participant, the person
opens the emailed link on a 360 px phone and fills in the form with a visa, the
coordinator then sees the details complete with the passport number masked, and staff see
the session's overview (an early arrival flagged, someone still missing) on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.support import Journey, link_from_email
from tests.browser.test_nomination_journey import keep_for_the_guide, participant
from tests.browser.test_staff_journey import log_in_with_code, sunday_in_weeks
from tests.factories import PASSWORD
from tests.trainings.factories import make_week, session_of
from trainings import services
from trainings.models import SessionKind, TravelDetails

pytestmark = pytest.mark.browser


def log_in(j: Journey, user) -> None:
    page = j.page
    j.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def fill_travel_form(page, week, *, expiry: dt.date, arrival_time: str = "14:30") -> None:
    """Grace's travel details with a visa: arriving on the week's Sunday, leaving on its
    Saturday, her passport valid until ``expiry``."""
    page.get_by_label("Arrival date").fill(week.starts_on.isoformat())
    page.get_by_label("Arrival time (local)").fill(arrival_time)
    page.locator("#id_arrival_by").fill("KQ 412")
    page.get_by_label("Departure date").fill(week.ends_on.isoformat())
    page.locator("#id_departure_by").fill("KQ 413")
    page.get_by_label("Dietary needs").fill("Vegetarian")
    page.get_by_label("Name", exact=True).fill("Ruth Nakato")
    page.get_by_label("Phone").fill("+256 772 123456")
    page.get_by_label("I need a visa for the trip").check()
    page.get_by_label("Name as in the passport").fill("GRACE NAKATO")
    page.get_by_label("Passport number").fill("B1234567")
    page.get_by_label("Nationality").select_option("UG")
    page.get_by_label("Passport valid until").fill(expiry.isoformat())


def test_person_fills_in_travel_details_from_the_email_on_a_phone(
    open_journey, coordinator, staff, partnership, org_a
):
    org_a.name = "Kisumu Health Trust"
    org_a.save()
    week = make_week(starts_on=sunday_in_weeks(8))
    t1 = session_of(week, SessionKind.TRAINING_1)
    grace = participant(partnership, "Grace", "Nakato", week.starts_on + dt.timedelta(days=14))
    services.enrol(session=t1, person=grace.person, by=coordinator, organisation=org_a)

    # The person, on a phone, from the email.
    j = open_journey("travel-person", viewport="phone")
    page = j.page
    j.goto(link_from_email(to=grace.person.email, contains="/trainings/travel/"))
    assert j.path == "/trainings/travel/"  # the token left the address bar
    expect(page.get_by_role("heading", level=1)).to_have_text("Your travel details")
    expect(page.locator("legend", has_text="Only if you need a visa")).to_be_visible()
    j.check(shot="travel-form")
    keep_for_the_guide(j, "travel-form", "travel-form")

    # Too short a validity first: the message names the date the passport must reach.
    saturday = week.ends_on
    fill_travel_form(page, week, expiry=saturday + dt.timedelta(days=30))
    page.get_by_role("button", name="Send my travel details").click()
    expect(page.locator(".field-errors")).to_contain_text("must be valid until at least")
    j.check(shot="travel-form-error")
    page.get_by_label("Passport valid until").fill("2031-01-31")
    page.get_by_label("Passport number").fill("B1234567")
    page.get_by_role("button", name="Send my travel details").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your travel details are sent")
    j.check(shot="travel-saved")
    travel = TravelDetails.objects.get(enrolment__person=grace.person)
    assert travel.needs_visa and travel.passport_number == "B1234567"
    assert travel.submitted_via == TravelDetails.Source.PERSON

    # The coordinator sees them complete, the passport masked.
    c = open_journey("travel-coordinator")
    log_in(c, coordinator)
    c.goto("/portal/trainings/")
    expect(c.page.get_by_text("Travel details missing")).to_have_count(0)
    c.page.get_by_role("link", name="Travel details").click()
    expect(c.page.get_by_role("heading", level=1)).to_contain_text("Grace Nakato")
    expect(c.page.get_by_text("Saved: •••••567. Leave empty to keep it.")).to_be_visible()
    assert "B1234567" not in c.page.content()
    c.check(shot="travel-coordinator", at=c.page.locator("fieldset", has_text="visa"))
    keep_for_the_guide(c, "travel-coordinator", "travel-coordinator")

    # Staff, on a phone: the session's overview flags the early arrival, the missing one.
    ben = participant(partnership, "Ben", "Absent", week.starts_on + dt.timedelta(days=14))
    services.enrol(session=t1, person=ben.person, by=coordinator, organisation=org_a)
    travel.arrival_date = week.starts_on - dt.timedelta(days=1)
    travel.save()
    s = open_journey("travel-staff", viewport="phone")
    log_in_with_code(s, staff)
    s.goto(f"/staff/trainings/sessions/{t1.pk}/")
    s.page.get_by_role("link", name="Travel details").click()
    rows = s.page.locator("tbody tr")
    expect(rows.filter(has_text="Grace Nakato")).to_contain_text("early")
    expect(rows.filter(has_text="Grace Nakato")).to_contain_text("•••••567")
    expect(rows.filter(has_text="Ben Absent")).to_contain_text("Missing")
    assert "GRACE NAKATO" not in s.page.content()
    s.check(shot="travel-overview")
    keep_for_the_guide(s, "travel-overview", "staff-travel-overview")
