"""Members in French and Portuguese, on a phone: the newsletter and an activity in their
language with its time in their own zone as well; a draft activity that stays invisible
until staff publish it; a resource person who accepts a request and then appears on the
week's programme PDF (read back with pypdf). Every page is checked with axe at desktop
and phone widths (``Journey.check``)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from network.models import Activity, ResourceRequest
from network.services import newsletters, resources
from network.services.members import Profile, update_profile
from network.services.versions import Version
from tests.browser.support import Journey
from tests.browser.test_staff_journey import log_in_with_code
from tests.factories import PASSWORD
from tests.network.factories import make_activity, make_member, make_newsletter, wall
from tests.trainings import factories as tf
from trainings.models import SessionKind

pytestmark = pytest.mark.browser

TEXTS = {
    "fr": {
        "subject": "Nouvelles du réseau",
        "body": "Bonjour à **tous** : la réunion de Nairobi approche.",
        "title": "Rencontre des anciens à Nairobi",
        "description": "Venez **rencontrer** les autres membres.",
        "name": ("Sita", "Sharma"),
    },
    "pt": {
        "subject": "Notícias da rede",
        "body": "Olá a **todos**: o encontro de Nairobi está a chegar.",
        "title": "Encontro de antigos em Nairobi",
        "description": "Venha **conhecer** os outros membros.",
        "name": ("Bishnu", "Thapa"),
    },
}


def member_in(language: str, *, email: str, country: str = "NP"):
    first, last = TEXTS[language]["name"]
    member = make_member(email=email, first_name=first, last_name=last, country=country,
                         newsletter=True, directory=True)  # fmt: skip
    user = member.person.user
    user.language = language
    user.save(update_fields=["language"])
    member.person.preferred_language = language
    member.person.save(update_fields=["preferred_language"])
    return member


def log_in(j: Journey, email: str) -> None:
    page = j.page
    j.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/network/me/**")


def all_versions(language_texts=TEXTS) -> tuple[tuple[Version, ...], tuple[Version, ...]]:
    letters = tuple(Version(code, t["subject"], t["body"]) for code, t in language_texts.items())
    acts = tuple(Version(code, t["title"], t["description"]) for code, t in language_texts.items())
    return letters, acts


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_a_member_reads_the_newsletter_and_the_activity_in_their_language_and_zone(
    open_journey, language
):
    texts = TEXTS[language]
    letters, acts = all_versions()
    newsletter = make_newsletter(subject="News from the network", body="Hello **all**.",
                                 versions=letters)  # fmt: skip
    newsletters.start_sending(newsletter=newsletter)
    # 22:00 in Nairobi is 00:45 the next day in Kathmandu.
    day = (timezone.now() + dt.timedelta(days=40)).date()
    activity = make_activity(
        title="Alumni meeting in Nairobi", versions=acts, time_zone="Africa/Nairobi",
        starts=wall(day.year, day.month, day.day, 22, 0),
        ends=wall(day.year, day.month, day.day, 23, 30),
    )  # fmt: skip
    member_in(language, email=f"{language}@example.org")

    j = open_journey(f"member-content-{language}", viewport="phone")
    page = j.page
    log_in(j, f"{language}@example.org")
    expect(page.locator("html")).to_have_attribute("lang", language)

    j.goto("/network/newsletters/", shot="newsletter-archive")
    page.get_by_role("link", name=texts["subject"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["subject"])
    expect(page.locator(".newsletter-body strong")).to_have_text(texts["body"].split("**")[1])
    j.check(shot="newsletter-read")

    j.goto("/network/activities/", shot="activity-list")
    page.get_by_role("link", name=texts["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(texts["title"])
    when = page.locator(".facts dd").first
    expect(when).to_contain_text("22:00")
    expect(when).to_contain_text("Africa/Nairobi")
    expect(when.locator(".member-time")).to_contain_text("00:45")
    expect(when.locator(".member-time")).to_contain_text("Asia/Kathmandu")
    j.check(shot="activity-in-my-zone", at=page.locator("#facts-h"))
    assert activity.versions.filter(language=language).exists()


def test_a_draft_activity_is_invisible_to_members_until_staff_publish_it(
    open_journey, staff, live_server
):
    letters, acts = all_versions()
    draft = make_activity(publish=False, title="Planning meeting", versions=acts)
    member_in("fr", email="fr@example.org")

    member = open_journey("draft-member", viewport="phone")
    log_in(member, "fr@example.org")
    member.goto("/network/activities/")
    expect(member.page.get_by_text(TEXTS["fr"]["title"])).to_have_count(0)
    member.goto(f"/network/activities/{draft.pk}/", status=404)

    desk = open_journey("draft-staff", viewport="desktop")
    log_in_with_code(desk, staff)
    desk.goto(f"/staff/network/activities/{draft.pk}/", shot="activity-draft")
    expect(desk.page.get_by_text("Draft: members do not see it")).to_be_visible()
    desk.page.get_by_role("link", name="Preview as a member").click()
    expect(desk.page.get_by_text("Preview of a draft")).to_be_visible()
    desk.check(shot="activity-preview")
    desk.goto(f"/staff/network/activities/{draft.pk}/publish/", shot="activity-publish")
    desk.page.get_by_label("All members who receive the newsletter").check()
    desk.page.get_by_role("button", name="Publish").click()
    expect(desk.page.locator(".messages")).to_contain_text("Published")
    desk.check()
    draft.refresh_from_db()
    assert draft.status == Activity.Status.PLANNED
    assert draft.announcements.count() == 1

    member.goto("/network/activities/")
    member.page.get_by_role("link", name=TEXTS["fr"]["title"]).click()
    expect(member.page.get_by_role("heading", level=1)).to_have_text(TEXTS["fr"]["title"])
    member.check(shot="activity-published")


def test_a_resource_person_accepts_and_appears_on_the_programme_pdf(open_journey, staff):
    week = tf.make_week(starts_on=_sunday_in(60))
    session = tf.session_of(week, SessionKind.TRAINING_1)
    ram = member_in("pt", email="pt@example.org")
    update_profile(member=ram, by=None, profile=Profile(available_as_interpreter=True))
    resources.ask_resource_persons(
        session=session, members=[ram], role="interpreter", message="Nepali–English.", by=staff
    )

    j = open_journey("resource-person", viewport="phone")
    log_in(j, "pt@example.org")
    j.goto("/network/me/assignments/", shot="assignment-request")
    expect(j.page.get_by_text("Nepali–English.")).to_be_visible()
    with translation.override("pt"):
        accept, calendar = gettext("I accept"), gettext("Add them to your calendar (.ics)")
    j.page.get_by_role("button", name=accept).click()
    expect(j.page.locator(".messages")).to_be_visible()
    j.check(shot="assignment-accepted")
    assert ResourceRequest.objects.get().state == ResourceRequest.State.ACCEPTED
    j.goto("/network/me/", shot="profile-assignments")
    expect(j.page.get_by_role("link", name=calendar)).to_be_visible()

    desk = open_journey("resource-staff", viewport="desktop")
    log_in_with_code(desk, staff)
    desk.goto(f"/staff/trainings/sessions/{session.pk}/")
    expect(desk.page.get_by_text("Bishnu Thapa (Interpreter)")).to_be_visible()
    desk.goto(f"/staff/trainings/weeks/{week.pk}/")
    with desk.page.expect_download() as download_info:
        desk.page.get_by_role("link", name="Programme (PDF)").click()
    data = download_info.value.path().read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "Resource persons: Bishnu Thapa (Interpreter)" in text


def _sunday_in(days: int) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=days)
    return day + dt.timedelta(days=(6 - day.weekday()) % 7)
