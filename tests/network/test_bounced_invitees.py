"""The contact-data worklist includes people whose invitation bounced (not only members),
and the staff person page shows a bad address with its reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from network.models import Invitation
from network.services import bounces, waves
from norec_portal.models import OutboxEmail
from tests.network.factories import make_alumnus_record, make_member

pytestmark = pytest.mark.django_db

URL = "network:staff_data_quality"


@pytest.fixture
def bounced_invitee():
    person = make_alumnus_record("Kari", "Nordmann", email="kari@old-ministry.example.org")
    invitation = waves.invite_person(person=person, email=person.email, by=None, via="staff")
    OutboxEmail.objects.filter(pk=invitation.last_email_id).update(
        state=OutboxEmail.State.FAILED, last_error="550 5.1.1 mailbox unknown"
    )
    bounces.sync_delivery_failures()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.BOUNCED
    return person


def test_worklist_lists_bounced_invitees_with_the_reason(staff_client, bounced_invitee):
    make_member(email="bo@example.org", first_name="Bo", last_name="Unce")
    bounces.mark_address_bad(email="bo@example.org", source="smtp", reason="550 gone")
    make_member(email="fine@example.org", first_name="Fi", last_name="Ne")
    page = staff_client.get(reverse(URL)).content.decode()
    assert "Kari Nordmann" in page and "Bo Unce" in page and "Fi Ne" not in page
    assert "Invited, not a member" in page
    assert "550 5.1.1 mailbox unknown" in page
    only = staff_client.get(reverse(URL), {"problem": "invitation"}).content.decode()
    assert "Kari Nordmann" in only and "Bo Unce" not in only
    members = staff_client.get(reverse(URL), {"problem": "bounced"}).content.decode()
    assert "Kari Nordmann" not in members and "Bo Unce" in members


def test_a_bounce_known_only_from_the_invitation_shows_its_error(staff_client):
    """The outbox failure not yet turned into a bad address still says why."""
    person = make_alumnus_record("Ola", "Vik", email="ola@example.org")
    invitation = waves.invite_person(person=person, email=person.email, by=None, via="staff")
    OutboxEmail.objects.filter(pk=invitation.last_email_id).update(
        state=OutboxEmail.State.FAILED, last_error="554 rejected"
    )
    Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.BOUNCED)
    page = staff_client.get(reverse(URL)).content.decode()
    assert "Ola Vik" in page and "554 rejected" in page
    detail = staff_client.get(reverse("network:staff_person", args=[person.pk])).content.decode()
    assert "Bad address" in detail and "554 rejected" in detail


def test_person_page_shows_the_bad_address_and_its_reason(staff_client, bounced_invitee):
    page = staff_client.get(
        reverse("network:staff_person", args=[bounced_invitee.pk])
    ).content.decode()
    assert "Bounced" in page
    assert "550 5.1.1 mailbox unknown" in page
    assert "Bad address" in page


def test_an_accepted_invitee_is_not_listed_as_bounced(staff_client, bounced_invitee):
    """Once the person joined (a member), the members' rules apply instead."""
    make_member(email="kari@example.org", first_name="Kari", last_name="Joined")
    page = staff_client.get(reverse(URL), {"problem": "invitation"}).content.decode()
    assert "Kari Joined" not in page
