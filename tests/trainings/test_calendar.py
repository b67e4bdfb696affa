""".ics files parse back with icalendar, with the venue's zone and its VTIMEZONE."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.trainings import factories as f
from trainings import services
from trainings.models import SessionKind

pytestmark = pytest.mark.django_db


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def test_person_calendar_has_the_session_days_in_the_venue_zone(
    t1, participant, staff, staff_client
):
    services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    response = staff_client.get(
        reverse("trainings:staff_person_calendar", args=[participant.person.pk])
    )
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response.content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Africa/Kampala"]
    events = calendar.events
    assert len(events) == 6
    first = min(events, key=lambda e: e.start)
    assert first.start == dt.datetime(2026, 5, 3, 14, 0, tzinfo=first.start.tzinfo)
    assert str(first.start.tzinfo) == "Africa/Kampala"
    assert first["DTSTART"].params["TZID"] == "Africa/Kampala"
    assert first.start.astimezone(dt.UTC) == dt.datetime(2026, 5, 3, 11, 0, tzinfo=dt.UTC)
    assert "Training 1 (1/6) — Kampala" in str(first["SUMMARY"])
    assert "Kololo" in str(first["LOCATION"])
    assert str(first["STATUS"]) == "CONFIRMED"
    assert len({str(e["UID"]) for e in events}) == 6


def test_venue_calendar_holds_every_session_with_its_zone(staff_client):
    f.make_week(venue_name="Bangkok")
    f.make_week(venue_name="Kampala")
    bangkok = f.venue("Bangkok")
    response = staff_client.get(reverse("trainings:staff_venue_calendar", args=[bangkok.pk]))
    calendar = parse(response.content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Bangkok"]
    assert len(calendar.events) == 6 + 6 + 6  # three sessions of six days
    assert {str(e.start.tzinfo) for e in calendar.events} == {"Asia/Bangkok"}
    assert all("Bangkok" in str(e["SUMMARY"]) for e in calendar.events)


def test_online_seminar_calendar_uses_norway_time(staff, staff_client):
    seminar = services.create_intro_seminar(
        title="Seminar", capacity=10, venue=None, online=True, by=staff,
        days=[services.SeminarDay(dt.date(2026, 4, d), dt.time(10), dt.time(13))
              for d in (14, 16, 21)],
    )  # fmt: skip
    partnership = f.feasibility_partnership()
    services.invite_partnerships(session=seminar, partnerships=[partnership], by=staff)
    rep = f.contact_for(partnership.members.first().organisation)
    services.enrol(session=seminar, person=rep.person, by=staff)
    response = staff_client.get(reverse("trainings:staff_person_calendar", args=[rep.person.pk]))
    calendar = parse(response.content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Oslo"]
    assert sorted(e.start.date() for e in calendar.events) == [
        dt.date(2026, 4, 14), dt.date(2026, 4, 16), dt.date(2026, 4, 21)
    ]  # fmt: skip
    assert {str(e["STATUS"]) for e in calendar.events} == {"TENTATIVE"}  # nominated


def test_cancelled_enrolments_are_left_out(t1, partner_session, participant, contact, staff,
                                            staff_client):  # fmt: skip
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=enrolment, by=staff)
    response = staff_client.get(
        reverse("trainings:staff_person_calendar", args=[participant.person.pk])
    )
    assert parse(response.content).events == []
    # A session of another kind is still listed for its own person.
    services.enrol(session=partner_session, person=contact.person, by=staff)
    other = staff_client.get(reverse("trainings:staff_person_calendar", args=[contact.person.pk]))
    summaries = [str(e["SUMMARY"]) for e in parse(other.content).events]
    assert summaries and all(str(SessionKind.PARTNER.label) in s for s in summaries)
