"""Finding 5 of the security review: a coordinator could learn that an email (or a name
and date of birth) belonged to another organisation's person. The message now names
nobody, and staff get the case in a queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partnerships.models import HeldRegistration, Participant, Person
from tests.factories import ParticipantFactory, PartnershipFactory, make_coordinator
from tests.partnerships.test_coordinator_portal import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_orgs_person(org_b):
    """Someone registered by organisation B, in a partnership A has nothing to do with."""
    elsewhere = PartnershipFactory(name="Elsewhere")
    return ParticipantFactory(
        partnership=elsewhere, sending_organisation=elsewhere.members.first().organisation,
        person__first_name="Zawadi", person__last_name="Secret",
        person__email="zawadi.secret@example.org", person__date_of_birth="1990-01-01",
    ).person  # fmt: skip


def assert_reveals_nothing(page: str, person: Person) -> None:
    assert "This person cannot be registered here" in page
    assert "Norec has been asked to check" in page
    # What was typed is shown back; nothing of the record it matched is.
    organisation = person.participations.get().sending_organisation.name
    for secret in (person.full_name, organisation, "already registered", "same date of birth"):
        assert secret not in page


def test_a_duplicate_email_reveals_nothing_and_is_held_for_staff(
    coordinator_client, coordinator, partnership, org_a, org_b, other_orgs_person
):
    url = reverse("partnerships:coordinator_participant_create")
    data = form_data(partnership, org_b, email="Zawadi.Secret@example.org")
    response = coordinator_client.post(url, data)
    assert response.status_code == 200
    assert_reveals_nothing(response.content.decode(), other_orgs_person)
    assert set(response.context["form"].errors) == {"__all__"}  # not even "email"
    held = HeldRegistration.objects.get()
    assert (held.organisation, held.person, held.reported_by, held.via) == (
        org_a,
        other_orgs_person,
        coordinator,
        HeldRegistration.Via.FORM,
    )
    coordinator_client.post(url, data)  # trying again opens no second case
    assert HeldRegistration.objects.count() == 1
    assert not Participant.objects.filter(sending_organisation=org_a).exists()


def test_a_duplicate_name_and_birth_date_reveals_nothing(
    coordinator_client, partnership, org_b, other_orgs_person
):
    data = form_data(partnership, org_b, first_name="Zawadi", last_name="Secret",
                     email="someone.else@example.org", date_of_birth="1990-01-01")  # fmt: skip
    response = coordinator_client.post(reverse("partnerships:coordinator_participant_create"), data)
    assert_reveals_nothing(response.content.decode(), other_orgs_person)
    assert HeldRegistration.objects.get().person == other_orgs_person


def test_changing_a_participant_into_someone_registered_is_held_too(
    coordinator_client, partnership, org_a, org_b, other_orgs_person
):
    own = ParticipantFactory(partnership=partnership)
    response = coordinator_client.post(
        reverse("partnerships:coordinator_participant_edit", args=[own.pk]),
        form_data(partnership, org_b, email="zawadi.secret@example.org"),
    )
    assert_reveals_nothing(response.content.decode(), other_orgs_person)
    held = HeldRegistration.objects.get()
    assert (held.person, held.via) == (other_orgs_person, HeldRegistration.Via.EDIT)


def test_staff_see_the_case_and_close_it(
    coordinator_client, staff, partnership, org_b, other_orgs_person
):
    coordinator_client.post(
        reverse("partnerships:coordinator_participant_create"),
        form_data(partnership, org_b, email="zawadi.secret@example.org"),
    )
    staff_client = coordinator_client  # the same test client, now logged in as staff
    staff_client.force_login(staff)
    queue = reverse("partnerships:staff_held_registrations")
    page = staff_client.get(queue).content.decode()
    assert "Zawadi Secret" in page and "zawadi.secret@example.org" in page
    assert (
        "Held registrations (1)"
        in staff_client.get(reverse("partnerships:staff_participants")).content.decode()
    )
    held = HeldRegistration.objects.get()
    response = staff_client.post(
        reverse("partnerships:staff_held_registration_close", args=[held.pk])
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.closed_at is not None and held.closed_by == staff
    assert "Zawadi Secret" not in staff_client.get(queue).content.decode()
    assert "Zawadi Secret" in staff_client.get(queue, {"closed": "1"}).content.decode()


def test_coordinators_cannot_open_the_queue(client, org_b):
    client.force_login(make_coordinator(org_b, email="b@example.org"))
    assert client.get(reverse("partnerships:staff_held_registrations")).status_code == 403
