from __future__ import annotations

import re

from network.models import Invitation
from network.services import waves
from norec_portal.models import OutboxEmail
from partnerships.models import Person

LINK = re.compile(r"/network/(join|update-details|confirm-email)/([A-Za-z0-9_-]{20,})/")


def link_in(email: OutboxEmail, kind: str = "join") -> str:
    """The raw token of the ``kind`` link in a queued email."""
    for found_kind, token in LINK.findall(email.body_text):
        if found_kind == kind:
            return token
    raise AssertionError(f"no {kind} link in: {email.body_text}")


def invite(person: Person, email: str | None = None) -> tuple[Invitation, str]:
    """Send ``person`` an invitation now; return it and the raw token from its email."""
    invitation = waves.invite_person(
        person=person, email=email or person.email, by=None, via="staff"
    )
    return invitation, link_in(OutboxEmail.objects.get(pk=invitation.last_email_id))


def last_email_to(address: str) -> OutboxEmail:
    return OutboxEmail.objects.filter(to_email=address).order_by("-pk").first()
