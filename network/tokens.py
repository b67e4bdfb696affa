"""Links sent by email that open one thing, for one person, once, for a while.

The generic part (random token, only its SHA-256 stored, peek on GET, used once in the
POST's transaction with the row locked, token kept in the session rather than the URL)
is :mod:`norec_portal.links`, shared with the trainings' travel details link. This module
adds what is the network's own: the purposes, and what each purpose checks besides.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from cryptography.fernet import Fernet, MultiFernet
from cryptography.fernet import InvalidToken as UnreadableLink
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from norec_portal import links
from norec_portal.ids import parse_id
from norec_portal.links import hash_token
from partnerships.models import Person

from .models import AccessToken, Invitation

Purpose = AccessToken.Purpose

SESSION_KEY = "network:token:{purpose}"

# What the page of each purpose reads next, loaded with the token in the same query: the
# invitation, or the member a contact-details form fills in (None for an alumnus who
# never joined).
READ_WITH: dict[str, tuple[str, ...]] = {
    Purpose.INVITATION: ("invitation",),
    Purpose.CONTACT_UPDATE: ("person__member",),
}


class InvalidToken(ValidationError):
    """The link is unknown, for another purpose, expired or already used.

    One message for every case: the page must not tell a guesser which one it was.
    """

    def __init__(self) -> None:
        super().__init__(
            _("This link is not valid any more. It may have expired or been used already."),
            code="invalid_token",
        )


__all__ = [
    "InvalidToken", "Purpose", "build_token", "consume_token", "forget_token", "hash_token",
    "issue_token", "peek_token", "remember_token", "remembered_token", "revoke_tokens",
]  # fmt: skip


def issue_token(
    *,
    purpose: str,
    person: Person,
    email: str,
    expires_at: datetime,
    invitation: Invitation | None = None,
) -> tuple[str, AccessToken]:
    """Create a token; return the raw value (for the link; never stored) and the row."""
    raw, token_hash = links.new_token()
    token = AccessToken.objects.create(
        purpose=purpose,
        token_hash=token_hash,
        person=person,
        email=email,
        invitation=invitation,
        expires_at=expires_at,
    )
    return raw, token


def build_token(
    *,
    purpose: str,
    person_id: int,
    email: str,
    expires_at: datetime,
    invitation_id: int | None = None,
) -> tuple[str, AccessToken]:
    """An unsaved token row and its raw value, for ``bulk_create`` in batch releases."""
    raw, token_hash = links.new_token()
    row = AccessToken(
        purpose=purpose,
        token_hash=token_hash,
        person_id=person_id,
        email=email,
        invitation_id=invitation_id,
        expires_at=expires_at,
    )
    return raw, row


def _lookup(raw: str | None, purpose: str, *, lock: bool) -> AccessToken:
    tokens = AccessToken.objects.select_related("person", *READ_WITH.get(purpose, ()))
    token = links.find_link(tokens.filter(purpose=purpose), raw, lock=lock)
    if token is None:
        raise InvalidToken
    if purpose == Purpose.INVITATION:
        invitation = token.invitation
        # Bound to the address it was sent to: a corrected address gets a new link.
        if invitation is None or not invitation.is_open or invitation.email != token.email:
            raise InvalidToken
    elif purpose == Purpose.CONTACT_UPDATE and token.person.email != token.email:
        # The address changed since the link was sent: the old address opens nothing.
        raise InvalidToken
    return token


def peek_token(raw: str | None, *, purpose: str) -> AccessToken:
    """The valid token for ``raw`` and ``purpose``; raises :class:`InvalidToken`."""
    return _lookup(raw, purpose, lock=False)


def consume_token(raw: str | None, *, purpose: str) -> AccessToken:
    """Lock, check and mark the token used, in the caller's transaction.

    A second request with the same token waits for the lock and then finds it used.
    """
    token = _lookup(raw, purpose, lock=True)
    links.mark_used(token)
    return token


def revoke_tokens(*, person: Person, purpose: str, invitation: Invitation | None = None) -> int:
    """Make every unused link of this kind for the person (or invitation) stop working."""
    tokens = AccessToken.objects.filter(person=person, purpose=purpose)
    if invitation is not None:
        tokens = tokens.filter(invitation=invitation)
    return links.revoke_links(tokens)


# --- Keeping the token out of the URL --------------------------------------------------


def remember_token(request: HttpRequest, *, purpose: str, raw: str) -> None:
    links.remember_token(request, key=SESSION_KEY.format(purpose=purpose), raw=raw)


def remembered_token(request: HttpRequest, *, purpose: str) -> str | None:
    return links.remembered_token(request, key=SESSION_KEY.format(purpose=purpose))


def forget_token(request: HttpRequest, *, purpose: str) -> None:
    links.forget_token(request, key=SESSION_KEY.format(purpose=purpose))


# --- Unsubscribe and preference links --------------------------------------------------
# Every newsletter carries one (RFC 8058): it must work without login and a mail client may
# POST to it unattended, so it is not a database row per email. It is the member id and
# the time of issue encrypted with Fernet under a key derived from SECRET_KEY (and its
# fallbacks, so a key rotation keeps links working): opaque (no id to read or change),
# different in every email, and valid for NETWORK_PREFERENCE_LINK_DAYS. Without a login
# it only ever switches the newsletter *off*.

UNSUBSCRIBE_SALT = "network.unsubscribe"


def _link_box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(
            hashlib.sha256(f"{UNSUBSCRIBE_SALT}:{key}".encode()).digest()
        ))
        for key in keys
    ])  # fmt: skip


def unsubscribe_token(member_id: int) -> str:
    """A fresh link token for ``member_id`` (each call gives another one)."""
    return _link_box().encrypt(str(member_id).encode("ascii")).decode("ascii")


def member_id_from_unsubscribe_token(raw: str | None) -> int | None:
    """The member id the token was made for, or None if it is not one of ours or has
    expired."""
    if not raw or len(raw) > 300:
        return None
    ttl = settings.NETWORK_PREFERENCE_LINK_DAYS * 24 * 3600
    try:
        value = _link_box().decrypt(raw.encode("ascii"), ttl=ttl).decode("ascii")
    except (UnreadableLink, UnicodeError):
        return None
    return parse_id(value)


def member_id_from_legacy_unsubscribe_token(raw: str | None) -> int | None:
    """Links of newsletters sent before the tokens were encrypted ("<id>:<signature>"):
    they still switch the newsletter off (a sent unsubscribe link must keep working), and
    open nothing else."""
    if not raw or len(raw) > 200:
        return None
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(raw)
    except signing.BadSignature:
        return None
    return parse_id(value)
