"""Newsletters and activities in the members' languages: English plus optional French,
Spanish and Portuguese versions; each member gets and sees their language (English when
a version is missing); the archive shows the member's version; the staff preview shows
each one; the sending still gives each member one copy."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from network.models import Newsletter, NewsletterDelivery, NewsletterVersion
from network.services import activities, newsletter_copies, newsletters
from network.services.newsletters import Draft
from network.services.versions import Version, version_language
from norec_portal.models import OutboxEmail
from tests.network.factories import (
    FOUR_LANGUAGES,
    bulk_members,
    four_versions,
    make_activity,
    make_member,
    make_newsletter,
)

pytestmark = pytest.mark.django_db

SUBJECTS = {"": "News", "en": "News", "fr": "News (FR)", "es": "News (ES)", "pt": "News (PT)"}


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.NEWSLETTER_CHUNK_SIZE = 3
    settings.NEWSLETTER_CHUNK_SECONDS = 0
    settings.SITE_URL = "https://portal.norec.no"


def test_a_reader_gets_their_language_or_english():
    assert [version_language(x) for x in ("fr", "pt-br", "es", "", None, "de", "en")] == [
        "fr", "pt", "es", "en", "en", "en", "en",
    ]  # fmt: skip


def test_each_member_gets_the_version_in_their_language_and_english_otherwise():
    newsletter = make_newsletter(subject="News", body="Hello **all**.", versions=four_versions())
    readers = [make_member(first_name=f"R{code or 'x'}", newsletter=True) for code in
               ("", "fr", "es", "pt", "nb")]  # fmt: skip
    for member, code in zip(readers, ("", "fr", "es", "pt", "nb"), strict=True):
        member.person.preferred_language = code
    specs = newsletter_copies.member_specs(newsletter, readers)
    assert [s.subject for s in specs] == ["News", "News (FR)", "News (ES)", "News (PT)", "News"]
    assert "Bonjour à **tous**." in specs[1].text and "<strong>tous</strong>" in specs[1].html
    assert specs[1].text.startswith("Bonjour Rfr,")  # the frame in French too
    assert "Olá a <strong>todos</strong>." in specs[3].html
    assert "Hello **all**." in specs[0].text and "Hello **all**." in specs[4].text


def test_a_missing_version_falls_back_to_english():
    newsletter = make_newsletter(subject="News", versions=(Version("fr", "Nouvelles", "Bonjour."),))
    spanish = make_member(newsletter=True)
    spanish.person.preferred_language = "es"
    (spec,) = newsletter_copies.member_specs(newsletter, [spanish])
    assert spec.subject == "News" and "Hello **all**." in spec.text


def test_a_version_must_be_whole_and_an_empty_one_is_none():
    with pytest.raises(ValidationError) as error:
        make_newsletter(versions=(Version("fr", "Nouvelles", ""), Version("pt", "", "Olá")))
    assert set(error.value.message_dict) == {"body_fr", "heading_pt"}
    newsletter = make_newsletter(versions=(Version("fr", " ", " "),))
    assert not newsletter.versions.exists()
    # Editing replaces the versions: one removed, one added.
    newsletter = make_newsletter(subject="News", versions=four_versions())
    newsletters.update_newsletter(
        newsletter=newsletter, by=None,
        draft=Draft(subject="News", body="Hi", versions=(Version("es", "Noticias", "Hola"),)),
    )  # fmt: skip
    assert list(newsletter.versions.values_list("language", "subject")) == [("es", "Noticias")]


def test_four_versions_reach_every_member_once_in_their_language(
    django_capture_on_commit_callbacks,
):
    """The exactly-once guarantee with four language versions: one copy per member per
    newsletter, whatever runs twice, each in the member's language."""
    members = bulk_members(10, ["KE", "NP"], languages=FOUR_LANGUAGES)
    newsletter = make_newsletter(subject="News", versions=four_versions())
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletters.start_sending(newsletter=newsletter) is True
        assert newsletters.start_sending(newsletter=newsletter) is False
    # A stale or repeated chunk does nothing.
    for chunk in range(5):
        assert not newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=chunk).queued
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT
    received = sorted((m.to[0], m.subject) for m in mail.outbox)
    expected = sorted((m.person.email, SUBJECTS[m.person.preferred_language]) for m in members)
    assert received == expected  # each member once, in their language
    assert NewsletterDelivery.objects.filter(newsletter=newsletter).count() == 10
    assert OutboxEmail.objects.count() == 10


def test_the_archive_shows_the_members_version(client):
    newsletter = make_newsletter(subject="News", body="Hello **all**.", versions=four_versions())
    newsletters.start_sending(newsletter=newsletter)
    reader = make_member(email="leitora@example.org")
    reader.person.user.language = "pt"
    reader.person.user.save()
    client.force_login(reader.person.user)
    archive = client.get(reverse("network:newsletter_archive")).content.decode()
    assert "News (PT)" in archive
    read = client.get(reverse("network:newsletter_read", args=[newsletter.pk])).content.decode()
    assert "News (PT)" in read and "Olá a <strong>todos</strong>." in read
    reader.person.user.language = "en"
    reader.person.user.save()
    read = client.get(reverse("network:newsletter_read", args=[newsletter.pk])).content.decode()
    assert "Hello <strong>all</strong>." in read and "(PT)" not in read


