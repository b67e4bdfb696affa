"""The days and times of sessions: default plans, online format, local display."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from norec_portal.zones import NORWAY, ZonedDatetime, in_zone, time_span

from .models import (
    DAY_END,
    DAY_START,
    PROGRAMME_END,
    PROGRAMME_START,
    SessionDay,
    SessionKind,
    TrainingSession,
    TrainingWeek,
)

FULL_WEEK = 6  # Sunday afternoon to Friday evening
SHORT_PARTNER_TRAINING = 3  # Sunday afternoon to Tuesday

# How many days a week's session may have, by kind.
DAY_OPTIONS: dict[str, tuple[int, ...]] = {
    SessionKind.TRAINING_1: (FULL_WEEK,),
    SessionKind.TRAINING_2: (FULL_WEEK,),
    SessionKind.PARTNER: (FULL_WEEK, SHORT_PARTNER_TRAINING),
}

ONLINE_DAY_START = dt.time(13, 0)
ONLINE_DAY_HOURS = 3


def _aware(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def week_day_times(week: TrainingWeek, day_count: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) in UTC of each day of a week's session of ``day_count`` days.

    In person: Sunday from the afternoon, full days after, and on a full week the Friday
    runs until after the farewell party. Online: a shorter block each day.
    """
    zone = week.venue.zone
    times = []
    for offset in range(day_count):
        day = week.starts_on + dt.timedelta(days=offset)
        if week.is_online:
            start = _aware(day, ONLINE_DAY_START, zone)
            times.append((start, start + dt.timedelta(hours=ONLINE_DAY_HOURS)))
            continue
        start = PROGRAMME_START if offset == 0 else DAY_START
        end = PROGRAMME_END if offset == FULL_WEEK - 1 else DAY_END
        times.append((_aware(day, start, zone), _aware(day, end, zone)))
    return times


def online_day_times(
    days: Iterable[SessionDay], zone: ZoneInfo, *, start: dt.time, hours: int
) -> list[tuple[SessionDay, dt.datetime, dt.datetime]]:
    """The same dates (in the venue's zone) as ``days``, each moved into an online block."""
    moved = []
    for day in days:
        local_date = day.starts_at.astimezone(zone).date()
        begins = _aware(local_date, start, zone)
        moved.append((day, begins, begins + dt.timedelta(hours=hours)))
    return moved


@dataclass(frozen=True)
class LocalDay:
    """One session day as people read it: in the venue's zone and in Norway's."""

    starts: ZonedDatetime
    ends: ZonedDatetime
    starts_norway: ZonedDatetime
    ends_norway: ZonedDatetime
    note: str = ""

    @property
    def same_in_norway(self) -> bool:
        return self.starts.utcoffset() == self.starts_norway.utcoffset()

    @property
    def norway_span(self) -> str:
        """The day's times in Norway, saying when Norway's date differs from the
        venue's ("23:00–02:00 the previous day")."""
        return time_span(self.starts, self.ends, NORWAY, day=self.starts.date())


def local_days(
    session: TrainingSession, days: Sequence[SessionDay] | None = None
) -> list[LocalDay]:
    """The session's days in its venue's zone (uses prefetched ``days`` when given)."""
    zone = session.zone
    if days is None:
        days = list(session.days.all())
    return [
        LocalDay(
            starts=in_zone(day.starts_at, zone),
            ends=in_zone(day.ends_at, zone),
            starts_norway=in_zone(day.starts_at, NORWAY),
            ends_norway=in_zone(day.ends_at, NORWAY),
            note=day.note,
        )
        for day in days
    ]
