"""The first ten minutes of a newcomer, from the demo world ``make demo`` loads: the demo
staff account sends today's batch of the invitation wave in progress, finds the
invitation in the demo mailbox and clicks its link; the former participant opens that
link on a phone and joins; the wave page then counts one invitation accepted."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from network.models import Invitation, InvitationWave, Member
from network.services import waves
from norec_portal.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser.support import Journey
from tests.browser.test_staff_journey import totp_code

pytestmark = pytest.mark.browser

PASSWORD = "Lake-Victoria-evenings-1998"


def log_in_as_demo_staff(j: Journey) -> None:
    page = j.page
    j.goto("/accounts/login/")
    page.get_by_label("Email").fill("staff@norec.demo")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    j.check()
    page.get_by_label("Code").fill(totp_code(DEMO_TOTP_SECRET))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Mailbox")
    j.check()


def test_from_the_wave_page_through_the_demo_mailbox_to_a_joined_member(
    open_journey, settings, capsys
):
    settings.DEMO_MAILBOX = True
    call_command("seed_demo")
    capsys.readouterr()
    wave = InvitationWave.objects.get(name="East Africa (demo)")
    total = waves.wave_progress(wave=wave).total
    assert total > 6, "the demo wave needs more than two days' batches"

    staff = open_journey("first-ten-minutes")
    page = staff.page
    log_in_as_demo_staff(staff)

    # The wave in progress: yesterday's batch is out, today's waits.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Network").click()
    staff.check()
    page.get_by_role("link", name="Invitation waves").first.click()
    staff.check()
    page.get_by_role("link", name="East Africa (demo)").click()
    progress = page.locator("#wave-progress")
    expect(progress).to_contain_text(f"3 of {total} invitations sent")
    expect(progress).to_contain_text("Today's batch: 0 of 3 sent.")
    expect(page.locator("main")).not_to_contain_text("Beat")
    staff.check(shot="wave-in-progress")

    # Send today's batch now: the page asks first.
    page.get_by_role("link", name="Send today's batch now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send today's batch now?")
    staff.check(shot="todays-batch-confirm")
    page.get_by_role("button", name="Yes, send them now").click()
    expect(page.locator(".messages")).to_contain_text("3 invitations are on their way.")
    expect(progress).to_contain_text(f"6 of {total} invitations sent")
    expect(progress).to_contain_text("Today's batch: 3 of 3 sent.")
    expect(page.get_by_role("link", name="Send today's batch now")).to_have_count(0)
    staff.check(shot="todays-batch-sent")
    invited = (
        Invitation.objects.filter(wave=wave, released_on=timezone.localdate())
        .select_related("person")
        .order_by("pk")
        .first()
    )

    # The demo mailbox: find the invitation, open it, click its link.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mailbox").click()
    staff.check(shot="mailbox")
    page.get_by_label("Recipient or subject").fill(invited.email)
    page.get_by_role("button", name="Search").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Sent")
    rows.get_by_role("link").click()
    staff.check(shot="mailbox-invitation")
    expect(page.locator(".mail-body")).to_contain_text(invited.person.first_name)
    join_link = page.locator(".mail-links a", has_text="/network/join/")
    href = join_link.get_attribute("href")
    assert href.startswith("/network/join/"), href
    join_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Norec Network")

    # The former participant opens the same link on a phone and joins.
    alumnus = open_journey("first-ten-minutes-alumnus", viewport="phone")
    alumnus.goto(href, shot="join")
    form = alumnus.page
    expect(form.locator("[name=first_name]")).to_have_value(invited.person.first_name)
    form.locator("[name=password1]").fill(PASSWORD)
    form.locator("[name=password2]").fill(PASSWORD)
    form.locator("[name=newsletter_consent]").check()
    form.get_by_role("button", name="Join the network").click()
    expect(form.locator(".messages")).to_contain_text("Welcome to Norec Network!")
    alumnus.check(shot="joined")
    assert Member.objects.filter(person=invited.person).exists()

    # Back on the wave page, the invitation counts as accepted.
    page.goto(staff.url(f"/staff/network/waves/{wave.pk}/?state=accepted"))
    staff.check(shot="wave-accepted")
    expect(page.locator("tbody")).to_contain_text(invited.email)
    invited.refresh_from_db()
    assert invited.state == Invitation.State.ACCEPTED
