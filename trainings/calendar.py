"""iCalendar (.ics) files: a person's trainings, or everything at a venue.

Each session day is an event whose times carry the venue's time zone; the matching
VTIMEZONE blocks are generated from the time-zone database, so calendar programs show
the right local time wherever the reader is.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Enrolment, SessionDay, TrainingSession

PRODID = "-//Norec//Norec Portal trainings//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _events(
    session: TrainingSession, days: Iterable[SessionDay], *, status: str = "CONFIRMED"
) -> list[Event]:
    zone = session.zone
    venue = session.place_venue
    location = str(session.place)
    if venue is not None and not session.is_online:
        location = f"{venue.name}, " + ", ".join(
            line.strip() for line in venue.address.splitlines() if line.strip()
        )
    domain = settings.OUTBOX_MESSAGE_ID_DOMAIN
    events = []
    days = list(days)
    for number, day in enumerate(days, start=1):
        event = Event()
        event.add("uid", f"training-session-day-{day.pk}@{domain}")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", day.starts_at.astimezone(zone))
        event.add("dtend", day.ends_at.astimezone(zone))
        event.add("summary", f"{session.name} ({number}/{len(days)}) — {session.place}")
        event.add("location", location)
        event.add("status", "CANCELLED" if session.is_cancelled else status)
        events.append(event)
    return events


def _finish(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


def person_calendar(name: str, enrolments: Iterable[Enrolment]) -> bytes:
    """The session days of a person's enrolments (``session__days`` prefetched)."""
    calendar = _calendar(name)
    for enrolment in enrolments:
        status = "CONFIRMED" if enrolment.state != Enrolment.State.WAITLISTED else "TENTATIVE"
        if enrolment.state == Enrolment.State.NOMINATED:
            status = "TENTATIVE"
        for event in _events(enrolment.session, enrolment.session.days.all(), status=status):
            calendar.add_component(event)
    return _finish(calendar)


def sessions_calendar(name: str, sessions: Iterable[TrainingSession]) -> bytes:
    """The days of ``sessions`` (``days`` prefetched), e.g. everything at one venue."""
    calendar = _calendar(name)
    for session in sessions:
        for event in _events(session, session.days.all()):
            calendar.add_component(event)
    return _finish(calendar)
