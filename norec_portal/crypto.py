"""Encryption at rest of the portal's secrets: the authenticator secrets (TOTP keys,
recovery-code seeds) and the passport data of travel details.

allauth's MFA adapter calls :func:`encrypt` and :func:`decrypt` (``norec_portal.adapters``);
model fields holding a secret are :class:`EncryptedTextField` / :class:`EncryptedDateField`,
which encrypt on the way into the database and decrypt on the way out (so they cannot be
searched or sorted in SQL, and are not meant to be). The keys are
``settings.MFA_ENCRYPTION_KEYS``, Fernet keys from the environment: the first encrypts,
every one decrypts (``MultiFernet``), so a new key is put first and the rows are
re-encrypted with ``manage.py rotate_mfa_keys`` before the old key is dropped
(docs/OPERATIONS.md).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# Every Fernet token starts with its version byte 0x80, base64-encoded: "gAAAAA". A TOTP
# secret (base32, upper case) or a recovery seed (hex) never does.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.MFA_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Raises ``cryptography.fernet.InvalidToken`` for a value none of the keys opens."""
    return fernet().decrypt(token.encode("ascii")).decode("utf-8")


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def _secret_fields(data: dict[str, Any]) -> list[str]:
    return [name for name in ("secret", "seed") if isinstance(data.get(name), str)]


def seal_data(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``data`` of an authenticator with every secret encrypted under the first key: plain
    values encrypted, values under an older key re-encrypted. Returns (data, changed)."""
    data = dict(data)
    before = repr(data)
    box = fernet()
    for name in _secret_fields(data):
        value = data[name]
        data[name] = (box.rotate(value.encode("ascii")).decode("ascii") if is_encrypted(value)
                      else encrypt(value))  # fmt: skip
    if isinstance(data.get("migrated_codes"), list):
        data["migrated_codes"] = [
            box.rotate(c.encode("ascii")).decode("ascii") if is_encrypted(c) else encrypt(c)
            for c in data["migrated_codes"]
        ]
    return data, repr(data) != before


def open_data(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its secrets in clear (to undo the encryption migration)."""
    data = dict(data)
    for name in _secret_fields(data):
        if is_encrypted(data[name]):
            data[name] = decrypt(data[name])
    if isinstance(data.get("migrated_codes"), list):
        data["migrated_codes"] = [decrypt(c) if is_encrypted(c) else c
                                  for c in data["migrated_codes"]]  # fmt: skip
    return data


def seal_authenticators(model: Any) -> int:
    """Encrypt (or re-encrypt under the first key) every authenticator's secrets; the
    number of rows changed. ``model`` is allauth's Authenticator (or its historical
    version in a migration)."""
    changed = 0
    for authenticator in model.objects.order_by("pk").iterator():
        data, differs = seal_data(authenticator.data)
        if differs:
            model.objects.filter(pk=authenticator.pk).update(data=data)
            changed += 1
    return changed


class EncryptedTextField(models.TextField):
    """Text kept in the database as a Fernet token; empty text stays empty (so "is there a
    value" can still be asked in SQL). Values are compared only in Python."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)


class EncryptedDateField(EncryptedTextField):
    """A date kept encrypted (its ISO text as a Fernet token); ``None`` when absent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> dt.date | None:
        text = super().from_db_value(value, expression, connection)
        return dt.date.fromisoformat(text) if text else None

    def to_python(self, value: Any) -> dt.date | None:
        if value in (None, "") or isinstance(value, dt.date):
            return value or None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error

    def get_prep_value(self, value: Any) -> Any:
        value = self.to_python(value)
        return encrypt(value.isoformat()) if value else None

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return value.isoformat() if value else ""

    def formfield(self, **kwargs: Any) -> forms.Field:
        return forms.DateField(**{"required": not self.blank, "label": self.verbose_name,
                                  **kwargs})  # fmt: skip


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, and their names (the passport data of travel
    details, for now)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [field.name for field in model._meta.concrete_fields
                 if isinstance(field, EncryptedTextField)]  # fmt: skip
        if names:
            found.append((model, names))
    return found


def seal_encrypted_fields() -> int:
    """Re-encrypt every value of every :class:`EncryptedTextField` under the first key;
    the number of rows rewritten. Reading decrypts under any listed key, writing
    encrypts under the first."""
    changed = 0
    for model, names in encrypted_fields():
        rows = model._default_manager.only("pk", *names).order_by("pk")
        for row in rows.iterator():
            values = {name: getattr(row, name) for name in names}
            if any(values.values()):
                model._default_manager.filter(pk=row.pk).update(**values)
                changed += 1
    return changed
