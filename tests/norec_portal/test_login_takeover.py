"""Finding 1 of the security review: staff could change any login's address in the admin
(then reset its password). Only superusers may, and each change is audited and mailed."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.contenttypes.models import ContentType

from norec_portal.models import AuditEntry, OutboxEmail, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def address_of(user: User) -> EmailAddress:
    return EmailAddress.objects.get(user=user, primary=True)


def change_form(address: EmailAddress, email: str) -> dict:
    return {"user": address.user_id, "email": email, "verified": "on", "primary": "on"}


def audit_about(user: User):
    return AuditEntry.objects.filter(
        object_type=ContentType.objects.get_for_model(User), object_id=user.pk
    )


def test_staff_cannot_change_the_superusers_login_email(staff_client, superuser):
    address = address_of(superuser)
    url = f"/admin/account/emailaddress/{address.pk}/change/"
    assert staff_client.get(url).status_code == 403
    response = staff_client.post(url, change_form(address, "attacker@example.org"))
    assert response.status_code == 403
    address.refresh_from_db()
    assert address.email == "root@norec.no"


def test_staff_cannot_open_login_emails_or_authenticators_in_the_admin(staff_client, alumnus):
    assert staff_client.get("/admin/account/emailaddress/").status_code == 403
    assert staff_client.get("/admin/mfa/authenticator/").status_code == 403
    address = address_of(alumnus)
    assert staff_client.post(f"/admin/account/emailaddress/{address.pk}/delete/",
                             {"post": "yes"}).status_code == 403  # fmt: skip
    assert EmailAddress.objects.filter(pk=address.pk).exists()


def test_superuser_change_of_a_login_email_is_audited_and_mailed_to_both(client, superuser):
    owner = UserFactory(email="owner@example.org")
    address = address_of(owner)
    client.force_login(superuser)
    response = client.post(
        f"/admin/account/emailaddress/{address.pk}/change/",
        change_form(address, "new.owner@example.org"),
    )
    assert response.status_code == 302
    entry = audit_about(owner).get()
    assert entry.actor == superuser and entry.changed_fields == ["email"]
    recipients = set(OutboxEmail.objects.values_list("to_email", flat=True))
    assert recipients == {"owner@example.org", "new.owner@example.org"}


def test_superuser_change_of_a_users_email_is_audited_and_mailed(client, superuser):
    owner = UserFactory(email="owner@example.org", full_name="Olga Owner")
    client.force_login(superuser)
    response = client.post(f"/admin/norec_portal/user/{owner.pk}/change/", {
        "email": "other@example.org", "full_name": "Olga Owner", "language": "",
        "role": owner.role, "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert audit_about(owner).filter(changed_fields=["email"]).count() == 1
    recipients = set(OutboxEmail.objects.values_list("to_email", flat=True))
    assert recipients == {"owner@example.org", "other@example.org"}


def test_superuser_removing_an_authenticator_is_audited_and_mailed(client, superuser, staff):
    authenticator = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    client.force_login(superuser)
    response = client.post(f"/admin/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
    assert audit_about(staff).filter(changed_fields=["authenticator"]).count() == 1
    assert list(OutboxEmail.objects.values_list("to_email", flat=True)) == [staff.email]


def test_authenticator_secrets_cannot_be_edited_in_the_admin(client, superuser, staff):
    authenticator = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    client.force_login(superuser)
    response = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/")
    assert response.status_code == 200
    assert 'name="data"' not in response.content.decode()
