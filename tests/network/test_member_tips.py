"""A member tells Norec about a former participant who was never invited: the tip lands in
the request queue matched to the likely record, and the member learns nothing about it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from network.models import Invitation, InvitationRequest
from network.services import requests as invitation_requests
from network.services.requests import RequestData
from tests.network.factories import make_alumnus_record

pytestmark = pytest.mark.django_db

URL = reverse("network:member_tip")


def tip(member_client, **data):
    form = {"first_name": "Joseph", "last_name": "Otieno", "country": "KE",
            "exchange_year": "1998", "email": "", "organisation": "", "message": ""}  # fmt: skip
    form.update(data)
    return member_client.post(URL, form)


def test_a_tip_is_matched_to_the_record_that_stands_out(member_client, member):
    joseph = make_alumnus_record("Joseph", "Otieno", country="KE", email="", year=1998)
    make_alumnus_record("Joseph", "Otieno", country="KE", email="", year=2015)  # a namesake
    response = tip(member_client)
    assert response.status_code == 302
    assert response["Location"] == reverse("network:member_tip_sent")
    item = InvitationRequest.objects.get()
    assert item.tipped_by == member and item.email == "" and item.status == "pending"
    assert item.person == joseph


def test_a_tip_with_two_equal_candidates_is_left_for_staff(member_client):
    make_alumnus_record("Joseph", "Otieno", country="KE", email="", year=1998)
    make_alumnus_record("Joseph", "Otieno", country="KE", email="", year=1998)
    tip(member_client)
    assert InvitationRequest.objects.get().person is None


def test_the_member_sees_the_same_answer_whatever_the_records_hold(member_client):
    make_alumnus_record("Joseph", "Otieno", country="KE", email="j@example.org", year=1998)
    known = tip(member_client)
    unknown = tip(member_client, first_name="Nobody", last_name="Atall", country="NP")
    assert known["Location"] == unknown["Location"]
    page = member_client.get(known["Location"]).content.decode()
    assert "Otieno" not in page and "j@example.org" not in page


def test_the_form_says_what_is_missing(member_client):
    response = tip(member_client, first_name="", country="")
    assert response.status_code == 200
    form = response.context["form"]
    assert "first_name" in form.errors and "country" in form.errors
    assert not InvitationRequest.objects.exists()


def test_approving_a_tip_invites_at_the_records_address_and_rejecting_writes_to_nobody(
    member, staff
):
    joseph = make_alumnus_record("Joseph", "Otieno", country="KE", email="jo@example.org",
                                 year=1998)  # fmt: skip
    data = RequestData(first_name="Joseph", last_name="Otieno", email="", country="KE",
                       exchange_year=1998)  # fmt: skip
    item = invitation_requests.submit_member_tip(member=member, data=data)
    invitation_requests.approve_request(request=item, person=joseph, by=staff)
    assert Invitation.objects.get(person=joseph).email == "jo@example.org"

    other = invitation_requests.submit_member_tip(
        member=member, data=RequestData(first_name="Ann", last_name="Other", email="ann@x.org")
    )
    mail.outbox.clear()
    invitation_requests.reject_request(request=other, reason="Not a participant", by=staff)
    assert mail.outbox == []


def test_a_tip_without_any_address_cannot_be_approved(member, staff):
    grace = make_alumnus_record("Grace", "Tembo", country="ZM", email="", year=2007)
    item = invitation_requests.submit_member_tip(
        member=member,
        data=RequestData(
            first_name="Grace", last_name="Tembo", email="", country="ZM"
        ),  # fmt: skip
    )
    with pytest.raises(ValidationError, match="address to invite"):
        invitation_requests.approve_request(request=item, person=grace, by=staff)
    assert not Invitation.objects.exists()


def test_asking_for_oneself_still_needs_an_address(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        InvitationRequest.objects.create(first_name="A", last_name="B", email="")


def test_visitors_are_sent_to_log_in(client):
    assert client.get(URL).status_code == 302


def test_coordinators_do_not_reach_the_tip_form(coordinator_client):
    assert coordinator_client.get(URL).status_code == 403
