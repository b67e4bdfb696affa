from __future__ import annotations

import pytest

from partnerships import demo as partnerships_demo
from trainings import demo
from trainings.models import Enrolment, TrainingSession, TrainingWeek

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return TrainingWeek.objects.count(), TrainingSession.objects.count(), Enrolment.objects.count()


def test_demo_builds_weeks_seminar_and_enrolments_once():
    partnerships_demo.build()
    assert demo.build() == []
    weeks, sessions, enrolments = counts()
    assert weeks == 4 and sessions == 3 * 3 + 1 + 1
    assert enrolments > 10
    assert Enrolment.objects.filter(state="attended").exists()
    assert Enrolment.objects.filter(kind="intro").exists()
    demo.build()
    assert counts() == (weeks, sessions, enrolments)


def test_demo_week_has_its_logistics_under_way():
    from trainings.models import TravelDetails

    partnerships_demo.build()
    demo.build()
    first = TrainingWeek.objects.get(notes=f"{demo.DEMO_MARK} Kampala")
    assert first.travel_details_due is not None
    travel = TravelDetails.objects.filter(enrolment__session__week=first)
    expected = Enrolment.objects.filter(session__week=first, state__in=["nominated", "confirmed"])
    assert 0 < travel.count() < expected.count()  # some still missing, for the dashboard
    assert travel.filter(needs_visa=True).exclude(passport_number="").exists()
