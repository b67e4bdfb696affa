"""The Django admin goes through the same services, with the same messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState

pytestmark = pytest.mark.django_db


def test_admin_adds_an_enrolment_through_the_service(staff_client, t1, participant):
    response = staff_client.post(
        reverse("admin:trainings_enrolment_add"),
        {"session": t1.pk, "person": participant.person.pk, "confirm": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    enrolment = Enrolment.objects.get()
    assert enrolment.state == EnrolmentState.CONFIRMED
    assert enrolment.organisation == participant.sending_organisation


def test_admin_shows_the_rule_message(staff_client, t1, contact):
    response = staff_client.post(
        reverse("admin:trainings_enrolment_add"), {"session": t1.pk, "person": contact.person.pk}
    )
    assert response.status_code == 200
    assert "Joseph Mwangi is not a current participant." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_admin_action_confirms_through_the_service(staff_client, t1, partnership, staff):
    without = f.participant_for(partnership=partnership, elearning=False, first_name="Kim",
                                last_name="Noelearning").person  # fmt: skip
    ready = f.participant_for(partnership=partnership).person
    enrolments = [services.enrol(session=t1, person=p, by=staff) for p in (without, ready)]
    response = staff_client.post(
        reverse("admin:trainings_enrolment_changelist"),
        {"action": "confirm", "_selected_action": [e.pk for e in enrolments]},
        follow=True,
    )
    html = response.content.decode()
    assert "Kim Noelearning has not completed the Norec e-learning." in html
    assert [Enrolment.objects.get(pk=e.pk).state for e in enrolments] == [
        EnrolmentState.NOMINATED, EnrolmentState.CONFIRMED
    ]  # fmt: skip


def test_admin_pages_open(staff_client, week, t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    for url in [
        reverse("admin:trainings_venue_changelist"),
        reverse("admin:trainings_trainingweek_change", args=[week.pk]),
        reverse("admin:trainings_trainingsession_change", args=[t1.pk]),
        reverse("admin:trainings_enrolment_change", args=[enrolment.pk]),
        reverse("admin:trainings_documentbatch_changelist"),
    ]:
        assert staff_client.get(url).status_code == 200, url
