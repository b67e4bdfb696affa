"""Capacity under concurrency: the session row lock keeps a session from overbooking."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.conftest import need_stack
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState, SessionKind

THREADS = 50
LAST_SEATS = 5
ROUNDS = 20


def _enrol_all_at_once(session_pk: int, person_pks: list[int]) -> list[BaseException]:
    from partnerships.models import Person
    from trainings.models import TrainingSession

    barrier = threading.Barrier(len(person_pks))
    errors: list[BaseException] = []

    def worker(person_pk: int) -> None:
        try:
            session = TrainingSession.objects.get(pk=session_pk)
            person = Person.objects.get(pk=person_pk)
            barrier.wait(timeout=30)
            services.enrol(session=session, person=person, by=None, confirm=True)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in person_pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_fifty_people_race_for_the_last_five_seats(partnership):
    if connection.vendor != "postgresql":
        need_stack("the concurrency test needs PostgreSQL row locks (set DATABASE_URL)")
    week = f.make_week(t1=10)
    session = f.session_of(week, SessionKind.TRAINING_1)
    early = [f.participant_for(partnership=partnership).person for _ in range(10 - LAST_SEATS)]
    racers = [f.participant_for(partnership=partnership).person.pk for _ in range(THREADS)]
    for round_number in range(ROUNDS):
        Enrolment.objects.all().delete()
        for person in early:
            services.enrol(session=session, person=person, by=None, confirm=True)
        errors = _enrol_all_at_once(session.pk, racers)
        assert errors == [], f"round {round_number}: {errors[:3]}"
        racing = Enrolment.objects.filter(session=session, person_id__in=racers)
        states = sorted(racing.values_list("state", flat=True))
        assert states.count(EnrolmentState.CONFIRMED) == LAST_SEATS, f"round {round_number}"
        assert states.count(EnrolmentState.WAITLISTED) == THREADS - LAST_SEATS
        assert Enrolment.objects.filter(session=session).holding_seats().count() == 10

    # A cancellation promotes exactly one person: the first on the waitlist.
    first_waiting = Enrolment.objects.filter(session=session).waitlist().first()
    services.cancel_enrolment(
        enrolment=Enrolment.objects.filter(session=session, state="confirmed").first(), by=None
    )
    promoted = Enrolment.objects.filter(session=session, state="confirmed")
    assert promoted.count() == 10
    assert promoted.filter(pk=first_waiting.pk).exists()
    assert Enrolment.objects.filter(session=session).waitlist().count() == THREADS - LAST_SEATS - 1


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_promote_one_each(partnership):
    if connection.vendor != "postgresql":
        need_stack("the concurrency test needs PostgreSQL row locks (set DATABASE_URL)")
    week = f.make_week(t1=5)
    session = f.session_of(week, SessionKind.TRAINING_1)
    people = [f.participant_for(partnership=partnership).person for _ in range(15)]
    enrolments = [services.enrol(session=session, person=p, by=None, confirm=True) for p in people]
    holders = [e for e in enrolments if e.state == EnrolmentState.CONFIRMED]
    barrier = threading.Barrier(len(holders))
    errors: list[BaseException] = []

    def cancel(enrolment: Enrolment) -> None:
        try:
            barrier.wait(timeout=30)
            services.cancel_enrolment(enrolment=enrolment, by=None)
        except (ValidationError, Exception) as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel, args=(e,)) for e in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    waiting = [e.pk for e in enrolments if e.state == EnrolmentState.WAITLISTED]
    now_confirmed = set(
        Enrolment.objects.filter(session=session, state="confirmed").values_list("pk", flat=True)
    )
    assert now_confirmed == set(waiting[:5])


def _enrol_one_person_everywhere_at_once(
    session_pks: list[int], person_pk: int
) -> tuple[list[int], list[BaseException]]:
    """Nominate one person to each session, from as many threads (and connections) at
    the same moment; returns the enrolments made and the errors raised."""
    from partnerships.models import Person
    from trainings.models import TrainingSession

    barrier = threading.Barrier(len(session_pks))
    made: list[int] = []
    errors: list[BaseException] = []

    def worker(session_pk: int) -> None:
        try:
            session = TrainingSession.objects.get(pk=session_pk)
            person = Person.objects.get(pk=person_pk)
            barrier.wait(timeout=30)
            made.append(services.enrol(session=session, person=person, by=None).pk)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in session_pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return made, errors


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_one_person_raced_into_overlapping_sessions_ends_in_one(partnership):
    """The report: Training 1 in Bangkok and in Johannesburg the same week, nominated at
    the same moment, ended with both active in 8 of 10 rounds."""
    if connection.vendor != "postgresql":
        need_stack("the concurrency test needs PostgreSQL row locks (set DATABASE_URL)")
    sessions = [
        f.session_of(f.make_week(venue_name=name), SessionKind.TRAINING_1).pk
        for name in ("Bangkok", "Johannesburg", "Kampala")
    ]
    people = [f.participant_for(partnership=partnership).person for _ in range(ROUNDS)]
    for round_number, person in enumerate(people):
        made, errors = _enrol_one_person_everywhere_at_once(sessions, person.pk)
        assert len(made) == 1, f"round {round_number}: {made}"
        assert [type(e) for e in errors] == [ValidationError, ValidationError]
        # Whoever lost is told the rule, as if they had come second.
        for error in errors:
            assert "Nobody can be in two sessions at the same time" in " ".join(error.messages)
        assert Enrolment.objects.filter(person=person).active().count() == 1
        assert person.occupied_days.count() == 7


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_one_training_1_per_exchange_holds_under_concurrency(partnership):
    """Two Training 1 weeks that do not overlap, for one exchange, at the same moment."""
    if connection.vendor != "postgresql":
        need_stack("the concurrency test needs PostgreSQL row locks (set DATABASE_URL)")
    sessions = [
        f.session_of(f.make_week(venue_name=name, starts_on=sunday), SessionKind.TRAINING_1).pk
        for name, sunday in (("Bangkok", f.SUNDAY), ("Kampala", f.SUNDAY + dt.timedelta(7)))
    ]
    people = [f.participant_for(partnership=partnership).person for _ in range(ROUNDS)]
    for round_number, person in enumerate(people):
        made, errors = _enrol_one_person_everywhere_at_once(sessions, person.pk)
        assert len(made) == 1, f"round {round_number}: {made}"
        assert [type(e) for e in errors] == [ValidationError]
        assert "already has Training 1" in " ".join(errors[0].messages)
        assert Enrolment.objects.filter(person=person).active().count() == 1
