"""The trainings app's models, by sub-domain:

* ``sessions``: venues, training weeks and their parallel sessions, enrolments and the
  days they occupy, document batches — the schedule and who may be put in it;
* ``travel``: each enrolled person's travel details, passport data encrypted, and the
  emailed links with which they fill them in;
* ``messages``: what staff wrote to everyone in a session or a week;
* ``evaluation``: the evaluation links sent after a session and the anonymous answers;
* ``attendance``: who was checked in at the venue on which day.

Every name is re-exported here: ``from trainings.models import X`` is the way to reach them.
"""

from __future__ import annotations

from .attendance import DayAttendance
from .evaluation import EvaluationAnswer, EvaluationInvitation
from .messages import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, SessionMessage
from .sessions import (
    ACTIVE_STATES,
    ARRIVAL_TIME,
    CONTACT_KINDS,
    DAY_END,
    DAY_START,
    DEPARTURE_TIME,
    ENROLMENT_TRANSITIONS,
    FAREWELL_PARTY,
    MAX_SESSION_SEATS,
    NORWAY_TIME_ZONE,
    PARTICIPANT_KINDS,
    PROGRAMME_END,
    PROGRAMME_START,
    SEAT_STATES,
    WEEK_KINDS,
    DocumentBatch,
    Enrolment,
    EnrolmentQuerySet,
    EnrolmentState,
    OccupiedDay,
    RoomArrangement,
    SeminarInvitation,
    SessionDay,
    SessionKind,
    TrainingSession,
    TrainingSessionQuerySet,
    TrainingWeek,
    TrainingWeekQuerySet,
    Venue,
    exchange_window,
    seats_taken,
    session_dates,
    validate_time_zone,
    waitlist_length,
    window_days,
)
from .travel import TravelDetails, TravelLink

__all__ = [
    "ACTIVE_STATES",
    "ARRIVAL_TIME",
    "BODY_MAX_LENGTH",
    "CONTACT_KINDS",
    "DAY_END",
    "DAY_START",
    "DEPARTURE_TIME",
    "ENROLMENT_TRANSITIONS",
    "FAREWELL_PARTY",
    "MAX_SESSION_SEATS",
    "NORWAY_TIME_ZONE",
    "PARTICIPANT_KINDS",
    "PROGRAMME_END",
    "PROGRAMME_START",
    "SEAT_STATES",
    "SUBJECT_MAX_LENGTH",
    "WEEK_KINDS",
    "DayAttendance",
    "DocumentBatch",
    "EvaluationAnswer",
    "EvaluationInvitation",
    "Enrolment",
    "EnrolmentQuerySet",
    "EnrolmentState",
    "OccupiedDay",
    "RoomArrangement",
    "SeminarInvitation",
    "SessionDay",
    "SessionKind",
    "SessionMessage",
    "TrainingSession",
    "TrainingSessionQuerySet",
    "TrainingWeek",
    "TrainingWeekQuerySet",
    "TravelDetails",
    "TravelLink",
    "Venue",
    "exchange_window",
    "seats_taken",
    "session_dates",
    "validate_time_zone",
    "waitlist_length",
    "window_days",
]
