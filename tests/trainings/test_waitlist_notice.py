"""When a session's waitlist starts, Norec is told once (with the count and, for Partner
training, the link that opens a second group); opening it moves and tells the waitlisted."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from norec_portal.models import OutboxEmail
from tests.trainings import factories as f
from trainings import services
from trainings.models import EnrolmentState

pytestmark = pytest.mark.django_db


def notices(session) -> list[OutboxEmail]:
    return list(
        OutboxEmail.objects.filter(idempotency_key=f"training-waitlist-started:{session.pk}")
    )


def test_the_first_waitlisted_tells_norec_once_per_session(partner_session, org_a, staff):
    services.update_session(session=partner_session, capacity=2, facilitators=[], by=staff)
    people = [f.contact_for(org_a).person for _ in range(5)]
    for person in people[:2]:
        services.enrol(session=partner_session, person=person, by=staff)
    assert not notices(partner_session)
    for person in people[2:]:
        services.enrol(session=partner_session, person=person, by=staff)
    (notice,) = notices(partner_session)
    assert notice.to_email == settings.TRAINING_NOREC_EMAIL
    assert notice.subject == "Waitlist started: Partner training, Kampala, 3 May 2026"
    assert "1 person is waiting; 2 of 2 seats are taken." in notice.body_text
    parallel = reverse("trainings:staff_session_parallel", args=[partner_session.pk])
    assert parallel in notice.body_text

    # The second group opens: the waitlist moves into it and each person is told.
    group = services.add_parallel_group(session=partner_session, capacity=10, by=staff)
    moved = group.enrolments.all()
    assert sorted(e.person_id for e in moved) == sorted(p.pk for p in people[2:])
    assert {e.state for e in moved} == {EnrolmentState.NOMINATED}
    for enrolment in moved:
        assert OutboxEmail.objects.filter(idempotency_key=f"training-promoted:{enrolment.pk}")
    assert len(notices(partner_session)) == 1


def test_training_1_waitlist_notice_has_no_second_group_link(t1, partnership, staff):
    services.update_session(session=t1, capacity=1, facilitators=[], by=staff)
    for _ in range(2):
        services.enrol(session=t1, person=f.participant_for(partnership=partnership).person,
                       by=staff)  # fmt: skip
    (notice,) = notices(t1)
    assert "1 person is waiting; 1 of 1 seats are taken." in notice.body_text
    assert "second-group" not in notice.body_text
    assert reverse("trainings:staff_session", args=[t1.pk]) in notice.body_text
