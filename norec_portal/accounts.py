"""Changes to a login's means of signing in, made by a superuser in the admin.

The owner's own changes (password, address, authenticator) are announced by allauth's
notifications (``ACCOUNT_EMAIL_NOTIFICATIONS``), which the account adapter puts in the
outbox. A change made *for* someone in the admin is audited here and mailed to every
address involved, the old one included, so a takeover through the admin cannot go
unnoticed.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.db import transaction
from django.http import HttpRequest

from .audit import record_audit
from .models import AuditEntry, User


@transaction.atomic
def record_login_email_change(
    *, user: User, old: str, new: str, by: Any, request: HttpRequest | None = None
) -> None:
    """Audit a login address changed (or removed, ``new=""``) by someone else and tell
    the old and the new address."""
    record_audit(
        by=by, action=AuditEntry.Action.UPDATE, obj=user, changes=["email"],
        summary="login email changed in the admin" if new else "login email removed in the admin",
    )  # fmt: skip
    adapter = get_adapter(request)
    for address in dict.fromkeys(a for a in (old, new) if a):
        if new:
            adapter.send_notification_mail(
                "account/email/email_changed", user,
                {"from_email": old, "to_email": new}, email=address,
            )  # fmt: skip
        else:
            adapter.send_notification_mail(
                "account/email/email_deleted", user, {"deleted_email": old}, email=address
            )


@transaction.atomic
def record_authenticator_removed(
    *, user: User, kind: str, by: Any, request: HttpRequest | None = None
) -> None:
    """Audit an authenticator removed by someone else and tell the owner."""
    record_audit(
        by=by, action=AuditEntry.Action.UPDATE, obj=user, changes=["authenticator"],
        summary=f"{kind} authenticator removed in the admin",
    )  # fmt: skip
    get_adapter(request).send_notification_mail("mfa/email/totp_deactivated", user)


def notify_recovery_code_used(sender: Any, request: HttpRequest | None = None,
                              user: Any = None, authenticator: Any = None,
                              **kwargs: Any) -> None:  # fmt: skip
    """allauth announces authenticators added or removed, not a recovery code spent:
    tell the owner, since a thief holding the codes signs in exactly that way."""
    from allauth.mfa.models import Authenticator

    if authenticator is not None and authenticator.type == Authenticator.Type.RECOVERY_CODES:
        get_adapter(request).send_notification_mail("mfa/email/recovery_code_used", user)


def connect_signals() -> None:
    from allauth.mfa.signals import authenticator_used

    authenticator_used.connect(notify_recovery_code_used, dispatch_uid="norec:recovery_code_used")
