"""The emails of the trainings app, all through the outbox with one key per message.

Called by the services inside their transactions, so a message is queued exactly when
the change that causes it commits. People without an email address (historical records)
are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from norec_portal.emails import send_templated_email
from norec_portal.models import OutboxEmail
from norec_portal.zones import NORWAY
from partnerships.models import ContactPerson, PartnerOrganisation, Person

from .models import (
    SEAT_STATES,
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
    TrainingWeek,
    TravelDetails,
    TravelLink,
)
from .readiness import still_missing
from .schedule import local_days
from .travel_links import issue_travel_link


def session_context(session: TrainingSession) -> dict[str, Any]:
    return {
        "session": session,
        "week": session.week,
        "venue": session.place_venue,
        "days": local_days(session),
        "online": session.is_online,
        "norway_zone": str(NORWAY),
    }


def enrolment_context(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "enrolment": enrolment,
        "person": enrolment.person,
        "organisation": enrolment.organisation,
        **session_context(enrolment.session),
    }


def _send_to_person(person: Person, *, key: str, name: str, context: dict[str, Any]) -> bool:
    if not person.email:
        return False
    send_templated_email(
        key=key,
        to=person.email,
        name=name,
        context=context,
        language=person.preferred_language or None,
    )
    return True


def coordinators_of(organisation_ids: Iterable[int]) -> dict[int, list[ContactPerson]]:
    """Active coordinators with an email address, by organisation id (one query)."""
    found: dict[int, list[ContactPerson]] = defaultdict(list)
    contacts = (
        ContactPerson.objects.filter(
            organisation_id__in=list(organisation_ids),
            role=ContactPerson.Role.COORDINATOR,
            active=True,
        )
        .exclude(person__email="")
        .select_related("person", "organisation")
        .order_by("pk")
    )
    for contact in contacts:
        found[contact.organisation_id].append(contact)
    return found


# --- One person, one enrolment ----------------------------------------------------------


def notify_enrolled(enrolment: Enrolment) -> None:
    """Nominated, or put on the waitlist."""
    _send_to_person(
        enrolment.person,
        key=f"training-nominated:{enrolment.pk}",
        name="training_nominated",
        context=enrolment_context(enrolment),
    )
    offer_travel_link(enrolment)


def notify_confirmed(enrolment: Enrolment) -> None:
    _send_to_person(
        enrolment.person,
        key=f"training-confirmed:{enrolment.pk}",
        name="training_confirmed",
        context=enrolment_context(enrolment),
    )
    offer_travel_link(enrolment)


def notify_promoted(enrolment: Enrolment) -> None:
    _send_to_person(
        enrolment.person,
        key=f"training-promoted:{enrolment.pk}",
        name="training_promoted",
        context=enrolment_context(enrolment),
    )
    offer_travel_link(enrolment)


def offer_travel_link(enrolment: Enrolment) -> bool:
    """Send the link to the travel form once per enrolment: when it is nominated or
    confirmed in an in-person session (a waitlisted person gets it on promotion), unless a
    link went already or the details are in. A new link is the re-send button's
    (``services.send_travel_link``)."""
    if (
        enrolment.state not in (EnrolmentState.NOMINATED, EnrolmentState.CONFIRMED)
        or enrolment.session.is_online
        or not enrolment.person.email
        or TravelLink.objects.filter(enrolment=enrolment).exists()
        or TravelDetails.objects.filter(enrolment=enrolment).exists()
    ):
        return False
    notify_travel_link(enrolment, by=None)
    return True


def notify_travel_link(enrolment: Enrolment, *, by: Any) -> TravelLink:
    """Issue a new link to the enrolment's travel form and email it to the person."""
    raw, link = issue_travel_link(enrolment=enrolment, by=by)
    week = enrolment.session.week
    _send_to_person(
        enrolment.person,
        key=f"training-travel-link:{enrolment.pk}:{link.pk}",
        name="training_travel_link",
        context={
            **enrolment_context(enrolment),
            "link_url": settings.SITE_URL + reverse("trainings:travel_link", args=[raw]),
            "expires_at": link.expires_at,
            "due": week.travel_details_due if week is not None else None,
        },
    )
    return link


def notify_reminder(enrolment: Enrolment) -> bool:
    """The reminder before the session; a nominated person is told what is missing."""
    return _send_to_person(
        enrolment.person,
        key=f"training-reminder:{enrolment.pk}",
        name="training_reminder",
        context={**enrolment_context(enrolment), "missing": still_missing(enrolment)},
    )


