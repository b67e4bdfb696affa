"""On PostgreSQL: ten requests racing with one travel link save the details once."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from norec_portal.models import AuditEntry
from tests.conftest import need_stack
from tests.trainings import factories as f
from tests.trainings.test_travel import details, link_of, travel_mails
from trainings import services
from trainings.models import SessionKind, TravelDetails

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_ten_requests_with_one_travel_link_save_once(partnership):
    if connection.vendor != "postgresql":
        need_stack("the concurrency test needs PostgreSQL row locks (set DATABASE_URL)")
    session = f.session_of(f.make_week(), SessionKind.TRAINING_1)
    person = f.participant_for(partnership=partnership).person
    enrolment = services.enrol(session=session, person=person, by=None)
    raw = link_of(travel_mails(enrolment).get())
    barrier = threading.Barrier(10)
    saved: list[object] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            saved.append(services.save_travel_details_with_link(
                raw_token=raw, data=details(dietary_needs=f"meal {i}")))  # fmt: skip
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(saved) == 1
    assert len(errors) == 9 and all(isinstance(e, ValidationError) for e in errors), errors
    assert TravelDetails.objects.count() == 1
    assert AuditEntry.objects.filter(object_type__model="traveldetails").count() == 1
