"""Enrolment under contention: 32 clients nominating people into the same session at once.

Each client is a thread with its own PostgreSQL connection calling
``trainings.services.enrol`` (the one entry point every path uses) for its own people,
one after the other; all start together at a barrier. The session has fewer seats than
people, so the last seats are raced for and the rest go to the waitlist. Reported: the
latency of each call, and whether the session ever held more people than seats.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from .common import ms, percentile, table, verdict

CLIENTS = 32
PER_CLIENT = 10
CAPACITY = 40


@dataclass
class Contest:
    session_id: int
    organisation_id: int
    people: list[int]


def make_contest(clients: int = CLIENTS, per_client: int = PER_CLIENT) -> Contest:
    """A Training 1 session two years after the scale data set's last week, and
    ``clients × per_client`` new participants of one organisation who may all take it,
    registered through ``partnerships.services.register_participant``."""
    from partnerships.models import Participant
    from partnerships.services import REGISTRATION_PHASES, ExchangePlan, register_participant
    from trainings.models import SessionDay, SessionKind, TrainingSession, TrainingWeek, Venue
    from trainings.schedule import FULL_WEEK, week_day_times

    template = (
        Participant.objects.current()
        .filter(partnership__phase__in=REGISTRATION_PHASES, host_organisation__isnull=False)
        .select_related("partnership", "sending_organisation", "host_organisation")
        .order_by("pk")
        .first()
    )
    if template is None:
        raise RuntimeError("enrolment needs the scale data set (a current participant)")
    day = dt.date(timezone.localdate().year + 3, 3, 1)
    sunday = day + dt.timedelta(days=(6 - day.weekday()) % 7)
    venue = Venue.objects.order_by("pk").first()
    # A venue holds one week a Sunday: a later run takes the next free one.
    while TrainingWeek.objects.filter(venue=venue, starts_on=sunday).scheduled().exists():
        sunday += dt.timedelta(days=7)
    with transaction.atomic():
        week = TrainingWeek.objects.create(venue=venue, starts_on=sunday, notes="[bench]")
        session = TrainingSession.objects.create(
            kind=SessionKind.TRAINING_1, week=week, capacity=CAPACITY,
            first_day=week.starts_on, last_day=week.ends_on,
        )  # fmt: skip
        SessionDay.objects.bulk_create(
            SessionDay(session=session, starts_at=start, ends_at=end)
            for start, end in week_day_times(week, FULL_WEEK)
        )
        member_ids = set(template.partnership.members.values_list("organisation_id", flat=True))
        people = []
        for number in range(clients * per_client):
            participant = register_participant(
                sending=template.sending_organisation,
                person_data={"first_name": f"Contender{number:03d}", "last_name": "Bench",
                             "email": f"contender{number:03d}@enrolment.bench.example",
                             "nationality": template.sending_organisation.country.code},
                plan=ExchangePlan(
                    partnership=template.partnership,
                    host_organisation=template.host_organisation,
                    exchange_start=session.first_day + dt.timedelta(days=20),
                    exchange_end=session.first_day + dt.timedelta(days=320),
                    elearning_completed_on=timezone.localdate(),
                ),
                by=None, member_ids=member_ids,
            )  # fmt: skip
            people.append(participant.person_id)
    return Contest(session.pk, template.sending_organisation_id, people)


@dataclass
class ContestResult:
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    states: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seats_held: int = 0
    waitlisted: int = 0
    capacity: int = CAPACITY


def race(contest: Contest, clients: int = CLIENTS) -> ContestResult:
    from partnerships.models import PartnerOrganisation, Person
    from trainings import services
    from trainings.models import Enrolment, EnrolmentState, TrainingSession

    result = ContestResult(clients=clients)
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    shares = [contest.people[i::clients] for i in range(clients)]

    def client(person_ids: list[int]) -> None:
        try:
            session = TrainingSession.objects.get(pk=contest.session_id)
            organisation = PartnerOrganisation.objects.get(pk=contest.organisation_id)
            people = list(Person.objects.filter(pk__in=person_ids).order_by("pk"))
            barrier.wait(timeout=60)
            for person in people:
                began = time.perf_counter()
                try:
                    enrolment = services.enrol(
                        session=session, person=person, by=None, organisation=organisation
                    )
                    outcome = enrolment.state
                except ValidationError as exc:
                    outcome = "refused"
                    with lock:
                        result.errors.append(" ".join(exc.messages))
                elapsed = time.perf_counter() - began
                with lock:
                    result.latencies.append(elapsed)
                    result.states[outcome] += 1
        except Exception as exc:  # reported below; the other clients go on
            with lock:
                result.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    result.seconds = time.perf_counter() - began
    enrolments = Enrolment.objects.filter(session_id=contest.session_id)
    result.seats_held = enrolments.holding_seats().count()
    result.waitlisted = enrolments.filter(state=EnrolmentState.WAITLISTED).count()
    result.capacity = TrainingSession.objects.get(pk=contest.session_id).capacity
    return result


def report(result: ContestResult, attempts: int) -> str:
    not_overbooked = result.seats_held <= result.capacity
    all_placed = (
        not result.errors
        and result.seats_held == min(result.capacity, attempts)
        and result.seats_held + result.waitlisted == attempts
    )
    states = ", ".join(f"{n} {state}" for state, n in sorted(result.states.items()))
    rows = [[result.clients, attempts, ms(percentile(result.latencies, 50)),
             ms(percentile(result.latencies, 95)), ms(percentile(result.latencies, 99)),
             ms(max(result.latencies, default=0)), f"{attempts / result.seconds:.0f}",
             states]]  # fmt: skip
    checks = [
        ["Never overbooked", verdict(not_overbooked),
         f"{result.seats_held} seats held of {result.capacity}"],
        ["Everyone placed: a seat or the waitlist, nobody lost", verdict(all_placed),
         f"{result.seats_held} holding seats + {result.waitlisted} waitlisted = "
         f"{result.seats_held + result.waitlisted} of {attempts} attempts"
         + (f"; {len(result.errors)} errors, first: {result.errors[0]}" if result.errors else "")],
    ]  # fmt: skip
    return "\n\n".join([
        f"{result.clients} clients (threads, one PostgreSQL connection each) call "
        f"`trainings.services.enrol` for {attempts // max(result.clients, 1)} people each, "
        f"all released at once, into one Training 1 session of {result.capacity} seats "
        "(nominations through the sending organisation, as a coordinator would; each call "
        "also queues its email in the outbox).",
        table(["clients", "enrolments", "p50 ms", "p95 ms", "p99 ms", "max ms",
               "enrolments/s", "outcomes"], rows),  # fmt: skip
        table(["Check", "result", "detail"], checks),
    ])  # fmt: skip


def run() -> str:
    contest = make_contest()
    result = race(contest)
    return report(result, len(contest.people))
