"""Training 1 / Training 2 status in the participants' readiness column."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships.models import Participant
from partnerships.readiness import PROVIDERS, readiness
from tests.trainings import factories as f
from trainings import services
from trainings.readiness import training_status

pytestmark = pytest.mark.django_db


def items(participant) -> dict[str, tuple[str, str]]:
    found = readiness([participant])[participant.pk]
    return {item.label: (item.status, item.tone) for item in found}


def test_provider_is_registered():
    assert training_status in PROVIDERS


def test_status_per_training(t1, partnership, staff):
    flagged = f.participant_for(partnership=partnership, elearning=False)
    services.enrol(session=t1, person=flagged.person, by=staff)
    found = items(flagged)
    assert found["E-learning"] == ("Not done", "warn")
    assert found["Training 1"] == ("Nominated · Kampala 3 May 2026 — e-learning missing", "warn")
    assert found["Training 2"] == ("Not enrolled", "warn")
    ready = f.participant_for(partnership=partnership)
    services.enrol(session=t1, person=ready.person, by=staff, confirm=True)
    assert items(ready)["Training 1"] == ("Confirmed · Kampala 3 May 2026", "ok")


def test_cancelled_enrolments_do_not_count(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    services.cancel_enrolment(enrolment=enrolment, by=staff)
    assert items(participant)["Training 1"] == ("Not enrolled", "warn")


def test_one_query_for_a_whole_page(t1, partnership, staff):
    people = [f.participant_for(partnership=partnership) for _ in range(12)]
    for participant in people[:6]:
        services.enrol(session=t1, person=participant.person, by=staff)
    page = list(Participant.objects.filter(pk__in=[p.pk for p in people]))
    with CaptureQueriesContext(connection) as small:
        training_status(page[:2])
    with CaptureQueriesContext(connection) as large:
        result = training_status(page)
    assert len(small) == len(large) == 1
    assert len(result) == 12
