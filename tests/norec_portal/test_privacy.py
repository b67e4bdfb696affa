"""Personal data of one person: export (JSON and PDF, staff page and command), erasure by
anonymisation that keeps the statistics, and the nightly retention job."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from network.models import (
    AccessToken,
    ConsentRecord,
    ContactChange,
    HistoricalImport,
    Invitation,
    InvitationRequest,
    Member,
)
from network.services import contact
from network.services.requests import RequestData, submit_invitation_request
from norec_portal import privacy as core_privacy
from norec_portal.models import AuditEntry, OutboxEmail, User
from norec_portal.settings import CELERY_BEAT_SCHEDULE
from partnerships import privacy
from partnerships.models import ContactPerson, Participant, ParticipantImport, Person
from tests.factories import ContactFactory, ParticipantFactory, PersonFactory
from tests.matrix.world import next_sunday
from tests.network.factories import make_alumnus_record, make_member
from tests.network.helpers import invite
from tests.trainings import factories as tf
from trainings import services as training_services
from trainings.models import Enrolment, SessionKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def mara(db):
    """A member with a login, a past exchange, contact history, an invitation, a link,
    emails sent to her and an invitation request."""
    member = make_member(email="mara@example.org", first_name="Mara", last_name="Okoth",
                         directory=True, newsletter=True, organisation="Kisumu Water")  # fmt: skip
    person = member.person
    Person.objects.filter(pk=person.pk).update(phone="+254712345678",
                                               date_of_birth=dt.date(1980, 5, 1))  # fmt: skip
    person.refresh_from_db()
    contact.update_contact_details(
        person=person, by=person.user, via=ContactChange.Via.MEMBER,
        details=contact.ContactDetails(first_name="Mara", last_name="Okoth-Were",
                                       phone="+254712345678", country="KE",
                                       organisation="Kisumu Water"),
    )  # fmt: skip
    contact.send_update_link(email="mara@example.org")
    submit_invitation_request(data=RequestData(first_name="Mara", last_name="Okoth",
                                               email="mara@example.org", country="KE"))  # fmt: skip
    person.refresh_from_db()
    return person


def section(data: dict, model: str) -> dict:
    return next(s for s in data["sections"] if s["model"] == model)


def test_export_holds_everything_about_the_person(mara, staff):
    data = privacy.export_person(person=mara, by=staff)
    models = {s["model"] for s in data["sections"]}
    assert {
        "partnerships.Person", "partnerships.Participant", "network.Member",
        "network.ConsentRecord", "network.ContactChange", "network.AccessToken",
        "network.InvitationRequest", "norec_portal.User", "norec_portal.OutboxEmail",
        "account.EmailAddress", "norec_portal.AuditEntry",
    } <= models  # fmt: skip
    record = section(data, "partnerships.Person")["records"][0]
    assert (record["email"], record["last_name"], record["date_of_birth"]) == (
        "mara@example.org", "Okoth-Were", "1980-05-01"
    )  # fmt: skip
    assert section(data, "network.Member")["records"][0]["organisation"] == "Kisumu Water"
    consents = section(data, "network.ConsentRecord")["records"]
    assert {(c["kind"], c["granted"]) for c in consents} >= {("Receives the newsletter", True)}
    assert "token_hash" not in json.dumps(data)  # links are listed, never their secret
    export = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).get()
    assert (export.actor, export.object_id) == (staff, mara.pk)


def test_export_includes_enrolments(staff, partnership):
    sunday = next_sunday(56)
    t1 = tf.make_week(starts_on=sunday).sessions.get(kind=SessionKind.TRAINING_1, group=1)
    participant = tf.participant_for(sunday, partnership=partnership)
    training_services.enrol(session=t1, person=participant.person, by=staff)
    data = privacy.export_person(person=participant.person, by=staff)
    assert section(data, "trainings.Enrolment")["records"][0]["state"] == "Nominated"
    # The staff member's own export lists what their login did.
    own = privacy.export_person(person=PersonFactory(user=staff), by=staff)
    assert section(own, "trainings.Enrolment")["records"][0]["as"] == "nominated by"


def test_staff_downloads_json_and_a_readable_pdf(staff_client, mara):
    url = reverse("partnerships:staff_person_export", args=[mara.pk])
    assert "Download a readable PDF" in staff_client.get(url).content.decode()
    response = staff_client.post(url, {"format": "json"})
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["subject"]["person_id"] == mara.pk
    pdf = staff_client.post(url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Mara Okoth-Were" in text
    assert "mara@example.org" in text
    assert "Consent given and withdrawn" in text
    assert staff_client.post(url, {"format": "xml"}).status_code == 400


def test_export_command_writes_json_and_pdf(mara, tmp_path):
    out = io.StringIO()
    call_command("export_person", str(mara.pk), stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["subject"]["person_id"] == mara.pk
    target = tmp_path / "mara.pdf"
    call_command("export_person", str(mara.pk), "--format", "pdf", "--output", str(target),
                 stderr=io.StringIO())  # fmt: skip
    assert target.read_bytes().startswith(b"%PDF")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor=None).count() == 2


# --- Erasure ---------------------------------------------------------------------------------


def test_anonymising_erases_the_person_and_keeps_the_statistics(mara, staff):
    user_id = mara.user_id
    member = Member.objects.get(person=mara)
    invitation = Invitation.objects.create(person=mara, source="request", email=mara.email,
                                           state="accepted", sent_at=timezone.now(),
                                           expires_at=timezone.now())  # fmt: skip
    ledger_before = ConsentRecord.objects.filter(member=member).count()

    privacy.anonymise_person(person=mara, by=staff)

    mara.refresh_from_db()
    assert mara.first_name == "Anonymised" and "Okoth" not in mara.full_name
    assert (mara.email, mara.phone, mara.date_of_birth, mara.user_id) == ("", "", None, None)
    assert mara.country == "KE" and mara.anonymised_at is not None
    assert not User.objects.filter(pk=user_id).exists()
    assert Participant.objects.filter(person=mara).count() == 1  # statistics stay
    member.refresh_from_db()
    assert (member.organisation, member.directory_consent, member.newsletter_consent) == (
        "", False, False
    )  # fmt: skip
    ledger = ConsentRecord.objects.filter(member=member)
    assert ledger.count() == ledger_before + 2  # the withdrawals are appended
    assert not ledger.filter(recorded_by_id=user_id).exists()
    assert not ContactChange.objects.filter(person=mara).exclude(old_value="", new_value="")
    assert not AccessToken.objects.filter(person=mara).exists()
    assert not InvitationRequest.objects.filter(email="mara@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.state == "accepted" and "mara" not in invitation.email
    assert not OutboxEmail.objects.filter(to_email="mara@example.org").exists()
    assert OutboxEmail.objects.filter(to_email__endswith="anonymised.invalid").exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ANONYMISE)
    assert (entry.actor, entry.object_id) == (staff, mara.pk)
    assert "email" in entry.changed_fields
    # The audit log names fields, never values: no trace of her anywhere in it.
    for row in AuditEntry.objects.values_list("changed_fields", "summary"):
        assert "mara" not in str(row).lower() and "okoth" not in str(row).lower()
    with pytest.raises(ValidationError, match="already been anonymised"):
        privacy.anonymise_person(person=mara, by=staff)


def test_anonymising_keeps_enrolments_without_the_reason(staff, partnership):
    sunday = next_sunday(56)
    t1 = tf.make_week(starts_on=sunday).sessions.get(kind=SessionKind.TRAINING_1, group=1)
    participant = tf.participant_for(sunday, partnership=partnership)
    enrolment = training_services.enrol(session=t1, person=participant.person, by=staff)
    with pytest.raises(ValidationError, match="current exchange"):
        privacy.anonymise_person(person=participant.person, by=staff)
    Participant.objects.filter(pk=participant.pk).update(status="withdrawn")
    with pytest.raises(ValidationError, match="cancel that enrolment first"):
        privacy.anonymise_person(person=participant.person, by=staff)
    training_services.cancel_enrolment(enrolment=enrolment, by=staff, reason="Family reasons")
    privacy.anonymise_person(person=participant.person, by=staff)
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    assert enrolment.state == "cancelled" and enrolment.cancellation_reason == ""


def test_staff_logins_are_not_anonymised_here(staff):
    person = PersonFactory(user=staff, email=staff.email)
    assert privacy.check_anonymise(person)
    with pytest.raises(ValidationError, match="staff"):
        privacy.anonymise_person(person=person, by=staff)


def test_staff_page_asks_for_confirmation(staff_client, mara):
    url = reverse("partnerships:staff_person_anonymise", args=[mara.pk])
    back = reverse("network:staff_person", args=[mara.pk])
    page = staff_client.get(url, {"next": back})
    assert "This cannot be undone." in page.content.decode()
    refused = staff_client.post(url, {"next": back})
    assert refused.status_code == 200
    mara.refresh_from_db()
    assert mara.anonymised_at is None
    done = staff_client.post(url, {"next": back, "confirm": "on"})
    assert done["Location"] == back
    mara.refresh_from_db()
    assert mara.anonymised_at is not None
    offsite = staff_client.post(
        reverse("partnerships:staff_person_anonymise", args=[PersonFactory().pk]),
        {"next": "https://evil.example/", "confirm": "on"},
    )
    assert offsite["Location"] == reverse("partnerships:staff_participants")


def test_person_page_offers_export_and_erasure(staff_client, mara):
    html = staff_client.get(reverse("network:staff_person", args=[mara.pk])).content.decode()
    assert reverse("partnerships:staff_person_export", args=[mara.pk]) in html
    assert reverse("partnerships:staff_person_anonymise", args=[mara.pk]) in html


# --- Retention -------------------------------------------------------------------------------


def age(person: Person, years: int) -> None:
    then = timezone.now() - dt.timedelta(days=365 * years)
    Person.objects.filter(pk=person.pk).update(created_at=then, updated_at=then)
    Participant.objects.filter(person=person).update(created_at=then, updated_at=then)


def test_retention_anonymises_the_inactive_and_is_idempotent(settings):
    settings.PRIVACY_INACTIVE_YEARS = 6
    old = make_alumnus_record("Old", "Timer", email="old@example.org", year=1990)
    recent = make_alumnus_record("New", "Comer", email="new@example.org", year=1990)
    member = make_member(email="member@example.org").person
    contact_person = ContactFactory(person=PersonFactory(email="contact@example.org")).person
    invited = make_alumnus_record("Invited", "Lately", email="invited@example.org")
    for person in (old, member, contact_person, invited):
        age(person, 7)
    invite(invited)  # an invitation this year is activity

    first = core_privacy.apply_retention()

    assert first["partnerships.people_anonymised"] == 1
    anonymised = set(
        Person.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == {old.pk}
    assert recent.pk not in anonymised and member.pk not in anonymised
    assert ContactPerson.objects.filter(person=contact_person, active=True).exists()
    second = core_privacy.apply_retention()
    assert second["partnerships.people_anonymised"] == 0
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ANONYMISE).count() == 1


def test_retention_purges_expired_links_and_old_import_rows(settings, coordinator, org_a):
    person = make_alumnus_record("Link", "Holder", email="link@example.org")
    contact.send_update_link(email="link@example.org")
    long_ago = timezone.now() - dt.timedelta(days=200)
    AccessToken.objects.update(created_at=long_ago - dt.timedelta(days=1), expires_at=long_ago)
    ParticipantImport.objects.create(organisation=org_a, original_filename="a.csv",
                                     file_format="csv", rows=[{"row": 2, "values": {"x": "y"}}],
                                     row_count=1, created_at=long_ago)  # fmt: skip
    batch = HistoricalImport.objects.create(filename="h.csv", rows=[{"row": 2}], summary={},
                                            created_at=long_ago)  # fmt: skip

    report = core_privacy.apply_retention()

    assert report["network.access_links_deleted"] == 1
    assert report["partnerships.import_rows_purged"] == 1
    assert report["network.import_rows_purged"] == 1
    assert not AccessToken.objects.filter(person=person).exists()
    assert ParticipantImport.objects.get().rows == []
    batch.refresh_from_db()
    assert (batch.rows, batch.status) == ([], HistoricalImport.Status.DISCARDED)
    again = core_privacy.apply_retention()
    assert again["network.access_links_deleted"] == again["network.import_rows_purged"] == 0


def test_retention_runs_nightly_on_beat():
    from norec_portal.celery import app

    app.loader.import_default_modules()  # what a worker does at start: find every app's tasks
    entry = CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert entry["task"] == "norec_portal.tasks.apply_retention"
    assert entry["task"] in app.tasks


def test_participant_factory_people_are_kept_while_on_exchange():
    participant = ParticipantFactory()
    age(participant.person, 10)
    assert participant.person not in privacy.inactive_people(timezone.now())
