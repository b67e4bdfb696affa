"""The Django admin goes through the same services, with the same messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.trainings import factories as f
from trainings import services
from trainings.models import DocumentBatch, Enrolment, EnrolmentState, SessionKind, Venue

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


# --- The admin cannot bypass a rule -----------------------------------------------------


def test_admin_cannot_overbook_a_session(staff_client, partnership, staff):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    first, second = (f.participant_for(partnership=partnership).person for _n in range(2))
    services.enrol(session=t1, person=first, by=staff)
    response = staff_client.post(
        reverse("admin:trainings_enrolment_add"),
        {"session": t1.pk, "person": second.pk, "confirm": "on"},
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(person=second).state == EnrolmentState.WAITLISTED
    assert Enrolment.objects.filter(session=t1).holding_seats().count() == 1


def test_admin_cannot_change_an_enrolment_past_its_services(staff_client, t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    staff_client.post(
        reverse("admin:trainings_enrolment_change", args=[enrolment.pk]),
        {"session": t1.pk, "person": participant.person.pk, "state": "attended"},
    )
    assert Enrolment.objects.get(pk=enrolment.pk).state == EnrolmentState.NOMINATED


def test_admin_cannot_move_a_week_off_its_sunday_nor_add_one(staff_client, week):
    monday = week.starts_on + dt.timedelta(days=1)
    response = staff_client.post(
        reverse("admin:trainings_trainingweek_change", args=[week.pk]),
        {"venue": week.venue_id, "starts_on": monday.isoformat(), "format": week.format,
         "status": week.status, "notes": "moved"},
    )  # fmt: skip
    assert response.status_code == 403
    week.refresh_from_db()
    assert (week.starts_on, week.notes) == (f.SUNDAY, "")
    assert staff_client.get(reverse("admin:trainings_trainingweek_add")).status_code == 403


def test_admin_cannot_lower_seats_below_those_taken(staff_client, t1, participant, staff):
    services.enrol(session=t1, person=participant.person, by=staff)
    response = staff_client.post(
        reverse("admin:trainings_trainingsession_change", args=[t1.pk]),
        {"capacity": 0, "title": "Changed"},
    )
    assert response.status_code == 403
    t1.refresh_from_db()
    assert (t1.capacity, t1.title) == (30, "")


def test_admin_refuses_a_venue_with_an_unknown_time_zone(staff_client):
    response = staff_client.post(
        reverse("admin:trainings_venue_add"),
        {"name": "Atlantis", "city": "Atlantis", "country": "KE", "time_zone": "Mars/Olympus",
         "active": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Venue.objects.filter(name="Atlantis").exists()


def test_admin_cannot_add_or_change_a_document_batch(staff_client, t1):
    batch = DocumentBatch.objects.create(session=t1, kind=DocumentBatch.Kind.CERTIFICATES,
                                         enrolment_ids=[], filename="x.pdf")  # fmt: skip
    assert staff_client.get(reverse("admin:trainings_documentbatch_add")).status_code == 403
    response = staff_client.post(
        reverse("admin:trainings_documentbatch_change", args=[batch.pk]), {"status": "done"}
    )
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == DocumentBatch.Status.PENDING
