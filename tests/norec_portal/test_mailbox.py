"""The demo mailbox (/staff/mailbox/): staff read the outbox in the browser, only where
mail goes to the console (the embedded default)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from norec_portal.models import OutboxEmail
from norec_portal.outbox import queue_email

pytestmark = pytest.mark.django_db


def test_mailbox_is_a_404_for_everyone_without_the_demo_mail_setup(client, staff_client):
    message = queue_email(key="t:1", to="a@example.org", subject="Hi", text="Hello")
    urls = [reverse("mailbox"), reverse("mailbox_message", args=[message.pk])]
    with override_settings(DEMO_MAILBOX=False):
        for url in urls:
            assert staff_client.get(url).status_code == 404
            assert client.get(url).status_code == 404
        assert reverse("mailbox") not in staff_client.get(reverse("staff_dashboard")).text
    # On (the embedded default): staff read it, and the menu leads there.
    assert staff_client.get(urls[0]).status_code == 200
    assert reverse("mailbox") in staff_client.get(reverse("staff_dashboard")).text


def test_mailbox_lists_the_newest_first_a_page_at_a_time(staff_client):
    for n in range(30):
        queue_email(key=f"t:{n}", to=f"person{n}@example.org", subject=f"Message {n}", text="x")
    OutboxEmail.objects.filter(idempotency_key="t:29").update(state=OutboxEmail.State.FAILED)
    first = staff_client.get(reverse("mailbox")).text
    assert first.index("person29@example.org") < first.index("person28@example.org")
    assert "Message 29" in first and "Failed" in first
    assert "person4@example.org" not in first  # 25 a page: the oldest five are on page 2
    second = staff_client.get(reverse("mailbox") + "?page=2").text
    assert "person4@example.org" in second and "person0@example.org" in second
    assert "person5@example.org" not in second


def test_mailbox_finds_a_recipient(staff_client):
    queue_email(key="t:a", to="achieng@example.org", subject="Your invitation", text="x")
    queue_email(key="t:b", to="baraka@example.org", subject="Your invitation", text="x")
    page = staff_client.get(reverse("mailbox"), {"q": "achieng"}).text
    assert "achieng@example.org" in page and "baraka@example.org" not in page
    assert "No message matches" in staff_client.get(reverse("mailbox"), {"q": "nobody"}).text


@override_settings(SITE_URL="http://127.0.0.1:8123")
def test_message_links_open_on_this_portal_and_the_text_stays_text(staff_client):
    message = queue_email(
        key="t:links", to="a@example.org", subject="Join <b>us</b>",
        text="Join here: http://127.0.0.1:8123/network/join/abc123/.\n"
             "Meet: https://meet.example.org/room?x=1&y=2\n<script>alert(1)</script>",
    )  # fmt: skip
    page = staff_client.get(reverse("mailbox_message", args=[message.pk])).text
    # A link into the portal opens on the address the reader uses, whatever SITE_URL says.
    assert '<a href="/network/join/abc123/">http://127.0.0.1:8123/network/join/abc123/</a>' in page
    assert '<a href="https://meet.example.org/room?x=1&amp;y=2">' in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Join &lt;b&gt;us&lt;/b&gt;" in page


def test_a_missing_message_is_a_404(staff_client):
    assert staff_client.get(reverse("mailbox_message", args=[999999])).status_code == 404
