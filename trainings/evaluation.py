"""The questions of the evaluation a person answers after a training, one fixed set per
kind of session.

Each set has a few statements rated 1–5 (strongly disagree … strongly agree), one "How
likely are you to recommend…" rated 1–5 (very unlikely … very likely) and one free-text
"anything else". The keys are stored with every answer (``EvaluationAnswer.answers``), so
they never change once used: a reworded statement keeps its key, a new statement gets a
new one, and a statement dropped from a set is still read from old answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core import signing
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from norec_portal.ids import parse_id

from .models import SessionKind

SCALE = (1, 2, 3, 4, 5)
AGREEMENT = {
    1: _("Strongly disagree"),
    2: _("Disagree"),
    3: _("Neither agree nor disagree"),
    4: _("Agree"),
    5: _("Strongly agree"),
}
LIKELIHOOD = {
    1: _("Very unlikely"),
    2: _("Unlikely"),
    3: _("Not sure"),
    4: _("Likely"),
    5: _("Very likely"),
}
RECOMMEND = "recommend"
COMMENT_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Question:
    key: str
    text: Promise
    # The words of the five points of the scale: agreement, or likelihood.
    labels: dict[int, Promise]

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(str(value), f"{value} – {label}") for value, label in self.labels.items()]


def _statement(key: str, text: Promise) -> Question:
    return Question(key=key, text=text, labels=AGREEMENT)


FACILITATORS = _statement(
    "facilitators", _("The facilitators explained things clearly and listened to us.")
)

QUESTIONS: dict[str, tuple[Question, ...]] = {
    SessionKind.TRAINING_1: (
        _statement("prepared", _("I feel better prepared for my exchange after this training.")),
        _statement(
            "culture", _("The sessions on working and living in another culture were useful.")
        ),
        _statement(
            "expectations",
            _("I know what is expected of me during the exchange (reports, contact with Norec)."),
        ),
        _statement("safety", _("I know what to do if something goes wrong during my exchange.")),
        FACILITATORS,
        Question(
            key=RECOMMEND,
            text=_("How likely are you to recommend this training to others going on an exchange?"),
            labels=LIKELIHOOD,
        ),  # fmt: skip
    ),
    SessionKind.TRAINING_2: (
        _statement("reflect", _("The training helped me reflect on what I learned abroad.")),
        _statement(
            "share", _("I have ideas for sharing my experience with my organisation at home.")
        ),
        _statement("return", _("The training helped me with coming home and back to work.")),
        _statement("network", _("I got to know the other participants and Norec's network.")),
        FACILITATORS,
        Question(
            key=RECOMMEND,
            text=_(
                "How likely are you to recommend this training to others coming home from "
                "an exchange?"
            ),
            labels=LIKELIHOOD,
        ),  # fmt: skip
    ),
    SessionKind.PARTNER: (
        _statement(
            "roles", _("I understand what our organisation is responsible for in the partnership.")
        ),
        _statement(
            "rules", _("I know Norec's rules for the exchange (budget, reporting, safeguarding).")
        ),
        _statement(
            "follow_up",
            _("I feel able to follow up our participants before, during and after the exchange."),
        ),
        _statement("tools", _("The tools and templates we went through will be useful to us.")),
        FACILITATORS,
        Question(
            key=RECOMMEND,
            text=_(
                "How likely are you to recommend this training to colleagues in other "
                "partner organisations?"
            ),
            labels=LIKELIHOOD,
        ),  # fmt: skip
    ),
    SessionKind.INTRO_SEMINAR: (
        _statement("model", _("I understand how an exchange partnership with Norec works.")),
        _statement(
            "fit", _("The seminar helped us see whether such a partnership fits our organisation.")
        ),
        _statement("next_steps", _("I know what our organisation's next steps are.")),
        _statement(
            "partners", _("I had enough time to talk with the possible partner organisations.")
        ),
        FACILITATORS,
        Question(
            key=RECOMMEND,
            text=_("How likely are you to recommend this seminar to other organisations?"),
            labels=LIKELIHOOD,
        ),
    ),
}


def questions_for(kind: str) -> Sequence[Question]:
    """The rated questions of ``kind`` in the order they are asked (the free-text comment
    comes after them)."""
    return QUESTIONS[kind]


def question_text(kind: str, key: str) -> str:
    """The current wording of a stored key, or the key itself for one no longer asked."""
    for question in QUESTIONS.get(kind, ()):
        if question.key == key:
            return str(question.text)
    return key


# --- The farewell slide's public page ----------------------------------------------------
# Its URL carries the session id signed, so nobody walks through the sessions by number.

SLIDE_SALT = "trainings.evaluation.slide"


def slide_code(session_id: int) -> str:
    return signing.Signer(salt=SLIDE_SALT).sign(str(session_id)).replace(":", "-")


def session_id_from_slide_code(code: str) -> int | None:
    if not code or len(code) > 100:
        return None
    try:
        value = signing.Signer(salt=SLIDE_SALT).unsign(code.replace("-", ":", 1))
    except signing.BadSignature:
        return None
    return parse_id(value)
