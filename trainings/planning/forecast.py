"""The training-need forecast: per month, the participants who need Training 1 (by
exchange start) or Training 2 (by exchange end) and hold no seat yet, against the seats
scheduled; and for each of them a suggested week, filling free seats in order of the
exchange date.

Steps, in a fixed number of queries whatever the number of participants:

1. the scheduled Training 1/2 sessions that a window of the period can reach, with their
   seats taken (one query);
2. the participants without a seat, counted in the database per kind and exchange date
   (one query per kind): the month table sums these counts;
3. the seats handed out day by day: participants with the same kind and date have the
   same window, so a day's count takes that many seats at once and the work grows with
   the days and the seats, not with the participants;
4. the rows of one page of the list, with names, read by ``UnplacedRows`` (one query):
   a row's suggestion is the seat its rank within its day took in step 3.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import CharField, Count, Exists, F, OuterRef, QuerySet, Value

from partnerships.models import Participant, Person

from ..models import SEAT_STATES, Enrolment, SessionKind, TrainingSession, window_days
from .year import enrolments_in

KINDS = (SessionKind.TRAINING_1, SessionKind.TRAINING_2)
# The exchange date that decides when each kind is due.
ANCHORS = {SessionKind.TRAINING_1: "exchange_start", SessionKind.TRAINING_2: "exchange_end"}


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
    """A participant who needs a seat in ``kind`` and holds none."""

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


class Window(Protocol):
    due: dt.date
    earliest: dt.date
    latest: dt.date


class FreeSeats:
    """The sessions of one kind that can still be suggested: starting after ``today``,
    with a free seat, sorted by first day so that a window is found by bisection. A
    session leaves once full."""

    def __init__(
        self, sessions: Iterable[TrainingSession], free: dict[int, int], today: dt.date
    ) -> None:
        # ``sessions`` come sorted by (first day, pk), the order ties are settled in.
        self.sessions = [s for s in sessions if s.first_day > today and free[s.pk] > 0]
        self.days = [s.first_day for s in self.sessions]
        self.free = free

    def take(self, item: Window) -> TrainingSession | None:
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


def needing_seat(kind: str, start: dt.date, end: dt.date) -> QuerySet[Participant]:
    """Current participants whose ``kind`` is due in [start, end) and who hold no seat
    for it."""
    anchor = ANCHORS[kind]
    return (
        Participant.objects.current()
        .filter(**{f"{anchor}__gte": start, f"{anchor}__lt": end})
        .exclude(
            Exists(
                Enrolment.objects.filter(
                    participant=OuterRef("pk"), kind=kind, state__in=SEAT_STATES
                )
            )
        )
    )


class UnplacedRows(Sequence[Unplaced]):
    """Everyone without a seat, by exchange date, kind and id, read from the database a
    slice at a time (a paginator reads one page), each row with its suggestion."""

    def __init__(
        self,
        start: dt.date,
        end: dt.date,
        days: list[tuple[dt.date, str, int]],
        suggestions: dict[tuple[dt.date, str], list[TrainingSession]],
    ) -> None:
        self.start, self.end = start, end
        self.days = days  # (date, kind, count) in list order
        self.suggestions = suggestions
        # Where each (date, kind) begins in the whole list.
        self.first_index: dict[tuple[dt.date, str], int] = {}
        total = 0
        for due, kind, count in days:
            self.first_index[(due, kind)] = total
            total += count
        self.total = total
        self.windows = {kind: window_days(kind) for kind in KINDS}

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Unplaced]:
        return iter(self[0 : self.total])

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, int):
            found = self[index : index + 1] if index >= 0 else self[self.total + index :][:1]
            if not found:
                raise IndexError(index)
            return found[0]
        offset, stop, _step = index.indices(self.total)
        if stop <= offset:
            return []
        # The counts per day say which days the slice covers: only their rows are read.
        starts = [self.first_index[(due, kind)] for due, kind, _count in self.days]
        first = bisect_right(starts, offset) - 1
        last = bisect_right(starts, stop - 1) - 1
        skip = offset - starts[first]
        covered = self.days[first : last + 1]
        kinds = [kind for kind in KINDS if any(k == kind for _due, k, _count in covered)]
        query = self._query(kinds, covered[0][0], covered[-1][0])
        rows = query[skip : skip + stop - offset]
        return [self._item(offset + n, *row) for n, row in enumerate(rows)]

    def _query(self, kinds: list[str], first_day: dt.date, last_day: dt.date) -> QuerySet:
        """The rows of ``kinds`` due from ``first_day`` to ``last_day``, in list order."""
        parts = [
            needing_seat(kind, first_day, last_day + dt.timedelta(days=1))
            .annotate(due_on=F(ANCHORS[kind]), need_kind=Value(kind, output_field=CharField()))
            .values_list(
                "due_on",
                "need_kind",
                "id",
                "person__first_name",
                "person__last_name",
                "sending_organisation__name",
            )  # fmt: skip
            .order_by()
            for kind in kinds
        ]
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        return rows.order_by("due_on", "need_kind", "id")

    def _item(
        self, index: int, due: dt.date, kind: str, pk: int, first: str, last: str, org: str | None
    ) -> Unplaced:
        before, after = self.windows[kind]
        taken = self.suggestions.get((due, kind), [])
        rank = index - self.first_index[(due, kind)]
        return Unplaced(
            participant_id=pk, kind=kind, due=due,
            earliest=due - dt.timedelta(days=before), latest=due + dt.timedelta(days=after),
            suggestion=taken[rank] if rank < len(taken) else None,
            name=Person.name_of(first, last), organisation=org or "",
        )  # fmt: skip


@dataclass
class Forecast:
    start: dt.date
    end: dt.date
    months: list[MonthNeed]
    unplaced: UnplacedRows
    without_suggestion: int

    @property
    def last_month(self) -> dt.date:
        return self.months[-1].month


FORECAST_SESSION_FIELDS = (
    "kind", "group", "capacity", "first_day", "week__format", "week__venue__name",
)  # fmt: skip


@dataclass(frozen=True)
class _Day:
    due: dt.date
    earliest: dt.date
    latest: dt.date


def forecast(*, start: dt.date, months: int = 12, today: dt.date) -> Forecast:
    """The forecast of the ``months`` from ``start`` (see the module's steps). Three
    queries, and one more for each slice of ``unplaced`` read."""
    start = month_start(start)
    end = add_months(start, months)
    buckets = [MonthNeed(add_months(start, i)) for i in range(months)]
    by_month = {b.month: b for b in buckets}
    windows = {kind: window_days(kind) for kind in KINDS}
    widest_before = dt.timedelta(days=max(before for before, _after in windows.values()))
    widest_after = dt.timedelta(days=max(after for _before, after in windows.values()))
    sessions = list(
        TrainingSession.objects.scheduled()
        .annotate(taken=enrolments_in(*SEAT_STATES))
        .filter(
            kind__in=KINDS, first_day__gte=start - widest_before, first_day__lt=end + widest_after
        )  # fmt: skip
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
    days: list[tuple[dt.date, str, int]] = []
    suggestions: dict[tuple[dt.date, str], list[TrainingSession]] = {}
    without = 0
    for kind in KINDS:
        anchor = ANCHORS[kind]
        counts = (
            needing_seat(kind, start, end)
            .values(anchor)
            .annotate(count=Count("pk"))
            .order_by(anchor)
            .values_list(anchor, "count")
        )
        before, after = (dt.timedelta(days=days) for days in windows[kind])
        seats = FreeSeats((s for s in sessions if s.kind == kind), free, today)
        for due, count in counts:
            by_month[month_start(due)].need[kind] += count
            days.append((due, kind, count))
            window = _Day(due, due - before, due + after)
            taken: list[TrainingSession] = []
            # The day's participants take seats in turn until none fits their window.
            while len(taken) < count and (session := seats.take(window)) is not None:
                taken.append(session)
            suggestions[(due, kind)] = taken
            without += count - len(taken)
    days.sort(key=lambda day: (day[0], day[1]))
    return Forecast(
        start=start,
        end=end,
        months=buckets,
        unplaced=UnplacedRows(start, end, days, suggestions),
        without_suggestion=without,
    )
