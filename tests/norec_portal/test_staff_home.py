"""The staff home (/staff/): what needs attention, each with a count and a link to the
page where it is done, worked out in a constant number of queries; the outbox apart."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from network.models import DuplicateCandidate, HistoricalImport, InvitationRequest, RawAddress
from network.services import newsletters, waves
from tests.network.factories import make_activity, make_alumnus_record, make_newsletter, wall
from tests.trainings import factories as tf
from trainings import services
from trainings.models import EnrolmentState, SessionKind

TODAY = dt.date(2026, 3, 2)
SOON = dt.date(2026, 3, 22)  # a Sunday three weeks ahead
LATER = dt.date(2026, 6, 7)  # a Sunday three months ahead


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True):
        yield


def item(page, label: str) -> str:
    """The list item of ``label`` on the staff home, as HTML."""
    found = re.search(
        r'<li class="attention__item[^"]*">\s*<span class="attention__count">\d+</span>'
        r'\s*<div class="attention__body">\s*<p class="attention__label">'
        + re.escape(label)
        + r"</p>.*?</div>\s*</li>",
        page,
        re.S,
    )
    assert found, f"no item {label!r} on the staff home"
    return found.group(0)


def count(page, label: str) -> int:
    return int(re.search(r'attention__count">(\d+)<', item(page, label)).group(1))


def fill_waitlist(sunday: dt.date, n: int = 1) -> object:
    """A week whose Training 1 has one seat: the first nominee takes it, ``n`` wait."""
    week = tf.make_week(starts_on=sunday, t1=1)
    t1 = tf.session_of(week, SessionKind.TRAINING_1)
    for _ in range(n + 1):
        services.enrol(session=t1, person=tf.participant_for(sunday).person, by=None)
    return t1


def nominate_without_elearning(sunday: dt.date, *, venue: str = "Kampala", **person) -> object:
    t1 = tf.session_of(tf.make_week(starts_on=sunday, venue_name=venue), SessionKind.TRAINING_1)
    return add_nominee(t1, **person)


def add_nominee(t1, **person) -> object:
    participant = tf.participant_for(t1.first_day, elearning=False, **person)
    return services.enrol(session=t1, person=participant.person, by=None)


def network_queues(tag: str) -> None:
    a = make_alumnus_record("Kato", f"Former{tag}", email=f"kato{tag}@example.org", country="UG")
    b = make_alumnus_record("Kato", f"Formerr{tag}", email="", country="UG")
    # The wave first: a record in an open duplicate pair is not invited.
    waves.create_wave(name=f"Uganda {tag}", countries=["UG"], daily_cap=5, starts_on=TODAY,
                      reminder_after_days=3, expires_after_days=30, by=None)  # fmt: skip
    low, high = sorted((a.pk, b.pk))
    DuplicateCandidate.objects.create(person_a_id=low, person_b_id=high, score=80)
    InvitationRequest.objects.create(first_name="Rita", last_name=tag, email=f"r{tag}@e.org")
    HistoricalImport.objects.create(filename=f"{tag}.csv")
    RawAddress.objects.create(person=b, raw=f"kato{tag}@gmial.com", status="suspicious",
                              suggestion=f"kato{tag}@gmail.com")  # fmt: skip


def test_an_empty_portal_shows_every_item_at_zero_and_the_outbox_apart(staff_client):
    page = staff_client.get(reverse("staff_dashboard")).content.decode()
    for label in (
        "Sessions with people on the waitlist",
        "Training 1 nominees whose exchange starts soon without the e-learning",
        "Invitation requests waiting for a decision",
        "Possible duplicates to review",
        "Address corrections to accept or set aside",
        "Historical imports waiting for confirmation",
        "Invitation waves in progress",
    ):
        assert count(page, label) == 0, label
    # Nothing is planned: this month and the next two miss both.
    assert count(page, "Months without a newsletter or an activity") == 3
    attention, outbox = page.index('id="attention-heading"'), page.index('id="outbox-heading"')
    assert attention < outbox
    assert "attention__item" not in page[outbox:]


def test_waitlists_are_counted_and_linked_to_the_session_filtered_to_its_waitlist(staff_client):
    t1 = fill_waitlist(SOON, n=2)
    fill_waitlist(LATER)
    page = staff_client.get(reverse("staff_dashboard")).content.decode()
    waiting = item(page, "Sessions with people on the waitlist")
    assert count(page, "Sessions with people on the waitlist") == 2
    url = reverse("trainings:staff_session", args=[t1.pk]) + "?state=waitlisted"
    assert f'<a href="{url}">Training 1, Kampala</a> (22 Mar 2026)' in waiting
    assert "2 waiting" in waiting and "1 waiting" in waiting
    assert f'href="{reverse("trainings:staff_year")}"' in waiting


def test_nominees_without_elearning_are_listed_only_when_their_exchange_starts_soon(
    staff_client,
):
    soon = nominate_without_elearning(SOON, first_name="Grace", last_name="Nakato")
    nominate_without_elearning(LATER, venue="Bangkok", first_name="Later", last_name="Leaving")
    done = tf.participant_for(SOON, first_name="Done", last_name="Already")
    services.enrol(session=soon.session, person=done.person, by=None)
    page = staff_client.get(reverse("staff_dashboard")).content.decode()
    label = "Training 1 nominees whose exchange starts soon without the e-learning"
    nominees = item(page, label)
    assert count(page, label) == 1
    url = reverse("trainings:staff_session", args=[soon.session_id]) + "?state=nominated"
    assert f'<a href="{url}">Grace Nakato</a>' in nominees
    assert "exchange starts 5 Apr 2026" in nominees
    assert "Later" not in nominees and "Done" not in nominees


def test_a_confirmed_nominee_leaves_the_list(staff_client, staff):
    enrolment = nominate_without_elearning(SOON)
    enrolment.participant.elearning_completed_on = TODAY
    enrolment.participant.save(update_fields=["elearning_completed_on"])
    services.confirm_enrolment(enrolment=enrolment, by=staff)
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CONFIRMED
    page = staff_client.get(reverse("staff_dashboard")).content.decode()
    assert count(page, "Training 1 nominees whose exchange starts soon without the e-learning") == 0


def test_network_queues_waves_and_months_are_counted_with_their_links(staff_client, staff):
    network_queues("a")
    march = make_newsletter(subject="March news")
    newsletters.schedule_newsletter(
        newsletter=march, when=dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC), by=staff
    )
    make_activity(title="March meeting", starts=wall(2026, 3, 25, 10), ends=wall(2026, 3, 25, 12))
    page = staff_client.get(reverse("staff_dashboard")).content.decode()
    for label, url in (
        ("Invitation requests waiting for a decision", "network:staff_requests"),
        ("Possible duplicates to review", "network:staff_duplicates"),
        ("Address corrections to accept or set aside", "network:staff_reachability"),
        ("Historical imports waiting for confirmation", "network:staff_imports"),
    ):
        assert count(page, label) == 1, label
        assert f'href="{reverse(url)}"' in item(page, label)
    in_progress = item(page, "Invitation waves in progress")
    assert count(page, "Invitation waves in progress") == 1
    assert ">Uganda a</a>" in in_progress
    months = item(page, "Months without a newsletter or an activity")
    assert count(page, "Months without a newsletter or an activity") == 2
    assert "March 2026" not in months
    create = reverse("network:staff_newsletter_create")
    assert (
        f'<a href="{create}">April 2026</a> <span class="muted">— no newsletter and activity'
        in months
    )


def test_the_staff_home_runs_a_constant_number_of_queries(
    staff_client, django_assert_num_queries, django_assert_max_num_queries
):
    url = reverse("staff_dashboard")
    fill_waitlist(SOON)
    t1 = nominate_without_elearning(SOON, venue="Bangkok").session
    network_queues("a")
    staff_client.get(url)
    with django_assert_max_num_queries(30) as small:
        staff_client.get(url)
    fill_waitlist(LATER, n=3)
    fill_waitlist(dt.date(2026, 4, 5))
    for i in range(4):
        add_nominee(t1, first_name=f"Nominee{i}")
    for tag in "bcd":
        network_queues(tag)
    with django_assert_num_queries(len(small.captured_queries)):
        assert staff_client.get(url).status_code == 200
