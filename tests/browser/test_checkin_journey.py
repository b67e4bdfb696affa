"""Check-in at the venue on a 360 px phone: a badge scanned, then two more while the
connection is down — kept on the phone (through a reload) and sent once it is back.

The scans are fed to the page's own handler (``window.norecCheckIn.handleScan``), the one
the camera loop calls with what it reads. The guide's screenshots come from here
(``test-artifacts/screenshots/checkin-*``).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine as tm
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_phone_width import session_cookie
from tests.trainings import factories as tf
from trainings import services
from trainings.badges import badge_code
from trainings.models import DayAttendance, SessionKind

pytestmark = pytest.mark.browser

PEOPLE = (("Grace", "Nakato"), ("Tendai", "Moyo"), ("Amani", "Juma"))


def this_weeks_sunday(zone) -> dt.date:
    today = timezone.now().astimezone(zone).date()
    return today - dt.timedelta(days=(today.weekday() + 1) % 7)


def scan(page, code: str) -> None:
    page.evaluate("code => window.norecCheckIn.handleScan(code)", code)


def test_scans_are_kept_while_offline_and_sent_when_back(open_journey, live_server, staff):
    venue = tf.venue("Kampala")
    sunday = this_weeks_sunday(venue.zone)
    # The week is set up a month before it begins (enrolment closes when it starts).
    with tm.travel(dt.datetime.combine(sunday - dt.timedelta(days=30), dt.time(9), dt.UTC)):
        week = tf.make_week(starts_on=sunday)
        t1 = tf.session_of(week, SessionKind.TRAINING_1)
        enrolments = [
            services.enrol(
                session=t1,
                person=tf.participant_for(sunday, first_name=first, last_name=last).person,
                by=None,
                confirm=True,
            )  # fmt: skip
            for first, last in PEOPLE
        ]
    codes = [badge_code(e) for e in enrolments]

    j = open_journey("checkin", viewport="phone")
    j.context.add_cookies(session_cookie(staff, live_server.url))
    j.goto(reverse("trainings:staff_week_checkin", args=[week.pk]), shot="page")
    page = j.page
    pending = page.locator("[data-pending]")
    result = page.locator("[data-result]")
    expect(pending).to_have_text("Every scan has been sent.")

    scan(page, codes[0])
    expect(result).to_contain_text("Grace Nakato")
    expect(result).to_contain_text("Checked in.")
    expect(result).to_have_attribute("data-outcome", "checked_in")
    expect(page.locator("[data-present-list]")).to_contain_text("Grace Nakato")
    j.shot("scanned", at=page.locator("#scan-heading"))

    j.context.set_offline(True)
    scan(page, codes[1])
    scan(page, codes[2])
    expect(pending).to_have_text("2 scans not sent yet")
    expect(result).to_contain_text("Saved on this phone")
    j.shot("offline", at=page.locator("#scan-heading"))

    # The connection is back but the portal is still out of reach (a captive hotel
    # network): the queue survives a reload of the page.
    scan_url = f"{live_server.url}{reverse('trainings:staff_week_checkin_scan', args=[week.pk])}"
    page.route(scan_url, lambda route: route.abort())
    j.context.set_offline(False)
    page.reload()
    expect(pending).to_have_text("2 scans not sent yet")
    assert DayAttendance.objects.filter(enrolment__in=enrolments).count() == 1

    # The portal answers again: the queue is sent by itself, within a few seconds.
    page.unroute(scan_url)
    expect(pending).to_have_text("Every scan has been sent.", timeout=15_000)
    present = page.locator("[data-present-list]")
    expect(present).to_contain_text("Tendai Moyo")
    expect(present).to_contain_text("Amani Juma")
    expect(page.locator(f'[data-present-for="{t1.pk}"]')).to_have_text("3")
    assert DayAttendance.objects.filter(enrolment__in=enrolments).count() == 3
    j.check(shot="sent", at=page.locator("#present-heading"))

    # A forged badge is refused in plain words.
    scan(page, codes[0][:-4] + "AAAA")
    expect(result).to_have_attribute("data-outcome", "unknown")
    expect(result).to_contain_text("Badge not recognised.")
