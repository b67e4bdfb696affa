"""Security settings, proven by requests rather than by reading settings.

``manage.py check --deploy`` on the production settings is proven in
``tests/norec_portal/test_settings.py::test_production_settings_pass_the_deploy_check``.
Here: the Content-Security-Policy and its nonce, the HTTPS headers and cookie flags of the
production settings, the login and password-reset rate limits behind a proxy, staff MFA
after a password reset, and the session key rotating at login.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, override_settings
from django.urls import reverse

from norec_portal.models import OutboxEmail
from tests.factories import PASSWORD, make_coordinator
from tests.norec_portal.test_settings import PRODUCTION_ENV, run

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase for 2026"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def logged_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


# --- Content-Security-Policy ----------------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def script_tags(html: str) -> list[str]:
    return re.findall(r"<script\b([^>]*)>", html)


@pytest.fixture
def page_for(client, staff, alumnus, partnership):
    """GET a sample page as one of the personas."""
    coordinator = make_coordinator(
        partnership.members.order_by("pk")[0].organisation, email="coord.csp@example.org"
    )
    users = {"anonymous": None, "staff": staff, "alumnus": alumnus, "coordinator": coordinator}

    def get(role: str, url: str):
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        response = client.get(url, follow=True)
        assert response.status_code == 200, (role, url, response.redirect_chain)
        return response

    return get


SAMPLE_PAGES = [
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/password/reset/"),
    ("staff", "/staff/"),
    ("alumnus", "/account/"),
    ("coordinator", "/"),
]


@pytest.mark.parametrize(("role", "url"), SAMPLE_PAGES)
def test_pages_send_a_strict_policy_whose_nonce_matches_their_scripts(page_for, role, url):
    response = page_for(role, url)
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    nonces = [s[len("'nonce-") : -1] for s in directives["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1 and len(nonces[0]) >= 16, directives["script-src"]
    html = response.content.decode()
    scripts = script_tags(html)
    assert scripts, "the page loads no script: nothing to check the nonce against"
    for attributes in scripts:
        assert f'nonce="{nonces[0]}"' in attributes
        assert "src=" in attributes, "an inline script: the policy would block it"
    # Inline styles would be blocked by style-src 'self' as well.
    assert not re.search(r"\sstyle=", html)


def test_each_response_gets_a_fresh_nonce(client):
    first = policy(client.get("/accounts/login/"))["script-src"]
    second = policy(client.get("/accounts/login/"))["script-src"]
    assert first != second


# --- HTTPS headers and cookies with the production settings -----------------------------

SECURITY_SETTINGS = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS",
]  # fmt: skip


@pytest.fixture(scope="module")
def production_settings() -> dict[str, object]:
    """The security settings as ``DJANGO_ENV=production`` computes them, read in a fresh
    process (the test process runs the test settings)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        f"print(json.dumps({{n: getattr(s, n, None) for n in {SECURITY_SETTINGS!r}}}))"
    )
    result = run(
        ["-c", code], {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "norec_portal.settings"}
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_serves_only_https_with_strict_headers(production_settings):
    assert production_settings["DEBUG"] is False
    with override_settings(**production_settings):
        client = Client()  # middleware reads its settings when the client first loads it
        plain = client.get("/accounts/login/")
        assert plain.status_code == 301
        assert plain["Location"] == "https://testserver/accounts/login/"
        # The load balancer's health check may stay on plain HTTP.
        assert client.get("/healthz").status_code == 200

        response = client.get("/accounts/login/", secure=True)
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]

        # Behind the TLS-terminating proxy, its X-Forwarded-Proto counts as HTTPS.
        proxied = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
        assert proxied.status_code == 200
        assert "Strict-Transport-Security" in proxied


def test_production_cookies_are_secure_and_hidden_from_scripts(production_settings, alumnus):
    with override_settings(**production_settings):
        client = Client()
        page = client.get("/accounts/login/", secure=True)
        csrf = page.cookies[settings.CSRF_COOKIE_NAME]
        assert (csrf["secure"], csrf["httponly"], csrf["samesite"]) == (True, True, "Lax")

        response = client.post(
            "/accounts/login/", {"login": alumnus.email, "password": PASSWORD}, secure=True
        )
        assert response.status_code == 302
        session = response.cookies[settings.SESSION_COOKIE_NAME]
        assert (session["secure"], session["httponly"], session["samesite"]) == (
            True,
            True,
            "Lax",
        )


# --- rate limits behind a proxy -------------------------------------------------------------

PROXY = "10.0.0.2"  # the portal's reverse proxy: every request comes from its address
ATTACKER = "203.0.113.7"
NEIGHBOUR = "198.51.100.20"  # another person behind the same proxy
FORGED = "192.0.2.99"


def via_proxy(client: Client, path: str, data: dict, *, client_ip: str, claimed: str = ""):
    """POST as the proxy forwards it: it appends the address it saw to X-Forwarded-For,
    after whatever the client itself claimed in that header."""
    forwarded = f"{claimed}, {client_ip}" if claimed else client_ip
    return client.post(path, data, REMOTE_ADDR=PROXY, headers={"x-forwarded-for": forwarded})


