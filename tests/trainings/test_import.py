"""Enrolling a list by email: the same service, all or nothing, a message per line."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from norec_portal.models import OutboxEmail
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState

pytestmark = pytest.mark.django_db


def test_a_list_is_enrolled_through_the_service(t1, partnership, staff):
    people = [f.participant_for(partnership=partnership).person for _ in range(3)]
    enrolments = services.enrol_many(
        session=t1, emails=[p.email.upper() for p in people] + [""], by=staff, confirm=True
    )
    assert [e.state for e in enrolments] == [EnrolmentState.CONFIRMED] * 3


def test_one_bad_line_enrols_nobody_and_every_problem_is_listed(t1, partnership, contact, staff):
    good = f.participant_for(partnership=partnership).person
    with pytest.raises(ValidationError) as exc:
        services.enrol_many(
            session=t1,
            emails=[good.email, "nobody@example.org", contact.person.email, good.email],
            by=staff,
        )
    assert exc.value.messages == [
        "Line 2: nobody is registered with the email nobody@example.org.",
        f"Line 3 ({contact.person.email}): Training 1 is for participants on exchange; "
        "Joseph Mwangi is not a current participant.",
        f"Line 4: {good.email} appears twice.",
    ]
    assert not Enrolment.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_import_page(staff_client, t1, partnership):
    people = [f.participant_for(partnership=partnership).person for _ in range(2)]
    url = reverse("trainings:staff_session_import", args=[t1.pk])
    response = staff_client.post(url, {"emails": "\n".join(p.email for p in people)}, follow=True)
    assert "2 people enrolled." in response.content.decode()
    bad = staff_client.post(url, {"emails": "ghost@example.org"})
    assert "Line 1: nobody is registered with the email ghost@example.org." in (
        bad.content.decode()
    )
