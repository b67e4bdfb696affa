"""A new staff member sets up their authenticator app only from a link sent by email.

A staff login without an authenticator is limited to the enrolment page
(``StaffMFARequiredMiddleware``). There the owner asks for a link; it goes to the login's
verified primary address, works once and for ``STAFF_ENROLMENT_LINK_MINUTES``. Opening
it (a POST from the page it shows, so a mail scanner's GET uses nothing) marks the
session, and only a marked session reaches allauth's authenticator pages. So a stolen
password alone cannot add the thief's authenticator: the mailbox must be proven too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import staff_has_mfa
from .emails import send_templated_email
from .models import EnrolmentLink, User

SESSION_KEY = "norec:mfa_enrolment"


class InvalidEnrolmentLink(ValidationError):
    """Unknown, used, expired, for another login or another address: one message."""

    def __init__(self) -> None:
        super().__init__(
            _("This link is not valid any more. It may have expired or been used already."),
            code="invalid_enrolment_link",
        )


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def needs_enrolment(user: User) -> bool:
    return bool(user.is_authenticated and user.is_staff and not staff_has_mfa(user))


def verified_address(user: User) -> str:
    """The login's verified primary address, or "" (then no link can be sent)."""
    address = EmailAddress.objects.filter(user=user, primary=True, verified=True).first()
    return address.email if address is not None else ""


@transaction.atomic
def send_enrolment_link(*, user: User) -> EnrolmentLink | None:
    """Email a new link (earlier unused ones stop working); None without a verified
    address or when the login already has an authenticator."""
    email = verified_address(user)
    if not email or not needs_enrolment(user):
        return None
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    raw = secrets.token_urlsafe(32)
    minutes = settings.STAFF_ENROLMENT_LINK_MINUTES
    link = EnrolmentLink.objects.create(
        user=user,
        email=email,
        token_hash=_hash(raw),
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    send_templated_email(
        key=f"staff-enrolment:{link.pk}",
        to=email,
        name="staff_enrolment",
        context={
            "name": user.full_name or email,
            "link": settings.SITE_URL + reverse("staff_enrolment_link", args=[raw]),
            "minutes": minutes,
        },
        language=user.language or None,
    )
    return link


def _lookup(*, user: User, raw: str | None, lock: bool) -> EnrolmentLink:
    if not raw or len(raw) > 100:
        raise InvalidEnrolmentLink
    links = EnrolmentLink.objects.all()
    if lock:
        links = links.select_for_update()
    link = links.filter(token_hash=_hash(raw)).first()
    if (
        link is None
        or link.user_id != user.pk
        or link.used_at is not None
        or link.expires_at <= timezone.now()
        # The address changed since: the old mailbox proves nothing.
        or link.email.lower() != verified_address(user).lower()
    ):
        raise InvalidEnrolmentLink
    return link


def check_enrolment_link(*, user: User, raw: str | None) -> EnrolmentLink:
    """The valid link for ``raw`` and this login, unused; raises InvalidEnrolmentLink."""
    return _lookup(user=user, raw=raw, lock=False)


@transaction.atomic
def use_enrolment_link(*, request: HttpRequest, raw: str | None) -> EnrolmentLink:
    """Use the link once and let this session set up an authenticator for a while."""
    link = _lookup(user=request.user, raw=raw, lock=True)
    now = timezone.now()
    EnrolmentLink.objects.filter(pk=link.pk).update(used_at=now)
    until = now + dt.timedelta(minutes=settings.STAFF_ENROLMENT_LINK_MINUTES)
    request.session[SESSION_KEY] = {"user": request.user.pk, "until": until.isoformat()}
    return link


def enrolment_granted(request: HttpRequest) -> bool:
    """Has this session opened a valid link of its login, recently enough?"""
    granted = request.session.get(SESSION_KEY)
    if not isinstance(granted, dict) or granted.get("user") != request.user.pk:
        return False
    try:
        until = dt.datetime.fromisoformat(str(granted.get("until")))
    except ValueError:
        return False
    return until > timezone.now()
