"""Activities: times in their own zone, RSVPs with capacity and a waitlist, emails through
the outbox (confirmation, waitlist, promotion, reminder, cancellation), the .ics, the
announcement, and who sees what."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from network.models import RSVP, Activity, Newsletter
from network.services import activities, newsletters
from network.services.activities import ActivityData
from norec_portal.models import OutboxEmail
from tests.conftest import need_stack
from tests.network.factories import bulk_members, make_activity, make_member, wall

pytestmark = pytest.mark.django_db

Going, Waitlisted, Cancelled = RSVP.State.GOING, RSVP.State.WAITLISTED, RSVP.State.CANCELLED


def emails_to(member) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(to_email=member.person.email).order_by("pk"))


def test_times_are_entered_and_shown_in_the_activity_zone():
    activity = make_activity(
        starts=wall(2030, 3, 4, 10, 0),
        ends=wall(2030, 3, 4, 12, 30),
        time_zone="Africa/Nairobi",
    )
    assert activity.starts_at == dt.datetime(2030, 3, 4, 7, 0, tzinfo=dt.UTC)
    assert activity.local_start.strftime("%H:%M %Z") == "10:00 EAT"
    assert activities.data_of(activity).starts == wall(2030, 3, 4, 10, 0)


@pytest.mark.parametrize(
    ("place", "country", "shown"),
    [
        ("Nairobi, Kenya", "KE", "Nairobi, Kenya"),
        ("Norec hub, Westlands", "KE", "Norec hub, Westlands, Kenya"),
        ("Kathmandu, nepal", "NP", "Kathmandu, nepal"),
        ("Online room", "", "Online room"),
    ],
)
def test_the_place_names_its_country_once(client, place, country, shown):
    activity = make_activity(place=place, country=country)
    assert activity.place_label == shown
    member = make_member(email="reader@example.org")
    client.force_login(member.person.user)
    for url in (reverse("network:activities"), reverse("network:activity", args=[activity.pk])):
        page = client.get(url).content.decode()
        assert shown in page and f"{shown}, " not in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends": wall(2030, 1, 1, 9, 0)}, "ends"),
        ({"place": ""}, "place"),
        ({"kind": "webinar", "place": ""}, "online_url"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"capacity": 0}, "capacity"),
        ({"title": "  "}, "title"),
    ],
)
def test_activity_rules(changes, field):
    data = {
        "title": "Meeting",
        "kind": "physical",
        "starts": wall(2030, 1, 1, 10, 0),
        "ends": wall(2030, 1, 1, 12, 0),
        "time_zone": "Africa/Nairobi",
        "place": "Nairobi",
        **changes,
    }
    with pytest.raises(ValidationError) as caught:
        activities.create_activity(data=ActivityData(**data), by=None)
    assert field in caught.value.message_dict
    assert not Activity.objects.exists()


def test_seats_then_waitlist_then_promotion_with_an_email_each_step():
    activity = make_activity(capacity=2)
    a, b, c = (make_member(email=f"{x}@example.org") for x in "abc")
    assert activities.rsvp(activity=activity, member=a).state == Going
    assert activities.rsvp(activity=activity, member=b).state == Going
    waiting = activities.rsvp(activity=activity, member=c)
    assert waiting.state == Waitlisted and waiting.waitlisted_at is not None
    # Answering again changes nothing and sends nothing more.
    assert activities.rsvp(activity=activity, member=a).state == Going
    assert [e.subject for e in emails_to(a)] == ["Your seat: Alumni meeting in Nairobi"]
    assert [e.subject for e in emails_to(c)] == ["Waitlist: Alumni meeting in Nairobi"]

    activities.cancel_rsvp(activity=activity, member=a)
    assert RSVP.objects.get(member=a).state == Cancelled
    assert RSVP.objects.get(member=c).state == Going
    assert emails_to(c)[-1].subject == "A seat is free for you: Alumni meeting in Nairobi"
    assert "/network/activities/" in emails_to(c)[-1].body_text
    # Coming back takes the waitlist's end (the seats are full again).
    assert activities.rsvp(activity=activity, member=a).state == Waitlisted
    assert len(emails_to(a)) == 2


def test_more_seats_move_the_waitlist_up_and_fewer_than_taken_are_refused(staff):
    activity = make_activity(capacity=1)
    a, b = make_member(email="a@example.org"), make_member(email="b@example.org")
    activities.rsvp(activity=activity, member=a)
    activities.rsvp(activity=activity, member=b)
    data = activities.data_of(activity)
    more = dataclasses.replace(data, capacity=2)
    activities.update_activity(activity=activity, data=more, by=staff)
    assert RSVP.objects.get(member=b).state == Going
    with pytest.raises(ValidationError) as caught:
        fewer = dataclasses.replace(data, capacity=1)
        activities.update_activity(activity=activity, data=fewer, by=staff)
    assert "capacity" in caught.value.message_dict


def test_no_answers_once_begun_or_cancelled(staff):
    member = make_member(email="late@example.org")
    now = timezone.localtime(timezone.now(), ZoneInfo("Africa/Nairobi")).replace(tzinfo=None)
    begun = make_activity(starts=now - dt.timedelta(hours=1), ends=now + dt.timedelta(hours=1))
    with pytest.raises(ValidationError):
        activities.rsvp(activity=begun, member=member)
    cancelled = make_activity()
    activities.cancel_activity(activity=cancelled, by=staff)
    with pytest.raises(ValidationError):
        activities.rsvp(activity=cancelled, member=member)


def test_cancelling_tells_everyone_who_answered(staff):
    activity = make_activity(capacity=1)
    a, b, c = (make_member(email=f"{x}@example.org") for x in "abc")
    activities.rsvp(activity=activity, member=a)
    activities.rsvp(activity=activity, member=b)
    activities.rsvp(activity=activity, member=c)
    activities.cancel_rsvp(activity=activity, member=c)
    activities.cancel_activity(activity=activity, by=staff)
    told = set(
        OutboxEmail.objects.filter(subject__startswith="Cancelled:").values_list(
            "to_email", flat=True
        )
    )
    assert told == {"a@example.org", "b@example.org"}


def test_one_reminder_the_day_before_to_those_with_a_seat():
    now = timezone.now()
    local = now.astimezone(ZoneInfo("Africa/Nairobi")).replace(tzinfo=None, microsecond=0)
    tomorrow = make_activity(
        starts=local + dt.timedelta(hours=20), ends=local + dt.timedelta(hours=22), capacity=1
    )
    in_five_days = local + dt.timedelta(days=5)
    later = make_activity(starts=in_five_days, ends=in_five_days + dt.timedelta(hours=2))
    a, b = make_member(email="a@example.org"), make_member(email="b@example.org")
    activities.rsvp(activity=tomorrow, member=a)
    activities.rsvp(activity=tomorrow, member=b)  # waitlisted: no reminder
    activities.rsvp(activity=later, member=a)
    assert activities.send_activity_reminders(now=now) == 1
    assert activities.send_activity_reminders(now=now) == 0
    reminders = OutboxEmail.objects.filter(subject__startswith="Reminder:")
    assert list(reminders.values_list("to_email", flat=True)) == ["a@example.org"]
    assert "calendar" in reminders.get().body_text


def test_ics_has_the_event_in_its_own_zone():
    activity = make_activity(starts=wall(2030, 3, 4, 10, 0), ends=wall(2030, 3, 4, 12, 0))
    calendar = Calendar.from_ical(activities.ics_for(activity))
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["summary"]) == "Alumni meeting in Nairobi"
    start = event.decoded("dtstart")
    assert (start.hour, str(start.tzinfo)) == (10, "Africa/Nairobi")
    assert "Norec hub" in str(event["location"])
    assert calendar.walk("VTIMEZONE")


def test_an_announcement_goes_to_the_audience_like_a_newsletter(staff, settings):
    settings.NEWSLETTER_CHUNK_SIZE = 50
    bulk_members(3, ["KE", "UG"])
    activity = make_activity()
    announcement = activities.announce_activity(activity=activity, by=staff)
    assert announcement.kind == Newsletter.Kind.ANNOUNCEMENT and announcement.status == "draft"
    assert reverse("network:activity", args=[activity.pk]) in announcement.body
    newsletters.update_newsletter(
        newsletter=announcement,
        by=staff,
        draft=newsletters.Draft(
            subject=announcement.subject,
            body=announcement.body,
            audience="countries",
            countries=("UG",),
        ),
    )
    newsletters.start_sending(newsletter=announcement)
    newsletters.send_chunk(newsletter_id=announcement.pk, chunk=0)
    copies = OutboxEmail.objects.filter(
        idempotency_key__startswith=f"newsletter:{announcement.pk}:"
    )
    assert copies.count() == 1
    copy = copies.get()
    assert copy.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/network/activities/{activity.pk}/" in copy.body_text
    # It does not count as the month's newsletter and is not in the archive.
    assert not newsletters.archive().exists()


# --- Pages ---------------------------------------------------------------------------------


def test_member_rsvps_on_the_page_and_sees_only_their_own_answer(client):
    activity = make_activity(capacity=1)
    other = make_member(email="other@example.org", first_name="Otto", last_name="Other")
    activities.rsvp(activity=activity, member=other)
    me = make_member(email="me@example.org", first_name="Mia", last_name="Me")
    client.force_login(me.person.user)
    url = reverse("network:activity", args=[activity.pk])
    page = client.get(url).content.decode()
    assert "All seats are taken" in page and "Otto" not in page and "other@example.org" not in page
    client.post(reverse("network:activity_rsvp", args=[activity.pk]), {"answer": "going"})
    page = client.get(url).content.decode()
    assert "You are number 1 on the waitlist" in page
    listing = client.get(reverse("network:activities")).content.decode()
    assert "You are on the waitlist" in listing and "Otto" not in listing
    client.post(reverse("network:activity_rsvp", args=[activity.pk]), {"answer": "cancel"})
    assert RSVP.objects.get(member=me).state == Cancelled
    ics = client.get(reverse("network:activity_ics", args=[activity.pk]))
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content


def test_online_link_is_shown_to_members_with_a_seat_only(client):
    activity = make_activity(kind="webinar", place="", online_url="https://meet.example.org/x")
    me = make_member(email="me@example.org")
    client.force_login(me.person.user)
    url = reverse("network:activity", args=[activity.pk])
    assert "meet.example.org" not in client.get(url).content.decode()
    activities.rsvp(activity=activity, member=me)
    assert "meet.example.org" in client.get(url).content.decode()


def test_staff_create_announce_and_cancel_through_the_pages(staff_client):
    response = staff_client.post(
        reverse("network:staff_activity_create"),
        {
            "title": "Webinar on water",
            "kind": "webinar",
            "starts": "2031-05-06T14:00",
            "ends": "2031-05-06T15:30",
            "time_zone": "Asia/Kathmandu",
            "online_url": "https://meet.example.org/water",
            "capacity": "",
            "description": "",
            "place": "",
            "country": "",
        },
    )
    activity = Activity.objects.get()
    assert response.url == reverse("network:staff_activity", args=[activity.pk])
    assert activity.starts_at == dt.datetime(2031, 5, 6, 8, 15, tzinfo=dt.UTC)
    detail = staff_client.get(response.url).content.decode()
    assert "Asia/Kathmandu" in detail and "14:00" in detail
    edit = staff_client.get(reverse("network:staff_activity_edit", args=[activity.pk]))
    assert 'value="2031-05-06T14:00"' in edit.content.decode()
    # A draft is published first (here without an email), then announced.
    assert activity.is_draft
    staff_client.post(
        reverse("network:staff_activity_publish", args=[activity.pk]), {"audience": "none"}
    )
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PLANNED and not Newsletter.objects.exists()
    announce = staff_client.post(reverse("network:staff_activity_announce", args=[activity.pk]))
    announcement = Newsletter.objects.get(activity=activity)
    assert announce.url == reverse("network:staff_newsletter_edit", args=[announcement.pk])
    cancel_url = reverse("network:staff_activity_cancel", args=[activity.pk])
    assert "cannot be undone" in staff_client.get(cancel_url).content.decode()
    staff_client.post(cancel_url)
    activity.refresh_from_db()
    assert activity.is_cancelled


def test_invalid_activity_form_shows_the_services_messages(staff_client):
    response = staff_client.post(
        reverse("network:staff_activity_create"),
        {
            "title": "Meeting",
            "kind": "physical",
            "starts": "2031-05-06T14:00",
            "ends": "2031-05-06T13:00",
            "time_zone": "Africa/Kampala",
            "place": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The end must come after the start." in page
    assert "Say where the meeting takes place." in page
    assert not Activity.objects.exists()


def _activities_with_answers(n: int, prefix: str) -> list[Activity]:
    members = bulk_members(3, prefix=prefix)
    made = []
    for i in range(n):
        activity = make_activity(title=f"{prefix} activity {i}", capacity=2)
        for member in members:
            activities.rsvp(activity=activity, member=member)
        made.append(activity)
    return made


@pytest.mark.parametrize("who", ["staff", "member"])
def test_activity_lists_run_a_constant_number_of_queries(
    who, client, staff, django_assert_max_num_queries
):
    me = make_member(email="me@example.org")
    client.force_login(staff if who == "staff" else me.person.user)
    url = reverse("network:staff_activities" if who == "staff" else "network:activities")
    first = _activities_with_answers(2, "a")
    detail = reverse(
        "network:staff_activity" if who == "staff" else "network:activity", args=[first[0].pk]
    )
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    with django_assert_max_num_queries(14) as small_detail:
        client.get(detail)
    _activities_with_answers(15, "b")
    for member in bulk_members(20, prefix="c"):
        activities.rsvp(activity=first[0], member=member)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(small_detail.captured_queries)):
        assert client.get(detail).status_code == 200


# --- Capacity under concurrency (PostgreSQL row locks) ---------------------------------------


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_forty_members_racing_for_five_seats_never_overbook():
    if connection.vendor != "postgresql":
        need_stack("the capacity race needs PostgreSQL row locks (set DATABASE_URL)")
    activity = make_activity(capacity=5)
    members = bulk_members(40, prefix="race")
    barrier = threading.Barrier(len(members))
    errors: list[BaseException] = []

    def run(member) -> None:
        try:
            barrier.wait(timeout=30)
            activities.rsvp(activity=activity, member=member)
        except BaseException as exc:  # asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert RSVP.objects.filter(activity=activity, state=Going).count() == 5
    assert RSVP.objects.filter(activity=activity, state=Waitlisted).count() == 35


# --- Drafts, publishing, changes after publishing ----------------------------------------------


def test_a_draft_is_invisible_to_members_everywhere(client, staff):
    member = make_member(email="me@example.org", newsletter=True)
    draft = make_activity(publish=False, title="Secret planning")
    assert draft.is_draft and draft.published_at is None
    client.force_login(member.person.user)
    for when in ("upcoming", "mine", "past"):
        page = client.get(reverse("network:activities"), {"when": when}).content.decode()
        assert "Secret planning" not in page
    assert client.get(reverse("network:activity", args=[draft.pk])).status_code == 404
    assert client.get(reverse("network:activity_ics", args=[draft.pk])).status_code == 404
    rsvp = client.post(reverse("network:activity_rsvp", args=[draft.pk]), {"answer": "going"})
    assert rsvp.status_code == 404 and not RSVP.objects.exists()
    with pytest.raises(ValidationError):
        activities.rsvp(activity=draft, member=member)
    with pytest.raises(ValidationError):
        activities.announce_activity(activity=draft, by=staff)
    assert (
        not OutboxEmail.objects.filter(to_email="me@example.org")
        .exclude(idempotency_key__startswith="consent")
        .filter(subject__icontains="Secret")
        .exists()
    )
    # Once published, it is there.
    activities.publish_activity(activity=draft, by=staff, audience=None)
    assert client.get(reverse("network:activity", args=[draft.pk])).status_code == 200
    assert "Secret planning" in client.get(reverse("network:activities")).content.decode()


def test_staff_preview_a_draft_as_members_see_it(staff_client):
    draft = make_activity(publish=False, title="Secret planning", capacity=12)
    page = staff_client.get(reverse("network:staff_activity_preview", args=[draft.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Preview of a draft" in text and "Secret planning" in text
    assert "12 seats left." in text and "I will come" not in text


def test_publishing_announces_once_however_often_it_is_asked(staff, settings):
    settings.NEWSLETTER_CHUNK_SIZE = 50
    audience = bulk_members(4, ["KE", "UG"])
    draft = make_activity(publish=False)
    announcement = activities.publish_activity(activity=draft, by=staff)
    assert announcement.kind == Newsletter.Kind.ANNOUNCEMENT
    for _again in range(2):
        with pytest.raises(ValidationError):
            activities.publish_activity(activity=draft, by=staff)
    newsletters.send_chunk(newsletter_id=announcement.pk, chunk=0)
    newsletters.send_chunk(newsletter_id=announcement.pk, chunk=1)
    assert Newsletter.objects.filter(activity=draft).count() == 1
    for member in audience:
        assert emails_to(member) and len(emails_to(member)) == 1
    draft.refresh_from_db()
    assert draft.status == Activity.Status.PLANNED and draft.published_at is not None


def test_publishing_through_the_page_asks_first_and_only_once(staff_client, settings):
    settings.NEWSLETTER_CHUNK_SIZE = 50
    bulk_members(2, ["KE"])
    draft = make_activity(publish=False)
    url = reverse("network:staff_activity_publish", args=[draft.pk])
    assert "cannot be undone" in staff_client.get(url).content.decode()
    missing = staff_client.post(url, {"audience": "countries"})
    assert "Choose at least one country." in missing.content.decode()
    first = staff_client.post(url, {"audience": "countries", "countries": ["KE"]})
    announcement = Newsletter.objects.get(activity=draft)
    assert first.url == reverse("network:staff_newsletter", args=[announcement.pk])
    assert announcement.status == Newsletter.Status.SENDING
    second = staff_client.post(url, {"audience": "all"})
    assert second.url == reverse("network:staff_activity", args=[draft.pk])
    assert Newsletter.objects.filter(activity=draft).count() == 1


def _data(activity, **changes):
    return dataclasses.replace(activities.data_of(activity), **changes)


def test_moving_a_published_activity_tells_the_people_with_a_seat_once_per_change(staff):
    activity = make_activity(capacity=1)
    seated = make_member(email="seated@example.org")
    waiting = make_member(email="waiting@example.org", first_name="Wanda")
    activities.rsvp(activity=activity, member=seated)
    activities.rsvp(activity=activity, member=waiting)
    before = len(emails_to(seated))
    RSVP.objects.filter(member=seated).update(reminded_at=timezone.now())
    # A change of the description alone tells nobody.
    activities.update_activity(activity=activity, data=_data(activity, description="New"), by=staff)
    assert len(emails_to(seated)) == before
    new_start = activities.data_of(activity).starts + dt.timedelta(days=1)
    moved = activities.update_activity(
        activity=activity,
        data=_data(activity, starts=new_start, ends=new_start + dt.timedelta(hours=2)),
        by=staff,
    )
    changed = [e for e in emails_to(seated) if e.subject.startswith("Changed:")]
    assert len(changed) == 1 and moved.revision == 1
    assert "seat is kept" in changed[0].body_text
    # The new start makes the day-before reminder due again.
    assert RSVP.objects.get(member=seated).reminded_at is None
    assert not [e for e in emails_to(waiting) if e.subject.startswith("Changed:")]
    # The same data saved again is no change; a new place is a second one.
    activities.update_activity(activity=moved, data=activities.data_of(moved), by=staff)
    activities.update_activity(activity=moved, data=_data(moved, place="Serena Hotel"), by=staff)
    changed = [e for e in emails_to(seated) if e.subject.startswith("Changed:")]
    assert len(changed) == 2 and "Serena Hotel" in changed[1].body_text


def test_changing_a_draft_tells_nobody(staff):
    draft = make_activity(publish=False)
    activities.update_activity(activity=draft, data=_data(draft, place="Elsewhere"), by=staff)
    draft.refresh_from_db()
    assert draft.revision == 0 and not OutboxEmail.objects.exists()


def test_existing_activities_are_published_by_the_migration():
    from importlib import import_module

    from django.apps import apps as global_apps

    migration = import_module("network.migrations.0010_activity_drafts")
    # Before drafts there were planned and cancelled activities, none with the time.
    old = Activity.objects.create(
        title="Old", kind="other", starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=1), status="cancelled",
    )  # fmt: skip
    migration.publish_existing(global_apps, None)
    old.refresh_from_db()
    assert old.published_at == old.created_at


def test_activity_form_shows_every_problem_at_once(staff_client):
    # A missing title (the form's own error) used to hide the service's checks.
    response = staff_client.post(
        reverse("network:staff_activity_create"),
        {"title": "", "kind": "physical", "starts": "2031-05-06T14:00",
         "ends": "2031-05-06T13:00", "time_zone": "Africa/Kampala", "place": ""},
    )  # fmt: skip
    errors = response.context["form"].errors
    assert set(errors) >= {"title", "ends", "place"}
    assert not Activity.objects.exists()
