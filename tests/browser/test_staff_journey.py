"""Norec staff in a real browser: log in with an authenticator code, plan a training week
in Kampala with its three parallel sessions, find it on the year view and the forecast,
fill the last seat of Training 1 from the waitlist after a cancellation, and download the
attendance list."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from norec_portal.models import OutboxEmail
from tests.browser.support import Journey
from tests.factories import PASSWORD
from tests.trainings.factories import participant_for, venue
from trainings.models import Enrolment, EnrolmentState, SessionKind, TrainingWeek

pytestmark = pytest.mark.browser


def totp_code(secret: str) -> str:
    """The authenticator's current code, not one about to expire before it is checked."""
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sunday_in_weeks(weeks: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(6 - today.weekday()) % 7 + 7 * weeks)


def log_in_with_code(j: Journey, user) -> None:
    page = j.page
    j.goto("/accounts/login/", shot="login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    j.check()
    page.get_by_label("Code").fill(totp_code(user.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Trainings")
    j.check(shot="overview")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_staff_plan_a_week_and_fill_a_seat_from_the_waitlist(
    open_journey, staff, partnership, org_a
):
    venue("Kampala")
    org_a.name = "Kisumu Health Trust"
    org_a.save()
    sunday = sunday_in_weeks(8)
    grace = participant_for(sunday, partnership=partnership, first_name="Grace",
                            last_name="Nakato", email="grace.nakato@example.org")  # fmt: skip
    tendai = participant_for(sunday, partnership=partnership, first_name="Tendai",
                             last_name="Moyo", email="tendai.moyo@example.org")  # fmt: skip
    sender = org_a.name

    j = open_journey("staff")
    page = j.page
    log_in_with_code(j, staff)

    # The year view, then a new week with its three parallel sessions.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trainings").click()
    j.check()
    page.get_by_role("link", name="New training week").click()
    j.check()
    page.get_by_label("Venue").select_option(label="Kampala")
    page.get_by_label("Week starts (Sunday)").fill(sunday.isoformat())
    page.get_by_label("Training 1 seats").fill("1")
    j.shot("new-week")
    page.get_by_role("button", name="Create the week").click()
    expect(page.locator(".messages")).to_contain_text("The training week has been created.")
    j.check(shot="week")
    week = TrainingWeek.objects.get(venue__name="Kampala", starts_on=sunday)
    kinds = sorted(week.sessions.values_list("kind", flat=True))
    assert kinds == sorted([SessionKind.TRAINING_1, SessionKind.TRAINING_2, SessionKind.PARTNER])
    for name in ("Training 1", "Training 2", "Partner training"):
        expect(page.get_by_role("main")).to_contain_text(name)

    # The year view shows the week in the Kampala column.
    j.goto(f"/staff/trainings/?year={sunday.year}")
    table = page.locator("table").first
    kampala_column = [t.strip() for t in table.locator("thead th").all_inner_texts()].index(
        "Kampala"
    )
    row = table.locator("tbody tr", has=page.locator("th", has_text=sunday.strftime("%-d %b")))
    expect(row.locator("td").nth(kampala_column - 1)).to_contain_text("0 of 1 seats")
    j.shot("year")

    # The forecast: the month of the week has its Training 1 seat scheduled, and both
    # participants are counted as needing one.
    page.get_by_role("link", name="Training-need forecast").click()
    month = page.locator("tbody tr", has=page.locator("th", has_text=sunday.strftime("%B %Y")))
    expect(month.locator("td").nth(1)).to_have_text("1")  # Training 1 seats scheduled
    expect(page.get_by_role("main")).to_contain_text("Grace Nakato")
    j.check(shot="forecast")

    # Training 1: Grace takes the only seat, Tendai goes on the waitlist.
    j.goto(f"/staff/trainings/weeks/{week.pk}/")
    page.get_by_role("link", name="Training 1", exact=True).click()
    j.check()
    for person in ("Grace Nakato", "Tendai Moyo"):
        page.get_by_label(f"{person} — {sender}").check()
        page.get_by_role("button", name="Enrol").click()
        j.check()
    expect(page.locator(".messages")).to_contain_text("Tendai Moyo: On the waitlist.")
    tendai_row = page.locator("tbody tr", has_text="Tendai Moyo")
    expect(tendai_row).to_contain_text("On the waitlist · position 1")
    j.shot("session-full", at=page.get_by_role("heading", name="Enrolments"))

    # Grace cannot come: cancelling her seat moves Tendai in and tells him.
    page.locator("tbody tr", has_text="Grace Nakato").get_by_role("link", name="Cancel").click()
    j.check()
    page.get_by_label("Reason").fill("Visa refused")
    page.get_by_role("button", name="Cancel the enrolment").click()
    expect(page.locator(".messages")).to_contain_text("The enrolment of Grace Nakato")
    expect(tendai_row).to_contain_text("Confirmed")
    j.check(shot="session-after-cancel", at=page.get_by_role("heading", name="Enrolments"))
    t1 = {e.participant_id: e.state for e in Enrolment.objects.filter(kind=SessionKind.TRAINING_1)}
    assert t1 == {grace.pk: EnrolmentState.CANCELLED, tendai.pk: EnrolmentState.CONFIRMED}
    assert OutboxEmail.objects.filter(to_email=tendai.person.email).exists()

    # The attendance list lists Tendai, not Grace.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Attendance list (PDF)").click()
    download = download_info.value
    assert re.search(r"\.pdf$", download.suggested_filename)
    text = pdf_text(download.path().read_bytes())
    assert "Tendai Moyo" in text
    assert "Grace Nakato" not in text
