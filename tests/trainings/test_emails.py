"""The emails of trainings: content, recipients, and the beat jobs (idempotent)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from norec_portal.models import OutboxEmail
from partnerships.models import ContactPerson
from tests.trainings import factories as f
from trainings import services, tasks
from trainings.models import Enrolment, SessionKind

pytestmark = pytest.mark.django_db


def mail(key: str) -> OutboxEmail:
    return OutboxEmail.objects.get(idempotency_key=key)


def test_nomination_email(t1, partnership, staff):
    person = f.participant_for(partnership=partnership, elearning=False, first_name="Ama",
                               last_name="Owusu").person  # fmt: skip
    enrolment = services.enrol(session=t1, person=person, by=staff)
    message = mail(f"training-nominated:{enrolment.pk}")
    assert message.to_email == person.email
    assert message.subject == "Nominated: Training 1, Kampala"
    assert "Dear Ama," in message.body_text
    assert "has nominated you for Training 1 in Kampala" in message.body_text
    assert "complete the Norec e-learning before you leave home" in message.body_text
    assert "Sunday 3 May 2026: 14:00–17:00" in message.body_text
    assert "Norec" in message.body_html and "<table" in message.body_html


def test_confirmation_email_has_the_travel_practicalities(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    message = mail(f"training-confirmed:{enrolment.pk}")
    assert message.subject == "Confirmed: Training 1, Kampala, from 3 May 2026"
    body = message.body_text
    assert "arrive on Sunday 3 May 2026 in the morning" in body
    assert "leave on Saturday 9 May 2026" in body
    assert "Entebbe" in body  # the venue's practical information
    assert "Times are in the venue's time (Africa/Kampala)." in body
    assert "Friday 8 May 2026: 09:00–22:00" in body
    assert "in Norway" not in body  # in person: venue time only
    assert not OutboxEmail.objects.filter(idempotency_key=f"training-nominated:{enrolment.pk}")


def test_waitlisted_people_are_told_they_wait(partnership, staff):
    week = f.make_week(t1=1)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    services.enrol(session=t1, person=f.participant_for(partnership=partnership).person, by=staff)
    waiting = services.enrol(
        session=t1, person=f.participant_for(partnership=partnership).person, by=staff
    )
    message = mail(f"training-nominated:{waiting.pk}")
    assert message.subject == "On the waitlist: Training 1, Kampala"
    assert "you are on the waitlist" in message.body_text


def test_people_without_an_email_are_skipped(t1, partnership, staff):
    person = f.participant_for(partnership=partnership, email="").person
    services.enrol(session=t1, person=person, by=staff)
    assert not OutboxEmail.objects.exists()


def test_emails_use_the_persons_language(t1, partnership, staff):
    person = f.participant_for(partnership=partnership, preferred_language="fr").person
    enrolment = services.enrol(session=t1, person=person, by=staff)
    message = mail(f"training-nominated:{enrolment.pk}")
    assert message.subject.startswith("Désigné(e) : ")
    assert message.body_text


# --- Two-week reminder (beat) -----------------------------------------------------------


def test_reminder_goes_two_weeks_before_and_only_once(t1, participant, staff, time_machine):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    assert services.send_training_reminders(today=dt.date(2026, 4, 18)) == 0  # 15 days ahead
    assert services.send_training_reminders(today=dt.date(2026, 4, 19)) == 1  # 14 days
    message = mail(f"training-reminder:{enrolment.pk}")
    assert message.subject == "Reminder: Training 1, Kampala, starts 3 May"
    assert "begins on Sunday 3 May 2026" in message.body_text
    assert services.send_training_reminders(today=dt.date(2026, 4, 20)) == 0
    assert OutboxEmail.objects.filter(idempotency_key__startswith="training-reminder:").count() == 1


def test_reminder_skips_the_waitlisted_and_cancelled(t1, partnership, staff):
    services.update_session(session=t1, capacity=1, facilitators=[], by=staff)
    services.enrol(session=t1, person=f.participant_for(partnership=partnership).person, by=staff)
    waiting = services.enrol(
        session=t1, person=f.participant_for(partnership=partnership).person, by=staff
    )
    cancelled = services.enrol(
        session=t1, person=f.participant_for(partnership=partnership).person, by=staff,
        confirm=True,
    )  # fmt: skip
    services.cancel_enrolment(enrolment=cancelled, by=staff)
    assert waiting.state == "waitlisted"
    assert services.send_training_reminders(today=dt.date(2026, 4, 25)) == 1  # the nominated
    assert set(Enrolment.objects.filter(reminder_sent_at__isnull=False)) == {
        Enrolment.objects.get(session=t1, state="nominated")
    }


def test_reminder_task_runs_for_today(t1, participant, staff, time_machine):
    services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    time_machine.move_to(dt.datetime(2026, 4, 22, 6, tzinfo=dt.UTC))
    assert tasks.send_training_reminders.delay().get() == 1


def test_beat_schedule_has_the_training_jobs():
    tasks_by_name = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "trainings.tasks.send_training_reminders" in tasks_by_name
    assert "trainings.tasks.send_signup_calls" in tasks_by_name


# --- Call for sign-up, about three months ahead (beat) ----------------------------------


def test_signup_call_goes_to_coordinators_about_three_months_ahead(
    partnership, coordinator, other_coordinator, staff
):
    starts = dt.date(2026, 6, 7)  # 97 days after 2 March
    week = f.make_week(starts_on=starts)
    f.participant_for(starts, partnership=partnership, first_name="Kofi", last_name="Due")
    f.participant_for(starts, partnership=partnership, start_offset=200, first_name="Too",
                      last_name="Late")  # fmt: skip
    assert services.send_due_signup_calls(today=dt.date(2026, 3, 7)) == 0  # 92 days ahead
    sent = services.send_due_signup_calls(today=dt.date(2026, 3, 8))  # 91 days ahead
    # Kofi's organisation (A) has a participant due; both A and B have a coordinator
    # who never took Partner training.
    assert sent == 2
    to_a = mail(
        f"training-signup-call:{week.pk}:{ContactPerson.objects.get(person__user=coordinator).pk}"
    )
    assert to_a.subject == "Sign up now: training week in Kampala from 7 June 2026"
    assert "Training 1:\n- Kofi Due" in to_a.body_text
    assert "Too Late" not in to_a.body_text
    assert "Partner training:\n- Achieng Otieno" in to_a.body_text
    week.refresh_from_db()
    assert week.signup_call_sent_at is not None
    # Repeating (the beat, or staff pressing the button) sends nothing twice.
    assert services.send_due_signup_calls(today=dt.date(2026, 3, 9)) == 0
    services.send_signup_call(week=week, by=staff)
    assert (
        OutboxEmail.objects.filter(idempotency_key__startswith="training-signup-call:").count() == 2
    )


def test_signup_call_leaves_out_people_already_trained(partner_session, contact, coordinator,
                                                        staff):  # fmt: skip
    services.enrol(session=partner_session, person=coordinator.person, by=staff)
    audience = services.signup_audience(partner_session.week, [SessionKind.PARTNER])
    names = [p.full_name for kinds in audience.needs.values() for p in kinds["partner"]]
    assert "Joseph Mwangi" in names and "Achieng Otieno" not in names


def test_signup_call_counts_a_no_show_as_not_trained(partner_session, contact, coordinator,
                                                      staff):  # fmt: skip
    missed = services.enrol(session=partner_session, person=coordinator.person, by=staff,
                            confirm=True)  # fmt: skip
    services.mark_attendance(enrolment=missed, attended=False, by=staff,
                             today=partner_session.first_day)  # fmt: skip
    later = f.make_week(venue_name="Bangkok", starts_on=dt.date(2026, 9, 6))
    audience = services.signup_audience(later, [SessionKind.PARTNER])
    names = [p.full_name for kinds in audience.needs.values() for p in kinds["partner"]]
    assert "Achieng Otieno" in names and "Joseph Mwangi" in names


def test_signup_call_button_for_staff(staff_client, week, coordinator):
    from django.urls import reverse

    response = staff_client.post(
        reverse("trainings:staff_week_signup_call", args=[week.pk]), follow=True
    )
    assert "The call for sign-up went to 1 coordinator." in response.content.decode()


def test_signup_task_runs_for_today(partnership, coordinator, time_machine):
    f.make_week(starts_on=dt.date(2026, 6, 7))
    time_machine.move_to(dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC))
    assert tasks.send_signup_calls.delay().get() == 1  # the one coordinator, for Partner training
    assert tasks.send_signup_calls.delay().get() == 0


def test_confirmation_gives_the_venues_practical_information_in_the_persons_language(
    t1, partnership, staff, staff_client
):
    venue = t1.week.venue
    english = venue.practical_information
    response = staff_client.post(reverse("trainings:staff_venue_edit", args=[venue.pk]), {
        "name": venue.name, "city": venue.city, "country": venue.country.code,
        "address": venue.address, "time_zone": venue.time_zone,
        "practical_information": english,
        "practical_information_fr": "Navette depuis l'aéroport d'Entebbe à 9 h.",
        "practical_information_pt": "", "practical_information_es": "", "active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.practical_information_translations == {
        "fr": "Navette depuis l'aéroport d'Entebbe à 9 h."
    }
    french = f.participant_for(partnership=partnership, preferred_language="fr").person
    portuguese = f.participant_for(partnership=partnership, preferred_language="pt").person
    to_french = services.enrol(session=t1, person=french, by=staff, confirm=True)
    to_portuguese = services.enrol(session=t1, person=portuguese, by=staff, confirm=True)
    body = mail(f"training-confirmed:{to_french.pk}").body_text
    assert "Navette depuis l'aéroport d'Entebbe à 9 h." in body
    assert english.splitlines()[0] not in body
    # No Portuguese text yet: the English one, rather than nothing.
    assert english.splitlines()[0] in mail(f"training-confirmed:{to_portuguese.pk}").body_text
