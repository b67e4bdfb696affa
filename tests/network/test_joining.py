"""Joining from an invitation link, and the link's rules: signed (a random token whose
hash only is stored), bound to person and address, expiring, single use, GET never uses
it, and it leaves the URL after the first visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from network.consent import WORDINGS
from network.models import AccessToken, ConsentKind, ConsentRecord, Invitation, Member
from network.services import contact, waves
from norec_portal.models import Role, User
from tests.factories import UserFactory
from tests.network.factories import make_alumnus_record
from tests.network.helpers import invite, last_email_to, link_in

pytestmark = pytest.mark.django_db

JOIN = reverse("network:join")
PASSWORD = "a long enough passphrase 42"


def join_data(**overrides):
    data = {
        "first_name": "Achieng", "last_name": "Odhiambo", "email": "achieng@example.org",
        "password1": PASSWORD, "password2": PASSWORD, "organisation": "Kisumu Water",
        "position": "Engineer", "country": "KE", "directory_consent": "on",
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def alum(db):
    return make_alumnus_record("Achieng", "Odhiambo", email="achieng@example.org")


@pytest.fixture
def invited(alum):
    return invite(alum)


def test_first_get_moves_the_token_out_of_the_url(client, invited):
    _invitation, token = invited
    response = client.get(reverse("network:join_link", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == JOIN
    assert token not in response["Location"]
    page = client.get(JOIN)
    assert page.status_code == 200
    assert b"Achieng" in page.content
    assert token.encode() not in page.content


def test_two_gets_then_one_post_joins_once(client, invited, alum):
    invitation, token = invited
    for _ in range(2):
        assert client.get(reverse("network:join_link", args=[token])).status_code == 302
        assert client.get(JOIN).status_code == 200
    assert AccessToken.objects.get(invitation=invitation).used_at is None, "a GET used the link"

    response = client.post(JOIN, join_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("network:member_home")

    user = User.objects.get(email="achieng@example.org")
    assert user.role == Role.ALUMNUS and user.check_password(PASSWORD)
    assert client.get(reverse("network:member_home")).status_code == 200  # logged in
    member = Member.objects.get(person=alum)
    assert member.person.user == user
    assert member.organisation == "Kisumu Water" and member.position == "Engineer"
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED and invitation.accepted_at
    assert AccessToken.objects.get(invitation=invitation).used_at is not None

    # The same session posts again: the link is used up, nothing more is created.
    again = client.post(JOIN, join_data())
    assert again.status_code == 400
    assert User.objects.filter(email="achieng@example.org").count() == 1


def test_invited_address_is_verified_and_consent_is_recorded_with_wording(client, invited):
    _invitation, token = invited
    client.get(reverse("network:join_link", args=[token]))
    before = timezone.now()
    client.post(JOIN, join_data())
    user = User.objects.get(email="achieng@example.org")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("achieng@example.org", True,
                                                                   True)  # fmt: skip
    member = Member.objects.get(person__user=user)
    assert member.directory_consent is True and member.newsletter_consent is False
    assert member.directory_consent_version == WORDINGS[ConsentKind.DIRECTORY].version
    assert member.directory_consent_at >= before
    records = {r.kind: r for r in ConsentRecord.objects.filter(member=member)}
    assert records[ConsentKind.DIRECTORY].granted is True
    assert records[ConsentKind.NEWSLETTER].granted is False  # a "no" is recorded too
    assert str(WORDINGS[ConsentKind.NEWSLETTER].text) in records[ConsentKind.NEWSLETTER].wording
    # The new login works through allauth's own login page, no verification step.
    client.logout()
    client.post(reverse("account_login"), {"login": "achieng@example.org", "password": PASSWORD})
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("home"))["Location"] == reverse("network:member_home")


def test_another_address_is_used_only_once_confirmed(client, invited):
    _invitation, token = invited
    client.get(reverse("network:join_link", args=[token]))
    response = client.post(JOIN, join_data(email="new.address@example.org"))
    assert response.status_code == 302
    user = User.objects.get(person__first_name="Achieng")
    assert user.email == "achieng@example.org"  # the invited, verified one for now
    confirmation = last_email_to("new.address@example.org")
    assert confirmation is not None and "confirm" in confirmation.subject.lower()
    contact.confirm_email_change(raw_token=link_in(confirmation, "confirm-email"))
    user.refresh_from_db()
    assert user.email == "new.address@example.org"
    assert EmailAddress.objects.get(user=user).email == "new.address@example.org"


def test_tampered_token_opens_nothing(client, invited):
    _invitation, token = invited
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.get(reverse("network:join_link", args=[tampered]))
    assert response.status_code == 400
    assert client.get(JOIN).status_code == 400


def test_expired_token_opens_nothing(client, invited):
    invitation, token = invited
    later = invitation.expires_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert client.get(reverse("network:join_link", args=[token])).status_code == 400
        assert waves.expire_invitations() == 1
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.EXPIRED


def test_link_that_expires_between_get_and_post_does_not_join(client, invited):
    invitation, token = invited
    client.get(reverse("network:join_link", args=[token]))
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1), tick=False):
        response = client.post(JOIN, join_data())
    assert response.status_code == 400
    assert not Member.objects.exists()


def test_reused_token_from_another_browser(client, invited, django_user_model):
    _invitation, token = invited
    client.get(reverse("network:join_link", args=[token]))
    client.post(JOIN, join_data())
    client.logout()
    assert client.get(reverse("network:join_link", args=[token])).status_code == 400


def test_invitation_token_on_the_contact_form_is_refused(client, invited):
    _invitation, token = invited
    assert client.get(reverse("network:contact_link", args=[token])).status_code == 400
    assert client.get(reverse("network:email_confirm_link", args=[token])).status_code == 400


def test_contact_token_on_the_join_page_is_refused(client, alum):
    assert contact.send_update_link(email=alum.email)
    token = link_in(last_email_to(alum.email), "update-details")
    assert client.get(reverse("network:join_link", args=[token])).status_code == 400
    assert client.get(reverse("network:contact_link", args=[token])).status_code == 302


def test_resend_to_a_corrected_address_kills_the_old_link(client, invited, alum):
    invitation, old_token = invited
    invitation = waves.resend_invitation(invitation=invitation, email="right@example.org", by=None)
    assert client.get(reverse("network:join_link", args=[old_token])).status_code == 400
    new_token = link_in(last_email_to("right@example.org"))
    assert client.get(reverse("network:join_link", args=[new_token])).status_code == 302
    alum.refresh_from_db()
    assert alum.email == "right@example.org"
    assert alum.contact_changes.filter(field="email", old_value="achieng@example.org").exists()


def test_password_problems_are_shown_and_the_link_survives(client, invited):
    invitation, token = invited
    client.get(reverse("network:join_link", args=[token]))
    response = client.post(JOIN, join_data(password2="something else entirely"))
    assert response.status_code == 200
    assert "The two passwords differ." in response.content.decode()
    response = client.post(JOIN, join_data(password1="short", password2="short"))
    assert response.status_code == 200 and not Member.objects.exists()
    assert AccessToken.objects.get(invitation=invitation).used_at is None
    assert client.post(JOIN, join_data()).status_code == 302


def test_the_password_policy_is_the_settings_validators(client, invited, settings):
    """The join form states and applies AUTH_PASSWORD_VALIDATORS, whatever they say."""
    _invitation, token = invited
    settings.AUTH_PASSWORD_VALIDATORS = [{
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 14},
    }]  # fmt: skip
    client.get(reverse("network:join_link", args=[token]))
    page = client.get(JOIN).content.decode()
    assert "at least 14 characters" in page
    thirteen = "kisumu-wat3r!"
    response = client.post(JOIN, join_data(password1=thirteen, password2=thirteen))
    assert response.status_code == 200 and not Member.objects.exists()
    assert "at least 14 characters" in response.content.decode()


def test_existing_login_with_the_invited_address_is_told_to_log_in(client, invited):
    _invitation, token = invited
    UserFactory(email="achieng@example.org", role=Role.ALUMNUS)
    client.get(reverse("network:join_link", args=[token]))
    response = client.post(JOIN, join_data())
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not Member.objects.exists()
    assert AccessToken.objects.filter(used_at__isnull=True).exists(), "a failed join used the link"


def test_only_a_hash_of_the_token_is_stored(invited):
    _invitation, token = invited
    stored = AccessToken.objects.get()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
