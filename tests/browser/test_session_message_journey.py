"""Writing to a session in a real browser: from the session page, compose, check the
recipients (and who has no address) and the email, send, and follow the delivery."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from norec_portal.models import OutboxEmail
from tests.browser.test_nomination_journey import keep_for_the_guide
from tests.browser.test_phone_width import session_cookie
from tests.browser.test_staff_journey import sunday_in_weeks
from tests.factories import make_coordinator
from tests.trainings import factories as tf
from trainings import services
from trainings.models import SessionKind, SessionMessage

pytestmark = pytest.mark.browser


def test_staff_write_to_a_session_and_see_it_go(open_journey, live_server, staff, partnership,
                                                org_a):  # fmt: skip
    sunday = sunday_in_weeks(6)
    t1 = tf.session_of(tf.make_week(starts_on=sunday), SessionKind.TRAINING_1)
    org_a.name = "Kisumu Health Trust"
    org_a.save()
    make_coordinator(org_a, email="achieng@example.org", full_name="Achieng Otieno")
    for first, last, email in [("Grace", "Nakato", "grace@example.org"),
                               ("Tendai", "Moyo", "tendai@example.org"),
                               ("Paper", "Only", "")]:  # fmt: skip
        person = tf.participant_for(sunday, partnership=partnership, first_name=first,
                                    last_name=last, email=email).person  # fmt: skip
        services.enrol(session=t1, person=person, by=None, confirm=True)

    j = open_journey("session-message", viewport="phone")
    j.context.add_cookies(session_cookie(staff, live_server.url))
    page = j.page
    j.goto(reverse("trainings:staff_session", args=[t1.pk]))
    expect(page.get_by_text("No message has been written to this session yet.")).to_be_visible()
    page.get_by_role("link", name="Write to this session").click()
    j.check()
    page.get_by_label("Subject").fill("Bus from the hotel on Monday")
    page.get_by_label("Message").fill(
        "The bus leaves the hotel at 08:00 on Monday.\n\n"
        "Bring your passport and the badge you will get at arrival."
    )
    page.get_by_label("Also to their organisations' coordinators").check()
    page.get_by_role("button", name="Preview").click()

    expect(page.locator(".lead")).to_contain_text("This message goes to 3 addresses")
    expect(page.get_by_text("Paper Only")).to_be_visible()
    expect(page.locator("pre.message-text")).to_contain_text("The bus leaves the hotel at 08:00")
    j.check(shot="preview")
    keep_for_the_guide(j, "preview", "staff-session-message-preview")
    page.get_by_role("button", name="Send to 3 addresses").click()

    expect(page.locator(".messages")).to_contain_text("on its way to 3 people")
    message = SessionMessage.objects.get()
    assert (
        OutboxEmail.objects.filter(idempotency_key__startswith=message.outbox_prefix).count() == 3
    )
    j.check(shot="sent")
    keep_for_the_guide(j, "sent", "staff-session-message")
    j.goto(reverse("trainings:staff_session", args=[t1.pk]))
    expect(page.get_by_role("link", name="Bus from the hotel on Monday")).to_be_visible()
