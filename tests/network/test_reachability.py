"""Reachability by country and the worklist: addresses kept as written with a suggested
correction, accepted with one click through the contact history, bounces on the list."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from network import imports
from network.models import BadAddress, ContactChange, Invitation, Member, RawAddress
from network.services import reachability
from partnerships.models import Person
from tests.network.factories import make_alumnus_record

pytestmark = pytest.mark.django_db

ARCHIVE = (
    "Name;Country;Exchange year;Email\n"
    "Lucía Phiri;Zambia;2004;lucía.phiri6@hotmail.com\n"
    "Ananya Banda;Zambia;2005;ananya.banda @mail.org\n"
    "Joseph Mwale;Zambia;2006;joseph.mwale@example.org\n"
    "Grace Tembo;Zambia;2007;none\n"
    "Chanda Zulu;Zambia;2008;call the office\n"
)


def import_archive(staff):
    batch = imports.create_preview(file=io.BytesIO(ARCHIVE.encode()), filename="z.csv", by=staff)
    imports.import_batch(batch=batch, by=staff)
    return {p.first_name: p for p in Person.objects.filter(country="ZM")}


def counts(country="ZM"):
    rows = reachability.reachability([country])
    return rows[0].counts if rows else {}


def test_every_former_participant_is_counted_once_per_country(staff):
    people = import_archive(staff)
    assert counts() == {"confirmed": 0, "bounced": 0, "unconfirmed": 1, "suggestion": 2,
                        "none": 2}  # fmt: skip
    # The archive's text is kept, with a correction only where one is likely.
    lucia = RawAddress.objects.get(person=people["Lucía"])
    assert (lucia.raw, lucia.suggestion) == ("lucía.phiri6@hotmail.com", "lucia.phiri6@hotmail.com")
    chanda = RawAddress.objects.get(person=people["Chanda"])
    assert chanda.suggestion == "" and chanda.status == "invalid"
    assert not RawAddress.objects.filter(person=people["Grace"]).exists()  # "none" is nothing


def test_members_are_confirmed_and_bounces_are_on_the_list(staff):
    people = import_archive(staff)
    joseph = people["Joseph"]
    BadAddress.objects.create(email=joseph.email, source="smtp", reason="550 no such user",
                              person=joseph)  # fmt: skip
    assert counts()["bounced"] == 1
    listed = reachability.worklist(country="ZM", group="bounced").get()
    assert listed == joseph and listed.bounce_reason == "550 no such user"
    member = make_alumnus_record("Mary", "Lungu", country="ZM", email="mary@example.org", year=2001)
    Member.objects.create(person=member)
    assert counts()["confirmed"] == 1


def test_accepting_a_suggestion_sets_the_address_through_the_contact_history(staff):
    people = import_archive(staff)
    raw = RawAddress.objects.get(person=people["Lucía"])
    reachability.accept_suggestion(raw_address=raw, by=staff)
    lucia = Person.objects.get(pk=people["Lucía"].pk)
    assert lucia.email == "lucia.phiri6@hotmail.com"
    change = ContactChange.objects.get(person=lucia, field="email")
    assert change.new_value == "lucia.phiri6@hotmail.com" and change.changed_by == staff
    raw.refresh_from_db()
    assert raw.resolution == "accepted" and raw.resolved_by == staff
    assert counts()["suggestion"] == 1 and counts()["unconfirmed"] == 2
    with pytest.raises(ValidationError, match="already been dealt with"):
        reachability.accept_suggestion(raw_address=raw, by=staff)


def test_a_suggestion_that_belongs_to_someone_else_is_refused(staff):
    people = import_archive(staff)
    make_alumnus_record("Ananya", "Banda", country="IN", email="ananya.banda@mail.org", year=2010)
    raw = RawAddress.objects.get(person=people["Ananya"])
    with pytest.raises(ValidationError, match="already belongs to another record"):
        reachability.accept_suggestion(raw_address=raw, by=staff)
    assert Person.objects.get(pk=people["Ananya"].pk).email == ""


def test_the_overview_and_worklist_pages(staff_client, staff):
    people = import_archive(staff)
    page = staff_client.get(reverse("network:staff_reachability")).content.decode()
    assert "Zambia" in page
    url = reverse("network:staff_reachability_country", args=["zm"])
    page = staff_client.get(url).content.decode()
    assert "Lucía Phiri" in page and "lucía.phiri6@hotmail.com" in page
    assert "Use lucia.phiri6@hotmail.com" in page
    assert "Joseph Mwale" not in page  # an unconfirmed address is not to fix
    raw = RawAddress.objects.get(person=people["Lucía"])
    response = staff_client.post(
        reverse("network:staff_raw_address_accept", args=[raw.pk]), {"next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert Person.objects.get(pk=people["Lucía"].pk).email == "lucia.phiri6@hotmail.com"
    # An outside "next" is not followed.
    raw = RawAddress.objects.get(person=people["Chanda"])
    response = staff_client.post(
        reverse("network:staff_raw_address_dismiss", args=[raw.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("network:staff_person", args=[people["Chanda"].pk])
    assert (
        staff_client.get(reverse("network:staff_reachability_country", args=["xx"])).status_code
        == 404
    )


def test_the_worklist_is_staff_only(client, staff):
    import_archive(staff)
    url = reverse("network:staff_reachability_country", args=["ZM"])
    assert client.get(url).status_code in (302, 403)
    raw = RawAddress.objects.first()
    client.post(reverse("network:staff_raw_address_accept", args=[raw.pk]))
    raw.refresh_from_db()
    assert raw.is_open


def test_an_invitation_that_bounced_puts_the_person_on_the_list(staff):
    people = import_archive(staff)
    joseph = people["Joseph"]
    now = timezone.now()
    Invitation.objects.create(
        person=joseph, email=joseph.email, state=Invitation.State.BOUNCED, source="request",
        sent_at=now, expires_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    assert counts()["bounced"] == 1


def test_the_person_page_shows_the_archive_text_the_suggestion_and_a_bounce(staff_client, staff):
    people = import_archive(staff)
    page = staff_client.get(reverse("network:staff_person", args=[people["Lucía"].pk]))
    text = page.content.decode()
    assert "lucía.phiri6@hotmail.com" in text and "Use lucia.phiri6@hotmail.com" in text
    joseph = people["Joseph"]
    BadAddress.objects.create(email=joseph.email, source="smtp", reason="550 no such user")
    text = staff_client.get(reverse("network:staff_person", args=[joseph.pk])).content.decode()
    assert "Bounced" in text and "550 no such user" in text
