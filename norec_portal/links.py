"""Single-use links sent by email: the part every app's links share.

A link carries 32 random bytes; the database keeps only their SHA-256, so a leaked
database holds no working link. A row of such a link has ``token_hash``, ``expires_at``
and ``used_at`` (see :class:`SingleUseLink`). Checking a link (:func:`find_link` without
``lock``) never uses it: a page may be shown any number of times, and only the POST that
acts calls :func:`use_link` inside the transaction of the change, with the row locked.

The view layer keeps the token in the session after the first GET and redirects to a URL
without it (:func:`remember_token` / :func:`remembered_token`), so the token does not
stay in the address bar, the history or a Referer header.

The network's invitation and contact-details links (``network.tokens``) and the travel
details link of the trainings (``trainings.services.travel``) are built on this module.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TypeVar

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

# A real token is 43 characters; anything much longer is not worth hashing.
MAX_TOKEN_LENGTH = 100

Row = TypeVar("Row", bound=models.Model)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and its hash: the raw value goes in the link, the hash in
    the database."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def find_link(queryset: models.QuerySet[Row], raw: str | None, *, lock: bool) -> Row | None:
    """The unused, unexpired row of ``queryset`` whose hash matches ``raw``, or None.

    With ``lock`` the row is locked (``SELECT … FOR UPDATE`` of that table only) and the
    caller must be inside a transaction."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    if lock:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("A link is used inside the transaction of the change.")
        queryset = queryset.select_for_update(of=("self",))
    row = queryset.filter(token_hash=hash_token(raw)).first()
    if row is None or row.used_at is not None or row.expires_at <= timezone.now():
        return None
    return row


def mark_used(row: models.Model) -> None:
    """Record that ``row`` (found with ``lock=True``) has been used."""
    now = timezone.now()
    type(row)._default_manager.filter(pk=row.pk).update(used_at=now)
    row.used_at = now


def revoke_links(queryset: models.QuerySet) -> int:
    """Make every unused link of ``queryset`` stop working."""
    return queryset.filter(used_at__isnull=True).update(used_at=timezone.now())


# --- Keeping the token out of the URL --------------------------------------------------


def remember_token(request: HttpRequest, *, key: str, raw: str) -> None:
    request.session[key] = raw


def remembered_token(request: HttpRequest, *, key: str) -> str | None:
    return request.session.get(key)


def forget_token(request: HttpRequest, *, key: str) -> None:
    request.session.pop(key, None)
