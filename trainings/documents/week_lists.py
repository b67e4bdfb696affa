"""The lists the venue and the drivers work from: who arrives and leaves when (pick-up),
who sleeps where (rooming), who eats what and needs which help (dietary and access).

A list covers a whole week, its parallel sessions together (one hotel, one airport run),
or an introductory seminar on its own. It names everyone expected: the people holding a
seat (nominated or confirmed; attended or not once the week has run). Whoever has not
given their travel details yet is listed as missing, so the list is never silently short.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from norec_portal.pdf import render_pdf
from partnerships.models import Person

from ..models import (
    SEAT_STATES,
    Enrolment,
    RoomArrangement,
    TrainingSession,
    TrainingWeek,
    TravelDetails,
    Venue,
)
from ..planning import KIND_ORDER
from .common import common_context
from .letters import travel_of

LIST_TITLES = {
    "pickup": gettext_lazy("Pick-up list"),
    "rooming": gettext_lazy("Rooming list"),
    "dietary": gettext_lazy("Dietary and accessibility needs"),
}


@dataclass
class WeekScope:
    """What a list covers: a week's sessions or one seminar, with the dates the venue
    expects people from and until."""

    title: str
    venue: Venue
    sessions: list[TrainingSession]
    arrival: dt.date
    departure: dt.date
    rooms: str
    key: dict[str, int]  # how the export is audited: {"week": pk} or {"session": pk}
    enrolments: list[Enrolment] = field(default_factory=list)

    @property
    def shares_rooms(self) -> bool:
        return self.rooms == RoomArrangement.SHARED


def _expected(sessions: Sequence[TrainingSession]) -> list[Enrolment]:
    order = {s.pk: n for n, s in enumerate(sessions)}
    enrolments = list(
        Enrolment.objects.filter(session__in=[s.pk for s in sessions], state__in=SEAT_STATES)
        .select_related("person", "organisation", "travel")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    by_pk = {s.pk: s for s in sessions}
    for enrolment in enrolments:
        enrolment.session = by_pk[enrolment.session_id]  # no query per row for its name
    enrolments.sort(key=lambda e: (order[e.session_id], _name_key(e.person), e.pk))
    return enrolments


def _name_key(person: Person) -> tuple[str, str]:
    return person.last_name.casefold(), person.first_name.casefold()


def scope_for_week(week: TrainingWeek) -> WeekScope:
    sessions = list(
        week.sessions.exclude(status=TrainingSession.Status.CANCELLED)
        .select_related("week__venue", "venue")
        .order_by(KIND_ORDER, "group", "pk")
    )
    return WeekScope(
        title=str(week),
        venue=week.venue,
        sessions=sessions,
        arrival=week.starts_on,
        departure=week.ends_on,
        rooms=week.rooms,
        key={"week": week.pk},
        enrolments=_expected(sessions),
    )


def scope_for_session(session: TrainingSession) -> WeekScope:
    """A seminar's own lists (a week's session is listed with its week). Its people are
    expected the evening before the first day and leave the morning after the last; a
    seminar has no room setting: they share rooms, the hotel's usual arrangement."""
    if session.week_id is not None:
        return scope_for_week(session.week)
    return WeekScope(
        title=f"{session.name}, {session.place}",
        venue=session.place_venue,
        sessions=[session],
        arrival=session.first_day - dt.timedelta(days=1),
        departure=session.last_day + dt.timedelta(days=1),
        rooms=RoomArrangement.SHARED,
        key={"session": session.pk},
        enrolments=_expected([session]),
    )


# --- Pick-up ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    enrolment: Enrolment
    moves: str  # "arrival" or "departure"
    date: dt.date
    time: dt.time | None
    by: str
    airport: str
    flag: str

    @property
    def person(self) -> Person:
        return self.enrolment.person


@dataclass
class PickupList:
    days: list[tuple[dt.date, list[Movement]]]
    missing: list[Enrolment]


def pickup_list(scope: WeekScope) -> PickupList:
    """Arrivals and departures grouped by day, by time within the day (an unknown time
    last); an arrival before the scope's first day or a departure after its last is
    flagged, as the hotel then needs an extra night."""
    movements: list[Movement] = []
    missing = []
    for enrolment in scope.enrolments:
        travel = travel_of(enrolment)
        if travel is None or (travel.arrival_date is None and travel.departure_date is None):
            missing.append(enrolment)
            continue
        if travel.arrival_date is not None:
            early = travel.arrival_date < scope.arrival
            movements.append(Movement(
                enrolment, "arrival", travel.arrival_date, travel.arrival_time,
                travel.arrival_by, travel.arrival_airport,
                _("Early arrival") if early else "",
            ))  # fmt: skip
        if travel.departure_date is not None:
            late = travel.departure_date > scope.departure
            movements.append(Movement(
                enrolment, "departure", travel.departure_date, travel.departure_time,
                travel.departure_by, travel.departure_airport,
                _("Late departure") if late else "",
            ))  # fmt: skip
    movements.sort(
        key=lambda m: (
            m.date,
            m.time is None,
            m.time or dt.time(0),
            m.moves != "arrival",
            _name_key(m.person),
            m.enrolment.pk,
        )
    )
    days: dict[dt.date, list[Movement]] = {}
    for movement in movements:
        days.setdefault(movement.date, []).append(movement)
    return PickupList(days=list(days.items()), missing=missing)