def notify_cancelled(enrolment: Enrolment) -> None:
    """A cancelled enrolment is told to the person (when they have an address), to Norec
    and to the organisation's coordinators, each in their own language."""
    context = {**enrolment_context(enrolment), "staff_url": _staff_session_url(enrolment)}
    _send_to_person(
        enrolment.person,
        key=f"training-cancelled:{enrolment.pk}:person",
        name="training_cancelled",
        context={**context, "audience": "person", "recipient": enrolment.person},
    )
    send_templated_email(
        key=f"training-cancelled:{enrolment.pk}:norec",
        to=settings.TRAINING_NOREC_EMAIL,
        name="training_cancelled",
        context={**context, "audience": "norec"},
        # Norec's copy in the portal's language, not in that of whoever cancelled.
        language=settings.LANGUAGE_CODE,
    )
    for contact in coordinators_of([enrolment.organisation_id]).get(enrolment.organisation_id, []):
        if contact.person_id == enrolment.person_id:
            continue  # a coordinator whose own seat it was has had the person's message
        _send_to_person(
            contact.person,
            key=f"training-cancelled:{enrolment.pk}:contact:{contact.pk}",
            name="training_cancelled",
            context={**context, "audience": "coordinator", "recipient": contact.person},
        )


def _staff_session_url(enrolment: Enrolment) -> str:
    return reverse("trainings:staff_session", args=[enrolment.session_id])


# --- A whole week -----------------------------------------------------------------------


def notify_week_online(week: TrainingWeek, enrolments: Sequence[Enrolment]) -> int:
    sent = 0
    for enrolment in enrolments:
        sent += _send_to_person(
            enrolment.person,
            key=f"training-week-online:{week.pk}:{enrolment.pk}",
            name="training_week_online",
            context=enrolment_context(enrolment),
        )
    return sent


def notify_week_cancelled(week: TrainingWeek, enrolments: Sequence[Enrolment]) -> int:
    sent = 0
    by_organisation: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        by_organisation[enrolment.organisation_id].append(enrolment)
        sent += _send_to_person(
            enrolment.person,
            key=f"training-week-cancelled:{week.pk}:{enrolment.pk}",
            name="training_week_cancelled",
            context={**enrolment_context(enrolment), "reason": week.cancellation_reason},
        )
    for organisation_id, contacts in coordinators_of(by_organisation).items():
        for contact in contacts:
            _send_to_person(
                contact.person,
                key=f"training-week-cancelled:{week.pk}:contact:{contact.pk}",
                name="training_week_cancelled_coordinator",
                context={
                    "week": week,
                    "venue": week.venue,
                    "reason": week.cancellation_reason,
                    "recipient": contact.person,
                    "enrolments": by_organisation[organisation_id],
                },
            )
            sent += 1
    return sent


def send_signup_call(
    week: TrainingWeek,
    sessions: Sequence[TrainingSession],
    needs: dict[int, dict[str, list[Person]]],
    organisations: dict[int, PartnerOrganisation],
) -> int:
    """One email per coordinator of each organisation with people who fit the week.

    ``needs`` maps an organisation id to the people per session kind who could attend.
    """
    sent = 0
    kinds = {s.kind: s for s in sessions}
    for organisation_id, contacts in coordinators_of(needs).items():
        groups = [
            {"kind": SessionKind(kind).label, "session": kinds[kind], "people": people}
            for kind, people in sorted(needs[organisation_id].items())
            if kind in kinds and people
        ]
        if not groups:
            continue
        for contact in contacts:
            _send_to_person(
                contact.person,
                key=f"training-signup-call:{week.pk}:{contact.pk}",
                name="training_signup_call",
                context={
                    "week": week,
                    "venue": week.venue,
                    "organisation": organisations.get(organisation_id),
                    "recipient": contact.person,
                    "groups": groups,
                    "sessions_url": reverse("trainings:coordinator_sessions"),
                },
            )
            sent += 1
    return sent


def notify_seminar_invitation(session: TrainingSession, partnership, organisation_ids) -> int:
    sent = 0
    context = session_context(session)
    for contacts in coordinators_of(organisation_ids).values():
        for contact in contacts:
            _send_to_person(
                contact.person,
                key=f"training-seminar-invitation:{session.pk}:{partnership.pk}:{contact.pk}",
                name="training_seminar_invitation",
                context={
                    **context,
                    "partnership": partnership,
                    "recipient": contact.person,
                    "organisation": contact.organisation,
                    "sessions_url": reverse("trainings:coordinator_sessions"),
                },
            )
            sent += 1
    return sent


