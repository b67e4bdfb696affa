"""One way to write a time in a second zone: the date is named when it differs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from norec_portal.zones import NORWAY, time_span

BANGKOK = ZoneInfo("Asia/Bangkok")
UTC = dt.UTC


def span(start_utc: dt.datetime, hours: int, zone, day: dt.date) -> str:
    return time_span(start_utc, start_utc + dt.timedelta(hours=hours), zone, day=day)


def test_same_date_is_just_the_times():
    start = dt.datetime(2026, 5, 3, 10, 0, tzinfo=UTC)  # 12:00 in Oslo
    assert span(start, 3, NORWAY, dt.date(2026, 5, 3)) == "12:00–15:00"


def test_the_previous_day_is_said():
    start = dt.datetime(2026, 11, 8, 22, 0, tzinfo=UTC)  # 05:00 on 9 Nov in Bangkok
    assert span(start, 3, NORWAY, dt.date(2026, 11, 9)) == "23:00–02:00 the previous day"


def test_the_next_day_and_further_dates_are_said():
    start = dt.datetime(2026, 11, 8, 20, 0, tzinfo=UTC)  # 21:00 Oslo, 03:00 Bangkok next day
    assert span(start, 2, BANGKOK, dt.date(2026, 11, 8)) == "03:00–05:00 the next day"
    assert span(start, 2, BANGKOK, dt.date(2026, 11, 7)) == "03:00–05:00 on 9 November"
