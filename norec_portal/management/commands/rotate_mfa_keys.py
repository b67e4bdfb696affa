from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from norec_portal.crypto import seal_authenticators, seal_encrypted_fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every authenticator secret and every encrypted field (passport data of "
        "travel details) under the first key of MFA_ENCRYPTION_KEYS (run after putting a "
        "new key first; then the old keys can be removed)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                changed = seal_authenticators(Authenticator)
                fields = seal_encrypted_fields()
        except InvalidToken as error:
            raise CommandError(
                "A secret is encrypted under a key MFA_ENCRYPTION_KEYS no longer lists; "
                "nothing was changed. Put the old key back (after the new one) and run again."
            ) from error
        self.stdout.write(f"{changed} authenticator(s) re-encrypted under the first key.")
        self.stdout.write(f"{fields} record(s) with encrypted fields re-encrypted.")