def test_the_archive_runs_a_constant_number_of_queries_with_versions(
    client, django_assert_max_num_queries
):
    reader = make_member(email="lectrice@example.org")
    reader.person.user.language = "fr"
    reader.person.user.save()
    client.force_login(reader.person.user)
    url = reverse("network:newsletter_archive")

    def sent(n: int, prefix: str) -> None:
        for i in range(n):
            letter = make_newsletter(subject=f"{prefix}{i}", versions=four_versions(f"{prefix}{i}"))
            newsletters.start_sending(newsletter=letter)

    sent(2, "a")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        assert "a1 (FR)" in client.get(url).content.decode()
    sent(8, "b")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "b7 (FR)" in client.get(url).content.decode()


def test_staff_write_versions_and_preview_each(staff_client):
    make_member(email="fr@example.org", first_name="Amélie", newsletter=True)
    NewsletterVersion.objects.all().delete()
    response = staff_client.post(reverse("network:staff_newsletter_create"), {
        "subject": "News", "body": "Hello", "audience": "all",
        "heading_fr": "Nouvelles", "body_fr": "Bonjour **à tous**",
        "heading_pt": "Notícias", "body_pt": "",
    })  # fmt: skip
    assert response.status_code == 200  # the Portuguese version lacks its text
    assert "Write this language" in response.content.decode()
    response = staff_client.post(reverse("network:staff_newsletter_create"), {
        "subject": "News", "body": "Hello", "audience": "all",
        "heading_fr": "Nouvelles", "body_fr": "Bonjour **à tous**",
    })  # fmt: skip
    newsletter = Newsletter.objects.get()
    assert response.status_code == 302
    url = reverse("network:staff_newsletter_preview", args=[newsletter.pk])
    english = staff_client.get(url).content.decode()
    assert "Hello" in english and "?language=fr" in english
    french = staff_client.get(url, {"language": "fr"}).content.decode()
    assert "Nouvelles" in french and "Bonjour <strong>à tous</strong>" in french
    assert "Bonjour Amina," in french  # the sample reader, greeted in French
    # A language without a version shows English.
    assert "Hello" in staff_client.get(url, {"language": "pt"}).content.decode()
    edit = staff_client.get(reverse("network:staff_newsletter_edit", args=[newsletter.pk]))
    assert 'value="Nouvelles"' in edit.content.decode()


# --- Activities ------------------------------------------------------------------------------


ACTIVITY_VERSIONS = (
    Version("fr", "Rencontre des anciens à Nairobi", "Venez **rencontrer** les autres."),
    Version("pt", "Encontro de antigos em Nairobi", "Venha **conhecer** os outros."),
)


def test_members_see_the_activity_in_their_language(client):
    activity = make_activity(versions=ACTIVITY_VERSIONS)
    reader = make_member(email="leitor@example.org")
    reader.person.user.language = "pt"
    reader.person.user.save()
    client.force_login(reader.person.user)
    listing = client.get(reverse("network:activities")).content.decode()
    assert "Encontro de antigos em Nairobi" in listing
    page = client.get(reverse("network:activity", args=[activity.pk])).content.decode()
    assert "Encontro de antigos em Nairobi" in page and "<strong>conhecer</strong>" in page
    reader.person.user.language = "es"  # no Spanish version: English
    reader.person.user.save()
    page = client.get(reverse("network:activity", args=[activity.pk])).content.decode()
    assert "Alumni meeting in Nairobi" in page


def test_activity_emails_and_the_announcement_are_in_the_members_language(settings):
    settings.NEWSLETTER_CHUNK_SIZE = 50
    french = make_member(email="fr@example.org", newsletter=True)
    french.person.preferred_language = "fr"
    french.person.save()
    english = make_member(email="en@example.org", newsletter=True)
    draft = make_activity(publish=False, versions=ACTIVITY_VERSIONS)
    announcement = activities.publish_activity(activity=draft, by=None)
    assert set(announcement.versions.values_list("language", flat=True)) == {"fr", "pt"}
    newsletters.send_chunk(newsletter_id=announcement.pk, chunk=0)
    copies = OutboxEmail.objects.filter(idempotency_key__startswith="newsletter:")
    to_fr = copies.get(to_email="fr@example.org")
    assert to_fr.subject == "Rencontre des anciens à Nairobi"
    assert "Venez **rencontrer** les autres." in to_fr.body_text
    to_en = copies.get(to_email="en@example.org")
    assert to_en.subject == "Alumni meeting in Nairobi"
    activities.rsvp(activity=draft, member=french)
    activities.rsvp(activity=draft, member=english)
    confirm_fr = OutboxEmail.objects.filter(to_email="fr@example.org").latest("pk")
    assert "Rencontre des anciens à Nairobi" in confirm_fr.body_text
    confirm_en = OutboxEmail.objects.filter(to_email="en@example.org").latest("pk")
    assert "Alumni meeting in Nairobi" in confirm_en.body_text


def test_staff_preview_an_activity_in_each_language(staff_client):
    activity = make_activity(publish=False, versions=ACTIVITY_VERSIONS)
    url = reverse("network:staff_activity_preview", args=[activity.pk])
    assert "Alumni meeting in Nairobi" in staff_client.get(url).content.decode()
    french = staff_client.get(url, {"language": "fr"}).content.decode()
    assert "Rencontre des anciens à Nairobi" in french and "?language=pt" in french
