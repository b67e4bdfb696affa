"""Check-in at the venue on a 360 px phone: a badge scanned, then two more while the
connection is down — kept on the phone, through a reload of the page without a connection
(its service worker keeps a copy), and sent once the connection is back.

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

from tests.browser.support import VIEWPORTS, Journey
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


@pytest.fixture
def phone(chromium, live_server):
    """A phone's browser window in which service workers run (``open_journey`` blocks
    them): the check-in page's worker is what opens it again without a connection."""
    context = chromium.new_context(viewport=VIEWPORTS["phone"], locale="en-GB",
                                   timezone_id="Europe/Oslo", service_workers="allow")  # fmt: skip
    context.set_default_timeout(15_000)
    journey = Journey(name="checkin", context=context, base_url=live_server.url, viewport="phone")
    yield journey
    journey.write_report()
    context.close()
    journey.assert_offline()


def test_scans_are_kept_while_offline_and_sent_when_back(phone, live_server, staff):
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

    j = phone
    j.context.add_cookies(session_cookie(staff, live_server.url))
    j.goto(reverse("trainings:staff_week_checkin", args=[week.pk]), shot="page")
    page = j.page
    # The worker has kept the page and its files (page, scripts, styles, jsQR).
    page.wait_for_function(
        "() => caches.open('norec-checkin-v1').then(c => c.keys()).then(k => k.length >= 4)"
    )
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

    # Reloaded without a connection: the page opens from the phone, the scans still wait.
    reloaded = page.reload()
    assert reloaded is not None and reloaded.from_service_worker
    expect(pending).to_have_text("2 scans not sent yet")
    assert DayAttendance.objects.filter(enrolment__in=enrolments).count() == 1

    # The connection is back: the queue is sent by itself.
    j.context.set_offline(False)
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
