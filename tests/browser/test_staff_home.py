"""The staff home in a real browser, at desktop and phone width: what needs attention,
each item reachable from its link, axe-clean at both widths (the guide's screenshots
come from here: ``test-artifacts/screenshots/staff-home-*``)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from network.models import InvitationRequest
from network.services import waves
from tests.browser.test_phone_width import session_cookie
from tests.browser.test_staff_journey import sunday_in_weeks
from tests.network.factories import make_alumnus_record
from tests.trainings import factories as tf
from trainings import services
from trainings.models import SessionKind

pytestmark = pytest.mark.browser


def test_staff_home_lists_what_needs_attention_and_leads_to_it(open_journey, live_server, staff):
    sunday = sunday_in_weeks(3)
    t1 = tf.session_of(tf.make_week(starts_on=sunday, t1=1), SessionKind.TRAINING_1)
    for first, last, elearning in (("Grace", "Nakato", True), ("Tendai", "Moyo", True),
                                   ("Amani", "Juma", False)):  # fmt: skip
        person = tf.participant_for(sunday, elearning=elearning, first_name=first,
                                    last_name=last).person  # fmt: skip
        session = t1 if elearning else tf.session_of(
            tf.make_week(starts_on=sunday, venue_name="Bangkok"), SessionKind.TRAINING_1
        )  # fmt: skip
        services.enrol(session=session, person=person, by=None)
    make_alumnus_record("Kato", "Former", email="kato@example.org", country="UG")
    waves.create_wave(name="Uganda", countries=["UG"], daily_cap=5, starts_on=sunday,
                      reminder_after_days=3, expires_after_days=30, by=None)  # fmt: skip
    InvitationRequest.objects.create(first_name="Rita", last_name="Request",
                                     email="rita@example.org", country="KE")  # fmt: skip

    j = open_journey("staff-home")
    j.context.add_cookies(session_cookie(staff, live_server.url))
    j.goto(reverse("staff_dashboard"), shot="overview")
    page = j.page
    waitlist = page.locator(".attention__item", has_text="Sessions with people on the waitlist")
    expect(waitlist.locator(".attention__count")).to_have_text("1")
    nominees = page.locator(".attention__item", has_text="without the e-learning")
    expect(nominees).to_contain_text("Amani Juma")

    waitlist.get_by_role("link", name="Training 1, Kampala").click()
    expect(page.get_by_role("heading", name="Enrolments")).to_be_visible()
    expect(page.locator("#state-filter")).to_have_value("waitlisted")
    expect(page.locator("td", has_text="Tendai Moyo")).to_be_visible()
    expect(page.locator("td", has_text="Grace Nakato")).to_have_count(0)
