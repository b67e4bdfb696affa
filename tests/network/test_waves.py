"""Invitation waves: preview, the daily cap released by beat, pause / resume / cancel,
nobody invited twice, bounces, reminders, expiry, re-sending, progress."""

from __future__ import annotations

import datetime as dt
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from network import tasks
from network.models import Invitation, InvitationWave
from network.services import waves
from network.services.duplicates import propose_pairs
from norec_portal.models import OutboxEmail
from tests.network.factories import bulk_alumni, make_alumnus_record, make_member

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
DAY_ONE = dt.date(2027, 3, 1)
State = Invitation.State


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=OSLO)


def new_wave(countries=("KE", "UG", "TZ"), cap=100, starts_on=None, **kw) -> InvitationWave:
    params = {"reminder_after_days": 14, "expires_after_days": 60, **kw}
    return waves.create_wave(
        name="Wave", countries=list(countries), daily_cap=cap,
        starts_on=starts_on or timezone.localdate(), by=None, **params,
    )  # fmt: skip


def released_on(wave: InvitationWave, day: dt.date) -> int:
    return wave.invitations.filter(released_on=day).count()


def test_preview_counts_who_is_invited_and_why_not(db):
    bulk_alumni(5, ["KE"])
    make_alumnus_record("No", "Email", country="KE", email="")
    make_member(email="member@example.org", country="KE")
    already = make_alumnus_record("Al", "Ready", country="KE", email="al@example.org")
    waves.invite_person(person=already, email=already.email, by=None, via="staff")
    a = make_alumnus_record("Twin", "One", country="KE", email="t1@example.org")
    b = make_alumnus_record("Twin", "Oen", country="KE", email="t2@example.org")
    propose_pairs([(a, b, ["similar name"], 70)])
    make_alumnus_record("Elsewhere", "Person", country="NP", email="np@example.org")

    preview = waves.preview_wave(countries=["KE", "UG"])
    ke, ug = preview.countries
    assert (ke.country, ke.eligible, ke.without_email, ke.already_members, ke.already_invited,
            ke.in_duplicate_review) == ("KE", 5, 1, 1, 1, 2)  # fmt: skip
    assert ug.total == 0
    assert preview.totals.eligible == 5
    assert preview.days_needed(2) == 3


def test_creating_a_wave_queues_one_invitation_per_eligible_person_and_sends_nothing(db):
    bulk_alumni(30, ["KE", "UG"])
    wave = new_wave(countries=["KE", "UG"], cap=10)
    assert wave.invitations.count() == 30
    assert set(wave.invitations.values_list("state", flat=True)) == {State.QUEUED}
    assert not OutboxEmail.objects.exists()


def test_a_wave_of_3_countries_sends_exactly_the_cap_each_day_with_pause_and_resume(db):
    """1,000 eligible people in 3 countries, 100 a day: 10 sending days, paused for two."""
    bulk_alumni(1000, ["KE", "UG", "TZ"])
    make_alumnus_record("Other", "Country", country="NP", email="np@example.org")
    with time_machine.travel(at(DAY_ONE), tick=False):
        wave = new_wave(cap=100, starts_on=DAY_ONE)
    assert wave.invitations.count() == 1000

    sending_days = []
    day = DAY_ONE
    while wave.invitations.filter(state=State.QUEUED).exists():
        with time_machine.travel(at(day), tick=False):
            if day == DAY_ONE + dt.timedelta(days=3):
                waves.change_wave_status(wave=wave, to_status="paused", by=None)
            if day == DAY_ONE + dt.timedelta(days=5):
                waves.change_wave_status(wave=wave, to_status="active", by=None)
            tasks.release_invitation_batches.delay()
            # Beat runs many times a day: later runs find today's share used up.
            with time_machine.travel(at(day, 15), tick=False):
                tasks.release_invitation_batches.delay()
        count = released_on(wave, day)
        if count:
            sending_days.append(day)
        assert count in (0, 100), f"{count} invitations on {day}"
        day += dt.timedelta(days=1)
        assert day < DAY_ONE + dt.timedelta(days=30), "the wave never finished"

    paused_days = {DAY_ONE + dt.timedelta(days=3), DAY_ONE + dt.timedelta(days=4)}
    assert len(sending_days) == 10
    assert not paused_days & set(sending_days), "invitations went out while paused"
    wave.refresh_from_db()
    assert wave.status == InvitationWave.Status.COMPLETED

    # Never the same person twice: one sent invitation and one email per person.
    emails = OutboxEmail.objects.filter(idempotency_key__startswith="invitation:")
    assert emails.count() == 1000
    assert len(set(emails.values_list("to_email", flat=True))) == 1000
    assert wave.invitations.filter(state=State.SENT).count() == 1000
    assert not OutboxEmail.objects.filter(to_email="np@example.org").exists()
    # A later day sends nothing more, and a new wave finds nobody left to invite.
    with time_machine.travel(at(day + dt.timedelta(days=1)), tick=False):
        assert waves.release_invitation_batches() == {}
        with pytest.raises(ValidationError, match="Nobody"):
            new_wave(starts_on=timezone.localdate())
    assert OutboxEmail.objects.filter(idempotency_key__startswith="invitation:").count() == 1000


