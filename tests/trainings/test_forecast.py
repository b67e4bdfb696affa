"""The training-need forecast gives what the plain algorithm gives: for each participant in
order of the exchange date, scan every scheduled session of the kind and take a seat in the
nearest one that fits. Checked on random data, so that a faster search cannot quietly
change a suggestion or a count."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from partnerships.models import Participant
from tests.factories import ParticipantFactory
from tests.trainings import factories as f
from trainings import planning
from trainings.models import (
    SEAT_STATES,
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
    TrainingWeek,
    window_days,
)

KINDS = (SessionKind.TRAINING_1, SessionKind.TRAINING_2)
DAY = dt.date(2026, 3, 2)


def scan_every_session(sessions, free, item, today):
    """The reference suggestion: every session of the kind, in (first day, pk) order."""
    fitting = [
        s
        for s in sessions
        if free[s.pk] > 0 and s.first_day > today and item.earliest <= s.first_day <= item.latest
    ]
    if not fitting:
        return None
    best = min(fitting, key=lambda s: (abs((s.first_day - item.due).days), s.first_day, s.pk))
    free[best.pk] -= 1
    return best


# --- The seat search on its own ---------------------------------------------------------


def offsets(max_size):
    return st.lists(st.tuples(st.integers(0, 60), st.integers(0, 3)), max_size=max_size)


@example(sessions=[(5, 1), (6, 1)], people=[(5, 0, 1)], today=5)  # a week starting today
@given(
    sessions=offsets(12),
    people=st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 20), st.integers(0, 20)), max_size=30
    ),
    today=st.integers(0, 20),
)
def test_free_seats_suggest_what_a_scan_of_every_session_suggests(sessions, people, today):
    # Several sessions share a first day (groups, venues): ties go to the smaller pk.
    candidates = sorted(
        (
            SimpleNamespace(pk=pk, first_day=DAY + dt.timedelta(days=day), seats=seats)
            for pk, (day, seats) in enumerate(sessions, start=1)
        ),
        key=lambda s: (s.first_day, s.pk),
    )
    free = {s.pk: s.seats for s in candidates}
    reference_free = dict(free)
    today_date = DAY + dt.timedelta(days=today)
    seats = planning.FreeSeats(candidates, free, today_date)
    for due, before, after in people:
        day = DAY + dt.timedelta(days=due)
        item = SimpleNamespace(
            due=day, earliest=day - dt.timedelta(days=before), latest=day + dt.timedelta(days=after)
        )
        expected = scan_every_session(candidates, reference_free, item, today_date)
        assert seats.take(item) is expected
    assert free == reference_free


# --- The whole forecast on a random data set --------------------------------------------


def random_data_set(seed: int, partnership) -> None:
    """Training weeks (some cancelled, some with a second group or a cancelled session)
    and participants (some no longer current) with enrolments in every state."""
    rng = random.Random(seed)
    sundays = [dt.date(2026, 1, 4) + dt.timedelta(weeks=n) for n in range(80)]
    for sunday in sorted(rng.sample(sundays, 16)):
        week = f.make_week(
            venue_name=rng.choice(["Kampala", "Bangkok", "Johannesburg"]),
            starts_on=sunday,
            history=sunday <= f.TODAY,
            t1=rng.randint(1, 4),
            t2=rng.randint(1, 4),
        )
        if rng.random() < 0.15:
            TrainingWeek.objects.filter(pk=week.pk).update(
                status=TrainingWeek.Status.CANCELLED, cancelled_at=dt.datetime.now(tz=dt.UTC)
            )
        for kind in KINDS:
            if rng.random() < 0.3:
                TrainingSession.objects.create(
                    kind=kind, week=week, group=2, capacity=rng.randint(1, 3),
                    first_day=week.starts_on, last_day=week.ends_on,
                )  # fmt: skip
        if rng.random() < 0.2:
            week.sessions.filter(kind=rng.choice(KINDS), group=1).update(
                status=TrainingSession.Status.CANCELLED
            )
    sessions = list(TrainingSession.objects.filter(kind__in=KINDS).order_by("pk"))
    statuses = [Participant.Status.PLANNED] * 6 + [
        Participant.Status.ON_EXCHANGE, Participant.Status.ON_EXCHANGE,
        Participant.Status.COMPLETED, Participant.Status.WITHDRAWN,
    ]  # fmt: skip
    for _n in range(70):
        start = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 560))
        participant = ParticipantFactory(
            partnership=partnership,
            status=rng.choice(statuses),
            exchange_start=start,
            exchange_end=start + dt.timedelta(days=rng.randint(30, 330)),
        )
        counted: set[str] = set()
        for session in rng.sample(sessions, rng.choice([0, 0, 1, 1, 2])):
            state = rng.choice(EnrolmentState.values)
            # The database holds one counting Training 1 (and 2) per exchange.
            if state not in ("cancelled", "no_show") and session.kind in counted:
                state = "cancelled"
            if state not in ("cancelled", "no_show"):
                counted.add(session.kind)
            Enrolment.objects.create(
                session=session, kind=session.kind, person=participant.person,
                participant=participant, organisation=participant.sending_organisation,
                state=state,
                waitlisted_at=dt.datetime.now(tz=dt.UTC) if state == "waitlisted" else None,
                cancelled_at=dt.datetime.now(tz=dt.UTC) if state == "cancelled" else None,
            )  # fmt: skip


def reference_forecast(start: dt.date, months: int, today: dt.date) -> dict:
    """The forecast computed the plain way, from every row in memory."""
    end = planning.add_months(start, months)
    enrolments = list(Enrolment.objects.all())
    taken = defaultdict(int)
    for e in enrolments:
        if e.state in SEAT_STATES:
            taken[e.session_id] += 1
    sessions = sorted(
        (
            s
            for s in TrainingSession.objects.select_related("week")
            if s.kind in KINDS
            and s.status == TrainingSession.Status.SCHEDULED
            and s.week.status != TrainingWeek.Status.CANCELLED
        ),
        key=lambda s: (s.first_day, s.pk),
    )
    free = {s.pk: max(s.capacity - taken[s.pk], 0) for s in sessions}
    table = {planning.add_months(start, i): defaultdict(int) for i in range(months)}
    for s in sessions:
        row = table.get(planning.month_start(s.first_day))
        if row is not None:
            row["seats", s.kind] += s.capacity
            row["free", s.kind] += free[s.pk]
    unplaced = []
    for kind in KINDS:
        before, after = window_days(kind)
        placed = {e.participant_id for e in enrolments if e.kind == kind and e.state in SEAT_STATES}
        due_of = (lambda p: p.exchange_start) if kind == SessionKind.TRAINING_1 else (
            lambda p: p.exchange_end
        )  # fmt: skip
        needing = sorted(
            (
                p
                for p in Participant.objects.all()
                if p.status in Participant.ACTIVE_STATUSES
                and start <= due_of(p) < end
                and p.pk not in placed
            ),
            key=lambda p: (due_of(p), p.pk),
        )
        candidates = [s for s in sessions if s.kind == kind]
        for p in needing:
            due = due_of(p)
            table[planning.month_start(due)]["need", kind] += 1
            item = SimpleNamespace(
                due=due,
                earliest=due - dt.timedelta(days=before),
                latest=due + dt.timedelta(days=after),
            )
            best = scan_every_session(candidates, free, item, today)
            unplaced.append((due, kind, p.pk, item.earliest, item.latest, best and best.pk))
    unplaced.sort(key=lambda u: (u[0], u[1], u[2]))
    return {
        "months": [
            (month, {key: count for key, count in row.items() if count})
            for month, row in sorted(table.items())
        ],
        "unplaced": unplaced,
        "without_suggestion": sum(1 for u in unplaced if u[5] is None),
    }


def as_compared(result: planning.Forecast) -> dict:
    months = []
    for bucket in result.months:
        row = {}
        for kind in KINDS:
            for name, counts in (("need", bucket.need), ("seats", bucket.seats),
                                 ("free", bucket.free)):  # fmt: skip
                if counts[kind]:
                    row[name, kind] = counts[kind]
        months.append((bucket.month, row))
    return {
        "months": months,
        "unplaced": [
            (
                u.due,
                u.kind,
                u.participant_id,
                u.earliest,
                u.latest,
                u.suggestion and u.suggestion.pk,
            )
            for u in result.unplaced
        ],  # fmt: skip
        "without_suggestion": result.without_suggestion,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1963, 2026])
def test_forecast_matches_the_plain_algorithm_on_random_data(seed, partnership):
    random_data_set(seed, partnership)
    # A week that starts today is no longer suggested.
    week_today = TrainingWeek.objects.order_by("starts_on")[8].starts_on
    for start, today in [
        (dt.date(2026, 1, 1), f.TODAY),
        (dt.date(2026, 3, 1), f.TODAY),
        (planning.month_start(week_today), week_today),
        (dt.date(2027, 2, 1), f.TODAY),
    ]:
        expected = reference_forecast(start, 12, today)
        result = planning.forecast(start=start, months=12, today=today)
        assert as_compared(result) == expected
        assert expected["unplaced"], "the data set leaves someone without a seat"
        assert any(u[5] for u in expected["unplaced"]), "and someone with a suggestion"


@pytest.mark.django_db
def test_a_slice_of_the_unplaced_reads_its_rows_with_names(partnership, django_assert_num_queries):
    week = f.make_week(t1=5)  # 3 May 2026
    first = f.participant_for(partnership=partnership, first_name="Amina", last_name="Okello")
    f.participant_for(partnership=partnership, first_name="Brian", last_name="Otieno")
    result = planning.forecast(start=dt.date(2026, 5, 1), months=12, today=f.TODAY)
    with django_assert_num_queries(1):
        shown = result.unplaced[0:2]
    t1 = next(u for u in shown if u.participant_id == first.pk)
    assert (t1.name, t1.organisation) == ("Amina Okello", first.sending_organisation.name)
    # The exchange starts on 17 May 2026; Training 1 from 90 days before to that day.
    assert (t1.kind, t1.due, t1.earliest, t1.latest) == (
        SessionKind.TRAINING_1, dt.date(2026, 5, 17), dt.date(2026, 2, 16), dt.date(2026, 5, 17)
    )  # fmt: skip
    assert t1.suggestion == f.session_of(week, SessionKind.TRAINING_1)
    assert [u.participant_id for u in shown] == [u.participant_id for u in result.unplaced][:2]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [7, 1963])
def test_every_slice_of_the_unplaced_is_that_part_of_the_whole_list(seed, partnership):
    random_data_set(seed, partnership)
    result = planning.forecast(start=dt.date(2026, 1, 1), months=12, today=f.TODAY)
    whole = as_compared(result)["unplaced"]
    assert len(whole) == len(result.unplaced) == result.unplaced.count() > 10
    for start, stop in [(0, 3), (2, 9), (5, 6), (len(whole) - 4, len(whole) + 5)]:
        part = result.unplaced[start:stop]
        assert [(u.due, u.kind, u.participant_id) for u in part] == [
            w[:3] for w in whole[start:stop]
        ]
        assert [u.suggestion and u.suggestion.pk for u in part] == [w[5] for w in whole[start:stop]]
    assert result.unplaced[-1].participant_id == whole[-1][2]
