"""Finding 9 of the security review: the unsubscribe / preferences link never expired,
showed name and email, carried the member id in clear ("1:…") and could re-subscribe."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from network import tokens
from network.services import newsletter_copies
from tests.network.factories import make_member, make_newsletter

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(db):
    return make_member(email="reader.secret@example.org", first_name="Rita",
                       last_name="Hiddenname", newsletter=True)  # fmt: skip


def link_token(spec) -> str:
    return spec.headers["List-Unsubscribe"].strip("<>").rstrip("/").rsplit("/", 1)[1]


def test_the_token_is_opaque_and_new_in_every_newsletter(reader):
    first = newsletter_copies.member_spec(make_newsletter("One"), reader)
    second = newsletter_copies.member_spec(make_newsletter("Two"), reader)
    one, two = link_token(first), link_token(second)
    assert one != two
    for token in (one, two):
        assert not token.startswith(f"{reader.pk}:") and ":" not in token
        assert tokens.member_id_from_unsubscribe_token(token) == reader.pk


def test_the_link_expires(reader, settings):
    token = tokens.unsubscribe_token(reader.pk)
    url = reverse("network:newsletter_preferences", args=[token])
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=settings.NETWORK_PREFERENCE_LINK_DAYS)
    with time_machine.travel(later - dt.timedelta(hours=1)):
        assert Client().get(url).status_code == 200
    with time_machine.travel(later + dt.timedelta(hours=1)):
        assert Client().get(url).status_code == 404
        assert Client().post(reverse("network:unsubscribe", args=[token])).status_code == 404
    reader.refresh_from_db()
    assert reader.newsletter_consent is True


def test_the_pages_show_the_first_name_only(reader):
    token = tokens.unsubscribe_token(reader.pk)
    for url in (reverse("network:newsletter_preferences", args=[token]),
                reverse("network:unsubscribe", args=[token])):  # fmt: skip
        page = Client().get(url).content.decode()
        assert "reader.secret@example.org" not in page and "Hiddenname" not in page
    assert (
        "Rita"
        in Client().get(reverse("network:newsletter_preferences", args=[token])).content.decode()
    )


def test_links_of_newsletters_sent_before_still_unsubscribe_and_open_nothing_else(reader):
    legacy = signing.Signer(salt=tokens.UNSUBSCRIBE_SALT).sign(str(reader.pk))
    assert Client().get(reverse("network:newsletter_preferences", args=[legacy])).status_code == 404
    page = Client().get(reverse("network:unsubscribe", args=[legacy])).content.decode()
    assert reverse("network:newsletter_preferences", args=[legacy]) not in page
    response = Client().post(reverse("network:unsubscribe", args=[legacy]))
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.newsletter_consent is False
