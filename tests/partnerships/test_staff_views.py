from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from norec_portal.models import OutboxEmail, Role, User
from partnerships.models import ContactPerson, Participant, Person
from partnerships.portal_access import grant_portal_access
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartnershipFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        assert response.status_code == 200
    return len(ctx)


def grow(n: int) -> None:
    for _ in range(n):
        partnership = PartnershipFactory()
        org = partnership.members.first().organisation
        ContactFactory(organisation=org)
        ParticipantFactory(partnership=partnership)


@pytest.mark.parametrize(
    "url_name",
    ["staff_partnerships", "staff_organisations", "staff_participants"],
)
def test_staff_lists_run_constant_queries(staff_client, url_name):
    url = reverse(f"partnerships:{url_name}")
    grow(10)
    small = count_queries(staff_client, url)
    grow(190)
    assert count_queries(staff_client, url) == small
    assert small <= 12


def test_partnership_page_runs_constant_queries(staff_client, partnership):
    url = reverse("partnerships:staff_partnership", args=[partnership.pk])
    ParticipantFactory.create_batch(3, partnership=partnership)
    ContactFactory(organisation=partnership.members.first().organisation, role="manager")
    small = count_queries(staff_client, url)
    ParticipantFactory.create_batch(30, partnership=partnership)
    for member in partnership.members.all():
        ContactFactory.create_batch(3, organisation=member.organisation, role="manager")
    assert count_queries(staff_client, url) == small


def test_partnership_list_filters_and_search(staff_client, staff):
    kenya = PartnershipFactory(name="Rift Valley Schools", adviser=staff)
    nepal = PartnershipFactory(
        name="Himalaya Health", phase="feasibility",
        members=[OrganisationFactory(country="NP"), OrganisationFactory(country="BD")],
    )  # fmt: skip
    url = reverse("partnerships:staff_partnerships")

    def names(params):
        return [p.name for p in staff_client.get(url, params).context["page_obj"]]

    assert names({"country": "NP"}) == ["Himalaya Health"]
    assert names({"phase": "feasibility"}) == ["Himalaya Health"]
    assert names({"adviser": staff.pk}) == ["Rift Valley Schools"]
    assert names({"q": "rift"}) == ["Rift Valley Schools"]
    assert set(names({})) == {kenya.name, nepal.name}
    assert names({"phase": "nonsense"}) == sorted([kenya.name, nepal.name])  # ignored filter


def test_lists_paginate(staff_client):
    for i in range(30):
        OrganisationFactory(name=f"Org {i:02d}")
    url = reverse("partnerships:staff_organisations")
    first = staff_client.get(url)
    assert len(first.context["page_obj"]) == 25
    second = staff_client.get(url, {"page": 2})
    assert len(second.context["page_obj"]) == 5
    assert staff_client.get(url, {"page": "999"}).status_code == 200


def test_staff_create_a_partnership(staff_client, staff):
    a, b = OrganisationFactory(), OrganisationFactory(country="NP")
    url = reverse("partnerships:staff_partnership_create")
    response = staff_client.post(
        url,
        {"name": "Mountains and Lakes", "programme": "south_south", "adviser": staff.pk,
         "lead": a.pk, "partners": [b.pk], "feasibility_since": "2026-10-01"},
    )  # fmt: skip
    assert response.status_code == 302
    bad = staff_client.post(
        url,
        {"name": "Again", "programme": "youth", "lead": a.pk, "partners": [a.pk],
         "feasibility_since": "2026-10-01"},
    )  # fmt: skip
    assert "already a member" in " ".join(bad.context["form"].errors["partners"])


def test_grant_portal_access_creates_a_coordinator_login(staff_client, org_a):
    person = PersonFactory(email="new.coord@example.org", first_name="Neema", last_name="Ally")
    contact = ContactFactory(person=person, organisation=org_a)
    url = reverse("partnerships:staff_contact_access", args=[contact.pk])
    response = staff_client.post(url)
    assert response.status_code == 302
    user = User.objects.get(email="new.coord@example.org")
    assert user.role == Role.COORDINATOR and not user.has_usable_password()
    person.refresh_from_db()
    assert person.user == user
    mail = OutboxEmail.objects.get(to_email="new.coord@example.org")
    assert "/accounts/password/reset/key/" in mail.body_text
    assert org_a.name in mail.body_text
    # The new coordinator reaches their organisation.
    staff_client.force_login(user)
    assert staff_client.get(reverse("partnerships:coordinator_dashboard")).status_code == 200


def test_portal_access_is_refused_for_other_roles(staff, org_a):
    alumnus = UserFactory(email="alum@example.org")
    person = PersonFactory(email="alum@example.org")
    manager = ContactFactory(person=person, organisation=org_a, role="manager")
    with pytest.raises(ValidationError, match="Only active coordinators"):
        grant_portal_access(contact=manager, by=staff)
    coordinator = ContactFactory(
        person=PersonFactory(email="alum2@example.org"), organisation=org_a
    )
    User.objects.filter(pk=alumnus.pk).update(email="alum2@example.org")
    with pytest.raises(ValidationError, match="already logs in as"):
        grant_portal_access(contact=coordinator, by=staff)


def test_coordinator_cannot_open_staff_partnership_pages(coordinator_client, partnership):
    for url in [
        reverse("partnerships:staff_partnerships"),
        reverse("partnerships:staff_partnership", args=[partnership.pk]),
        reverse("partnerships:staff_participants"),
    ]:
        assert coordinator_client.get(url).status_code == 403


# --- Database constraints ---------------------------------------------------------------


def test_exchange_must_end_after_start(partnership):
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipantFactory(
            partnership=partnership,
            exchange_start=dt.date(2027, 5, 1),
            exchange_end=dt.date(2027, 5, 1),
        )


def test_sending_and_host_differ(partnership, org_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipantFactory(
            partnership=partnership, sending_organisation=org_a, host_organisation=org_a
        )


def test_one_active_participation_per_person(partnership):
    first = ParticipantFactory(partnership=partnership)
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipantFactory(partnership=partnership, person=first.person)
    Participant.objects.filter(pk=first.pk).update(status="completed")
    ParticipantFactory(partnership=partnership, person=first.person)  # a later exchange is fine


def test_person_email_is_unique_whatever_the_case():
    PersonFactory(email="Same@Example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(first_name="A", last_name="B", email="same@EXAMPLE.org")
    Person.objects.create(first_name="No", last_name="Email", email="")
    Person.objects.create(first_name="Also no", last_name="Email", email="")


def test_one_active_coordinator_role_per_person(org_a, org_b):
    person = PersonFactory()
    ContactFactory(person=person, organisation=org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(person=person, organisation=org_b)
    ContactFactory(person=person, organisation=org_b, role=ContactPerson.Role.MANAGER)
