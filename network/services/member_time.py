"""An activity's time on a member's own clock, shown beside the activity's own time on
pages, in emails and reminders (the ``.ics`` keeps the activity's zone)."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from typing import Any

from norec_portal.zones import ZonedDatetime, in_zone

from ..models import Activity, Member


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class MemberTime:
    """An activity's start and end on a member's clock, shown next to the activity's own."""

    zone: str
    starts: ZonedDatetime
    ends: ZonedDatetime
    other_date: bool  # the member's date is not the activity's date


def member_time(activity: Activity, zone_name: str) -> MemberTime | None:
    """The activity on the clock of ``zone_name``; None when the member's zone is unknown
    or their clock reads the same as the activity's (nothing more to show)."""
    if not zone_name or zone_name not in _zones():
        return None
    zone = zoneinfo.ZoneInfo(zone_name)
    starts, ends = in_zone(activity.starts_at, zone), in_zone(activity.ends_at, zone)
    local_start, local_end = activity.local_start, activity.local_end
    same_clock = (starts.replace(tzinfo=None), ends.replace(tzinfo=None)) == (
        local_start.replace(tzinfo=None),
        local_end.replace(tzinfo=None),
    )
    if same_clock:
        return None
    return MemberTime(zone_name, starts, ends, starts.date() != local_start.date())


def with_member_time(activity: Any, member: Member | None) -> Any:
    """``activity`` with ``member_time`` set for showing (never saved)."""
    activity.member_time = member_time(activity, member.zone_name) if member else None
    return activity
