"""People who contribute to a session besides its staff facilitators — lecturers,
interpreters and resource persons — as other apps know them.

``trainings`` never imports the apps that build on it (``network`` asks alumni to serve
in a session and records their answers). Those apps register a provider here when they
start; the session page and the programme ask :func:`for_sessions` and show what the
providers return, without knowing where it comes from. When a week is cancelled,
:func:`sessions_cancelled` tells the same apps, which release the people they asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from norec_portal.models import User

from .models import TrainingSession


@dataclass(frozen=True)
class Contributor:
    name: str
    role: str  # shown as it is (translated by the provider)


# sessions → contributors by session id; one query per provider for all sessions.
Provider = Callable[[Sequence[TrainingSession]], dict[int, list[Contributor]]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def for_sessions(sessions: Sequence[TrainingSession]) -> dict[int, list[Contributor]]:
    found: dict[int, list[Contributor]] = {s.pk: [] for s in sessions}
    if not sessions:
        return found
    for provider in _providers:
        for session_id, people in provider(sessions).items():
            found.setdefault(session_id, []).extend(people)
    return found


# Sessions cancelled (why, by whom) → how many people asked to serve in them were released
# and told; called in the cancelling transaction.
CancelListener = Callable[[Sequence[TrainingSession], str, User | None], int]
_cancel_listeners: list[CancelListener] = []


def register_cancel_listener(listener: CancelListener) -> None:
    if listener not in _cancel_listeners:
        _cancel_listeners.append(listener)


def sessions_cancelled(sessions: Sequence[TrainingSession], reason: str, *, by: User | None) -> int:
    return sum(listener(sessions, reason, by) for listener in _cancel_listeners)
