"""Norec staff in a real browser prepare a week for the venue: from the week's page, the
pick-up list as an Excel file and the name badges as a PDF, with someone's travel details
still missing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_nomination_journey import keep_for_the_guide
from tests.browser.test_phone_width import session_cookie
from tests.browser.test_staff_journey import pdf_text, sunday_in_weeks
from tests.trainings import factories as tf
from trainings import services
from trainings.models import SessionKind, TravelDetails

pytestmark = pytest.mark.browser


def test_staff_download_the_pickup_list_and_the_badges(open_journey, live_server, staff):
    sunday = sunday_in_weeks(6)
    week = tf.make_week(starts_on=sunday)
    t1 = tf.session_of(week, SessionKind.TRAINING_1)
    grace = tf.participant_for(sunday, first_name="Grace", last_name="Nakato", gender="female")
    tendai = tf.participant_for(sunday, first_name="Tendai", last_name="Moyo", gender="male")
    arriving = services.enrol(session=t1, person=grace.person, by=None, confirm=True)
    services.enrol(session=t1, person=tendai.person, by=None)
    TravelDetails.objects.create(
        enrolment=arriving, submitted_via=TravelDetails.Source.PERSON,
        arrival_date=sunday, arrival_time=dt.time(7, 40), arrival_by="KQ 412",
        arrival_airport="Entebbe (EBB)", departure_date=sunday + dt.timedelta(days=6),
    )  # fmt: skip

    j = open_journey("venue-documents")
    j.context.add_cookies(session_cookie(staff, live_server.url))
    j.goto(reverse("trainings:staff_week", args=[week.pk]))
    page = j.page
    card = page.locator("section", has=page.get_by_role("heading", name="Lists for the venue"))
    expect(card).to_contain_text("Pick-up list")
    j.check(shot="week-lists", at=card)
    keep_for_the_guide(j, "week-lists", "staff-week-documents")

    with page.expect_download() as download:
        card.get_by_role("link", name="Excel — Pick-up list").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][1:6] == ("07:40", "Arrival", "Grace Nakato", "Training 1", "KQ 412")
    assert rows[-1][3] == "Tendai Moyo" and rows[-1][-1] == "Travel details missing"

    with page.expect_download() as download:
        page.get_by_role("link", name="Name badges (PDF)").click()
    text = pdf_text(download.value.path().read_bytes())
    assert "Grace Nakato" in text and "Tendai Moyo" in text