def test_a_wave_does_not_start_before_its_first_day(db):
    bulk_alumni(5, ["KE"])
    with time_machine.travel(at(DAY_ONE), tick=False):
        wave = new_wave(countries=["KE"], cap=2, starts_on=DAY_ONE + dt.timedelta(days=2))
        assert waves.release_invitation_batches() == {}
    with time_machine.travel(at(DAY_ONE + dt.timedelta(days=2)), tick=False):
        assert waves.release_invitation_batches() == {wave.pk: 2}


def test_raising_the_cap_mid_day_sends_only_the_difference(db):
    bulk_alumni(20, ["KE"])
    with time_machine.travel(at(DAY_ONE), tick=False):
        wave = new_wave(countries=["KE"], cap=5, starts_on=DAY_ONE)
        assert waves.release_wave_batch(wave_id=wave.pk) == 5
        InvitationWave.objects.filter(pk=wave.pk).update(daily_cap=8)
        assert waves.release_wave_batch(wave_id=wave.pk) == 3
        assert waves.release_wave_batch(wave_id=wave.pk) == 0


def test_the_database_refuses_a_second_invitation_for_a_person(db):
    person = make_alumnus_record(email="x@example.org")
    waves.invite_person(person=person, email=person.email, by=None, via="staff")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(person=person, source="request", email="x@example.org")


def test_two_waves_over_the_same_country_never_share_a_person(db):
    bulk_alumni(10, ["KE"])
    first = new_wave(countries=["KE"], cap=3)
    with pytest.raises(ValidationError):
        new_wave(countries=["KE", "UG"], cap=3)
    assert first.invitations.count() == 10


def test_cancelling_frees_the_people_not_invited_yet(db):
    bulk_alumni(10, ["KE"])
    wave = new_wave(countries=["KE"], cap=4)
    waves.release_wave_batch(wave_id=wave.pk)
    waves.change_wave_status(wave=wave, to_status="cancelled", by=None)
    assert wave.invitations.filter(state=State.CANCELLED).count() == 6
    assert waves.release_wave_batch(wave_id=wave.pk) == 0
    second = new_wave(countries=["KE"], cap=10)
    assert second.invitations.count() == 6  # the four already invited are not again
    with pytest.raises(ValidationError):
        waves.change_wave_status(wave=wave, to_status="active", by=None)


def test_someone_who_joined_meanwhile_is_not_invited(db):
    people = bulk_alumni(3, ["KE"])
    wave = new_wave(countries=["KE"], cap=10)
    from network.models import Member

    Member.objects.create(person=people[0])
    assert waves.release_wave_batch(wave_id=wave.pk) == 2
    assert wave.invitations.get(person=people[0]).state == State.CANCELLED


def test_a_failed_email_marks_the_invitation_bounced(db, staff_client):
    bulk_alumni(3, ["KE"])
    wave = new_wave(countries=["KE"], cap=10)
    waves.release_wave_batch(wave_id=wave.pk)
    invitation = wave.invitations.first()
    OutboxEmail.objects.filter(pk=invitation.last_email_id).update(
        state=OutboxEmail.State.FAILED, last_error="550 no such user"
    )
    # The progress fragment (and beat's follow-up) read the outbox.
    response = staff_client.get(reverse("network:staff_wave_progress", args=[wave.pk]))
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.state == State.BOUNCED and invitation.bounced_at
    assert tasks.follow_up_invitations.delay().get()["bounced"] == 0


def test_one_reminder_after_n_days_with_a_working_link(db, client):
    bulk_alumni(2, ["KE"])
    with time_machine.travel(at(DAY_ONE), tick=False):
        wave = new_wave(countries=["KE"], cap=10, starts_on=DAY_ONE, reminder_after_days=7)
        waves.release_wave_batch(wave_id=wave.pk)
    with time_machine.travel(at(DAY_ONE + dt.timedelta(days=6)), tick=False):
        assert waves.follow_up_invitations()["reminded"] == 0
    with time_machine.travel(at(DAY_ONE + dt.timedelta(days=7, hours=1)), tick=False):
        assert waves.follow_up_invitations()["reminded"] == 2
        assert waves.follow_up_invitations()["reminded"] == 0
        reminder = OutboxEmail.objects.filter(idempotency_key__contains=":reminder:").first()
        from tests.network.helpers import link_in

        token = link_in(reminder)
        assert client.get(reverse("network:join_link", args=[token])).status_code == 302
    assert OutboxEmail.objects.filter(idempotency_key__contains=":reminder:").count() == 2


