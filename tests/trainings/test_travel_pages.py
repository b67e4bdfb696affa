"""The travel form on its pages: the person's link, coordinators (their organisation
only), staff, the dashboard list; passport data masked and every showing audited; the
privacy export and the key rotation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from norec_portal import crypto
from norec_portal.models import AuditEntry, OutboxEmail
from norec_portal.privacy import Subject, export_subject
from tests.trainings import factories as f
from tests.trainings.test_travel import VISA, details, link_of, travel_mails
from trainings import services
from trainings.models import TrainingWeek, TravelDetails, TravelLink

pytestmark = pytest.mark.django_db
SUNDAY = f.SUNDAY


def form_data(**changes) -> dict:
    data = details(**changes)
    return {key: ("on" if value is True else "" if value in (None, False) else
                  value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in data.items() if value not in (False,)}  # fmt: skip


@pytest.fixture
def enrolment(t1, participant):
    return services.enrol(session=t1, person=participant.person, by=None)


def save(enrolment, **changes):
    return services.save_travel_details(enrolment=enrolment, data=details(**changes), by=None,
                                        via=TravelDetails.Source.STAFF)  # fmt: skip


def passport_audits(enrolment):
    return AuditEntry.objects.filter(object_type__model="enrolment", object_id=enrolment.pk,
                                     action=AuditEntry.Action.VIEW,
                                     summary__startswith="passport shown")  # fmt: skip


# --- The person's link ----------------------------------------------------------------------


def test_person_fills_in_the_form_from_the_link_once(client, enrolment):
    raw = link_of(travel_mails(enrolment).get())
    response = client.get(reverse("trainings:travel_link", args=[raw]))
    assert response.status_code == 302 and raw not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Only if you need a visa" in page and "Your travel details" in page
    response = client.post(reverse("trainings:travel_form"), form_data(**VISA))
    assert response.status_code == 302, response.context["form"].errors
    travel = TravelDetails.objects.get(enrolment=enrolment)
    assert travel.submitted_via == TravelDetails.Source.PERSON and travel.needs_visa
    # Used: the link now shows the one page that sends them to their coordinator.
    again = client.get(reverse("trainings:travel_link", args=[raw]))
    assert again.status_code == 400
    assert "Ask your coordinator" in again.content.decode()
    assert client.get(reverse("trainings:travel_form")).status_code == 400


def test_person_sees_every_problem_and_the_link_stays_usable(client, enrolment):
    raw = link_of(travel_mails(enrolment).get())
    client.get(reverse("trainings:travel_link", args=[raw]))
    response = client.post(reverse("trainings:travel_form"), form_data(
        arrival_date=SUNDAY + dt.timedelta(days=3), emergency_contact_phone="12",
        needs_visa=True))  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"arrival_date", "emergency_contact_phone", "passport_number"} <= set(errors)
    assert not TravelDetails.objects.exists()
    assert client.post(reverse("trainings:travel_form"), form_data()).status_code == 302


def test_expired_link_shows_the_ask_your_coordinator_page(client, enrolment):
    raw = link_of(travel_mails(enrolment).get())
    TravelLink.objects.update(expires_at=timezone.now())
    response = client.get(reverse("trainings:travel_link", args=[raw]))
    assert response.status_code == 400 and "coordinator" in response.content.decode()


# --- Coordinators ----------------------------------------------------------------------------


def test_coordinator_fills_in_for_their_person(coordinator_client, coordinator, enrolment):
    url = reverse("trainings:coordinator_travel", args=[enrolment.pk])
    assert coordinator_client.get(url).status_code == 200
    response = coordinator_client.post(url, form_data())
    assert response.status_code == 302
    travel = TravelDetails.objects.get()
    assert travel.submitted_via == TravelDetails.Source.COORDINATOR
    assert travel.updated_by == coordinator


def test_other_organisations_coordinator_gets_404(client, other_coordinator, enrolment):
    client.force_login(other_coordinator)
    for name in ("trainings:coordinator_travel", "trainings:coordinator_travel_link"):
        url = reverse(name, args=[enrolment.pk])
        assert client.post(url, form_data()).status_code == 404
    assert client.get(reverse("trainings:coordinator_travel", args=[enrolment.pk])
                      ).status_code == 404  # fmt: skip
    assert not TravelDetails.objects.exists()


def test_coordinator_sees_the_passport_masked_and_the_view_is_audited(
    coordinator_client, coordinator, enrolment
):
    save(enrolment, **VISA)
    page = coordinator_client.get(
        reverse("trainings:coordinator_travel", args=[enrolment.pk])
    ).content.decode()
    assert "B1234567" not in page and "•••••567" in page
    [entry] = passport_audits(enrolment)
    assert entry.actor == coordinator and "coordinator travel form" in entry.summary
    # Saving again with the number left empty keeps the stored one.
    coordinator_client.post(reverse("trainings:coordinator_travel", args=[enrolment.pk]),
                            form_data(**{**VISA, "passport_number": ""}))  # fmt: skip
    assert TravelDetails.objects.get().passport_number == "B1234567"


def test_coordinator_resends_the_link(coordinator_client, enrolment):
    response = coordinator_client.post(
        reverse("trainings:coordinator_travel_link", args=[enrolment.pk])
    )
    assert response.status_code == 302
    assert travel_mails(enrolment).count() == 2


def test_coordinator_list_flags_missing_travel_details(coordinator_client, enrolment):
    page = coordinator_client.get(reverse("trainings:coordinator_sessions")).content.decode()
    assert "Travel details missing" in page
    save(enrolment)
    page = coordinator_client.get(reverse("trainings:coordinator_sessions")).content.decode()
    assert "Travel details missing" not in page
    assert reverse("trainings:coordinator_travel", args=[enrolment.pk]) in page


def test_dashboard_lists_missing_travel_with_overdue_highlighted(
    coordinator_client, week, enrolment, staff
):
    services.set_week_travel(week=week, travel_details_due=f.TODAY - dt.timedelta(days=1),
                             rooms="shared", by=staff)  # fmt: skip
    page = coordinator_client.get(reverse("partnerships:coordinator_dashboard")).content.decode()
    assert "Travel details missing" in page and "Grace Nakato" in page
    assert 'class="row--error"' in page and "Overdue" in page


def test_dashboard_travel_list_costs_the_same_queries_for_more_people(
    coordinator_client, t1, partnership, enrolment
):
    url = reverse("partnerships:coordinator_dashboard")
    coordinator_client.get(url)
    with CaptureQueriesContext(connection) as one:
        coordinator_client.get(url)
    for name in ("Ada", "Ben", "Cy"):
        person = f.participant_for(partnership=partnership, first_name=name).person
        services.enrol(session=t1, person=person, by=None)
    with CaptureQueriesContext(connection) as four:
        page = coordinator_client.get(url).content.decode()
    assert page.count("Travel details</a>") == 4
    assert len(four) == len(one)


# --- Staff -----------------------------------------------------------------------------------


def test_staff_overview_shows_flags_visa_and_missing(staff_client, staff, t1, enrolment,
                                                       partnership):  # fmt: skip
    save(enrolment, arrival_date=SUNDAY - dt.timedelta(days=1),
         departure_date=SUNDAY + dt.timedelta(days=7), **VISA)  # fmt: skip
    other = services.enrol(session=t1, by=None, person=f.participant_for(
        partnership=partnership, first_name="Ben", last_name="Absent").person)  # fmt: skip
    page = staff_client.get(reverse("trainings:staff_session_travel", args=[t1.pk])
                            ).content.decode()  # fmt: skip
    assert "early" in page and "late" in page and "•••••567" in page
    assert "B1234567" not in page and "GRACE NAKATO" not in page
    assert "Missing" in page and "Ben Absent" in page
    [entry] = passport_audits(enrolment)
    assert entry.actor == staff and "staff travel overview" in entry.summary
    assert not passport_audits(other).exists()


def test_staff_edits_any_travel_form_and_resends(staff_client, enrolment):
    url = reverse("trainings:staff_travel", args=[enrolment.pk])
    assert staff_client.post(url, form_data()).status_code == 302
    assert TravelDetails.objects.get().submitted_via == TravelDetails.Source.STAFF
    staff_client.post(reverse("trainings:staff_travel_link", args=[enrolment.pk]))
    assert travel_mails(enrolment).count() == 2


def test_staff_sets_the_deadline_and_rooms_of_a_week(staff_client, week):
    url = reverse("trainings:staff_week_travel", args=[week.pk])
    bad = staff_client.post(url, {"travel_details_due": SUNDAY.isoformat(), "rooms": "single"})
    assert "before the week starts" in bad.content.decode()
    response = staff_client.post(url, {"travel_details_due": "2026-04-19", "rooms": "single"})
    assert response.status_code == 302
    week.refresh_from_db()
    assert week.travel_details_due == dt.date(2026, 4, 19) and week.rooms == "single"
    page = staff_client.get(reverse("trainings:staff_week", args=[week.pk])).content.decode()
    assert "19 April 2026" in page and "Single rooms" in page


def test_resend_for_a_cancelled_enrolment_says_why_not(staff_client, enrolment):
    services.cancel_enrolment(enrolment=enrolment, by=None)
    page = staff_client.get(reverse("trainings:staff_travel", args=[enrolment.pk]))
    assert "nominated or confirmed" in page.content.decode()
    assert page.context["form"] and '<form method="post" class="form"' not in (
        page.content.decode()
    )
    response = staff_client.post(reverse("trainings:staff_travel_link", args=[enrolment.pk]),
                                 follow=True)  # fmt: skip
    assert "nominated or confirmed" in response.content.decode()
    assert travel_mails(enrolment).count() == 1


# --- Privacy ---------------------------------------------------------------------------------


def test_privacy_export_contains_the_travel_details(enrolment):
    save(enrolment, **VISA)
    data = export_subject(Subject.of(person=enrolment.person))
    [section] = [s for s in data["sections"] if s["title"] == "Travel details"]
    dumped = json.dumps(section, default=str)
    assert "KQ 412" in dumped and "Ruth Nakato" in dumped and "B1234567" in dumped


def test_key_rotation_re_encrypts_the_passport_fields(settings, enrolment):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEYS = [old]
    save(enrolment, **VISA)
    settings.MFA_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_mfa_keys")
    settings.MFA_ENCRYPTION_KEYS = [new]
    with connection.cursor() as cursor:
        cursor.execute("SELECT passport_number, passport_expiry FROM trainings_traveldetails")
        number, expiry = cursor.fetchone()
    assert crypto.decrypt(number) == "B1234567" and crypto.decrypt(expiry) == "2030-01-31"
    assert TravelDetails.objects.get().passport_name == "GRACE NAKATO"
    assert OutboxEmail.objects.exists()  # nothing else was touched on the way


def test_new_week_takes_its_travel_deadline_and_rooms(staff_client):
    url = reverse("trainings:staff_week_create")
    fields = {"venue": f.venue("Bangkok").pk, "starts_on": SUNDAY.isoformat(),
              "format": "in_person", "t1": "on", "t1_capacity": 30, "partner_days": 6,
              "partner_capacity": 40, "t2_capacity": 30, "rooms": "single"}  # fmt: skip
    late = staff_client.post(url, {**fields, "travel_details_due": SUNDAY.isoformat()})
    assert late.status_code == 200
    assert "The deadline must be before the week starts (3 May 2026)." in late.content.decode()
    response = staff_client.post(url, {**fields, "travel_details_due": "2026-04-12"})
    assert response.status_code == 302
    week = TrainingWeek.objects.get(venue__name="Bangkok")
    assert (week.travel_details_due, week.rooms) == (dt.date(2026, 4, 12), "single")


def test_dashboard_shows_the_soonest_and_points_to_the_rest(
    coordinator_client, t1, partnership, enrolment, monkeypatch
):
    monkeypatch.setattr("trainings.dashboard.SHOWN", 1)
    person = f.participant_for(partnership=partnership, first_name="Ada").person
    services.enrol(session=t1, person=person, by=None)
    page = coordinator_client.get(reverse("partnerships:coordinator_dashboard")).content.decode()
    assert page.count("Travel details</a>") == 1
    assert "More people are missing travel details" in page
