from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from trainings.models import SEAT_STATES, Enrolment, TrainingSession, TrainingWeek

pytestmark = pytest.mark.django_db


def test_seed_scale_adds_fifteen_years_of_weeks_within_the_rules():
    out = StringIO()
    call_command("seed_scale", scale=0.05, seed=3, stdout=out)
    years = TrainingWeek.objects.dates("starts_on", "year")
    assert len(years) >= 15
    assert all(w.starts_on.weekday() == 6 for w in TrainingWeek.objects.all())
    assert Enrolment.objects.filter(kind="t1").exists()
    assert Enrolment.objects.filter(kind="partner").exists()
    overbooked = TrainingSession.objects.annotate(
        taken=Count("enrolments", filter=Q(enrolments__state__in=SEAT_STATES))
    ).filter(taken__gt=F("capacity"))
    assert not overbooked.exists()
    twice = Enrolment.objects.filter(kind="partner").values("person").annotate(n=Count("id"))
    assert not twice.filter(n__gt=1).exists()
    assert "trainings" in out.getvalue()


def test_a_larger_data_set_runs_second_groups_rather_than_oversized_sessions():
    from trainings.demo import group_seats
    from trainings.models import MAX_SESSION_SEATS

    assert group_seats(30) == [30]
    assert group_seats(MAX_SESSION_SEATS) == [MAX_SESSION_SEATS]
    assert group_seats(300) == [150, 150]
    assert group_seats(401) == [134, 134, 134]
    assert all(sum(group_seats(n)) >= n and max(group_seats(n)) <= MAX_SESSION_SEATS
               for n in range(5, 2001))  # fmt: skip
