"""What the trainings services share: phases, formatting, the session lock."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format

from ..models import (
    SEAT_STATES,
    Enrolment,
    SessionKind,
    TrainingSession,
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
