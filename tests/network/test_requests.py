"""“I never got an invitation”: the public form (same answer for anyone) and the staff
queue that suggests records, approves (address corrected, invitation sent) or rejects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from network.models import ContactChange, Invitation, InvitationRequest
from network.services import waves
from network.services.requests import RequestData, submit_invitation_request, suggest_matches
from norec_portal.models import OutboxEmail
from tests.network.factories import make_alumnus_record, make_member
from tests.network.helpers import last_email_to

pytestmark = pytest.mark.django_db

FORM = reverse("network:request_invitation")


def form_data(**overrides):
    data = {"first_name": "Mohamed", "last_name": "Hasan", "email": "mo.hasan@example.org",
            "country": "TZ", "exchange_year": "1995", "organisation": "Arusha Council",
            "message": "I was in Bergen."}  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def record(db):
    """The historical record, under another spelling and an old address."""
    return make_alumnus_record("Mohammed", "Hassan", country="TZ", email="old.mh@example.org",
                               year=1995)  # fmt: skip


def submit(**overrides) -> InvitationRequest:
    data = form_data(**overrides)
    data["exchange_year"] = int(data["exchange_year"]) if data["exchange_year"] else None
    return submit_invitation_request(data=RequestData(**data))


def test_the_form_answers_the_same_for_known_and_unknown_people(client, record):
    make_member(email="member@example.org")
    answers = [
        client.post(FORM, form_data(email=email))
        for email in ("old.mh@example.org", "member@example.org", "stranger@example.org")
    ]
    assert {(a.status_code, a.content, a["Location"]) for a in answers} == {
        (302, b"", reverse("network:request_invitation_sent"))
    }
    assert InvitationRequest.objects.filter(status="pending").count() == 3
    assert not OutboxEmail.objects.exists(), "the form itself mails nobody"


@pytest.mark.parametrize(
    "email", ["probe@localhost", "probe@[127.0.0.1]", '"<script>"@example.org']
)
def test_an_address_the_portal_cannot_write_to_is_said_on_the_form(client, email):
    """Django's email field lets these through; the portal's own check does not."""
    response = client.post(FORM, form_data(email=email))
    assert response.status_code == 200
    assert "is not a valid email address" in response.content.decode()
    assert response.context["form"].errors["email"]
    assert not InvitationRequest.objects.exists()


def test_the_form_is_rate_limited(client):
    for _attempt in range(3):
        assert client.post(FORM, form_data(email="same@example.org")).status_code == 302
    limited = client.post(FORM, form_data(email="same@example.org"), HTTP_ACCEPT_LANGUAGE="fr")
    assert limited.status_code == 429
    assert "Trop de tentatives" in limited.content.decode()


def test_a_second_request_from_the_same_address_updates_the_first(db):
    first = submit(message="first")
    second = submit(message="second", email="MO.HASAN@example.org")
    assert first.pk == second.pk
    assert InvitationRequest.objects.get().message == "second"


def test_staff_queue_suggests_the_record_under_another_spelling(record):
    request = submit()
    matches = suggest_matches(request=request)
    assert matches and matches[0].person == record
    assert "similar name" in matches[0].reasons and "same country" in matches[0].reasons


def test_approving_corrects_the_address_and_sends_the_invitation(staff_client, record, staff):
    request = submit()
    url = reverse("network:staff_request", args=[request.pk])
    page = staff_client.get(url)
    assert page.status_code == 200 and "Mohammed Hassan" in page.content.decode()
    response = staff_client.post(url, {"decision": "approve", "person": record.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    record.refresh_from_db()
    assert (request.status, request.person, request.decided_by) == ("approved", record, staff)
    assert record.email == "mo.hasan@example.org"
    assert ContactChange.objects.filter(person=record, field="email",
                                        via=ContactChange.Via.REQUEST).exists()  # fmt: skip
    invitation = Invitation.objects.get(person=record)
    assert (invitation.state, invitation.source) == ("sent", "request")
    assert "/network/join/" in last_email_to("mo.hasan@example.org").body_text


def test_approving_someone_whose_invitation_bounced_resends_the_same_invitation(staff, record):
    first = waves.invite_person(person=record, email=record.email, by=None, via="staff")
    OutboxEmail.objects.filter(pk=first.last_email_id).update(state="failed")
    waves.sync_invitation_outcomes()
    from network.services.requests import approve_request

    approve_request(request=submit(), person=record, by=staff)
    assert Invitation.objects.filter(person=record).count() == 1
    first.refresh_from_db()
    assert (first.state, first.email, first.send_count) == ("sent", "mo.hasan@example.org", 2)


def test_a_record_typed_by_number_can_be_approved(staff_client):
    other = make_alumnus_record("Completely", "Different", country="KE", email="")
    request = submit()
    url = reverse("network:staff_request", args=[request.pk])
    staff_client.post(url, {"decision": "approve", "other_person": other.pk})
    request.refresh_from_db()
    assert request.person == other and request.status == "approved"


def test_rejecting_needs_a_reason_and_tells_the_person(staff_client):
    request = submit()
    url = reverse("network:staff_request", args=[request.pk])
    response = staff_client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == "pending"
    reason = "We found no exchange under this name; send us your host."
    staff_client.post(url, {"decision": "reject", "reason": reason})
    request.refresh_from_db()
    assert request.status == "rejected"
    assert "no exchange under this name" in last_email_to("mo.hasan@example.org").body_text


def test_a_member_cannot_be_approved_again(staff_client):
    member = make_member(email="member@example.org", first_name="Mohamed", last_name="Hasan")
    request = submit()
    url = reverse("network:staff_request", args=[request.pk])
    response = staff_client.post(url, {"decision": "approve", "other_person": member.person.pk},
                                 follow=True)  # fmt: skip
    assert "already a member" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"
