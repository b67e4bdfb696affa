"""Datetimes shown in a chosen time zone: a venue's, an activity's, or Norway's.

Django's template filters convert aware datetimes to the *current* time zone before
formatting. A :class:`ZonedDatetime` opts out (as the ``tz`` template library does), so
``{{ value|date:"H:i" }}`` shows the time in the zone the value was put in. Storage is
always UTC; this is only how a time is shown.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytz

NORWAY = ZoneInfo("Europe/Oslo")


class ZonedDatetime(dt.datetime):
    """A datetime Django's template filters show as it is (not in the viewer's zone)."""

    convert_to_local_time = False


def in_zone(value: dt.datetime, zone: dt.tzinfo) -> ZonedDatetime:
    """``value`` as a wall-clock time in ``zone``."""
    local = value.astimezone(zone)
    return ZonedDatetime(
        local.year, local.month, local.day, local.hour, local.minute, local.second,
        local.microsecond, tzinfo=local.tzinfo, fold=local.fold,
    )  # fmt: skip


# Where the tz database's first zone of a country is not where most people live.
MAIN_ZONE = {"BR": "America/Sao_Paulo"}


def country_zone(country_code: str) -> str:
    """The time zone to propose for someone in a country (Asia/Kathmandu for NP,
    Africa/Nairobi for KE; for a country with several, its main one). "" when unknown.
    A proposal only: the person can choose another."""
    code = (country_code or "").upper()
    zones = pytz.country_timezones.get(code, [])
    if not zones:
        return ""
    return MAIN_ZONE.get(code, zones[0])


def day_shift(value: dt.datetime, reference: dt.date) -> int:
    """How many days ``value``'s own date lies after ``reference`` (-1: the day before)."""
    return (value.date() - reference).days


def time_span(starts: dt.datetime, ends: dt.datetime, zone: dt.tzinfo, *, day: dt.date) -> str:
    """ "HH:MM–HH:MM" of ``starts``–``ends`` in ``zone``, saying so when that is on another
    date than ``day`` (the date the reader sees the span under): "23:00–02:00 the previous
    day". The one way a time in a second zone is written, on pages, in PDFs and emails."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    local_start, local_end = in_zone(starts, zone), in_zone(ends, zone)
    span = f"{local_start:%H:%M}–{local_end:%H:%M}"
    shift = day_shift(local_start, day)
    if shift == 0:
        return span
    if shift == -1:
        return _("%(span)s the previous day") % {"span": span}
    if shift == 1:
        return _("%(span)s the next day") % {"span": span}
    return _("%(span)s on %(date)s") % {"span": span, "date": date_format(local_start, "j F")}
