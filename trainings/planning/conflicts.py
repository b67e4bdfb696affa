"""Conflicts in the plan: a facilitator in two sessions at once. (A venue booked twice
in one week is refused when the week is created, and by the database.)"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import TrainingSession, TrainingWeek


def _label(session: TrainingSession) -> str:
    return f"{session.name} ({session.place}, {date_format(session.first_day, 'j M Y')})"


def find_conflicts(
    weeks: Sequence[TrainingWeek], sessions: Iterable[TrainingSession]
) -> tuple[dict[int, list[str]], list[str]]:
    """Conflicts by week id, and all of them: a facilitator in two sessions at once.
    ``sessions`` are those of ``weeks`` (their ``week`` loaded) and any seminars, as
    ``sessions_for_conflicts`` loads them; cancelled weeks and sessions do not count."""
    by_week: dict[int, list[str]] = defaultdict(list)
    everything: list[str] = []
    # A venue booked twice the same Sunday is refused when the week is created (and by
    # the database): only the facilitators are left to clash.
    per_facilitator: dict[int, list[TrainingSession]] = defaultdict(list)
    people = {}
    for session in sessions:
        if session.is_cancelled:
            continue
        for person in session.facilitator_list:
            per_facilitator[person.pk].append(session)
            people[person.pk] = person
    for pk, theirs in per_facilitator.items():
        theirs.sort(key=lambda s: (s.first_day, s.pk))
        for index, first in enumerate(theirs):
            for second in theirs[index + 1 :]:
                if second.first_day > first.last_day:
                    break
                message = _("%(name)s facilitates %(first)s and %(second)s at the same time.") % {
                    "name": people[pk],
                    "first": _label(first),
                    "second": _label(second),
                }
                everything.append(message)
                for session in (first, second):
                    if session.week_id:
                        by_week[session.week_id].append(message)
    return dict(by_week), everything
