"""Alumni as resource persons in training sessions (``models.resources``).

Flow: staff find members available as lecturer, interpreter or resource person
(:func:`find_resource_persons`), ask one or several to serve in a session
(:func:`ask_resource_persons`: a request each and an email each, through the outbox); the
member accepts or declines on the portal (:func:`answer_request`: once; the staff member
who asked is told). Accepted ones are the session's contributors on its page and
programme (:func:`contributors_for`, registered with ``trainings.contributors``), and the
member's assignments, with their ``.ics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.audit import Action, record_audit_many
from norec_portal.emails import send_templated_email
from norec_portal.models import User
from trainings import calendar
from trainings.contributors import Contributor
from trainings.models import TrainingSession, Venue

from ..geography import city_point, distances_from
from ..models import ExpertiseTag, Language, Member, MemberQuerySet, ResourceRequest
from ..models.resources import WITHDRAWABLE_STATES
from .common import absolute_url

Role = ResourceRequest.Role
State = ResourceRequest.State

# The Member field that says a member is available in each role.
AVAILABLE_AS = {
    Role.LECTURER: "available_as_lecturer",
    Role.INTERPRETER: "available_as_interpreter",
    Role.RESOURCE_PERSON: "available_as_resource_person",
}


# --- Finding ---------------------------------------------------------------------------------


def find_resource_persons(
    *,
    role: str = "",
    expertise: ExpertiseTag | None = None,
    language: Language | None = None,
    country: str = "",
    near: Venue | None = None,
) -> MemberQuerySet:
    """Active members available as ``role`` (any role when empty) with the expertise,
    the language and in the country asked for (each optional); with ``near``, the nearest
    to that venue first, each with ``distance_km`` from it (``network.geography``: the
    capital of their country to the venue's city; None where unknown)."""
    members = Member.objects.active().resource_persons()
    if role in AVAILABLE_AS:
        members = members.filter(**{AVAILABLE_AS[role]: True})
    if expertise is not None:
        members = members.filter(expertise=expertise)
    if language is not None:
        members = members.filter(languages=language)
    if country:
        members = members.filter(person__country=country)
    members = members.with_related()
    point = near and city_point(near.country.code, near.name)
    if point:
        distances = distances_from(point)
        members = members.annotate(
            distance_km=Case(
                *(When(person__country=code, then=Value(km)) for code, km in distances.items()),
                default=None,
                output_field=IntegerField(),
            )
        ).order_by(F("distance_km").asc(nulls_last=True), "person__last_name", "pk")
        return members
    return members.order_by("person__last_name", "person__first_name", "pk")


def sessions_to_staff() -> QuerySet[TrainingSession]:
    """Sessions a resource person can still be asked for: scheduled and not over."""
    return (
        TrainingSession.objects.scheduled()
        .filter(last_day__gte=timezone.localdate())
        .with_place()
        .order_by("first_day", "kind", "group", "pk")
    )


# --- Asking ----------------------------------------------------------------------------------


@dataclass
class AskResult:
    asked: list[ResourceRequest] = field(default_factory=list)
    already: list[Member] = field(default_factory=list)


@transaction.atomic
def ask_resource_persons(
    *,
    session: TrainingSession,
    members: Sequence[Member],
    role: str,
    message: str = "",
    by: User | None,
) -> AskResult:
    """Ask each member to serve in ``session`` as ``role``: a request and an email each.

    Only members available in that role, with an address, can be asked; someone asked for
    this session already is left as they are (reported in ``already``), so asking twice
    mails nobody twice.
    """
    if role not in AVAILABLE_AS:
        raise ValidationError({"role": _("Choose the role to ask for.")})
    if not members:
        raise ValidationError(_("Choose at least one member to ask."))
    session = TrainingSession.objects.with_place().get(pk=session.pk)
    if session.is_cancelled or session.last_day < timezone.localdate():
        raise ValidationError({"session": _("This session is cancelled or over.")})
    chosen = list(Member.objects.select_related("person").filter(pk__in=[m.pk for m in members]))
    unavailable = [m for m in chosen if not getattr(m, AVAILABLE_AS[role]) or not m.person.email]
    if unavailable:
        raise ValidationError(
            _("Not available as %(role)s, or without an email address: %(names)s.")
            % {
                "role": Role(role).label.lower(),
                "names": ", ".join(m.person.full_name for m in unavailable),
            }
        )
    result = AskResult()
    asked_before = set(
        ResourceRequest.objects.filter(session=session, member__in=chosen).values_list(
            "member_id", flat=True
        )
    )
    for member in chosen:
        if member.pk in asked_before:
            result.already.append(member)
            continue
        request = ResourceRequest.objects.create(
            session=session, member=member, role=role, message=message.strip(), requested_by=by
        )
        request.session = session
        _tell_member(request, "asked")
        result.asked.append(request)
    return result


# The member's emails about a request: asked, and withdrawn by Norec.
MEMBER_EMAILS = {"asked": "network_resource_request", "withdrawn": "network_resource_withdrawn"}


def _tell_member(request: ResourceRequest, what: str, **context: Any) -> None:
    """Email the member once about ``request`` (``what``: a key of ``MEMBER_EMAILS``);
    nothing for a member without an address."""
    person = request.member.person
    if not person.email:
        return
    send_templated_email(
        key=f"resource-request:{request.pk}:{what}",
        to=person.email,
        name=MEMBER_EMAILS[what],
        context={
            "first_name": person.first_name,
            "request": request,
            "session": request.session,
            "role": request.get_role_display(),
            "url": absolute_url("network:assignments"),
            **context,
        },
        language=person.preferred_language or None,
    )


# --- Answering -------------------------------------------------------------------------------


@transaction.atomic
def answer_request(*, request_id: int, member: Member, accept: bool) -> ResourceRequest:
    """The member's answer, once. The same answer again changes nothing; another answer
    after the first is refused (they write to Norec instead). Only the member's own
    requests are reachable (404 otherwise, in the view)."""
    request = (
        ResourceRequest.objects.select_for_update(of=("self",))
        .select_related("session__week__venue", "session__venue", "requested_by")
        .get(pk=request_id, member=member)
    )
    wanted = State.ACCEPTED if accept else State.DECLINED
    if request.state == wanted:
        return request
    if request.state != State.REQUESTED:
        raise ValidationError(
            _("You have answered already (%(answer)s). Write to Norec to change it.")
            % {"answer": request.get_state_display().lower()}
        )
    if accept and (request.session.is_cancelled or request.session.has_started()):
        raise ValidationError(_("This session is cancelled or has begun."))
    request.state = wanted
    request.answered_at = timezone.now()
    request.save(update_fields=["state", "answered_at"])
    if request.requested_by is not None and request.requested_by.email:
        send_templated_email(
            key=f"resource-request:{request.pk}:answer",
            to=request.requested_by.email,
            name="network_resource_answer",
            context={
                "request": request,
                "session": request.session,
                "member_name": member.person.full_name,
                "role": request.get_role_display(),
                "url": absolute_url("trainings:staff_session", request.session_id),
            },
            language=request.requested_by.language or None,
        )
    return request


# --- Withdrawing ------------------------------------------------------------------------------


def withdraw_refusal(request: ResourceRequest) -> str:
    """Why Norec cannot withdraw ``request`` now, or "" when it can: a request not answered
    yet, or accepted (``ResourceRequest.withdrawable``), of a session that is not over."""
    if request.state == State.WITHDRAWN:
        return _("This request is withdrawn already.")
    if not request.withdrawable:
        return _("The member declined: there is nothing to withdraw.")
    if request.session.last_day < timezone.localdate():
        return _("The session is over: the request stays as it was.")
    return ""


@transaction.atomic
def withdraw_request(*, request_id: int, by: User | None) -> ResourceRequest:
    """Norec no longer asks the member (plans changed, or the member wrote that they
    cannot come after all): the request is withdrawn, it leaves the member's page, their
    calendar and the session's contributors, and the member is told by email once.
    Withdrawing it again changes nothing."""
    request = (
        ResourceRequest.objects.select_for_update(of=("self",))
        .select_related("member__person", "session__week__venue", "session__venue")
        .get(pk=request_id)
    )
    if request.state == State.WITHDRAWN:
        return request
    if refusal := withdraw_refusal(request):
        raise ValidationError(refusal)
    _withdraw([request], by=by)
    return request


def withdraw_for_cancelled(
    sessions: Sequence[TrainingSession], reason: str, by: User | None
) -> int:
    """The week of ``sessions`` is cancelled (``trainings.contributors``): the requests
    not answered yet or accepted are withdrawn and each member told once, with the reason
    staff gave. Returns how many."""
    requests = list(
        ResourceRequest.objects.select_for_update(of=("self",))
        .filter(session__in=sessions, state__in=WITHDRAWABLE_STATES)
        .select_related("member__person", "session__week__venue", "session__venue")
        .order_by("pk")
    )
    _withdraw(requests, by=by, reason=reason)
    return len(requests)


def _withdraw(requests: list[ResourceRequest], *, by: User | None, reason: str = "") -> None:
    """Withdraw ``requests`` (locked, withdrawable) in one UPDATE, log it, and tell each
    member once (whether they had accepted, and ``reason`` when given)."""
    ResourceRequest.objects.filter(pk__in=[r.pk for r in requests]).update(state=State.WITHDRAWN)
    record_audit_many(by=by, action=Action.STATUS, objs=requests, summary=State.WITHDRAWN,
                      changes=["state"])  # fmt: skip
    for request in requests:
        _tell_member(request, "withdrawn", accepted=request.state == State.ACCEPTED,
                     reason=reason)  # fmt: skip
        request.state = State.WITHDRAWN


# --- Reading ---------------------------------------------------------------------------------


def requests_of(member: Member) -> QuerySet[ResourceRequest]:
    return (
        ResourceRequest.objects.filter(member=member)
        .exclude(state=State.WITHDRAWN)
        .select_related("session__week__venue", "session__venue")
        .order_by("session__first_day", "pk")
    )


def contributors_for(sessions: Sequence[TrainingSession]) -> dict[int, list[Contributor]]:
    """Accepted resource persons of ``sessions`` (for ``trainings.contributors``)."""
    accepted = (
        ResourceRequest.objects.filter(session__in=sessions, state=State.ACCEPTED)
        .select_related("member__person")
        .order_by("role", "member__person__last_name", "member__person__first_name", "pk")
    )
    found: dict[int, list[Contributor]] = {}
    for request in accepted:
        found.setdefault(request.session_id, []).append(
            Contributor(request.member.person.full_name, str(request.get_role_display()))
        )
    return found


def assignments_ics(member: Member) -> bytes:
    """The days of the sessions the member accepted, in each venue's zone."""
    sessions = (
        TrainingSession.objects.filter(
            pk__in=ResourceRequest.objects.filter(member=member, state=State.ACCEPTED).values(
                "session_id"
            )
        )
        .with_place()
        .prefetch_related("days")
    )
    name = _("Norec trainings — %(name)s") % {"name": member.person.full_name}
    return calendar.sessions_calendar(name, sessions)


def assignments_per_year() -> list[dict[str, Any]]:
    """Accepted assignments per year of the session, newest first, by role."""
    rows = (
        ResourceRequest.objects.filter(state=State.ACCEPTED)
        .annotate(year=ExtractYear("session__first_day"))
        .values("year", "role")
        .annotate(n=Count("pk"))
        .order_by("-year", "role")
    )
    years: dict[int, dict[str, Any]] = {}
    for row in rows:
        year = years.setdefault(row["year"], {"year": row["year"], "total": 0, "roles": {}})
        year["roles"][row["role"]] = row["n"]
        year["total"] += row["n"]
    return list(years.values())
