"""Small things seen by new users, in a real browser: an empty filter says what it
filtered, "no week fits" leads to planning one, and upload times read the way the
reader's language writes them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from partnerships.models import ParticipantImport
from tests.browser.test_phone_width import session_cookie
from tests.browser.test_staff_journey import sunday_in_weeks
from tests.factories import make_coordinator
from tests.trainings import factories as tf
from trainings import services
from trainings.models import SessionKind

pytestmark = pytest.mark.browser


def test_staff_see_an_empty_waitlist_for_what_it_is_and_plan_a_missing_week(
    open_journey, live_server, staff
):
    sunday = sunday_in_weeks(6)
    t1 = tf.session_of(tf.make_week(starts_on=sunday), SessionKind.TRAINING_1)
    person = tf.participant_for(sunday, first_name="Grace", last_name="Nakato").person
    services.enrol(session=t1, person=person, by=None)
    # Someone whose Training 1 must begin about five months ahead: no week is planned then.
    start = sunday + dt.timedelta(days=150)
    tf.participant_for(start, start_offset=0, first_name="Tendai", last_name="Moyo")

    j = open_journey("small-things-staff")
    j.context.add_cookies(session_cookie(staff, live_server.url))
    j.goto(reverse("trainings:staff_session", args=[t1.pk]) + "?state=waitlisted")
    page = j.page
    expect(page.locator("p.empty", has_text="Nobody is on the waitlist")).to_have_text(
        "Nobody is on the waitlist of this session. Show every enrolment"
    )
    page.get_by_role("link", name="Show every enrolment").click()
    expect(page.locator("td", has_text="Grace Nakato")).to_be_visible()

    j.goto(reverse("trainings:staff_forecast") + f"?from={start:%Y-%m}")
    row = page.locator("tr", has_text="Tendai Moyo").filter(has_text="Training 1")
    expect(row).to_contain_text("No week fits")
    row.get_by_role("link", name="Plan a week").click()
    j.check()
    chosen = dt.date.fromisoformat(page.get_by_label("Week starts (Sunday)").input_value())
    assert chosen.weekday() == 6
    assert start - dt.timedelta(days=90) <= chosen <= start - dt.timedelta(days=84)


def test_upload_times_read_in_the_readers_language(open_journey, live_server, org_a):
    coordinator = make_coordinator(org_a, email="coord@example.org", full_name="Achieng Otieno")
    upload = ParticipantImport.objects.create(
        organisation=org_a, uploaded_by=coordinator, original_filename="people.csv",
        file_format="csv", rows=[], row_count=0,
    )  # fmt: skip
    at = dt.datetime(2026, 6, 12, 14, 11, tzinfo=dt.UTC)  # 16:11 in Oslo
    ParticipantImport.objects.filter(pk=upload.pk).update(created_at=at)

    j = open_journey("small-things-coordinator")
    j.context.add_cookies(session_cookie(coordinator, live_server.url))
    page = j.page
    j.goto(reverse("partnerships:coordinator_import_preview", args=[upload.pk]))
    expect(page.locator(".lead")).to_contain_text("Uploaded 12 Jun 2026, 16:11 by")
    j.goto(reverse("partnerships:coordinator_import"))
    expect(page.locator("td", has_text="12 Jun 2026, 16:11")).to_be_visible()
    j.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    j.goto(reverse("partnerships:coordinator_import_preview", args=[upload.pk]))
    expect(page.locator(".lead")).to_contain_text("12 juin 2026 16:11")
