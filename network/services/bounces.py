"""Mail that cannot be delivered, seen in one place.

Two sources say an address does not work:

* the outbox: a message that ended FAILED (refused with a 5xx, or never accepted after
  every retry). :func:`sync_delivery_failures` — run by beat with the invitation
  follow-up, and by every newsletter chunk before it picks recipients — turns those rows
  into bounced invitations and :class:`~network.models.BadAddress` rows;
* the mail provider's webhooks, through django-anymail's ``tracking`` signal
  (:func:`on_tracking_event`): bounced, rejected and complained events.

A bad address is skipped by every newsletter and announcement, and listed on the staff
data-quality page until staff clear it (or the person's address changes: it is kept by
address, not by person).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from norec_portal.models import OutboxEmail, User
from partnerships.models import Person

from ..models import BadAddress, Invitation, InvitationWave

Source = BadAddress.Source
# Provider events that mean "do not send here again".
BAD_EVENTS = {"bounced", "rejected", "complained"}


@dataclass(frozen=True)
class DeliveryFailures:
    invitations_bounced: int = 0
    addresses_marked: int = 0


def active_bad_addresses() -> QuerySet[BadAddress]:
    return BadAddress.objects.filter(cleared_at__isnull=True)


def address_is_bad(email_field: str) -> Exists:
    """For annotating or filtering: is the address in ``email_field`` (an outer field
    name, e.g. ``person__email``) marked bad?"""
    return Exists(active_bad_addresses().filter(email=OuterRef(email_field)))


def _bounce_invitations(*, wave: InvitationWave | None = None) -> int:
    """An invitation whose last email ended FAILED in the outbox has bounced."""
    bounced = Invitation.objects.filter(
        state=Invitation.State.SENT, last_email__state=OutboxEmail.State.FAILED
    )
    if wave is not None:
        bounced = bounced.filter(wave=wave)
    return bounced.update(state=Invitation.State.BOUNCED, bounced_at=timezone.now())


def _unrecorded_failures() -> QuerySet[OutboxEmail]:
    """FAILED rows whose address is not marked bad yet (nor cleared by staff since)."""
    known = BadAddress.objects.filter(email=Lower(OuterRef("to_email"))).filter(
        Q(cleared_at__isnull=True) | Q(cleared_at__gte=OuterRef("next_attempt_at"))
    )
    return (
        OutboxEmail.objects.filter(state=OutboxEmail.State.FAILED)
        .exclude(to_email="")
        .filter(~Exists(known))
    )


@transaction.atomic
def _record_failed_addresses(limit: int = 5000) -> int:
    rows = list(
        _unrecorded_failures()
        .order_by("pk")
        .values("pk", "to_email", "last_error", "next_attempt_at")[:limit]
    )
    latest: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        email = row["to_email"].strip().lower()
        latest[email] = row
        counts[email] = counts.get(email, 0) + 1
    if not latest:
        return 0
    _upsert(
        {
            email: (row["last_error"][:500], row["pk"], row["next_attempt_at"], counts[email])
            for email, row in latest.items()
        },
        source=Source.SMTP,
    )
    return len(latest)


def _upsert(found: dict[str, tuple[str, int | None, dt.datetime, int]], *, source: str) -> None:
    """Mark every address in ``found`` (email → reason, outbox id, when, failures) bad."""
    emails = list(found)
    people = dict(
        Person.objects.filter(email__in=emails).values_list("email", "pk")
    )  # emails are stored in lower case
    existing = {b.email: b for b in BadAddress.objects.select_for_update().filter(email__in=emails)}
    new: list[BadAddress] = []
    for email, (reason, outbox_id, when, failures) in found.items():
        bad = existing.get(email)
        if bad is None:
            new.append(
                BadAddress(
                    email=email,
                    source=source,
                    reason=reason,
                    person_id=people.get(email),
                    last_email_id=outbox_id,
                    failures=failures,
                    first_failed_at=when,
                    last_failed_at=when,
                )
            )
            continue
        bad.source = source
        bad.reason = reason
        bad.person_id = people.get(email, bad.person_id)
        bad.last_email_id = outbox_id or bad.last_email_id
        bad.failures += failures
        bad.last_failed_at = max(when, bad.last_failed_at)
        bad.cleared_at = None
        bad.cleared_by = None
        bad.save()
    # ignore_conflicts: the same address reported by a webhook a moment ago stays as it is.
    BadAddress.objects.bulk_create(new, ignore_conflicts=True)


def sync_delivery_failures(*, wave: InvitationWave | None = None) -> DeliveryFailures:
    """Outbox FAILED → invitations BOUNCED and addresses marked bad (safe to repeat)."""
    return DeliveryFailures(
        invitations_bounced=_bounce_invitations(wave=wave),
        addresses_marked=_record_failed_addresses(),
    )


@transaction.atomic
def mark_address_bad(
    *, email: str, source: str, reason: str = "", when: dt.datetime | None = None
) -> BadAddress | None:
    """One address reported bad (by a provider webhook or by staff)."""
    email = (email or "").strip().lower()
    if not email:
        return None
    when = when or timezone.now()
    _upsert({email: (reason[:500], None, when, 1)}, source=source)
    Invitation.objects.filter(state=Invitation.State.SENT, email=email).update(
        state=Invitation.State.BOUNCED, bounced_at=when
    )
    return BadAddress.objects.get(email=email)


@transaction.atomic
def clear_bad_address(*, bad: BadAddress, by: User | None) -> BadAddress:
    """Staff say the address works again (the member confirmed it, the mailbox is back)."""
    bad = BadAddress.objects.select_for_update().get(pk=bad.pk)
    if bad.cleared_at is None:
        bad.cleared_at = timezone.now()
        bad.cleared_by = by
        bad.save(update_fields=["cleared_at", "cleared_by"])
    return bad


def on_tracking_event(sender: Any, event: Any, esp_name: str = "", **kwargs: Any) -> None:
    """Receiver of ``anymail.signals.tracking``: bounces, rejections and complaints."""
    if getattr(event, "event_type", None) not in BAD_EVENTS or not event.recipient:
        return
    details = event.description or event.mta_response or event.reject_reason or ""
    mark_address_bad(
        email=event.recipient,
        source=Source.WEBHOOK,
        reason=f"{esp_name or 'provider'}: {event.event_type} {details}".strip(),
        when=event.timestamp if isinstance(event.timestamp, dt.datetime) else None,
    )
