"""Findings 6 and 8 of the security review: password-reset mail limited like the public
forms and never sent to unknown addresses; no-store on personal pages and files; a
Permissions-Policy denying what the portal never uses."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from norec_portal.models import OutboxEmail
from tests.factories import ParticipantFactory
from tests.network.factories import make_member

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"


def test_a_reset_for_an_unknown_address_mails_nobody(client, alumnus):
    unknown = client.post(RESET, {"email": "stranger@example.org"})
    known = client.post(RESET, {"email": alumnus.email})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert not OutboxEmail.objects.filter(to_email="stranger@example.org").exists()
    assert OutboxEmail.objects.filter(to_email=alumnus.email).count() == 1


def test_resets_per_address_are_limited_like_the_public_forms(alumnus):
    codes = [Client().post(RESET, {"email": alumnus.email}, REMOTE_ADDR=f"10.0.0.{i}").status_code
             for i in range(4)]  # fmt: skip
    assert codes == [302, 302, 302, 429]
    assert OutboxEmail.objects.filter(to_email=alumnus.email).count() == 3


def test_resets_per_client_address_are_limited_like_the_public_forms(db):
    client = Client()
    codes = [client.post(RESET, {"email": f"x{i}@example.org"}).status_code for i in range(11)]
    assert codes == [302] * 10 + [429]


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/staff/", "/staff/audit/", "/account/", "/admin/"])
def test_personal_pages_are_not_stored(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    assert no_store(response)


def test_personal_files_are_not_stored(coordinator_client, partnership):
    ParticipantFactory(partnership=partnership)
    export = coordinator_client.get(reverse("partnerships:coordinator_export"), {"format": "csv"})
    assert export.status_code == 200 and no_store(export)


def test_the_directory_export_is_not_stored(staff_client):
    make_member(email="m@example.org")
    response = staff_client.get(reverse("network:staff_directory_export"))
    assert response.status_code == 200 and no_store(response)


def test_member_pages_and_signed_link_pages_are_not_stored(client):
    member = make_member(email="m@example.org")
    client.force_login(member.person.user)
    assert no_store(client.get(reverse("network:member_home")))
    assert no_store(Client().get(reverse("account_login")))


def test_permissions_policy_denies_what_the_portal_never_uses(client):
    policy = client.get(reverse("account_login"))["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_static_files_keep_their_own_caching(settings):
    # WhiteNoise answers static files before the no-store middleware sees them.
    order = settings.MIDDLEWARE
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < order.index(
        "norec_portal.middleware.PrivateResponseMiddleware"
    )
