"""Requests of the matrix: one persona, one method, in a savepoint rolled back after."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from norec_portal.models import User


def outcome(response) -> str:
    """A response as a matrix token: the status code, or ``login`` / ``mfa`` for the
    redirects to the login page (the portal's or the admin's) and to the MFA setup (the
    page that emails a staff member the one-time set-up link)."""
    code = response.status_code
    if code in (301, 302, 303, 307):
        location = response["Location"]
        if location.startswith((reverse("account_login"), "/admin/login/")):
            return "login"
        if location.startswith((reverse("mfa_activate_totp"), reverse("staff_enrolment"))):
            return "mfa"
    return str(code)


def request_as(user: User | None, method: str, url: str, data: dict | None = None) -> str:
    cache.clear()  # rate limits count per test, not across the matrix
    with transaction.atomic():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data or {})
        transaction.set_rollback(True)
    return outcome(response)
