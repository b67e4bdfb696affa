from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import translation

from norec_portal.context_processors import _menu, start_page
from norec_portal.models import OutboxEmail, Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/staff/", "/admin/", "/admin/norec_portal/outboxemail/"]


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize("url", [*STAFF_PAGES, "/account/", "/"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain, "no redirect"
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == 200


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_without_authenticator_is_sent_to_mfa_setup(client, staff_without_mfa, url):
    client.force_login(staff_without_mfa)
    response = client.get(url)
    assert response.status_code == 302
    # The set-up starts from the page that emails the one-time link (test_enrolment.py).
    assert response["Location"] == reverse("staff_enrolment")


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_with_authenticator_reach_staff_pages(staff_client, url):
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/staff/", "/admin/norec_portal/outboxemail/"])
def test_alumnus_cannot_open_staff_pages(alumnus_client, url):
    response = alumnus_client.get(url, follow=True)
    assert response.status_code in (403, 404)
    assert (
        b"Email outbox" not in response.content and b"Select outgoing email" not in response.content
    )


def test_alumnus_at_admin_index_gets_no_admin(alumnus_client):
    response = alumnus_client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert b"Site administration" not in response.content


def test_coordinator_cannot_open_staff_pages(client):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    assert client.get("/staff/").status_code == 403


def test_home_sends_each_role_to_their_start_page(client, staff, alumnus):
    client.force_login(staff)
    assert client.get("/")["Location"] == reverse("staff_dashboard")
    client.force_login(alumnus)
    assert client.get("/")["Location"] == (start_page(Role.ALUMNUS) or reverse("account_settings"))


def test_staff_login_asks_for_the_authenticator_code(client, staff):
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not logged in before the code
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff.totp_secret)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == staff.pk
    assert client.get("/staff/").status_code == 200


def test_login_rotates_the_session(client, alumnus):
    client.get(reverse("account_login"))
    client.cookies["sessionid"] = "attacker-chosen"
    client.post(reverse("account_login"), {"login": alumnus.email, "password": PASSWORD})
    assert client.cookies["sessionid"].value != "attacker-chosen"
    assert int(client.session["_auth_user_id"]) == alumnus.pk


def test_login_with_email_in_any_case(client, alumnus):
    response = client.post(
        reverse("account_login"), {"login": alumnus.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == alumnus.pk


def test_staff_cannot_remove_their_authenticator(client, staff):
    client.force_login(staff)
    response = client.post(reverse("mfa_deactivate_totp"), {}, follow=True)
    assert staff.authenticator_set.filter(type="totp").exists()
    assert response.status_code in (200, 403)


def test_password_reset_does_not_reveal_who_has_an_account(client, alumnus):
    known = client.post(reverse("account_reset_password"), {"email": alumnus.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    reset_mail = OutboxEmail.objects.get(to_email=alumnus.email)
    assert "/accounts/password/reset/key/" in reset_mail.body_text
    # allauth tells the unknown address that it has no account — without telling us.
    assert not OutboxEmail.objects.filter(
        to_email="nobody@example.org", body_text__contains="/password/reset/key/"
    ).exists()


def test_password_reset_does_not_log_staff_in(client, staff):
    client.post(reverse("account_reset_password"), {"email": staff.email})
    body = OutboxEmail.objects.get(to_email=staff.email).body_text
    link = next(line for line in body.split() if "/password/reset/key/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else "/" + path
    client.post(
        form_url, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    )
    assert "_auth_user_id" not in client.session
    assert User.objects.get(pk=staff.pk).check_password("a brand new passphrase")


def test_failed_logins_are_rate_limited(client, alumnus):
    for _ in range(6):
        response = client.post(
            reverse("account_login"), {"login": alumnus.email, "password": "wrong"}
        )
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right password is refused until the window has passed.
    response = client.post(reverse("account_login"), {"login": alumnus.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_navigation_follows_the_role(client, staff, alumnus):
    client.force_login(staff)
    page = client.get("/staff/").content.decode()
    assert 'href="/admin/"' in page
    client.force_login(alumnus)
    page = client.get("/account/").content.decode()
    assert 'href="/admin/"' not in page and 'href="/staff/"' not in page


def test_error_pages_use_the_house_style(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert 'class="skip-link"' in response.content.decode()


def test_email_is_stored_lower_case():
    user = User.objects.create_user("Mixed.Case@Example.ORG", "x" * 12)
    assert user.email == "mixed.case@example.org"


def test_account_settings_saves_name_and_language(alumnus_client, alumnus):
    response = alumnus_client.post(
        reverse("account_settings"), {"full_name": "Amina B. Alum", "language": "fr"}
    )
    assert response.status_code == 302
    alumnus.refresh_from_db()
    assert (alumnus.full_name, alumnus.language) == ("Amina B. Alum", "fr")
    bad = alumnus_client.post(reverse("account_settings"), {"full_name": "x", "language": "xx"})
    assert bad.status_code == 200
    assert "language" in bad.context["form"].errors
    alumnus.refresh_from_db()
    assert alumnus.full_name == "Amina B. Alum"


def test_the_menu_marks_the_page_shown_and_speaks_the_readers_language(staff_client):
    participants = reverse("partnerships:staff_participants")
    first = staff_client.get(participants).context["nav_items"]
    assert [i["label"] for i in first if i["current"]] == ["Participants"]
    # The menu is worked out once per role and language; marking one page's current
    # item must not carry over to the next page.
    then = staff_client.get(reverse("trainings:staff_year")).context["nav_items"]
    assert [i["label"] for i in then if i["current"]] == ["Trainings"]
    with translation.override("fr"):
        french = _menu(Role.STAFF)
    assert french[0] == {"label": "Vue d’ensemble", "url": "/staff/"}
    assert _menu(Role.STAFF)[0] == {"label": "Overview", "url": "/staff/"}
