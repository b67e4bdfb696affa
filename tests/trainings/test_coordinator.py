"""Coordinators nominate their own people, see status and waitlist, cancel; and never
reach another organisation's enrolments, documents or calendars."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from norec_portal.models import OutboxEmail
from partnerships.models import ContactPerson, Participant, Phase
from tests.factories import OrganisationFactory, PartnershipFactory
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState, SessionKind

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_coordinator_nominates_their_participant(coordinator_client, t1, participant):
    url = reverse("trainings:coordinator_nominate", args=[t1.pk])
    page = coordinator_client.get(url).content.decode()
    assert "Grace Nakato" in page
    response = coordinator_client.post(url, {"people": participant.person.pk}, follow=True)
    [outcome] = response.context["outcomes"]
    assert outcome.person == participant.person and outcome.refusal == ""
    assert "Result" in response.content.decode()
    # Shown once: reloading the page neither repeats nor re-posts it.
    assert coordinator_client.get(url).context["outcomes"] == []
    enrolment = Enrolment.objects.get()
    assert enrolment.state == EnrolmentState.NOMINATED
    assert enrolment.organisation == participant.sending_organisation
    assert OutboxEmail.objects.get(idempotency_key=f"training-nominated:{enrolment.pk}")


def test_coordinator_is_told_about_missing_elearning(coordinator_client, t1, partnership):
    person = f.participant_for(partnership=partnership, elearning=False, first_name="Ada",
                               last_name="Late").person  # fmt: skip
    response = coordinator_client.post(
        reverse("trainings:coordinator_nominate", args=[t1.pk]), {"people": person.pk}, follow=True
    )
    html = response.content.decode()
    assert "Ada Late" in html
    assert "E-learning missing" in html  # flagged in the result


def test_nominee_list_flags_missing_elearning(coordinator_client, t1, partnership):
    f.participant_for(partnership=partnership, elearning=False, first_name="Ada", last_name="Late")
    f.participant_for(partnership=partnership, first_name="Ben", last_name="Ready")
    html = coordinator_client.get(
        reverse("trainings:coordinator_nominate", args=[t1.pk])
    ).content.decode()
    assert "Ada Late (e-learning not done yet)" in html
    assert "Ben Ready</label>" in html


def test_coordinator_nominates_contacts_for_partner_training(
    coordinator_client, coordinator, partner_session, contact
):
    url = reverse("trainings:coordinator_nominate", args=[partner_session.pk])
    page = coordinator_client.get(url).content.decode()
    assert "Joseph Mwangi" in page and "Achieng Otieno" in page  # manager and themself
    coordinator_client.post(url, {"people": contact.person.pk})
    assert Enrolment.objects.get().contact == contact


def test_coordinator_sees_the_rule_message(coordinator_client, t1, participant):
    services.enrol(session=t1, person=participant.person, by=None)
    response = coordinator_client.post(
        reverse("trainings:coordinator_nominate", args=[t1.pk]), {"people": participant.person.pk}
    )
    assert "Grace Nakato is already in this session (Nominated)." in response.content.decode()


def test_coordinator_cannot_pick_another_organisations_person(
    coordinator_client, t1, partnership, org_b
):
    theirs = f.participant_for(partnership=partnership)
    Participant.objects.filter(pk=theirs.pk).update(
        sending_organisation=org_b, host_organisation=theirs.sending_organisation
    )
    response = coordinator_client.post(
        reverse("trainings:coordinator_nominate", args=[t1.pk]), {"people": theirs.person.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_sessions_page_shows_status_and_waitlist_position(coordinator_client, partnership):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    first = f.participant_for(partnership=partnership, first_name="First").person
    second = f.participant_for(partnership=partnership, first_name="Second").person
    services.enrol(session=t1, person=first, by=None)
    services.enrol(session=t1, person=second, by=None)
    html = coordinator_client.get(reverse("trainings:coordinator_sessions")).content.decode()
    assert "Nominated" in html
    assert "On the waitlist · position 1" in html
    assert reverse("trainings:coordinator_nominate", args=[t1.pk]) in html


def test_coordinator_cancels_with_htmx_and_norec_is_told(
    coordinator_client, t1, participant, coordinator
):
    enrolment = services.enrol(session=t1, person=participant.person, by=None)
    response = coordinator_client.post(
        reverse("trainings:coordinator_cancel", args=[enrolment.pk]), headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="enrolment-{enrolment.pk}"' in html and "Cancelled" in html
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CANCELLED
    recipients = set(
        OutboxEmail.objects.filter(
            idempotency_key__startswith=f"training-cancelled:{enrolment.pk}:"
        ).values_list("to_email", flat=True)
    )
    assert recipients == {
        "training@norec.no", "coordinator.a@example.org", participant.person.email
    }  # fmt: skip


def test_coordinator_cancel_asks_first_without_javascript(coordinator_client, t1, participant):
    enrolment = services.enrol(session=t1, person=participant.person, by=None)
    url = reverse("trainings:coordinator_cancel", args=[enrolment.pk])
    assert "Cancel the enrolment of Grace Nakato" in coordinator_client.get(url).content.decode()
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.NOMINATED
    response = coordinator_client.post(url, {"reason": "Visa"}, follow=True)
    assert "is cancelled; Norec has been told." in response.content.decode()


def test_cancel_refusal_is_shown_in_the_row(
    coordinator_client, coordinator, t1, participant, time_machine
):
    enrolment = services.enrol(session=t1, person=participant.person, by=None)
    time_machine.move_to(dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC))
    coordinator_client.force_login(coordinator)  # the session cookie has expired meanwhile
    response = coordinator_client.post(
        reverse("trainings:coordinator_cancel", args=[enrolment.pk]), headers=HTMX
    )
    assert "record that the person did not attend instead" in response.content.decode()


def test_coordinator_downloads_letter_and_calendar(coordinator_client, t1, participant):
    enrolment = services.enrol(session=t1, person=participant.person, by=None, confirm=True)
    f.visa_travel(enrolment)
    letter = coordinator_client.get(reverse("trainings:coordinator_letter", args=[enrolment.pk]))
    assert letter["Content-Type"] == "application/pdf"
    calendar = coordinator_client.get(
        reverse("trainings:coordinator_person_calendar", args=[participant.person.pk])
    )
    assert b"BEGIN:VCALENDAR" in calendar.content
    refused = coordinator_client.get(
        reverse("trainings:coordinator_certificate", args=[enrolment.pk]), follow=True
    )
    assert "A certificate is issued only to people who attended" in refused.content.decode()


# --- Scoping: another organisation's data is a 404 --------------------------------------


@pytest.fixture
def other_enrolment(t1, partnership, org_b):
    """An enrolment nominated through org_b (another coordinator's organisation)."""
    theirs = f.participant_for(partnership=partnership, first_name="Their", last_name="Person")
    Participant.objects.filter(pk=theirs.pk).update(
        sending_organisation=org_b, host_organisation=theirs.sending_organisation
    )
    return services.enrol(session=t1, person=theirs.person, by=None, confirm=True)


@pytest.mark.parametrize(
    ("name", "method", "headers"),
    [
        ("trainings:coordinator_cancel", "get", {}),
        ("trainings:coordinator_cancel", "post", {}),
        ("trainings:coordinator_cancel", "post", HTMX),
        ("trainings:coordinator_letter", "get", {}),
        ("trainings:coordinator_certificate", "get", {}),
    ],
)
def test_coordinator_cannot_reach_another_organisations_enrolment(
    coordinator_client, other_enrolment, name, method, headers
):
    url = reverse(name, args=[other_enrolment.pk])
    response = getattr(coordinator_client, method)(url, headers=headers)
    assert response.status_code == 404
    other_enrolment.refresh_from_db()
    assert other_enrolment.state == EnrolmentState.CONFIRMED


def test_coordinator_cannot_download_another_organisations_calendar(
    coordinator_client, other_enrolment
):
    url = reverse("trainings:coordinator_person_calendar", args=[other_enrolment.person_id])
    assert coordinator_client.get(url).status_code == 404


def test_coordinator_list_leaves_out_other_organisations(coordinator_client, other_enrolment):
    html = coordinator_client.get(reverse("trainings:coordinator_sessions")).content.decode()
    assert "Their Person" not in html


def test_other_coordinator_sees_their_own(client, other_coordinator, other_enrolment):
    client.force_login(other_coordinator)
    html = client.get(reverse("trainings:coordinator_sessions")).content.decode()
    assert "Their Person" in html
    f.visa_travel(other_enrolment)
    letter = client.get(reverse("trainings:coordinator_letter", args=[other_enrolment.pk]))
    assert letter.status_code == 200


def test_coordinator_pages_are_not_for_staff_or_alumni(staff_client, alumnus_client):
    url = reverse("trainings:coordinator_sessions")
    assert staff_client.get(url).status_code == 403
    assert alumnus_client.get(url).status_code == 403


def test_coordinator_without_organisation_is_refused(client, coordinator):
    ContactPerson.objects.filter(person__user=coordinator).update(active=False)
    client.force_login(coordinator)
    assert client.get(reverse("trainings:coordinator_sessions")).status_code == 403


def test_seminar_is_offered_only_to_invited_partnerships(coordinator_client, org_a, staff):
    seminar = services.create_intro_seminar(
        title="Invite-only seminar", capacity=10, venue=None, online=True, by=staff,
        days=[services.SeminarDay(dt.date(2026, 4, d), dt.time(9), dt.time(12))
              for d in (7, 9, 14)],
    )  # fmt: skip
    url = reverse("trainings:coordinator_sessions")
    assert "Invite-only seminar" not in coordinator_client.get(url).content.decode()
    new = PartnershipFactory(phase=Phase.FEASIBILITY, members=[org_a, OrganisationFactory()])
    services.invite_partnerships(session=seminar, partnerships=[new], by=staff)
    assert "Invite-only seminar" in coordinator_client.get(url).content.decode()


def test_sessions_page_runs_a_constant_number_of_queries(coordinator_client, partnership):
    url = reverse("trainings:coordinator_sessions")

    def run() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_client.get(url).status_code == 200
        return len(queries)

    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    for n in range(2):
        person = f.participant_for(partnership=partnership, first_name=f"S{n}").person
        services.enrol(session=t1, person=person, by=None)
    small = run()
    for n in range(30):
        person = f.participant_for(partnership=partnership, first_name=f"L{n}").person
        services.enrol(session=t1, person=person, by=None)
    for n in range(1, 10):
        f.make_week(venue_name="Bangkok", starts_on=f.SUNDAY + dt.timedelta(weeks=n))
    assert run() == small
