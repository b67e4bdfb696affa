"""django-allauth hooks: closed sign-up, emails through the outbox, staff keep their MFA."""

from __future__ import annotations

import uuid
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from . import crypto
from .outbox import queue_email


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff and coordinator accounts are created by Norec; alumni join from an
        # invitation, which opens sign-up for that one request.
        return bool(getattr(request, "norec_signup_allowed", False))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        message = self.render_mail(template_prefix, email, {"email": email, **context})
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = str(content)
        # Each account email (reset link, confirmation code) is its own event.
        name = template_prefix.rsplit("/", 1)[-1]
        queue_email(
            key=f"account:{name}:{uuid.uuid4().hex}",
            to=email,
            subject=str(message.subject),
            text=str(message.body),
            html=html,
        )


class MFAAdapter(DefaultMFAAdapter):
    # TOTP secrets and recovery-code seeds are stored encrypted (norec_portal/crypto.py).
    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff pages require an authenticator app; staff may replace it but not drop
        # their last one.
        user = authenticator.user
        if user.is_staff and authenticator.type == Authenticator.Type.TOTP:
            return False
        return super().can_delete_authenticator(authenticator)
