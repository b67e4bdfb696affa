"""The year at a glance: every week of a year as venue columns × week rows, with seats
taken per session and the conflicts, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)

from norec_portal.models import User

from ..models import (
    SEAT_STATES,
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
    TrainingWeek,
    Venue,
)
from .conflicts import find_conflicts


@dataclass
class YearRow:
    starts_on: dt.date
    cells: list[list[TrainingWeek]]  # one list of weeks per venue column


@dataclass
class YearPlan:
    """Each week in ``rows`` carries ``planned_sessions`` (its sessions in Norec's order,
    with seats taken) and ``conflicts``."""

    year: int
    venues: list[Venue]
    rows: list[YearRow]
    seminars: list[TrainingSession]
    conflicts: list[str]
    week_conflicts: dict[int, list[str]] = field(default_factory=dict)


# Sessions are listed as Norec names them: Training 1, Training 2, Partner training.
KIND_ORDER = Case(
    *(When(kind=kind, then=Value(index)) for index, kind in enumerate(SessionKind.values)),
    output_field=IntegerField(),
)
KIND_INDEX = {kind: index for index, kind in enumerate(SessionKind.values)}


def sessions_with_counts():
    return (
        TrainingSession.objects.with_counts()
        .prefetch_related("facilitators")
        .order_by(KIND_ORDER, "group", "pk")
    )


def sessions_for_conflicts():
    """Sessions as ``find_conflicts`` reads them: in Norec's order, each with its
    facilitators as a plain list, ``facilitator_list`` (no related manager per session)."""
    return TrainingSession.objects.prefetch_related(
        Prefetch("facilitators", to_attr="facilitator_list")
    ).order_by(KIND_ORDER, "group", "pk")


def enrolments_in(*states: str) -> Subquery:
    """The number of a session's enrolments in ``states``, as a subquery per session: it
    reads the session's own enrolments by index, where ``with_counts`` joins every
    enrolment of the selected sessions and groups them. ``COUNT(*)`` rather than a count
    of ids: the (session, state) index alone answers it, without visiting the table."""
    return Subquery(
        Enrolment.objects.filter(session=OuterRef("pk"), state__in=states)
        .order_by()
        .annotate(count=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("count"),
        output_field=IntegerField(),
    )


def year_plan(year: int) -> YearPlan:
    """Every week of ``year`` as venue columns × week rows, with seats taken per session.
    Four queries whatever the number of weeks: the weeks, their sessions and the year's
    seminars with their seat counts, the facilitators, the venues."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    weeks = list(TrainingWeek.objects.filter(starts_on__range=(first, last)).order_by())
    # The weeks' sessions and the year's seminars in one query, handed to their weeks
    # here rather than by a prefetch per relation.
    sessions = sorted(
        TrainingSession.objects.filter(
            Q(week__in=[week.pk for week in weeks])
            | Q(kind=SessionKind.INTRO_SEMINAR, first_day__range=(first, last))
        )
        .annotate(
            taken=enrolments_in(*SEAT_STATES), waiting=enrolments_in(EnrolmentState.WAITLISTED)
        )
        # As ``sessions_for_conflicts`` gives them, with what a conflict names them by.
        .prefetch_related(
            Prefetch(
                "facilitators",
                queryset=User.objects.only("full_name", "email"),
                to_attr="facilitator_list",
            )
        )
        .order_by(),
        key=lambda s: (KIND_INDEX[s.kind], s.group, s.pk),
    )
    # Every venue (a handful), for the weeks' and the seminars' places; a column for each
    # venue in use and each that holds a week this year.
    by_venue = {venue.pk: venue for venue in Venue.objects.order_by("name")}
    venue_ids = {w.venue_id for w in weeks}
    venues = [v for v in by_venue.values() if v.active or v.pk in venue_ids]
    column = {venue.pk: index for index, venue in enumerate(venues)}
    # By start, then venue name (the columns are in that order), then pk.
    weeks.sort(key=lambda w: (w.starts_on, column[w.venue_id], w.pk))
    by_pk = {}
    for week in weeks:
        week.venue = by_venue[week.venue_id]
        week.planned_sessions = []
        by_pk[week.pk] = week
    seminars = []
    for session in sessions:
        if session.week_id is None:
            if session.venue_id is not None:
                session.venue = by_venue[session.venue_id]
            seminars.append(session)
        else:
            session.week = by_pk[session.week_id]
            session.week.planned_sessions.append(session)
    seminars.sort(key=lambda s: (s.first_day, s.pk))
    rows: dict[dt.date, YearRow] = {}
    for week in weeks:
        row = rows.setdefault(week.starts_on, YearRow(week.starts_on, [[] for _venue in venues]))
        row.cells[column[week.venue_id]].append(week)
    by_week, conflicts = find_conflicts(
        weeks, [s for week in weeks for s in week.planned_sessions] + seminars
    )
    for week in weeks:
        week.conflicts = by_week.get(week.pk, [])
    return YearPlan(
        year=year,
        venues=venues,
        rows=[rows[key] for key in sorted(rows)],
        seminars=seminars,
        conflicts=conflicts,
        week_conflicts=by_week,
    )