# --- A partnership's phase ---------------------------------------------------------------


def notify_partner_training_due(
    partnership,
    people: dict[int, list[Person]],
    sessions: Sequence[TrainingSession],
) -> int:
    """The agreement is signed: each coordinator of an organisation in ``people``
    (organisation id → its contact persons who still need Partner training) learns who
    is due, the next ``sessions`` and where to nominate."""
    sent = 0
    offered = [
        {
            "session": session,
            "free": max(session.capacity - getattr(session, "taken", 0), 0),
            "nominate_url": reverse("trainings:coordinator_nominate", args=[session.pk]),
        }
        for session in sessions
    ]
    for organisation_id, contacts in coordinators_of(people).items():
        for contact in contacts:
            _send_to_person(
                contact.person,
                key=f"training-partner-due:{partnership.pk}:{contact.pk}",
                name="training_partner_due",
                context={
                    "partnership": partnership,
                    "organisation": contact.organisation,
                    "recipient": contact.person,
                    "people": people[organisation_id],
                    "sessions": offered,
                    "sessions_url": reverse("trainings:coordinator_sessions"),
                },
            )
            sent += 1
    return sent


# --- Staff ------------------------------------------------------------------------------


def notify_waitlist_started(session: TrainingSession) -> bool:
    """Tell Norec once per session that its waitlist has started, with the count and,
    for Partner training's first group, the one action that seats them: open a second
    group.
    Called by ``enrol`` for every waitlisted enrolment; the outbox key keeps it to one
    message (and the check below spares rendering it again)."""
    key = f"training-waitlist-started:{session.pk}"
    if OutboxEmail.objects.filter(idempotency_key=key).exists():
        return False
    counts = session.enrolments.aggregate(
        waiting=Count("pk", filter=Q(state=EnrolmentState.WAITLISTED)),
        taken=Count("pk", filter=Q(state__in=SEAT_STATES)),
    )
    second_group = bool(
        session.kind == SessionKind.PARTNER
        and session.week_id
        and session.group == 1
        and not TrainingSession.objects.filter(
            week_id=session.week_id, kind=session.kind, group__gt=1
        ).exists()
    )
    send_templated_email(
        key=key,
        to=settings.TRAINING_NOREC_EMAIL,
        name="training_waitlist_started",
        context={
            **session_context(session),
            **counts,
            "session_url": reverse("trainings:staff_session", args=[session.pk]),
            "parallel_url": reverse("trainings:staff_session_parallel", args=[session.pk])
            if second_group
            else "",
        },
        language=settings.LANGUAGE_CODE,
    )
    return True


def send_reminder_digests(group: str, enrolments: Sequence[Enrolment]) -> int:
    """One digest per coordinator of the organisations of ``enrolments`` (all of one
    training week or one seminar, ``group``), listing their people with what is missing."""
    by_organisation: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for enrolment in enrolments:
        by_organisation[enrolment.organisation_id].append(
            {"enrolment": enrolment, "missing": still_missing(enrolment)}
        )
    first = enrolments[0].session if enrolments else None
    sent = 0
    for organisation_id, contacts in coordinators_of(by_organisation).items():
        for contact in contacts:
            _send_to_person(
                contact.person,
                key=f"training-reminder-digest:{group}:{contact.pk}",
                name="training_reminder_digest",
                context={
                    "recipient": contact.person,
                    "organisation": contact.organisation,
                    "session": first,
                    "week": first.week if first else None,
                    "rows": by_organisation[organisation_id],
                    "sessions_url": reverse("trainings:coordinator_sessions"),
                },
            )
            sent += 1
    return sent


def notify_evaluation(enrolment: Enrolment, *, link: str, key: str) -> bool:
    """The single-use evaluation link; ``key`` is new with every link (a link sent again
    from the farewell slide is a new message)."""
    return _send_to_person(
        enrolment.person,
        key=f"training-evaluation:{enrolment.pk}:{key}",
        name="training_evaluation",
        context={
            **enrolment_context(enrolment),
            "link": link,
            "link_days": settings.TRAINING_EVALUATION_DAYS,
        },
    )
