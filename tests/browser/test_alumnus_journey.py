"""A former participant on a phone (360×740), with the keyboard only: open the emailed
invitation, join (a first try with a mistyped password shows the error at the field; the
repeated password is pasted), fill the profile, log out, later correct the contact
details through an emailed link, log in again, take a seat at an activity, and stop the
newsletter with the one button of the emailed unsubscribe link.

Nothing here clicks or fills through the DOM: every step is Tab, typing, Space or Enter,
and the only addresses opened directly are the links from the emails."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from network.models import RSVP, Language, Member
from network.services import newsletters, waves
from partnerships.models import Person
from tests.browser.support import (
    Journey,
    activate,
    choose_option,
    focused,
    link_from_email,
    tab_to,
    tab_to_control,
    tab_to_field,
    tick,
    type_into,
)
from tests.network.factories import make_activity, make_alumnus_record, make_newsletter

pytestmark = pytest.mark.browser

EMAIL = "amani.mwakyusa@example.org"
PASSWORD = "Kilimanjaro-sunrise-2026"


def submit_with_enter(j: Journey) -> None:
    """Press Enter in the focused field: the browser submits its form."""
    with j.page.expect_navigation():
        j.page.keyboard.press("Enter")


def log_in(j: Journey) -> None:
    type_into(j.page, "login", EMAIL)
    type_into(j.page, "password", PASSWORD)
    submit_with_enter(j)


def log_out(j: Journey) -> None:
    """The account menu in the header: open it with Enter, then its Log out button."""
    tab_to(j.page, lambda el: el["tag"] == "summary")
    j.page.keyboard.press("Enter")
    activate(j.page, "Log out")


@pytest.fixture
def invited():
    # Seeded by a migration, but a transactional test run before this one may have
    # emptied the table.
    Language.objects.get_or_create(code="sw", defaults={"name": "Swahili"})
    person = make_alumnus_record("Amani", "Mwakyusa", country="TZ", email=EMAIL, year=2012)
    waves.invite_person(person=person, email=EMAIL, by=None, via="staff")
    return person


def test_alumnus_joins_and_keeps_in_touch_on_a_phone_with_the_keyboard_only(open_journey, invited):
    activity = make_activity(title="Alumni meeting in Nairobi", capacity=20)
    j = open_journey("alumnus", viewport="phone")
    j.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=j.base_url)
    page = j.page

    # The invitation link from the email. The first Tab reaches the skip link, which
    # takes the focus past the header.
    j.goto(link_from_email(to=EMAIL, contains="/network/join/"), shot="join")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Norec Network")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "first_name"

    # First try: the repeated password differs. The error is announced at that field.
    type_into(page, "password1", PASSWORD)
    type_into(page, "password2", PASSWORD + "x")
    submit_with_enter(j)
    password2 = page.locator("[name=password2]")
    expect(password2).to_have_attribute("aria-invalid", "true")
    error_id = password2.get_attribute("aria-describedby").split()[-1]
    expect(page.locator(f"#{error_id}")).to_have_text("The two passwords differ.")
    j.check(shot="join-error", at=page.locator(".field--error").first)

    # Second try: type the password, paste it again (pasting is never blocked).
    type_into(page, "password1", PASSWORD)
    page.evaluate("text => navigator.clipboard.writeText(text)", PASSWORD)
    tab_to_field(page, "password2")
    page.keyboard.press("Control+V")
    assert focused(page)["value"] == PASSWORD
    type_into(page, "organisation", "Dar es Salaam Water Authority")
    type_into(page, "position", "Hydrologist")
    tick(page, "directory_consent")
    tick(page, "newsletter_consent")
    activate(page, "Join the network")
    expect(page.locator(".messages")).to_contain_text("Welcome to Norec Network!")
    j.check()
    member = Member.objects.get(person=invited)
    assert member.newsletter_consent and member.directory_consent

    # The profile: expertise and availability as a resource person.
    activate(page, "Expertise and availability")
    j.check()
    choose_option(page, "languages", "Swahili")
    type_into(page, "expertise", "water management, hydrology")
    tick(page, "available_as_resource_person")
    j.shot("profile", at=page.locator(".field", has=page.get_by_label("Fields of expertise")))
    activate(page, "Save")
    expect(page.locator(".messages")).to_contain_text("Your profile is saved.")
    j.check()
    member.refresh_from_db()
    assert member.available_as_resource_person
    assert sorted(t.name for t in member.expertise.all()) == ["hydrology", "water management"]
    assert [language.name for language in member.languages.all()] == ["Swahili"]
    log_out(j)
    j.check()

    # Later, without logging in: ask for an update link, open it from the email.
    activate(page, "Update my contact details without logging in")
    j.check()
    type_into(page, "email", EMAIL)
    submit_with_enter(j)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    j.check()
    j.goto(link_from_email(to=EMAIL, contains="/network/update-details/"), shot="contact-link")
    type_into(page, "phone", "+254 712 345 678")
    choose_option(page, "country", "Kenya")
    type_into(page, "position", "Senior hydrologist")
    activate(page, "Save my details")
    expect(page.get_by_role("heading", level=1)).to_contain_text("your details are saved")
    j.check()
    invited.refresh_from_db()
    member.refresh_from_db()
    assert invited.phone == "+254712345678"
    assert invited.country.code == "KE"
    assert member.position == "Senior hydrologist"

    # Log in again and take a seat at an activity.
    activate(page, "Log in")
    j.check()
    log_in(j)
    expect(page.get_by_role("heading", level=1)).to_have_text("Amani Mwakyusa")
    j.check(shot="member-home")
    activate(page, "Activities")
    j.check(shot="activities")
    activate(page, activity.title)
    j.check()
    activate(page, "I will come")
    expect(page.locator(".messages")).to_contain_text("You have a seat.")
    j.check(shot="activity-seat")
    assert RSVP.objects.get(activity=activity, member=member).state == RSVP.State.GOING

    # The newsletter arrives; its unsubscribe link stops it with one button.
    newsletter = make_newsletter("News from the network")
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    log_out(j)
    j.goto(link_from_email(to=EMAIL, contains="/network/unsubscribe/"), shot="unsubscribe")
    tab_to_control(page, "Unsubscribe")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    j.check(shot="unsubscribed")
    member.refresh_from_db()
    assert not member.newsletter_consent
    assert Person.objects.get(pk=invited.pk).email == EMAIL
