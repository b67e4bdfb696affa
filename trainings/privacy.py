"""What the trainings app holds about people, for export, erasure and retention
(registered with :mod:`norec_portal.privacy` in ``TrainingsConfig.ready``).

Enrolments stay when a person is anonymised: they are the attendance statistics. Only
the free-text cancellation reason, which may name circumstances, is emptied. The days an
enrolment occupies (``OccupiedDay``) are derived from it and the session: exported with
the enrolments' sessions, they hold nothing else to export or empty.

Travel details go with the person (deleted when they are anonymised, with the links sent
to fill them in); their passport data is erased by the retention job
``PRIVACY_PASSPORT_DAYS`` after the session's last day. A travel link holds only the
address it was sent to and the hash of its token: it is not exported (it says nothing
the enrolment does not), and deleted on anonymisation.

Messages to a session name only the staff member who sent them (exported with that
member's data; the link is emptied with the login). Who received a copy is the outbox's
record, covered by the core.

An evaluation invitation says that the person was sent the evaluation link and whether
they used it, never what they answered: exported with them, and kept on anonymisation
(like the enrolment it belongs to, it counts in the response rate) with an unused link
made to stop working. Evaluation answers hold nothing about anyone: no column leads from
an answer to an invitation, an enrolment or a person (``models/evaluation.py``), so
there is nothing to export or erase per person.

Day attendances (who was checked in at the venue on which day) stay with their enrolments,
as the attendance they detail; they are exported with the person's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from norec_portal import privacy
from norec_portal.privacy import Section, Subject, named_as, section

from .models import (
    ACTIVE_STATES,
    DayAttendance,
    DocumentBatch,
    Enrolment,
    EvaluationInvitation,
    OccupiedDay,
    SeminarInvitation,
    SessionMessage,
    TrainingSession,
    TrainingWeek,
    TravelDetails,
    TravelLink,
)

TRAVEL_FIELDS = [
    "enrolment", "arrival_date", "arrival_time", "arrival_by", "arrival_airport",
    "departure_date", "departure_time", "departure_by", "departure_airport", "dietary_needs",
    "accessibility_needs", "emergency_contact_name", "emergency_contact_phone", "needs_visa",
    "passport_name", "passport_number", "passport_nationality", "passport_expiry",
    "passport_erased_at", "created_at", "updated_at",
]  # fmt: skip
PASSPORT_ERASED = {
    "passport_name": "", "passport_number": "", "passport_nationality": "",
    "passport_expiry": None,
}  # fmt: skip


def _enrolments(subject: Subject) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(person=subject.person).select_related(
        "organisation", "session__week__venue", "session__venue"
    )


def _export(subject: Subject) -> Iterable[Section | None]:
    if subject.person is not None:
        yield section(
            _("Training enrolments"), Enrolment, _enrolments(subject).order_by("pk"),
            ["session", "kind", "state", "organisation", "created_at", "confirmed_at",
             "attendance_marked_at", "cancelled_at", "cancellation_reason"],
        )  # fmt: skip
        yield section(
            _("Travel details"), TravelDetails,
            TravelDetails.objects.filter(enrolment__person=subject.person)
            .select_related("enrolment__session").order_by("pk"),
            TRAVEL_FIELDS,
        )  # fmt: skip
        yield section(
            _("Evaluation links"), EvaluationInvitation,
            EvaluationInvitation.objects.filter(enrolment__person=subject.person)
            .select_related("enrolment__session").order_by("pk"),
            ["enrolment", "sent_at", "used_at", "expires_at"],
        )  # fmt: skip
        yield section(
            _("Check-ins at the venue"), DayAttendance,
            DayAttendance.objects.filter(enrolment__person=subject.person)
            .select_related("enrolment__session").order_by("date", "pk"),
            ["enrolment", "date", "marked_at", "how"],
        )  # fmt: skip
    user = subject.user
    yield named_as(user, Enrolment, "nominated_by", "cancelled_by")
    yield named_as(user, TrainingWeek, "created_by")
    yield named_as(user, TrainingSession, "facilitators")
    yield named_as(user, SeminarInvitation, "invited_by")
    yield named_as(user, DocumentBatch, "requested_by")
    yield named_as(user, SessionMessage, "sent_by")
    yield named_as(user, DayAttendance, "marked_by")


def _anonymise(subject: Subject, by: Any) -> Iterable[str]:
    if subject.person is None:
        return []
    done = []
    count = _enrolments(subject).exclude(cancellation_reason="").update(cancellation_reason="")
    if count:
        done.append(f"{count} cancellation reasons emptied")
    travel, _by_model = TravelDetails.objects.filter(enrolment__person=subject.person).delete()
    if travel:
        done.append(f"{travel} travel details deleted")
    links, _by_model = TravelLink.objects.filter(enrolment__person=subject.person).delete()
    if links:
        done.append(f"{links} travel links deleted")
    closed = EvaluationInvitation.objects.filter(
        enrolment__person=subject.person, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(expires_at=timezone.now())
    if closed:
        done.append(f"{closed} evaluation links closed")
    return done


def _blockers(subject: Subject) -> Iterable[str]:
    if subject.person is None:
        return []
    upcoming = (
        _enrolments(subject)
        .filter(state__in=ACTIVE_STATES, session__last_day__gte=timezone.localdate())
        .first()
    )
    if upcoming is None:
        return []
    return [
        _("%(name)s is enrolled in %(session)s (%(date)s); cancel that enrolment first.")
        % {
            "name": subject.person.full_name,
            "session": upcoming.session.name,
            "date": date_format(upcoming.session.first_day, "j F Y"),
        }  # fmt: skip
    ]


def _people_to_keep(cutoff: dt.datetime) -> Iterable[QuerySet]:
    yield Enrolment.objects.filter(
        Q(session__last_day__gte=cutoff.date()) | Q(created_at__gte=cutoff)
    ).values("person_id")


def _retention(now: dt.datetime) -> dict[str, int]:
    # Rendered certificates (names inside) can be rendered again from the enrolments.
    cutoff = now - dt.timedelta(days=settings.PRIVACY_DOCUMENT_DAYS)
    deleted, _by_model = DocumentBatch.objects.filter(created_at__lt=cutoff).delete()
    # Passports: kept while a visa may still be asked about, then erased for good.
    passport_cutoff = (now - dt.timedelta(days=settings.PRIVACY_PASSPORT_DAYS)).date()
    erased = (
        TravelDetails.objects.filter(
            enrolment__session__last_day__lt=passport_cutoff, passport_erased_at__isnull=True
        )  # fmt: skip
        .exclude(
            passport_number="",
            passport_name="",
            passport_nationality="",
            passport_expiry__isnull=True,
        )  # fmt: skip
        .update(**PASSPORT_ERASED, passport_erased_at=now)
    )
    return {"document_batches_deleted": deleted, "passports_erased": erased}


def register() -> None:
    privacy.register(
        privacy.Source(
            app="trainings",
            covers=(
                Enrolment,
                OccupiedDay,
                TrainingWeek,
                TrainingSession,
                SeminarInvitation,
                DocumentBatch,
                TravelDetails,
                TravelLink,
                SessionMessage,
                EvaluationInvitation,
                DayAttendance,
            ),  # fmt: skip
            export=_export,
            anonymise=_anonymise,
            people_to_keep=_people_to_keep,
            retention=_retention,
            blockers=_blockers,
            order=20,
        )
    )
