"""Staff planning: the year at a glance, conflicts, and the training-need forecast.

Read-only computations over a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter

from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from norec_portal.models import User
from partnerships.models import Participant, Person

from .models import (
    SEAT_STATES,
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
    TrainingWeek,
    Venue,
    window_days,
)

# --- Conflicts --------------------------------------------------------------------------


def _label(session: TrainingSession) -> str:
    return f"{session.name} ({session.place}, {date_format(session.first_day, 'j M Y')})"


def find_conflicts(
    weeks: Sequence[TrainingWeek], sessions: Iterable[TrainingSession]
) -> tuple[dict[int, list[str]], list[str]]:
    """Conflicts by week id, and all of them: a venue booked twice in the same week, a
    facilitator in two sessions at once. ``sessions`` are those of ``weeks`` (their
    ``week`` loaded) and any seminars, as ``sessions_for_conflicts`` loads them; cancelled
    weeks and sessions do not count."""
    by_week: dict[int, list[str]] = defaultdict(list)
    everything: list[str] = []
    live_weeks = [w for w in weeks if not w.is_cancelled]
    booked: dict[tuple[int, dt.date], list[TrainingWeek]] = defaultdict(list)
    for week in live_weeks:
        booked[(week.venue_id, week.starts_on)].append(week)
    for same in booked.values():
        if len(same) > 1:
            message = _("%(venue)s is booked %(count)s times in the week of %(date)s.") % {
                "venue": same[0].venue.name,
                "count": len(same),
                "date": date_format(same[0].starts_on, "j M Y"),
            }
            everything.append(message)
            for week in same:
                by_week[week.pk].append(message)
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


# --- The year view ----------------------------------------------------------------------


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
    enrolment of the selected sessions and groups them."""
    return Subquery(
        Enrolment.objects.filter(session=OuterRef("pk"), state__in=states)
        .order_by()
        .annotate(count=Func(F("pk"), function="COUNT"))
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


# --- The training-need forecast ---------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class MonthNeed:
    month: dt.date
    need: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seats: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    free: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def row(self, kind: str) -> dict[str, int]:
        need, free = self.need[kind], self.free[kind]
        return {"need": need, "seats": self.seats[kind], "free": free, "short": max(need - free, 0)}

    @property
    def t1(self) -> dict[str, int]:
        return self.row(SessionKind.TRAINING_1)

    @property
    def t2(self) -> dict[str, int]:
        return self.row(SessionKind.TRAINING_2)

    @property
    def rows(self) -> tuple[dict[str, int], dict[str, int]]:
        """Training 1 then Training 2, as the table's columns run."""
        return self.t1, self.t2


@dataclass(slots=True)
class Unplaced:
    """A participant who needs a seat in ``kind`` and holds none. Who they are (name and
    organisation) is filled in by ``describe_unplaced``, for the rows of a page only."""

    participant_id: int
    kind: str
    due: dt.date  # the exchange start (Training 1) or end (Training 2)
    earliest: dt.date
    latest: dt.date
    suggestion: TrainingSession | None = None
    name: str = ""
    organisation: str = ""

    @property
    def kind_label(self) -> str:
        return str(SessionKind(self.kind).label)


@dataclass
class Forecast:
    start: dt.date
    end: dt.date
    months: list[MonthNeed]
    unplaced: list[Unplaced]

    @property
    def last_month(self) -> dt.date:
        return self.months[-1].month

    @property
    def without_suggestion(self) -> int:
        return sum(1 for u in self.unplaced if u.suggestion is None)


def _needing(start: dt.date, end: dt.date) -> dict[str, list[tuple[int, dt.date]]]:
    """For Training 1 and Training 2, (participant id, exchange date) of those who need it
    in [start, end) and hold no seat for it, in the order their seats are suggested. One
    scan of the participants for both kinds. Plain tuples: every participant of the year
    is loaded, but only a page of them is shown."""

    def holds_seat(kind: str) -> Exists:
        return Exists(
            Enrolment.objects.filter(participant=OuterRef("pk"), kind=kind, state__in=SEAT_STATES)
        )

    starts = Q(exchange_start__gte=start, exchange_start__lt=end)
    ends = Q(exchange_end__gte=start, exchange_end__lt=end)
    rows = (
        Participant.objects.current()
        .filter(starts | ends)
        .annotate(
            t1=holds_seat(SessionKind.TRAINING_1),
            t2=holds_seat(SessionKind.TRAINING_2),
        )
        .order_by()
        .values_list("pk", "exchange_start", "exchange_end", "t1", "t2")
    )
    t1: list[tuple[int, dt.date]] = []
    t2: list[tuple[int, dt.date]] = []
    for pk, exchange_start, exchange_end, has_t1, has_t2 in rows:
        # Either date may be missing, or outside the period while the other is in it.
        if not has_t1 and exchange_start is not None and start <= exchange_start < end:
            t1.append((pk, exchange_start))
        if not has_t2 and exchange_end is not None and start <= exchange_end < end:
            t2.append((pk, exchange_end))
    # By exchange date, then id: the order in which seats are handed out.
    t1.sort(key=itemgetter(1, 0))
    t2.sort(key=itemgetter(1, 0))
    return {SessionKind.TRAINING_1: t1, SessionKind.TRAINING_2: t2}


class _FreeSeats:
    """The sessions of one kind that can still be suggested: starting after ``today``,
    with a free seat, sorted by first day so that a participant's window is found by
    bisection rather than by a scan of every session. A session leaves once full."""

    def __init__(
        self, sessions: Iterable[TrainingSession], free: dict[int, int], today: dt.date
    ) -> None:
        # ``sessions`` come sorted by (first day, pk), the order ties are settled in.
        self.sessions = [s for s in sessions if s.first_day > today and free[s.pk] > 0]
        self.days = [s.first_day for s in self.sessions]
        self.free = free

    def take(self, item: Unplaced) -> TrainingSession | None:
        """A seat in the week nearest ``item.due`` within its window (on a tie the
        earlier week), or None."""
        low = bisect_left(self.days, item.earliest)
        high = bisect_right(self.days, item.latest)
        best, best_gap = None, 0
        for index in range(low, high):
            gap = abs((self.days[index] - item.due).days)
            if best is None or gap < best_gap:
                best, best_gap = index, gap
        if best is None:
            return None
        session = self.sessions[best]
        self.free[session.pk] -= 1
        if not self.free[session.pk]:
            del self.sessions[best], self.days[best]
        return session


FORECAST_SESSION_FIELDS = (
    "kind", "group", "capacity", "first_day", "week__format", "week__venue__name",
)  # fmt: skip


def forecast(*, start: dt.date, months: int = 12, today: dt.date) -> Forecast:
    """Per month, the participants who need Training 1 (by exchange start) and Training 2
    (by exchange end) and hold no seat yet, against the seats scheduled that month; and a
    suggested week for each of them, filling free seats in order of the exchange date.
    Two queries whatever the number of participants and weeks."""
    start = month_start(start)
    end = add_months(start, months)
    buckets = [MonthNeed(add_months(start, i)) for i in range(months)]
    by_month = {b.month: b for b in buckets}
    windows = {
        kind: tuple(dt.timedelta(days=days) for days in window_days(kind))
        for kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2)
    }
    widest_before = max(before for before, _after in windows.values())
    widest_after = max(after for _before, after in windows.values())
    sessions = list(
        TrainingSession.objects.scheduled()
        .annotate(taken=enrolments_in(*SEAT_STATES))
        .filter(
            kind__in=[SessionKind.TRAINING_1, SessionKind.TRAINING_2],
            first_day__gte=start - widest_before,
            first_day__lt=end + widest_after,
        )
        .select_related("week__venue")
        # What the forecast and its page use (a suggestion shows its place).
        .only(*FORECAST_SESSION_FIELDS)
        .order_by("first_day", "pk")
    )
    free = {s.pk: max(s.capacity - s.taken, 0) for s in sessions}
    for session in sessions:
        bucket = by_month.get(month_start(session.first_day))
        if bucket is not None:
            bucket.seats[session.kind] += session.capacity
            bucket.free[session.kind] += free[session.pk]
    unplaced: list[Unplaced] = []
    needing = _needing(start, end)
    for kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2):
        before, after = windows[kind]
        seats = _FreeSeats((s for s in sessions if s.kind == kind), free, today)
        for participant_id, due in needing[kind]:
            by_month[month_start(due)].need[kind] += 1
            item = Unplaced(participant_id, kind, due, due - before, due + after)
            item.suggestion = seats.take(item)
            unplaced.append(item)
    unplaced.sort(key=attrgetter("due", "kind", "participant_id"))
    return Forecast(start=start, end=end, months=buckets, unplaced=unplaced)


def describe_unplaced(items: Sequence[Unplaced]) -> None:
    """Fill in who ``items`` are (one query), for the rows a page shows."""
    people = Participant.objects.filter(pk__in=[item.participant_id for item in items])
    names = {
        pk: (Person.name_of(first, last), organisation)
        for pk, first, last, organisation in people.values_list(
            "pk", "person__first_name", "person__last_name", "sending_organisation__name"
        )
    }
    for item in items:
        item.name, item.organisation = names[item.participant_id]
