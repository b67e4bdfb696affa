"""Settings of the trainings app, with their defaults (override them in settings.py)."""

from __future__ import annotations

from django.conf import settings

from .models import SessionKind

DEFAULTS = {
    # (days before, days after) the exchange start (Training 1) or end (Training 2)
    # within which the training week must start.
    "TRAINING_1_WINDOW_DAYS": (90, 30),
    "TRAINING_2_WINDOW_DAYS": (60, 30),
    # The call for sign-up goes out this many days before a week starts.
    "TRAINING_SIGNUP_CALL_DAYS": 91,
    # The reminder goes out this many days before a session's first day.
    "TRAINING_REMINDER_DAYS": 14,
    # Where Norec is told about cancellations.
    "TRAINING_NOREC_EMAIL": "training@norec.no",
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def window_days(kind: str) -> tuple[int, int]:
    """``(before, after)`` in days around the exchange date that anchors ``kind``."""
    name = "TRAINING_1_WINDOW_DAYS" if kind == SessionKind.TRAINING_1 else "TRAINING_2_WINDOW_DAYS"
    before, after = get(name)
    return int(before), int(after)
