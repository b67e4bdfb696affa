"""Finding 2 of the security review: a staff login without an authenticator was taken
over with its password alone (log in, add your own TOTP). Now the authenticator is set
up only from a one-time link sent to the verified address, and the owner hears of every
change to how they sign in."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone

from norec_portal.models import EnrolmentLink, OutboxEmail
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def emailed_link(to: str) -> str:
    body = OutboxEmail.objects.filter(to_email=to, idempotency_key__startswith="staff-enrolment:")
    text = body.latest("pk").body_text
    return re.search(r"https?://[^/\s]+(/accounts/enrolment/[^\s]+/)", text).group(1)


def request_link(client) -> str:
    assert client.post(reverse("staff_enrolment")).status_code == 302
    return emailed_link("newstaff@norec.no")


def test_the_password_alone_never_reaches_the_authenticator_setup(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    for url in (ACTIVATE, "/accounts/2fa/", "/accounts/2fa/recovery-codes/generate/",
                "/accounts/email/", "/staff/", "/admin/"):  # fmt: skip
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (method, url)
            assert response["Location"] == reverse("staff_enrolment"), (method, url)
    assert not Authenticator.objects.filter(user=staff_without_mfa).exists()


def test_the_enrolment_page_emails_a_link_to_the_verified_address(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    page = client.get(reverse("staff_enrolment"))
    assert page.status_code == 200
    assert "newstaff@norec.no" in page.content.decode()
    link = request_link(client)
    assert link.startswith("/accounts/enrolment/")
    stored = EnrolmentLink.objects.get(user=staff_without_mfa)
    assert stored.email == "newstaff@norec.no"
    assert link.rstrip("/").rsplit("/", 1)[1] not in stored.token_hash  # only the hash kept


def test_the_whole_set_up_through_the_link(
    client, staff_without_mfa, django_capture_on_commit_callbacks
):
    client.force_login(staff_without_mfa)
    link = request_link(client)
    assert client.get(link).status_code == 200  # a GET (a mail scanner) uses nothing
    response = client.post(link)
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again, then shows the set-up with the secret.
    response = client.get(ACTIVATE, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    client.post(response.redirect_chain[-1][0], {"password": PASSWORD})
    response = client.get(ACTIVATE)
    assert response.status_code == 200
    secret = response.context["form"].secret
    # allauth announces the new authenticator once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff_without_mfa, type="totp").exists()
    assert client.get("/staff/").status_code == 200
    # The owner hears of it, through the outbox.
    assert OutboxEmail.objects.filter(
        to_email="newstaff@norec.no", subject__icontains="authenticator app activated"
    ).exists()


def test_a_link_works_once(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    link = request_link(client)
    assert client.post(link)["Location"] == reverse("mfa_activate_totp")
    assert client.post(link).status_code == 404
    assert client.get(link).status_code == 404


def test_an_expired_link_opens_nothing(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    link = request_link(client)
    EnrolmentLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.post(link).status_code == 404
    assert client.get(ACTIVATE)["Location"] == reverse("staff_enrolment")


def test_the_session_grant_expires_with_the_link_time(client, staff_without_mfa, settings):
    client.force_login(staff_without_mfa)
    client.post(request_link(client))
    session = client.session
    session["norec:mfa_enrolment"]["until"] = (timezone.now() - dt.timedelta(seconds=1)).isoformat()
    session.save()
    assert client.get(ACTIVATE)["Location"] == reverse("staff_enrolment")


def test_a_link_opens_nothing_for_another_login(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    link = request_link(client)
    other = make_staff(email="other.new@norec.no", with_totp=False)
    client.force_login(other)
    assert client.post(link).status_code == 404
    assert client.get(ACTIVATE)["Location"] == reverse("staff_enrolment")


def test_a_new_link_replaces_the_old_one(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    first = request_link(client)
    second = request_link(client)
    assert first != second
    assert client.post(first).status_code == 404
    assert client.post(second).status_code == 302


def test_a_link_sent_before_the_address_changed_opens_nothing(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    link = request_link(client)
    EmailAddress.objects.filter(user=staff_without_mfa).update(email="moved@norec.no")
    assert client.post(link).status_code == 404


def test_no_link_without_a_verified_address(client, staff_without_mfa):
    EmailAddress.objects.filter(user=staff_without_mfa).update(verified=False)
    client.force_login(staff_without_mfa)
    client.post(reverse("staff_enrolment"))
    assert not EnrolmentLink.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_links_are_rate_limited(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    codes = [client.post(reverse("staff_enrolment")).status_code for _ in range(6)]
    assert codes == [302] * 5 + [429]


# --- Security notifications, through the outbox ---------------------------------------------


def test_password_change_is_mailed_to_the_owner(client, alumnus):
    client.force_login(alumnus)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "a brand new passphrase",
        "password2": "a brand new passphrase",
    })  # fmt: skip
    assert response.status_code == 302
    assert OutboxEmail.objects.filter(
        to_email=alumnus.email, subject__icontains="password changed"
    ).exists()


def test_password_reset_is_mailed_to_the_owner(client, alumnus):
    client.post(reverse("account_reset_password"), {"email": alumnus.email})
    body = OutboxEmail.objects.get(to_email=alumnus.email).body_text
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", body).group(1)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    client.post(form_url, {"password1": "a brand new passphrase",
                           "password2": "a brand new passphrase"})  # fmt: skip
    assert (
        OutboxEmail.objects.filter(to_email=alumnus.email, subject__icontains="password reset")
        .exclude(body_text__contains="/password/reset/key/")
        .exists()
    )


def test_a_recovery_code_used_at_login_is_mailed_to_the_owner(client, staff):
    codes = RecoveryCodes.activate(staff).get_unused_codes()
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert int(client.session["_auth_user_id"]) == staff.pk
    assert OutboxEmail.objects.filter(
        to_email=staff.email, subject__icontains="recovery code used"
    ).exists()
