"""Pickers that offer only who can be chosen, in a real browser: a coordinator nominates
several participants at once (each with their own result), sees the one who cannot go
greyed with the reason, and nominates from a participant's own page; staff see the same
on a session page, with "Confirm at once" left unticked when it cannot succeed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.support import SCREENSHOTS, Journey
from tests.browser.test_staff_journey import log_in_with_code, sunday_in_weeks
from tests.factories import PASSWORD, ParticipantFactory, PersonFactory
from tests.trainings.factories import make_week, session_of
from trainings import services
from trainings.models import Enrolment, EnrolmentState, SessionKind

pytestmark = pytest.mark.browser

# The guide shows these (docs/trainings.md); copied from the test artifacts.
GUIDE_SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def keep_for_the_guide(journey: Journey, label: str, name: str) -> None:
    """The last screenshots labelled ``label`` (both widths) were taken; with
    ``NOREC_GUIDE_SHOTS=1`` they are copied to docs/screenshots as ``name``."""
    for viewport in ("desktop", "phone"):
        found = sorted(SCREENSHOTS.glob(f"{journey.name}-*-{label}-{viewport}.png"))
        assert found, (label, viewport)
        if os.environ.get("NOREC_GUIDE_SHOTS") == "1":
            GUIDE_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(found[-1], GUIDE_SHOTS / f"{name}-{viewport}.png")


def participant(partnership, first: str, last: str, start: dt.date, *, elearning: bool = True):
    return ParticipantFactory(
        person=PersonFactory(first_name=first, last_name=last),
        partnership=partnership,
        exchange_start=start,
        exchange_end=start + dt.timedelta(days=300),
        elearning_completed_on=timezone.localdate() - dt.timedelta(days=5) if elearning else None,
    )


@pytest.fixture
def world(partnership, org_a, org_b):
    """Two Training 1 weeks; Pat attended the first; Grace, Tendai (no e-learning yet)
    and Pat could all take the second, by their dates."""
    org_a.name, org_b.name = "Kisumu Health Trust", "Mbarara Community Clinic"
    org_a.save()
    org_b.save()
    first = make_week(starts_on=sunday_in_weeks(8))
    second = make_week(venue_name="Bangkok", starts_on=sunday_in_weeks(9))
    start = second.starts_on + dt.timedelta(days=14)
    pat = participant(partnership, "Pat", "Attended", start)
    grace = participant(partnership, "Grace", "Nakato", start)
    tendai = participant(partnership, "Tendai", "Moyo", start, elearning=False)
    taken = services.enrol(session=session_of(first, SessionKind.TRAINING_1), person=pat.person,
                           by=None, confirm=True)  # fmt: skip
    services.mark_attendance(enrolment=taken, attended=True, by=None,
                             today=first.starts_on + dt.timedelta(days=1))  # fmt: skip
    return {"first": first, "t1": session_of(second, SessionKind.TRAINING_1), "pat": pat,
            "grace": grace, "tendai": tendai}  # fmt: skip


def test_coordinator_nominates_several_at_once_and_from_a_participants_page(
    open_journey, coordinator, world
):
    t1, first = world["t1"], world["first"]
    j = open_journey("nominate")
    page = j.page
    j.goto("/accounts/login/")
    page.get_by_label("Email").fill(coordinator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kisumu Health Trust")

    # The picker offers Grace and Tendai; Pat is greyed, with the rule's reason.
    j.goto(f"/portal/trainings/sessions/{t1.pk}/nominate/")
    barred = page.locator(".picker-barred")
    attended_on = first.starts_on.strftime("%-d %B %Y")
    expect(barred).to_contain_text(f"Pat Attended attended Training 1 on {attended_on}")
    expect(page.get_by_label("Pat Attended")).to_be_disabled()
    page.get_by_label("Grace Nakato").check()
    page.get_by_label("Tendai Moyo (e-learning not done yet)").check()
    j.check(shot="picker")
    keep_for_the_guide(j, "picker", "coordinator-picker")

    # One step, each person's result.
    page.get_by_role("button", name="Nominate").click()
    outcomes = page.locator(".outcomes")
    expect(outcomes.locator("li", has_text="Grace Nakato")).to_contain_text("Nominated")
    expect(outcomes.locator("li", has_text="Tendai Moyo")).to_contain_text("E-learning missing")
    j.check(shot="bulk-result")
    keep_for_the_guide(j, "bulk-result", "coordinator-bulk-nomination")
    states = dict(Enrolment.objects.filter(session=t1).values_list("person__first_name", "state"))
    assert states == {"Grace": EnrolmentState.NOMINATED, "Tendai": EnrolmentState.NOMINATED}

    # Nobody left to offer: the page says why instead of an empty list.
    expect(page.get_by_text("Nobody in your organisation can be nominated")).to_be_visible()

    # From a participant's own page: cancel Grace, then nominate her again from there.
    grace = world["grace"]
    services.cancel_enrolment(enrolment=Enrolment.objects.get(person=grace.person), by=None)
    j.goto(f"/portal/participants/{grace.pk}/")
    page.get_by_role("link", name="Nominate for a training").click()
    j.check(shot="participant-trainings")
    keep_for_the_guide(j, "participant-trainings", "coordinator-participant-trainings")
    page.get_by_role(
        "button", name=f"Nominate for Training 1, Bangkok, {t1.first_day:%-d %b %Y}"
    ).click()
    expect(page.locator(".outcomes")).to_contain_text("Grace Nakato")
    j.check()
    assert Enrolment.objects.get(person=grace.person, state="nominated").session == t1


def test_staff_picker_greys_the_barred_and_does_not_pretick_confirm(open_journey, staff, world):
    t1 = world["t1"]
    j = open_journey("staff-picker", viewport="phone")
    page = j.page
    log_in_with_code(j, staff)
    j.goto(f"/staff/trainings/sessions/{t1.pk}/")
    # Tendai has no e-learning: confirming everyone at once cannot succeed.
    expect(page.get_by_label("Confirm at once")).not_to_be_checked()
    expect(page.locator(".picker-barred")).to_contain_text("Pat Attended attended Training 1")
    j.check(shot="staff-picker", at=page.get_by_role("heading", name="Enrol someone"))
    keep_for_the_guide(j, "staff-picker", "staff-picker")
    page.get_by_label("Grace Nakato — Kisumu Health Trust").check()
    page.get_by_label("Tendai Moyo — Kisumu Health Trust").check()
    page.get_by_role("button", name="Enrol").click()
    messages = page.locator(".messages")
    expect(messages).to_contain_text("Grace Nakato: Nominated.")
    expect(messages).to_contain_text("Tendai Moyo: Nominated.")
    j.check()