# --- Rooming ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Room:
    number: int
    occupants: list[Enrolment]
    check_in: dt.date
    check_out: dt.date
    note: str = ""


@dataclass
class RoomingList:
    rooms: list[Room]
    missing: list[Enrolment]  # without travel details: their dates are the scope's

    @property
    def people(self) -> int:
        return sum(len(room.occupants) for room in self.rooms)


def _stay(enrolment: Enrolment, scope: WeekScope) -> tuple[dt.date, dt.date]:
    travel: TravelDetails | None = travel_of(enrolment)
    check_in = (travel.arrival_date if travel else None) or scope.arrival
    check_out = (travel.departure_date if travel else None) or scope.departure
    return check_in, check_out


def rooming_list(scope: WeekScope) -> RoomingList:
    """Single rooms: one each. Shared rooms: two women or two men together, paired in the
    order of their session and then their name, so the same people give the same list;
    the odd one of a group, and anyone whose gender is not recorded as female or male,
    gets a room alone (said on the list)."""
    session_order = {s.pk: n for n, s in enumerate(scope.sessions)}

    def order(e: Enrolment) -> tuple:
        return (session_order[e.session_id], _name_key(e.person), e.pk)

    groups: list[tuple[list[Enrolment], str]] = []
    if not scope.shares_rooms:
        groups = [([e], "") for e in sorted(scope.enrolments, key=order)]
    else:
        for gender in (Person.Gender.FEMALE, Person.Gender.MALE):
            people = sorted((e for e in scope.enrolments if e.person.gender == gender), key=order)
            for start in range(0, len(people), 2):
                pair = people[start : start + 2]
                groups.append((pair, "" if len(pair) == 2 else _("Odd one out: a room alone")))
        alone = sorted(
            (e for e in scope.enrolments if e.person.gender not in ("female", "male")), key=order
        )
        groups += [([e], _("Gender not recorded: a room alone")) for e in alone]
    rooms = []
    for number, (occupants, note) in enumerate(groups, start=1):
        stays = [_stay(e, scope) for e in occupants]
        rooms.append(
            Room(
                number=number,
                occupants=occupants,
                check_in=min(s[0] for s in stays),
                check_out=max(s[1] for s in stays),
                note=note,
            )
        )
    missing = [e for e in scope.enrolments if travel_of(e) is None]
    return RoomingList(rooms=rooms, missing=missing)


# --- Dietary and accessibility ----------------------------------------------------------


@dataclass
class NeedsList:
    dietary: list[tuple[str, int]]  # need as written, how many people
    accessibility: list[tuple[str, int]]
    people: list[Enrolment]  # those with a need, with their travel details
    missing: list[Enrolment]


def _count(values: list[str]) -> list[tuple[str, int]]:
    """Needs written alike (case, spaces, a final full stop) counted as one, shown with
    a capital."""
    counted: dict[str, list] = {}
    for value in values:
        shown = " ".join(value.split()).rstrip(".")
        if shown:
            shown = shown[0].upper() + shown[1:]
            counted.setdefault(shown.casefold(), [shown, 0])[1] += 1
    return sorted(((shown, n) for shown, n in counted.values()), key=lambda c: (-c[1], c[0]))


def dietary_list(scope: WeekScope) -> NeedsList:
    with_travel = [(e, travel_of(e)) for e in scope.enrolments]
    return NeedsList(
        dietary=_count([t.dietary_needs for _e, t in with_travel if t]),
        accessibility=_count([t.accessibility_needs for _e, t in with_travel if t]),
        people=[
            e
            for e, t in with_travel
            if t and (t.dietary_needs.strip() or t.accessibility_needs.strip())
        ],
        missing=[e for e, t in with_travel if t is None],
    )


BUILDERS = {"pickup": pickup_list, "rooming": rooming_list, "dietary": dietary_list}


def week_list_pdf(which: str, scope: WeekScope) -> bytes:
    """One of the lists (``pickup``, ``rooming``, ``dietary``) as a PDF."""
    return render_pdf(
        f"documents/trainings_{which}_list.html",
        {
            **common_context(),
            "scope": scope,
            "title": LIST_TITLES[which],
            "data": BUILDERS[which](scope),
            "zone": scope.venue.time_zone if scope.venue else "",
        },
    )
