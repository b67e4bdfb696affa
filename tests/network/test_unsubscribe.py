"""Unsubscribing: RFC 8058 headers on every newsletter, the one-click POST without login
(twice is harmless), GET only asks, the preferences page, and what comes after."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from network import tokens
from network.models import ConsentRecord, Member, NewsletterDelivery
from network.services import newsletters
from norec_portal.models import OutboxEmail
from tests.network.factories import make_member, make_newsletter

pytestmark = pytest.mark.django_db

HEADER = re.compile(r"^<(https://[^>]+)>$")


@pytest.fixture(autouse=True)
def _https_site(settings):
    settings.SITE_URL = "https://portal.norec.no"
    settings.NEWSLETTER_CHUNK_SIZE = 50


@pytest.fixture
def reader(db):
    return make_member(email="reader@example.org", newsletter=True, directory=True)


def queued_copy(member: Member) -> OutboxEmail:
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    return OutboxEmail.objects.get(idempotency_key=f"newsletter:{newsletter.pk}:member:{member.pk}")


def unsubscribe_path(email: OutboxEmail) -> str:
    match = HEADER.match(email.headers["List-Unsubscribe"])
    assert match, email.headers
    return match.group(1).removeprefix("https://portal.norec.no")


def test_every_copy_has_the_one_click_headers_with_an_https_link(reader):
    email = queued_copy(reader)
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe_path(email)
    assert path.startswith("/network/unsubscribe/")
    # The same link is in both parts of the message.
    assert path in email.body_text and path in email.body_html


def test_one_click_post_works_without_login_or_csrf_token_and_twice(reader):
    path = unsubscribe_path(queued_copy(reader))
    client = Client(enforce_csrf_checks=True)
    first = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert first.status_code == 200
    assert "You are unsubscribed" in first.content.decode()
    reader.refresh_from_db()
    assert reader.newsletter_consent is False
    assert reader.directory_consent is True  # nothing else changes
    second = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert second.status_code == 200
    records = ConsentRecord.objects.filter(member=reader, kind="newsletter", granted=False)
    assert list(records.values_list("via", flat=True)) == [ConsentRecord.Via.UNSUBSCRIBE]


def test_get_only_asks_to_confirm(reader, client):
    path = unsubscribe_path(queued_copy(reader))
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop the newsletter?" in page and 'method="post"' in page
    reader.refresh_from_db()
    assert reader.newsletter_consent is True


def test_a_forged_or_altered_link_opens_nothing(reader, client):
    token = tokens.unsubscribe_token(reader.pk)
    forged = token[:-6] + ("aaaaaa" if not token.endswith("aaaaaa") else "bbbbbb")
    other = tokens.unsubscribe_token(reader.pk + 1)
    for bad in (forged, other[:20] + token[20:], "nonsense"):
        response = client.post(reverse("network:unsubscribe", args=[bad]))
        assert response.status_code == 404
    reader.refresh_from_db()
    assert reader.newsletter_consent is True


def test_the_next_newsletter_skips_who_unsubscribed(reader):
    other = make_member(email="other@example.org", newsletter=True)
    Client().post(unsubscribe_path(queued_copy(reader)))
    newsletter = make_newsletter(subject="Next")
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    assert list(
        NewsletterDelivery.objects.filter(newsletter=newsletter).values_list("member", flat=True)
    ) == [other.pk]


def test_preferences_page_never_switches_the_newsletter_back_on(reader, client):
    """Security review, finding 9: whoever holds a forwarded email must not sign its
    reader up again; that takes the member's login."""
    token = tokens.unsubscribe_token(reader.pk)
    client.post(reverse("network:unsubscribe", args=[token]))
    url = reverse("network:newsletter_preferences", args=[token])
    page = client.get(url).content.decode()
    assert "Log in to receive it again" in page and 'name="newsletter"' not in page
    response = client.post(url, {"newsletter": "on"})
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.newsletter_consent is False
    assert not ConsentRecord.objects.filter(member=reader, kind="newsletter", granted=True,
                                            via=ConsentRecord.Via.PREFERENCES).exists()  # fmt: skip


def test_preferences_page_switches_the_newsletter_off(reader, client):
    url = reverse("network:newsletter_preferences", args=[tokens.unsubscribe_token(reader.pk)])
    response = client.post(url, {})
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.newsletter_consent is False
    latest = ConsentRecord.objects.filter(member=reader, kind="newsletter").first()
    assert (latest.granted, latest.via) == (False, ConsentRecord.Via.PREFERENCES)
    assert latest.wording_version  # the wording shown is recorded


def test_an_unsubscribed_member_sees_no_unsubscribe_button(reader, client):
    path = unsubscribe_path(queued_copy(reader))
    client.post(path)
    page = client.get(path).content.decode()
    assert "You are already unsubscribed" in page
    assert "Unsubscribe</button>" not in page and "Stop the newsletter?" not in page
