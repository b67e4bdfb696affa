"""The emailed link with which a person fills in their own travel details.

Built on :mod:`norec_portal.links` (the network's links use the same): 32 random bytes,
only their SHA-256 stored, checked on GET without being used, used once by the POST that
saves, in its transaction with the row locked. The link opens one enrolment's travel
form, for ``TRAVEL_LINK_DAYS``, only while the person's address is the one it was sent
to; a new link for the enrolment makes the older ones stop working.

Both the notifications (the link goes with the nomination) and the travel service (the
re-send button) issue links here, so neither imports the other.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal import links
from norec_portal.models import User

from .models import Enrolment, TravelLink

SESSION_KEY = "trainings:travel-link"


class InvalidTravelLink(ValidationError):
    """Unknown, expired, used, replaced by a newer link, or sent to an old address: one
    message for every case."""

    def __init__(self) -> None:
        super().__init__(
            _("This link is not valid any more. It may have expired or been used already."),
            code="invalid_token",
        )


def issue_travel_link(*, enrolment: Enrolment, by: User | None) -> tuple[str, TravelLink]:
    """Revoke the enrolment's unused links and create a new one; the raw token (for the
    email, never stored) and the row."""
    links.revoke_links(TravelLink.objects.filter(enrolment=enrolment))
    raw, token_hash = links.new_token()
    now = timezone.now()
    link = TravelLink.objects.create(
        enrolment=enrolment,
        token_hash=token_hash,
        email=enrolment.person.email,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.TRAVEL_LINK_DAYS),
        sent_by=by,
    )
    return raw, link


def _find(raw: str | None, *, lock: bool) -> TravelLink:
    rows = TravelLink.objects.select_related(
        "enrolment__person", "enrolment__session__week__venue", "enrolment__session__venue"
    )
    link = links.find_link(rows, raw, lock=lock)
    if link is None or link.enrolment.person.email != link.email:
        raise InvalidTravelLink
    return link


def peek_travel_link(raw: str | None) -> TravelLink:
    """The valid link for ``raw``; raises :class:`InvalidTravelLink`. Uses nothing."""
    return _find(raw, lock=False)


def use_travel_link(raw: str | None) -> TravelLink:
    """Lock, check and mark the link used, inside the caller's transaction."""
    link = _find(raw, lock=True)
    links.mark_used(link)
    return link
