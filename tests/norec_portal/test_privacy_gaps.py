"""Findings 7 and 11 of the security review: erasure left the login's sessions; the person
export showed spreadsheet imports as row numbers only; expertise tags a member typed
survived erasure; newsletters for some countries appeared in every member's archive."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from network.models import ExpertiseTag, Newsletter, NewsletterDelivery
from partnerships import privacy
from partnerships.models import ParticipantImport
from tests.factories import ParticipantFactory
from tests.network.factories import make_member, make_newsletter

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_erasure_ends_the_logins_sessions(staff):
    member = make_member(email="leaving@example.org", first_name="Lea", last_name="Ving")
    other = make_member(email="staying@example.org", first_name="Sta", last_name="Ying")
    leaving, staying = logged_in(member.person.user), logged_in(other.person.user)
    assert Session.objects.count() == 2

    privacy.anonymise_person(person=member.person, by=staff)

    assert Session.objects.count() == 1
    assert leaving.get(reverse("network:member_home")).status_code == 302  # to the login
    assert staying.get(reverse("network:member_home")).status_code == 200


def test_erasure_deletes_expertise_tags_only_the_person_used(staff):
    member = make_member(email="tagger@example.org", first_name="Tia", last_name="Tagger")
    other = make_member(email="other@example.org", first_name="Otto", last_name="Other")
    own = ExpertiseTag.objects.create(name="tia tagger consulting, gulu")
    shared = ExpertiseTag.objects.create(name="water")
    member.expertise.add(own, shared)
    other.expertise.add(shared)

    privacy.anonymise_person(person=member.person, by=staff)

    assert not ExpertiseTag.objects.filter(pk=own.pk).exists()
    assert ExpertiseTag.objects.filter(pk=shared.pk).exists()


def test_the_person_export_shows_what_the_import_rows_said(staff, org_a, partnership):
    participant = ParticipantFactory(partnership=partnership, person__email="row@example.org",
                                     person__first_name="Rowena")  # fmt: skip
    ParticipantImport.objects.create(
        organisation=org_a, original_filename="spring.csv", file_format="csv", row_count=2,
        rows=[{"row": 2, "values": {"first_name": "Rowena", "email": "row@example.org"}},
              {"row": 3, "values": {"first_name": "Someone", "email": "else@example.org"}}],
    )  # fmt: skip
    data = privacy.export_person(person=participant.person, by=staff)
    (section,) = [s for s in data["sections"] if s["model"] == "partnerships.ParticipantImport"]
    (record,) = section["records"]
    assert record["row"] == 2 and record["file"] == "spring.csv"
    assert "first_name: Rowena" in record["values"] and "row@example.org" in record["values"]
    assert "Someone" not in str(section)


def sent(newsletter: Newsletter) -> Newsletter:
    Newsletter.objects.filter(pk=newsletter.pk).update(
        status=Newsletter.Status.SENT, started_at=timezone.now()
    )
    return newsletter


def test_a_newsletter_for_some_countries_is_read_only_there():
    kenyan = make_member(email="ke@example.org", first_name="Ken", last_name="Ya", country="KE")
    ugandan = make_member(email="ug@example.org", first_name="Uga", last_name="Nda", country="UG")
    everyone = sent(make_newsletter("For everyone"))
    kenya = sent(make_newsletter("Kenya only", audience="countries", countries=("KE", "TZ")))
    experts = sent(make_newsletter("Resource persons", audience="resource_persons"))

    def archive(member) -> str:
        return (
            logged_in(member.person.user)
            .get(reverse("network:newsletter_archive"))
            .content.decode()
        )

    assert "For everyone" in archive(kenyan) and "Kenya only" in archive(kenyan)
    assert "For everyone" in archive(ugandan) and "Kenya only" not in archive(ugandan)
    assert "Resource persons" not in archive(ugandan)
    reader = logged_in(ugandan.person.user)
    assert reader.get(reverse("network:newsletter_read", args=[kenya.pk])).status_code == 404
    assert reader.get(reverse("network:newsletter_read", args=[everyone.pk])).status_code == 200
    # A member who was sent one (e.g. before moving country) still reads it.
    NewsletterDelivery.objects.create(newsletter=experts, member=ugandan)
    assert reader.get(reverse("network:newsletter_read", args=[experts.pk])).status_code == 200
