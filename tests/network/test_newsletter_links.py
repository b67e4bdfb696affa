"""Knowing whether a newsletter is read without tracking people: each link of its text is
counted through one redirect address per link (the same in every copy, naming nobody),
only that newsletter's links are redirected to, and the newsletter's page shows the
counts with the delivery figures, bounces and unsubscribes that followed it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from network.models import BadAddress, ConsentRecord, NewsletterLink
from network.services import members as member_services
from network.services import newsletter_copies, newsletters
from norec_portal.models import OutboxEmail
from tests.network.factories import bulk_members, four_versions, make_member, make_newsletter

pytestmark = pytest.mark.django_db

BODY = (
    "Read [the report](https://norec.no/report?a=1&b=2) and "
    "[the call](https://norec.no/call). Again: [the report](https://norec.no/report?a=1&b=2)."
)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://portal.norec.no"
    settings.NEWSLETTER_CHUNK_SIZE = 50


def sent_newsletter(**fields):
    newsletter = make_newsletter(subject="Links", body=BODY, **fields)
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    newsletter.refresh_from_db()
    return newsletter


def test_each_distinct_link_is_counted_through_one_address_in_every_copy():
    readers = bulk_members(3)
    newsletter = sent_newsletter()
    links = list(newsletter.links.order_by("pk"))
    assert [link.url for link in links] == [
        "https://norec.no/report?a=1&b=2",
        "https://norec.no/call",
    ]
    copies = list(OutboxEmail.objects.filter(idempotency_key__startswith="newsletter:"))
    assert len(copies) == len(readers)
    address = f"https://portal.norec.no/network/n/{newsletter.pk}/{links[0].pk}/"
    for copy in copies:
        # The counting address, the same for everyone: nothing in it names the reader.
        assert copy.body_html.count(address) == 2 and address in copy.body_text
        assert "https://norec.no/report" not in copy.body_html
        assert "https://norec.no/report" not in copy.body_text
        assert "<img" not in copy.body_html  # no tracking pixel
    # The unsubscribe links are the reader's own and are not counted.
    assert all("/network/unsubscribe/" in c.body_html for c in copies)


def test_following_a_link_counts_it_and_redirects_with_no_person_recorded(client):
    make_member(email="reader@example.org", newsletter=True)
    newsletter = sent_newsletter()
    link = newsletter.links.get(url="https://norec.no/call")
    url = reverse("network:newsletter_link", args=[newsletter.pk, link.pk])
    for _ in range(3):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"] == "https://norec.no/call"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    link.refresh_from_db()
    assert link.clicks == 3
    assert not response.cookies  # nothing set on the reader's browser
    # NewsletterLink holds the newsletter, the address and a number; nothing else.
    assert {f.name for f in NewsletterLink._meta.concrete_fields} == {
        "id", "newsletter", "url", "clicks",
    }  # fmt: skip


def test_no_open_redirect_only_the_newsletters_own_links(client):
    newsletter = sent_newsletter()
    other = make_newsletter(subject="Other", body="[x](https://evil.example/phish)")
    foreign = other.links.get()
    link = newsletter.links.first()
    for args in ((newsletter.pk, foreign.pk), (newsletter.pk, 10**9), (other.pk, foreign.pk)):
        # A link of another newsletter, an unknown link, a newsletter not sent: nothing.
        response = client.get(reverse("network:newsletter_link", args=args))
        assert response.status_code == 404
    assert (
        client.get(f"/network/n/{newsletter.pk}/{link.pk}/?next=https://evil.example")["Location"]
        == link.url
    )
    foreign.refresh_from_db()
    assert foreign.clicks == 0


def test_links_of_every_language_version_are_counted():
    versions = four_versions()
    fr = versions[0].__class__("fr", "Liens", "Lire [le rapport](https://norec.no/rapport).")
    newsletter = make_newsletter(subject="Links", body=BODY, versions=(fr, *versions[1:]))
    assert newsletter.links.filter(url="https://norec.no/rapport").exists()
    reader = make_member(newsletter=True)
    reader.person.preferred_language = "fr"
    (spec,) = newsletter_copies.member_specs(newsletter, [reader])
    assert "https://norec.no/rapport" not in spec.html and "/network/n/" in spec.html


def test_editing_a_draft_keeps_the_links_in_step():
    newsletter = make_newsletter(subject="Links", body=BODY)
    newsletters.update_newsletter(
        newsletter=newsletter, by=None,
        draft=newsletters.Draft(subject="Links", body="Only [one](https://norec.no/one)."),
    )  # fmt: skip
    assert list(newsletter.links.values_list("url", flat=True)) == ["https://norec.no/one"]


def test_the_staff_page_shows_counts_deliveries_bounces_and_unsubscribes(staff_client):
    readers = bulk_members(4)
    newsletter = sent_newsletter()
    link = newsletter.links.get(url="https://norec.no/call")
    Client().get(reverse("network:newsletter_link", args=[newsletter.pk, link.pk]))
    # One copy bounced (marked bad from its outbox row), one reader unsubscribed after it.
    copy = OutboxEmail.objects.get(to_email=readers[0].person.email)
    OutboxEmail.objects.filter(pk=copy.pk).update(state=OutboxEmail.State.FAILED)
    BadAddress.objects.create(email=readers[0].person.email, source="smtp", last_email=copy)
    member_services.set_newsletter_consent(
        member=readers[1], granted=False, via=ConsentRecord.Via.UNSUBSCRIBE
    )
    OutboxEmail.objects.exclude(pk=copy.pk).update(
        state=OutboxEmail.State.SENT, sent_at=timezone.now()
    )
    page = staff_client.get(reverse("network:staff_newsletter", args=[newsletter.pk]))
    text = " ".join(page.content.decode().split())
    assert "How it was received" in text
    assert "<dt>Delivered</dt><dd>3</dd>" in text
    assert "<dt>Could not be delivered</dt><dd>1</dd>" in text
    assert "<dt>Addresses marked bad after it</dt><dd>1</dd>" in text
    assert "<dt>Unsubscribed after it</dt><dd>1</dd>" in text
    assert "https://norec.no/call</td><td>1</td>" in text
    # An unsubscribe after the next newsletter started counts for that one, not this.
    later = sent_newsletter()
    assert later.started_at > newsletter.started_at
    member_services.set_newsletter_consent(
        member=readers[2], granted=False, via=ConsentRecord.Via.UNSUBSCRIBE
    )
    from network.services.links import figures

    assert figures(newsletter).unsubscribed == 1
    assert timezone.now() > later.started_at
