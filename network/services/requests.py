"""“I never got an invitation”: the public request and the staff queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal import addresses
from norec_portal.emails import send_templated_email
from norec_portal.models import User
from partnerships.models import Participant, Person
from partnerships.names import name_key

from ..models import ContactChange, Invitation, InvitationRequest, Member
from .common import clean_email
from .duplicates import name_similarity
from .waves import invite_person

MAX_CANDIDATES = 300


@dataclass(frozen=True)
class RequestData:
    first_name: str
    last_name: str
    email: str
    country: str = ""
    exchange_year: int | None = None
    organisation: str = ""
    message: str = ""


@transaction.atomic
def submit_invitation_request(*, data: RequestData) -> InvitationRequest:
    """Queue the request for staff. The same happens whoever asks: the answer must not
    tell whether the portal knows the address. A second request from the same address
    while the first waits updates it."""
    email = clean_email(data.email)
    values = {
        "first_name": " ".join(data.first_name.split())[:100],
        "last_name": " ".join(data.last_name.split())[:100],
        "country": data.country or "",
        "exchange_year": data.exchange_year,
        "organisation": " ".join(data.organisation.split())[:200],
        "message": data.message.strip()[:2000],
    }
    pending = InvitationRequest.objects.select_for_update().filter(
        email__iexact=email, status=InvitationRequest.Status.PENDING
    )
    existing = pending.first()
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return InvitationRequest.objects.create(email=email, **values)
    except IntegrityError:
        # The same address asked twice at the same moment: one request is enough.
        return pending.get()


# A tip is matched to a record only when one record stands out this clearly.
TIP_MATCH_SCORE = 55
TIP_MATCH_MARGIN = 15


@transaction.atomic
def submit_member_tip(*, member: Member, data: RequestData) -> InvitationRequest:
    """A member tells Norec about a former participant who was never invited.

    The tip lands in the staff queue like a request, matched to the historical record
    that stands out, if one does. The member learns nothing about the records: the answer
    is the same whatever the portal holds. The address, when given, is only a lead: it is
    checked like any other and used only if staff approve."""
    email = ""
    if data.email.strip():
        check = addresses.check_address(data.email)
        email = check.usable if check is not None else ""
    tip = InvitationRequest.objects.create(
        first_name=" ".join(data.first_name.split())[:100],
        last_name=" ".join(data.last_name.split())[:100],
        email=email if not _pending_for(email) else "",
        country=data.country or "",
        exchange_year=data.exchange_year,
        organisation=" ".join(data.organisation.split())[:200],
        message=data.message.strip()[:2000],
        tipped_by=member,
    )
    matches = suggest_matches(request=tip, limit=2)
    if matches and matches[0].score >= TIP_MATCH_SCORE and matches[0].person.pk != member.person_id:
        runner_up = matches[1].score if len(matches) > 1 else 0
        if matches[0].score - runner_up >= TIP_MATCH_MARGIN:
            tip.person = matches[0].person
            tip.save(update_fields=["person"])
    return tip


def _pending_for(email: str) -> bool:
    """Someone asked with this address already: the tip keeps to the person's own."""
    return (
        bool(email)
        and InvitationRequest.objects.filter(
            email__iexact=email, status=InvitationRequest.Status.PENDING
        ).exists()
    )


@dataclass
class Match:
    person: Person
    score: int
    reasons: list[str] = field(default_factory=list)
    exchange_year: int | None = None
    is_member: bool = False
    invitation: Invitation | None = None


def suggest_matches(*, request: InvitationRequest, limit: int = 5) -> list[Match]:
    """Historical records that may be the person asking, best first (constant queries)."""
    last = request.last_name.strip()
    first = request.first_name.strip()
    match = Q(email__iexact=request.email) if request.email else Q(pk__in=[])
    if last:
        match |= Q(last_name__iexact=last) | Q(last_name__istartswith=last[:3])
    if first and request.country:
        match |= Q(first_name__iexact=first, country=request.country)
    people = list(
        Person.objects.filter(match)
        .filter(participations__status=Participant.Status.COMPLETED)
        .annotate(first_year=Min("participations__exchange_year"))
        .order_by("pk")[:MAX_CANDIDATES]
    )
    wanted = name_key(f"{first} {last}")
    members = set(Member.objects.filter(person__in=people).values_list("person_id", flat=True))
    invitations = {i.person_id: i for i in Invitation.objects.live().filter(person__in=people)}
    matches: list[Match] = []
    for person in people:
        reasons: list[str] = []
        score = 0
        if request.email and person.email == request.email.lower():
            reasons.append(_("same email"))
            score += 60
        similarity = name_similarity(wanted, name_key(person.full_name))
        if similarity >= 0.99:
            reasons.append(_("same name"))
            score += 40
        elif similarity >= 0.8:
            reasons.append(_("similar name"))
            score += int(30 * similarity)
        if request.country and person.country == request.country:
            reasons.append(_("same country"))
            score += 15
        if request.exchange_year and person.first_year:
            if abs(person.first_year - request.exchange_year) <= 1:
                reasons.append(_("same exchange year"))
                score += 15
        if score < 30:
            continue
        matches.append(
            Match(
                person=person,
                score=min(score, 100),
                reasons=reasons,
                exchange_year=person.first_year,
                is_member=person.pk in members,
                invitation=invitations.get(person.pk),
            )  # fmt: skip
        )
    matches.sort(key=lambda m: (-m.score, m.person.pk))
    return matches[:limit]


def _lock_pending(request: InvitationRequest) -> InvitationRequest:
    request = InvitationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != InvitationRequest.Status.PENDING:
        raise ValidationError(
            _("This request was already decided (%(status)s).")
            % {"status": request.get_status_display()}
        )
    return request


@transaction.atomic
def approve_request(*, request: InvitationRequest, person: Person, by: User) -> InvitationRequest:
    """The request is this former participant: take the address, send the invitation.

    A member's tip without an address invites the person at the address on their record,
    if there is one."""
    request = _lock_pending(request)
    email = request.email or person.email
    if not email:
        raise ValidationError(
            _(
                "Neither the request nor %(name)s's record has an address to invite. Find one "
                "first (their organisation, a colleague), then add it to the record."
            )
            % {"name": person.full_name}
        )
    invite_person(person=person, email=email, by=by, via=ContactChange.Via.REQUEST)
    request.status = InvitationRequest.Status.APPROVED
    request.person = person
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save()
    return request


@transaction.atomic
def reject_request(*, request: InvitationRequest, reason: str, by: User) -> InvitationRequest:
    """Decline, telling the person why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, so the person knows what to do next.")})
    request = _lock_pending(request)
    request.status = InvitationRequest.Status.REJECTED
    request.reject_reason = reason[:2000]
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save()
    if request.is_tip:
        # Nobody asked: the person named in a member's tip is not written to.
        return request
    send_templated_email(
        key=f"network:invitation-request:{request.pk}:rejected",
        to=request.email,
        name="network_request_rejected",
        context={"invitation_request": request},
        # The request holds no language; a matched record may.
        language=(request.person.preferred_language or None) if request.person_id else None,
    )
    return request