def test_a_paused_wave_sends_no_reminders(db):
    bulk_alumni(2, ["KE"])
    with time_machine.travel(at(DAY_ONE), tick=False):
        wave = new_wave(countries=["KE"], cap=1, starts_on=DAY_ONE, reminder_after_days=3)
        waves.release_wave_batch(wave_id=wave.pk)
        waves.change_wave_status(wave=wave, to_status="paused", by=None)
    with time_machine.travel(at(DAY_ONE + dt.timedelta(days=4)), tick=False):
        assert waves.send_due_reminders() == 0


def test_staff_resend_to_a_corrected_address(staff_client):
    person = make_alumnus_record(email="old@example.org")
    wave = new_wave(countries=["KE"], cap=1)
    waves.release_wave_batch(wave_id=wave.pk)
    invitation = wave.invitations.get()
    OutboxEmail.objects.filter(pk=invitation.last_email_id).update(state="failed")
    waves.sync_invitation_outcomes()
    url = reverse("network:staff_invitation", args=[invitation.pk])
    response = staff_client.post(url, {"email": "new@example.org"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    person.refresh_from_db()
    assert (invitation.state, invitation.email, invitation.send_count) == (
        State.SENT, "new@example.org", 2,
    )  # fmt: skip
    assert person.email == "new@example.org"
    assert OutboxEmail.objects.filter(idempotency_key=f"invitation:{invitation.pk}:send:2",
                                      to_email="new@example.org").exists()  # fmt: skip


def test_wave_create_page_previews_before_creating(staff_client):
    bulk_alumni(12, ["KE", "UG"])
    url = reverse("network:staff_wave_create")
    data = {"name": "East", "countries": ["KE", "UG"], "daily_cap": "5",
            "starts_on": timezone.localdate().isoformat(), "reminder_after_days": "14",
            "expires_after_days": "60"}  # fmt: skip
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert not InvitationWave.objects.exists()
    assert "Create the wave for 12 people" in response.content.decode()
    # The planner shows how reachable the countries are before the wave starts.
    assert {row.country for row in response.context["reach"]} == {"KE", "UG"}
    assert sum(row.counts["unconfirmed"] for row in response.context["reach"]) == 12
    assert "How reachable these countries are" in response.content.decode()
    response = staff_client.post(url, {**data, "confirm": "1"})
    wave = InvitationWave.objects.get()
    assert response["Location"] == reverse("network:staff_wave", args=[wave.pk])
    assert wave.invitations.count() == 12 and wave.daily_cap == 5


def test_wave_form_refuses_a_past_start_and_a_late_reminder(staff_client):
    response = staff_client.post(reverse("network:staff_wave_create"), {
        "name": "X", "countries": ["KE"], "daily_cap": "5", "starts_on": "2020-01-01",
        "reminder_after_days": "90", "expires_after_days": "60",
    })  # fmt: skip
    body = response.content.decode()
    assert "cannot be in the past" in body and "before the invitation expires" in body
    assert not InvitationWave.objects.exists()


def test_pause_resume_and_cancel_from_the_wave_page(staff_client):
    bulk_alumni(3, ["KE"])
    wave = new_wave(countries=["KE"], cap=1)

    def action(name, method="post"):
        url = reverse("network:staff_wave_action", args=[wave.pk, name])
        return getattr(staff_client, method)(url)

    action("pause")
    wave.refresh_from_db()
    assert wave.status == "paused"
    assert waves.release_wave_batch(wave_id=wave.pk) == 0
    action("resume")
    wave.refresh_from_db()
    assert wave.status == "active"
    confirm = action("cancel", "get")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    wave.refresh_from_db()
    assert wave.status == "active", "a GET must not cancel"
    action("cancel")
    wave.refresh_from_db()
    assert wave.status == "cancelled"


def test_progress_fragment_polls_while_running_and_stops_after(staff_client):
    bulk_alumni(4, ["KE"])
    wave = new_wave(countries=["KE"], cap=2)
    waves.release_wave_batch(wave_id=wave.pk)
    url = reverse("network:staff_wave_progress", args=[wave.pk])
    running = staff_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 5s"' in running
    assert 'value="2"' in running and "50%" in running
    waves.change_wave_status(wave=wave, to_status="cancelled", by=None)
    done = staff_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done


def test_wave_pages_run_a_constant_number_of_queries(staff_client, django_assert_max_num_queries):
    def pages(n: int, prefix: str) -> None:
        bulk_alumni(n, ["KE"], prefix=prefix)
        wave = waves.create_wave(name=prefix, countries=["KE"], daily_cap=n, by=None,
                                 starts_on=timezone.localdate(), reminder_after_days=3,
                                 expires_after_days=30)  # fmt: skip
        waves.release_wave_batch(wave_id=wave.pk)
        with django_assert_max_num_queries(14):
            assert (
                staff_client.get(reverse("network:staff_wave", args=[wave.pk])).status_code == 200
            )
        with django_assert_max_num_queries(12):
            assert staff_client.get(reverse("network:staff_waves")).status_code == 200
        with django_assert_max_num_queries(16):
            assert staff_client.get(reverse("network:staff_dashboard")).status_code == 200

    pages(3, "small")
    pages(60, "large")


def test_wave_form_shows_every_problem_at_once(staff_client):
    # No countries chosen (the form's own error) used to hide the service's checks.
    response = staff_client.post(reverse("network:staff_wave_create"), {
        "name": "X", "daily_cap": "5", "starts_on": "2020-01-01",
        "reminder_after_days": "90", "expires_after_days": "60",
    })  # fmt: skip
    errors = response.context["form"].errors
    assert set(errors) >= {"countries", "starts_on", "reminder_after_days"}
    assert not InvitationWave.objects.exists()


def test_staff_send_todays_batch_now_within_the_daily_cap_after_confirming(staff_client, staff):
    bulk_alumni(5, ["KE"])
    wave = new_wave(countries=["KE"], cap=3)
    page = unescape(staff_client.get(reverse("network:staff_wave", args=[wave.pk])).text)
    assert "Today's batch: 0 of 3 sent." in page and "Beat" not in page
    url = reverse("network:staff_wave_release", args=[wave.pk])
    assert url in page
    confirm = unescape(staff_client.get(url).text)
    assert "3 invitations go out now" in confirm and "Yes, send them now" in confirm
    assert not wave.invitations.exclude(state=State.QUEUED).exists(), "a GET sends nothing"
    response = staff_client.post(url, follow=True)
    assert "3 invitations are on their way." in unescape(response.text)
    assert released_on(wave, timezone.localdate()) == 3
    assert OutboxEmail.objects.filter(idempotency_key__startswith="invitation:").count() == 3
    # The cap holds: a second click, and beat's own run the same day, send nothing more.
    again = unescape(staff_client.post(url, follow=True).text)
    assert "Today's batch has been sent; the next one goes out tomorrow." in again
    assert waves.release_wave_batch(wave_id=wave.pk) == 0
    assert released_on(wave, timezone.localdate()) == 3
    page = unescape(staff_client.get(reverse("network:staff_wave", args=[wave.pk])).text)
    assert "Today's batch: 3 of 3 sent." in page and url not in page


def test_todays_batch_counts_what_beat_already_sent(db):
    bulk_alumni(5, ["KE"])
    wave = new_wave(countries=["KE"], cap=4)
    with transaction.atomic():
        waves.release_wave_batch(wave_id=wave.pk)
    wave.daily_cap = 5
    wave.save(update_fields=["daily_cap"])
    assert waves.release_todays_batch(wave=wave, by=None) == 1
    assert released_on(wave, timezone.localdate()) == 5


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("paused", "Only a running wave sends invitations."),
        ("future", "This wave's first batch goes out on "),
        ("done", "Everyone in this wave has been invited."),
    ],
)
def test_todays_batch_is_refused_with_its_reason(db, setup, reason):
    bulk_alumni(2, ["KE"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    wave = new_wave(countries=["KE"], cap=5, starts_on=tomorrow if setup == "future" else None)
    if setup == "paused":
        waves.change_wave_status(wave=wave, to_status="paused", by=None)
    if setup == "done":
        wave.invitations.update(state=State.CANCELLED)
    with pytest.raises(ValidationError) as refused:
        waves.release_todays_batch(wave=wave, by=None)
    assert refused.value.messages[0].startswith(reason)
    assert not wave.invitations.filter(released_on__isnull=False).exists()


def test_a_wave_starting_later_names_its_first_day_in_the_readers_format(staff_client):
    bulk_alumni(2, ["KE"])
    wave = new_wave(countries=["KE"], cap=5, starts_on=DAY_ONE)
    page = unescape(staff_client.get(reverse("network:staff_wave", args=[wave.pk])).text)
    first_day = date_format(DAY_ONE, "DATE_FORMAT")
    assert first_day == "1 Mar 2027"  # day first, as English dates are shown here
    assert f"The first batch goes out on {first_day}." in page
    assert reverse("network:staff_wave_release", args=[wave.pk]) not in page
    french = staff_client.get(
        reverse("network:staff_wave", args=[wave.pk]), headers={"accept-language": "fr"}
    ).text
    assert "1 mars 2027" in french