TOO_MANY_LOGINS = "Too many failed login attempts"
FAILED_LOGINS_PER_IP = 10  # ACCOUNT_RATE_LIMITS["login_failed"] = "10/m/ip,5/5m/key"
RESETS_PER_IP = 10  # ACCOUNT_RATE_LIMITS["reset_password"] = "10/h/ip,3/h/key"


def use_up_failed_logins(client: Client, client_ip: str) -> None:
    # A different address each time, so only the per-IP limit applies, not the per-key one.
    for i in range(FAILED_LOGINS_PER_IP):
        response = via_proxy(
            client,
            reverse("account_login"),
            {"login": f"guess{i}@example.org", "password": "wrong"},
            client_ip=client_ip,
        )
        assert response.status_code == 200
        assert TOO_MANY_LOGINS not in response.content.decode()


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_login_limit_follows_the_client_address_the_proxy_appended(alumnus):
    attacker, neighbour = Client(), Client()
    use_up_failed_logins(attacker, ATTACKER)
    login = reverse("account_login")
    credentials = {"login": alumnus.email, "password": PASSWORD}

    blocked = via_proxy(attacker, login, credentials, client_ip=ATTACKER)
    assert TOO_MANY_LOGINS in blocked.content.decode()
    # A forged leftmost X-Forwarded-For does not buy a fresh allowance.
    forged = via_proxy(attacker, login, credentials, client_ip=ATTACKER, claimed=FORGED)
    assert TOO_MANY_LOGINS in forged.content.decode()
    assert logged_in_user_id(attacker) is None

    # Someone else behind the same proxy is not punished for it.
    response = via_proxy(neighbour, login, credentials, client_ip=NEIGHBOUR)
    assert response.status_code == 302
    assert logged_in_user_id(neighbour) == alumnus.pk


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_everyone_behind_it_shares_one_limit(alumnus):
    """Why ``TRUSTED_PROXY_COUNT`` must be set behind a proxy: the counterpart of the test
    above, with the default of trusting no X-Forwarded-For."""
    attacker, neighbour = Client(), Client()
    use_up_failed_logins(attacker, ATTACKER)
    credentials = {"login": alumnus.email, "password": PASSWORD}
    response = via_proxy(neighbour, reverse("account_login"), credentials, client_ip=NEIGHBOUR)
    assert TOO_MANY_LOGINS in response.content.decode()


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_password_reset_limit_follows_the_client_address_the_proxy_appended(alumnus):
    attacker, neighbour = Client(), Client()
    reset = reverse("account_reset_password")
    for i in range(RESETS_PER_IP):
        response = via_proxy(attacker, reset, {"email": f"x{i}@example.org"}, client_ip=ATTACKER)
        assert response.status_code == 302
    assert (
        via_proxy(attacker, reset, {"email": alumnus.email}, client_ip=ATTACKER).status_code == 429
    )
    forged = via_proxy(
        attacker, reset, {"email": alumnus.email}, client_ip=ATTACKER, claimed=FORGED
    )
    assert forged.status_code == 429
    assert not OutboxEmail.objects.filter(to_email=alumnus.email).exists()

    response = via_proxy(neighbour, reset, {"email": alumnus.email}, client_ip=NEIGHBOUR)
    assert response.status_code == 302
    assert OutboxEmail.objects.filter(to_email=alumnus.email).count() == 1


# --- staff MFA survives a password reset ------------------------------------------------------


def reset_password_by_email(client: Client, email: str) -> None:
    """Ask for a reset, follow the emailed link and choose ``NEW_PASSWORD``."""
    client.post(reverse("account_reset_password"), {"email": email})
    body = OutboxEmail.objects.get(to_email=email).body_text
    link = next(word for word in body.split() if "/password/reset/key/" in word)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    assert 'name="password1"' in response.content.decode(), "the reset link was refused"
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


@pytest.mark.parametrize("login_on_reset", [False, True])
def test_password_reset_never_skips_the_staff_authenticator(client, staff, login_on_reset):
    """Whoever can read a staff member's mailbox can set a new password, but still needs
    the authenticator app — even if logging in on reset were switched on."""
    with override_settings(ACCOUNT_LOGIN_ON_PASSWORD_RESET=login_on_reset):
        reset_password_by_email(client, staff.email)
        staff.refresh_from_db()
        assert staff.check_password(NEW_PASSWORD)
        assert logged_in_user_id(client) is None

        response = client.post(
            reverse("account_login"), {"login": staff.email, "password": NEW_PASSWORD}
        )
        assert response["Location"] == reverse("mfa_authenticate")
        assert logged_in_user_id(client) is None
        assert client.get("/staff/")["Location"].startswith(reverse("account_login"))

        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff.totp_secret)})
        assert response.status_code == 302
        assert logged_in_user_id(client) == staff.pk
        assert client.get("/staff/").status_code == 200


# --- sessions -------------------------------------------------------------------------------


def test_session_key_rotates_at_each_step_of_a_staff_login(client, staff):
    planted = client.session  # a session the visitor (or an attacker) holds before login
    planted["probe"] = "before login"
    planted.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(staff.totp_secret)})
    assert logged_in_user_id(client) == staff.pk
    after_login = client.session.session_key
    assert after_login != planted.session_key
    # The planted key is gone, so it can never carry the staff login.
    assert not SessionStore().exists(planted.session_key)

    client.post(reverse("account_logout"))
    assert logged_in_user_id(client) is None
    assert not SessionStore().exists(after_login)
