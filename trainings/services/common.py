"""What the trainings services share: phases, formatting, the session lock."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format

from partnerships.models import Person

from ..models import (
    SEAT_STATES,
    Enrolment,
    OccupiedDay,
    SessionKind,
    TrainingSession,
    session_dates,
)
from ..readiness import SIGNED_PHASES as SIGNED_PHASES

INTRO_SEMINAR_DAYS = 3


def format_day(value: dt.date) -> str:
    """A day as messages print it ("5 March 2026")."""
    return date_format(value, "j F Y")


def kind_label(kind: str) -> str:
    return str(SessionKind(kind).label)


def lock_session(session: TrainingSession | int) -> TrainingSession:
    """Lock the session row (``SELECT … FOR UPDATE``, only the session's own row) and
    return it with its week and venue. Every change of who holds a seat starts here."""
    pk = session if isinstance(session, int) else session.pk
    return (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("week__venue", "venue")
        .get(pk=pk)
    )


def seats_taken(session: TrainingSession) -> int:
    return Enrolment.objects.filter(session=session, state__in=SEAT_STATES).count()


def lock_person(person: Person) -> Person:
    """Lock the person's row: taken by ``enrol`` after the session's lock, so two
    nominations of one person (to two sessions, each under its own session lock) are
    checked one after the other and the second sees the first."""
    return Person.objects.select_for_update(of=("self",)).get(pk=person.pk)


def occupy_days(enrolment: Enrolment) -> None:
    """Record the days ``enrolment`` takes its person (it now counts: anything but
    cancelled). The unique (person, date) pair refuses a clash, even one no check saw."""
    OccupiedDay.objects.bulk_create(
        OccupiedDay(enrolment=enrolment, person_id=enrolment.person_id, date=day)
        for day in session_dates(enrolment.session)
    )


def free_days(enrolments: list[Enrolment] | Enrolment) -> None:
    """The enrolments were cancelled: their days are free again."""
    ids = [e.pk for e in enrolments] if isinstance(enrolments, list) else [enrolments.pk]
    OccupiedDay.objects.filter(enrolment_id__in=ids).delete()
