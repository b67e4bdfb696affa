"""Field-level injection: fields a form does not offer never stick.

Each test posts a valid form plus fields an attacker might add — ``is_staff``,
``is_superuser``, ``role``, an ``organisation``, another person's id — and checks that
only the offered fields changed, and only on the caller's own records.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from network.models import ConsentRecord, Member
from norec_portal.models import Role, User
from partnerships.models import Participant, Person
from tests.factories import ParticipantFactory, PersonFactory
from tests.matrix.world import next_sunday
from tests.network.factories import make_alumnus_record, make_member
from tests.network.helpers import invite
from tests.trainings import factories as tf
from trainings.models import Enrolment, EnrolmentState, SessionKind

pytestmark = pytest.mark.django_db


def injected(victim: Person, org) -> dict[str, object]:
    """Fields no form of the portal offers, pointing at someone else's records."""
    return {
        "is_staff": "on", "is_superuser": "on", "role": Role.STAFF, "is_active": "on",
        "organisation": org.pk, "sending_organisation": org.pk, "user": 1, "person": victim.pk,
        "person_id": victim.pk, "id": victim.pk, "pk": victim.pk, "member": victim.pk,
        "registered_by": 1, "status": "completed", "state": "confirmed", "anonymised_at": "x",
    }  # fmt: skip


def participant_form(partnership, host, **overrides) -> dict[str, object]:
    data = {
        "first_name": "Grace", "last_name": "Nakato", "email": "grace@example.org",
        "partnership": partnership.pk, "host_organisation": host.pk,
        "exchange_start": "2027-02-01", "exchange_end": "2027-12-15",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_participant_create_ignores_injected_fields(
    coordinator_client, coordinator, partnership, org_a, org_b
):
    victim = PersonFactory(first_name="Victor", last_name="Victim")
    data = {**participant_form(partnership, org_b), **injected(victim, org_b)}
    response = coordinator_client.post(reverse("partnerships:coordinator_participant_create"), data)
    assert response.status_code == 302
    participant = Participant.objects.get(person__email="grace@example.org")
    assert participant.sending_organisation == org_a  # the coordinator's, never the form's
    assert participant.status == Participant.Status.PLANNED
    assert participant.registered_by == coordinator
    assert participant.person.user is None
    assert participant.person.anonymised_at is None
    victim.refresh_from_db()
    assert (victim.first_name, victim.last_name) == ("Victor", "Victim")


def test_participant_edit_changes_only_that_participant(
    coordinator_client, partnership, org_a, org_b
):
    mine = ParticipantFactory(partnership=partnership)
    victim = PersonFactory(first_name="Victor", last_name="Victim", email="victor@example.org")
    data = {**participant_form(partnership, org_b, email=mine.person.email, first_name="Renamed"),
            **injected(victim, org_b)}  # fmt: skip
    url = reverse("partnerships:coordinator_participant_edit", args=[mine.pk])
    assert coordinator_client.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert mine.person.first_name == "Renamed"
    assert mine.sending_organisation == org_a
    assert mine.status == Participant.Status.PLANNED
    victim.refresh_from_db()
    assert (victim.first_name, victim.email) == ("Victor", "victor@example.org")
    assert not victim.participations.exists()


def test_account_settings_cannot_raise_a_role(alumnus_client, alumnus, staff):
    data = {"full_name": "New Name", "language": "fr", "email": staff.email, **injected(
        PersonFactory(), staff)}  # fmt: skip
    assert alumnus_client.post(reverse("account_settings"), data).status_code == 302
    alumnus.refresh_from_db()
    assert alumnus.full_name == "New Name"
    assert alumnus.role == Role.ALUMNUS
    assert not alumnus.is_superuser and not alumnus.is_staff
    assert alumnus.email == "alum@example.org"


def test_member_contact_details_change_only_the_member(client, org_b):
    member = make_member(email="mara@example.org", first_name="Mara", last_name="Member")
    victim = make_alumnus_record("Victor", "Victim", email="victor@example.org")
    client.force_login(member.person.user)
    data = {"first_name": "Mara", "last_name": "Changed", "email": "mara@example.org",
            "phone": "", "country": "KE", "organisation": "", "position": "",
            **injected(victim, org_b)}  # fmt: skip
    assert client.post(reverse("network:member_contact"), data).status_code == 302
    member.person.refresh_from_db()
    assert member.person.last_name == "Changed"
    victim.refresh_from_db()
    assert victim.last_name == "Victim"
    assert member.person.user.role == Role.ALUMNUS


def test_member_profile_form_cannot_set_consent_or_owner(client, org_b):
    member = make_member(email="mara@example.org", directory=False, newsletter=False)
    other = make_member(email="other@example.org", first_name="Olga")
    client.force_login(member.person.user)
    data = {"expertise": "water", "directory_consent": "on", "newsletter_consent": "on",
            **injected(other.person, org_b)}  # fmt: skip
    assert client.post(reverse("network:profile_edit"), data).status_code == 302
    member.refresh_from_db()
    assert [t.name for t in member.expertise.all()] == ["water"]
    assert not member.directory_consent and not member.newsletter_consent
    assert ConsentRecord.objects.filter(member=member).count() == 2  # only the joining ones
    assert not other.expertise.exists()
    assert Member.objects.get(pk=member.pk).person_id == member.person_id


def test_joining_never_makes_staff(client):
    alum = make_alumnus_record("Achieng", "Odhiambo", email="achieng@example.org")
    _invitation, token = invite(alum)
    client.get(reverse("network:join_link", args=[token]))
    password = "a long enough passphrase 42"
    data = {"first_name": "Achieng", "last_name": "Odhiambo", "email": "achieng@example.org",
            "password1": password, "password2": password, "country": "KE",
            **injected(PersonFactory(), alum)}  # fmt: skip
    assert client.post(reverse("network:join"), data).status_code == 302
    user = User.objects.get(email="achieng@example.org")
    assert user.role == Role.ALUMNUS
    assert not user.is_superuser and not user.is_staff


def test_nomination_ignores_injected_state_and_organisation(
    coordinator_client, coordinator, partnership, org_a, org_b
):
    sunday = next_sunday(56)
    week = tf.make_week(starts_on=sunday)
    t1 = week.sessions.get(kind=SessionKind.TRAINING_1, group=1)
    participant = tf.participant_for(sunday, partnership=partnership)
    data = {"people": participant.person.pk, "organisation": org_b.pk, "state": "confirmed",
            "requested_state": "confirmed", "nominated_by": 1, "kind": "partner"}  # fmt: skip
    url = reverse("trainings:coordinator_nominate", args=[t1.pk])
    assert coordinator_client.post(url, data).status_code == 302
    enrolment = Enrolment.objects.get(person=participant.person)
    assert enrolment.state == EnrolmentState.NOMINATED
    assert enrolment.organisation == org_a
    assert enrolment.nominated_by == coordinator
    assert enrolment.kind == SessionKind.TRAINING_1
