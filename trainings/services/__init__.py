"""Use-cases of the trainings app. Staff and coordinator views, the admin, imports and
tasks all call these; each is keyword-only and atomic, and raises ``ValidationError`` with
a message a person can act on when a rule says no.

Locking: every function that changes who holds a seat locks the session row first
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway) and only one
session per transaction, so two enrolments can never race past the capacity and locks
are never taken in two orders.
"""

from .checkin import (
    CheckIn,
    check_check_in,
    check_in,
    check_out,
    default_day,
    session_days,
    week_days,
)
from .common import SIGNED_PHASES, occupy_days
from .eligibility import (
    Candidate,
    Placement,
    check_confirmation,
    check_enrolment,
    enrolment_candidates,
    explain_refusal,
    fitting_contacts,
    fitting_participants,
)
from .enrolment import (
    MAX_IMPORT_LINES,
    Outcome,
    cancel_enrolment,
    confirm_enrolment,
    enrol,
    enrol_each,
    enrol_many,
    mark_attendance,
)
from .evaluation import (
    AlreadyAnswered,
    InvalidEvaluationLink,
    ask_for_evaluation_link,
    check_evaluation_open,
    invite_to_evaluation,
    peek_evaluation_link,
    resend_evaluation_link,
    send_evaluation_invitations,
    submit_evaluation,
)
from .messages import check_message, send_session_message
from .pickers import Barred, barred_people, sessions_for_participant
from .scheduled import (
    SignupAudience,
    send_due_signup_calls,
    send_signup_call,
    send_training_reminders,
    signup_audience,
)
from .travel import (
    TravelStatus,
    check_travel_details,
    missing_travel,
    save_travel_details,
    save_travel_details_with_link,
    send_travel_link,
    set_week_travel,
    travel_enrolments,
    travel_state,
    travel_status,
    travel_statuses,
)
from .weeks import (
    SeminarDay,
    SessionPlan,
    add_parallel_group,
    cancel_training_week,
    check_seats,
    check_week,
    check_week_start,
    create_intro_seminar,
    create_training_week,
    invite_partnerships,
    save_venue,
    switch_week_online,
    update_session,
)

__all__ = [
    "TravelStatus", "check_travel_details", "missing_travel", "save_travel_details",
    "save_travel_details_with_link", "send_travel_link", "set_week_travel",
    "travel_enrolments", "travel_state", "travel_status", "travel_statuses",
    "AlreadyAnswered", "InvalidEvaluationLink", "ask_for_evaluation_link",
    "check_evaluation_open", "invite_to_evaluation", "peek_evaluation_link",
    "resend_evaluation_link", "send_evaluation_invitations", "submit_evaluation",
    "CheckIn", "check_check_in", "check_in", "check_out", "default_day", "session_days",
    "week_days",
    "Barred", "Outcome", "barred_people", "enrol_each", "sessions_for_participant",
    "MAX_IMPORT_LINES", "SIGNED_PHASES", "Candidate", "Placement", "SeminarDay", "SessionPlan",
    "SignupAudience", "add_parallel_group", "cancel_enrolment", "cancel_training_week",
    "check_confirmation", "check_enrolment", "check_seats", "check_week", "check_week_start",
    "confirm_enrolment",
    "create_intro_seminar", "create_training_week", "enrol", "enrol_many",
    "enrolment_candidates", "explain_refusal", "fitting_contacts", "fitting_participants",
    "invite_partnerships", "mark_attendance", "occupy_days", "save_venue", "send_due_signup_calls",
    "send_signup_call", "send_training_reminders", "signup_audience", "switch_week_online",
    "update_session",
    "check_message", "send_session_message",
]  # fmt: skip
