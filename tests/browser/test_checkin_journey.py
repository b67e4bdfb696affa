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
    page.wait_for_function("() => navigator.onLine === false")
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

    # Signed out, the phone forgets the copy of the page (it lists names).
    kept = "() => caches.has('norec-checkin-v1')"
    assert page.evaluate(kept)
    j.context.clear_cookies()
    j.goto(reverse("account_login"))
    for _ in range(50):
        if not page.evaluate(kept):
            break
        page.wait_for_timeout(100)
    assert not page.evaluate(kept)


def y4m_of_badge(code: str, path) -> None:
    """A one-frame Y4M video of ``code`` as a QR code (what Chromium's fake camera plays in
    a loop): the grey levels as the Y plane, no colour."""
    import io

    import segno
    from PIL import Image

    width, height = 640, 480
    png = io.BytesIO()
    segno.make(code, error="m").save(png, kind="png", scale=8, border=4)
    badge = Image.open(png).convert("L")
    frame = Image.new("L", (width, height), 255)
    frame.paste(badge, ((width - badge.width) // 2, (height - badge.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def test_the_camera_reads_a_badge(chromium, live_server, staff, tmp_path):
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    venue = tf.venue("Kampala")
    sunday = this_weeks_sunday(venue.zone)
    with tm.travel(dt.datetime.combine(sunday - dt.timedelta(days=30), dt.time(9), dt.UTC)):
        week = tf.make_week(starts_on=sunday)
        enrolment = services.enrol(
            session=tf.session_of(week, SessionKind.TRAINING_1),
            person=tf.participant_for(sunday, first_name="Grace", last_name="Nakato").person,
            by=None, confirm=True,
        )  # fmt: skip
    video = tmp_path / "badge.y4m"
    y4m_of_badge(badge_code(enrolment), video)
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
              "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"],
    )  # fmt: skip
    try:
        context = browser.new_context(viewport=VIEWPORTS["phone"], locale="en-GB",
                                      permissions=["camera"], service_workers="block")  # fmt: skip
        context.add_cookies(session_cookie(staff, live_server.url))
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('trainings:staff_week_checkin', args=[week.pk])}")
        page.get_by_role("button", name="Start the camera").click()
        expect(page.locator("[data-present-list]")).to_contain_text("Grace Nakato",
                                                                    timeout=20_000)  # fmt: skip
        expect(page.locator("[data-result]")).to_contain_text("Grace Nakato")
        assert DayAttendance.objects.filter(enrolment=enrolment).count() == 1
        page.get_by_role("button", name="Stop the camera").click()
        expect(page.get_by_role("button", name="Start the camera")).to_be_visible()
        # A scan that was a mistake is undone from the list at once, without a reload.
        page.locator("[data-present-list] li", has_text="Grace Nakato").get_by_role(
            "button", name="Undo"
        ).click()
        expect(page.get_by_role("heading", name="Undo a check-in")).to_be_visible()
        page.get_by_role("button", name="Undo the check-in").click()
        expect(page.locator(".messages")).to_contain_text("The check-in of Grace Nakato")
        assert not DayAttendance.objects.filter(enrolment=enrolment).exists()
    finally:
        browser.close()
