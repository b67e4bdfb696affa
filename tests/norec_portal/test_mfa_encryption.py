"""Finding 4 of the security review: TOTP secrets and recovery-code seeds were stored in
clear. They are Fernet-encrypted under keys from the environment."""

from __future__ import annotations

import importlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from norec_portal import crypto
from tests.factories import add_totp, make_staff

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def totp_row(user) -> Authenticator:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)


def test_the_totp_secret_is_not_stored_in_clear(staff):
    data = totp_row(staff).data
    assert staff.totp_secret not in str(data)
    assert crypto.decrypt(data["secret"]) == staff.totp_secret
    # allauth reads it back through the adapter: the code of the moment validates.
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    code = format_hotp_value(hotp_value(staff.totp_secret, int(time.time()) // 30))
    assert TOTP(totp_row(staff)).validate_code(code)


def test_the_recovery_seed_is_not_stored_in_clear(staff):
    codes = RecoveryCodes.activate(staff)
    data = Authenticator.objects.get(user=staff, type="recovery_codes").data
    assert crypto.is_encrypted(data["seed"])
    assert codes.validate_code(codes.get_unused_codes()[0])


def test_the_migration_encrypts_rows_written_in_clear(staff):
    plain = "JBSWY3DPEHPK3PXP"
    Authenticator.objects.filter(user=staff).update(data={"secret": plain})
    seeded = Authenticator.objects.create(
        user=staff, type="recovery_codes", data={"seed": "ab" * 40, "used_mask": 0}
    )
    migration = importlib.import_module("norec_portal.migrations.0006_encrypt_mfa_secrets")
    migration.encrypt_secrets(apps, None)
    secret = totp_row(staff).data["secret"]
    assert crypto.is_encrypted(secret) and crypto.decrypt(secret) == plain
    seeded.refresh_from_db()
    assert crypto.decrypt(seeded.data["seed"]) == "ab" * 40 and seeded.data["used_mask"] == 0
    # Run twice, nothing changes: rows already encrypted are only re-sealed.
    migration.encrypt_secrets(apps, None)
    assert crypto.decrypt(totp_row(staff).data["secret"]) == plain
    migration.decrypt_secrets(apps, None)
    assert totp_row(staff).data["secret"] == plain


def test_keys_rotate_without_losing_a_secret(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    user = make_staff(email="rotating@norec.no", with_totp=False)
    secret = add_totp(user)
    before = totp_row(user).data["secret"]
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert crypto.decrypt(before) == secret  # the old key still opens it
    call_command("rotate_mfa_keys")
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    assert crypto.decrypt(totp_row(user).data["secret"]) == secret


def test_rotation_refuses_when_a_key_is_missing(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    user = make_staff(email="rotating@norec.no", with_totp=False)
    add_totp(user)
    before = totp_row(user).data
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(CommandError):
        call_command("rotate_mfa_keys")
    assert totp_row(user).data == before
