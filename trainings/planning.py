"""Staff planning: the year at a glance, conflicts, and the training-need forecast.

Read-only computations over a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from partnerships.models import Participant

from . import conf
from .models import (
    SEAT_STATES,
    Enrolment,
    SessionKind,
    TrainingSession,
    TrainingWeek,
    Venue,
)

# --- Conflicts --------------------------------------------------------------------------


def _label(session: TrainingSession) -> str:
    return f"{session.name} ({session.place}, {date_format(session.first_day, 'j M Y')})"


def find_conflicts(
    weeks: Sequence[TrainingWeek], seminars: Sequence[TrainingSession] = ()
) -> tuple[dict[int, list[str]], list[str]]:
    """Conflicts by week id, and all of them: a venue booked twice in the same week, a
    facilitator in two sessions at once. Uses prefetched ``sessions`` and
    ``facilitators``; cancelled weeks and sessions do not count."""
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
    sessions: list[TrainingSession] = [
        s for w in live_weeks for s in w.sessions.all() if s.status == s.Status.SCHEDULED
    ]
    sessions += [s for s in seminars if s.status == s.Status.SCHEDULED]
    per_facilitator: dict[int, list[TrainingSession]] = defaultdict(list)
    people = {}
    for session in sessions:
        for person in session.facilitators.all():
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


def sessions_with_counts():
    return (
        TrainingSession.objects.with_counts()
        .prefetch_related("facilitators")
        .order_by(KIND_ORDER, "group", "pk")
    )


def year_plan(year: int) -> YearPlan:
    """Every week of ``year`` as venue columns × week rows, with seats taken per session.
    Six queries whatever the number of weeks."""
    weeks = list(
        TrainingWeek.objects.filter(starts_on__year=year)
        .select_related("venue")
        .prefetch_related(Prefetch("sessions", queryset=sessions_with_counts()))
        .order_by("starts_on", "venue__name", "pk")
    )
    venue_ids = {w.venue_id for w in weeks}
    venues = list(Venue.objects.filter(Q(active=True) | Q(pk__in=venue_ids)).order_by("name"))
    column = {venue.pk: index for index, venue in enumerate(venues)}
    rows: dict[dt.date, YearRow] = {}
    for week in weeks:
        row = rows.setdefault(week.starts_on, YearRow(week.starts_on, [[] for _venue in venues]))
        row.cells[column[week.venue_id]].append(week)
    seminars = list(
        sessions_with_counts()
        .filter(kind=SessionKind.INTRO_SEMINAR, first_day__year=year)
        .select_related("venue")
        .order_by("first_day", "pk")
    )
    by_week, conflicts = find_conflicts(weeks, seminars)
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


@dataclass
class Unplaced:
    participant: Participant
    kind: str
    due: dt.date  # the exchange start (Training 1) or end (Training 2)
    earliest: dt.date
    latest: dt.date
    suggestion: TrainingSession | None = None

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
    def without_suggestion(self) -> int:
        return sum(1 for u in self.unplaced if u.suggestion is None)


def _needing(kind: str, start: dt.date, end: dt.date) -> list[Participant]:
    anchor = "exchange_start" if kind == SessionKind.TRAINING_1 else "exchange_end"
    placed = Enrolment.objects.filter(participant=OuterRef("pk"), kind=kind, state__in=SEAT_STATES)
    return list(
        Participant.objects.current()
        .filter(**{f"{anchor}__gte": start, f"{anchor}__lt": end})
        .exclude(Exists(placed))
        .select_related("person", "sending_organisation")
        # Every participant of the year is loaded (the suggestions fill seats in order):
        # only the fields the forecast and its page use, which halves the cost per row.
        .only(
            "exchange_start",
            "exchange_end",
            "status",
            "person__first_name",
            "person__last_name",
            "sending_organisation__name",
        )
        .order_by(anchor, "pk")
    )


def _suggest(
    candidates: Iterable[TrainingSession], free: dict[int, int], item: Unplaced, today: dt.date
) -> TrainingSession | None:
    fitting = [
        s
        for s in candidates
        if free[s.pk] > 0 and s.first_day > today and item.earliest <= s.first_day <= item.latest
    ]
    if not fitting:
        return None
    # The week nearest the exchange date; on a tie the earlier one.
    best = min(fitting, key=lambda s: (abs((s.first_day - item.due).days), s.first_day, s.pk))
    free[best.pk] -= 1
    return best


def forecast(*, start: dt.date, months: int = 12, today: dt.date) -> Forecast:
    """Per month, the participants who need Training 1 (by exchange start) and Training 2
    (by exchange end) and hold no seat yet, against the seats scheduled that month; and a
    suggested week for each of them, filling free seats in order of the exchange date.
    Three queries whatever the number of participants and weeks."""
    start = month_start(start)
    end = add_months(start, months)
    buckets = [MonthNeed(add_months(start, i)) for i in range(months)]
    by_month = {b.month: b for b in buckets}
    windows = {
        kind: conf.window_days(kind) for kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2)
    }
    widest_before = max(before for before, _after in windows.values())
    widest_after = max(after for _before, after in windows.values())
    sessions = list(
        TrainingSession.objects.scheduled()
        .with_counts()
        .filter(
            kind__in=[SessionKind.TRAINING_1, SessionKind.TRAINING_2],
            first_day__gte=start - dt.timedelta(days=widest_before),
            first_day__lt=end + dt.timedelta(days=widest_after),
        )
        .select_related("week__venue")
        .order_by("first_day", "pk")
    )
    free = {s.pk: max(s.capacity - s.taken, 0) for s in sessions}
    for session in sessions:
        bucket = by_month.get(month_start(session.first_day))
        if bucket is not None:
            bucket.seats[session.kind] += session.capacity
            bucket.free[session.kind] += free[session.pk]
    unplaced: list[Unplaced] = []
    for kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2):
        before, after = windows[kind]
        candidates = [s for s in sessions if s.kind == kind]
        for participant in _needing(kind, start, end):
            due = (
                participant.exchange_start
                if kind == SessionKind.TRAINING_1
                else participant.exchange_end
            )
            by_month[month_start(due)].need[kind] += 1
            item = Unplaced(
                participant=participant,
                kind=kind,
                due=due,
                earliest=due - dt.timedelta(days=before),
                latest=due + dt.timedelta(days=after),
            )
            item.suggestion = _suggest(candidates, free, item, today)
            unplaced.append(item)
    unplaced.sort(key=lambda u: (u.due, u.kind, u.participant.pk))
    return Forecast(start=start, end=end, months=buckets, unplaced=unplaced)


# --- Whom staff may enrol ---------------------------------------------------------------


def enrolment_candidates(session: TrainingSession) -> list[tuple[int, str]]:
    """(person id, label) of the people who fit ``session`` and are not in it yet: the
    choices offered to staff (the service still checks every rule). One query."""
    from partnerships.models import ContactPerson, Phase

    from .models import ACTIVE_STATES
    from .services import SIGNED_PHASES

    in_session = Enrolment.objects.filter(
        session=session, person=OuterRef("person"), state__in=ACTIVE_STATES
    )
    if session.kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2):
        before, after = conf.window_days(session.kind)
        anchor = "exchange_start" if session.kind == SessionKind.TRAINING_1 else "exchange_end"
        rows = (
            Participant.objects.current()
            .filter(
                sending_organisation__isnull=False,
                **{
                    f"{anchor}__gte": session.first_day - dt.timedelta(days=after),
                    f"{anchor}__lte": session.first_day + dt.timedelta(days=before),
                },
            )
            .exclude(Exists(in_session))
            .order_by("person__last_name", "person__first_name", "pk")
            .values_list(
                "person_id",
                "person__first_name",
                "person__last_name",
                "sending_organisation__name",
            )  # fmt: skip
        )
    else:
        contacts = ContactPerson.objects.filter(active=True, organisation__active=True)
        if session.kind == SessionKind.PARTNER:
            contacts = contacts.filter(
                organisation__memberships__partnership__phase__in=SIGNED_PHASES
            ).exclude(
                Exists(
                    Enrolment.objects.filter(
                        person=OuterRef("person"), kind=SessionKind.PARTNER
                    ).exclude(state="cancelled")
                )
            )
        else:
            contacts = contacts.filter(
                organisation__memberships__partnership__phase=Phase.FEASIBILITY,
                organisation__memberships__partnership__seminar_invitations__session=session,
            )
        rows = (
            contacts.exclude(Exists(in_session))
            .order_by("person__last_name", "person__first_name", "person_id")
            .values_list(
                "person_id", "person__first_name", "person__last_name", "organisation__name"
            )
            .distinct()
        )
    seen: dict[int, str] = {}
    for person_id, first, last, organisation in rows:
        seen.setdefault(person_id, f"{first} {last} — {organisation}")
    return list(seen.items())
