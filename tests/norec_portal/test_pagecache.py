"""Cached page content: served again only while its data is unchanged, never across
organisations or languages, and holding nothing of one visitor or one request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.models import Member
from norec_portal import generations
from partnerships.models import Participant, Person
from tests.factories import ParticipantFactory, PartnershipFactory, make_coordinator, make_staff
from tests.network.factories import make_member
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState, SessionKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_today():
    """The trainings' factories plan weeks from Monday 2 March 2026."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True):
        yield


STAFF_PAGES = ["partnerships:staff_participants", "trainings:staff_year",
               "trainings:staff_forecast"]  # fmt: skip


def get(client: Client, url: str, **query: str) -> tuple[str, int]:
    """The page's HTML and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def main(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_a_second_visit_reads_the_content_from_the_cache(staff_client, partnership, name):
    ParticipantFactory(partnership=partnership)
    first, computed = get(staff_client, reverse(name))
    second, kept = get(staff_client, reverse(name))
    assert main(second) == main(first)
    assert kept < computed


def test_a_change_without_signals_shows_on_the_next_visit(staff_client, partnership):
    participant = ParticipantFactory(partnership=partnership)
    url = reverse("partnerships:staff_participants")
    assert participant.person.last_name in get(staff_client, url)[0]
    Person.objects.filter(pk=participant.person_id).update(last_name="Renamedottir")
    assert "Renamedottir" in get(staff_client, url)[0]


def test_an_enrolment_shows_in_the_year_view_at_once(staff, staff_client, partnership):
    week = f.make_week(venue_name="Bangkok", t1=5)
    session = f.session_of(week, SessionKind.TRAINING_1)
    url = reverse("trainings:staff_year")
    query = {"year": str(week.starts_on.year)}
    assert "0 of 5 seats" in get(staff_client, url, **query)[0]
    person = f.participant_for(partnership=partnership).person
    services.enrol(session=session, person=person, by=staff)
    assert "1 of 5 seats" in get(staff_client, url, **query)[0]
    Enrolment.objects.filter(session=session).update(
        state=EnrolmentState.CANCELLED, cancelled_at=timezone.now()
    )
    assert "0 of 5 seats" in get(staff_client, url, **query)[0]


def test_filters_and_pages_are_kept_apart(staff_client, partnership):
    ParticipantFactory(partnership=partnership, person__last_name="Alpha")
    ParticipantFactory(partnership=partnership, person__last_name="Omega")
    url = reverse("partnerships:staff_participants")
    assert "Omega" in get(staff_client, url)[0]
    assert "Omega" not in get(staff_client, url, q="Alpha")[0]
    assert "Omega" in get(staff_client, url)[0]


def test_languages_are_kept_apart(staff_client, partnership):
    ParticipantFactory(partnership=partnership)
    url = reverse("partnerships:staff_participants")
    english = get(staff_client, url)[0]
    staff_client.cookies["django_language"] = "fr"
    french = get(staff_client, url)[0]
    assert "Participants" in english and main(french) != main(english)


def test_each_coordinator_sees_their_own_organisation(partnership, org_a, org_b):
    ParticipantFactory(partnership=partnership, sending_organisation=org_a,
                       host_organisation=org_b, person__last_name="Sentbya")  # fmt: skip
    other = PartnershipFactory(name="Another partnership")
    outsider = other.members.order_by("pk")[0].organisation
    ParticipantFactory(partnership=other, sending_organisation=outsider,
                       host_organisation=other.members.order_by("pk")[1].organisation,
                       person__last_name="Elsewhereson")  # fmt: skip
    url = reverse("partnerships:coordinator_dashboard")
    clients = {}
    for organisation in (org_a, outsider):
        clients[organisation.pk] = Client()
        clients[organisation.pk].force_login(make_coordinator(organisation))
    pages = {}
    for _visit in range(2):  # the second round from the cache
        for pk, client in clients.items():
            pages[pk] = get(client, url)[0]
    assert "Sentbya" in pages[org_a.pk] and "Elsewhereson" not in pages[org_a.pk]
    assert "Elsewhereson" in pages[outsider.pk] and "Sentbya" not in pages[outsider.pk]


def test_a_training_change_shows_in_the_coordinators_readiness(staff, partnership, org_a):
    week = f.make_week(venue_name="Kampala")
    participant = f.participant_for(partnership=partnership)
    Participant.objects.filter(pk=participant.pk).update(sending_organisation=org_a)
    client = Client()
    client.force_login(make_coordinator(org_a))
    url = reverse("partnerships:coordinator_dashboard")
    assert "Not enrolled" in get(client, url)[0]
    services.enrol(session=f.session_of(week, SessionKind.TRAINING_1),
                   person=participant.person, by=staff)  # fmt: skip
    assert "Kampala" in get(client, url)[0]


def test_a_member_leaving_the_directory_leaves_the_cached_page():
    viewer = make_member(email="viewer@example.org", last_name="Viewer", directory=True)
    other = make_member(email="o@example.org", last_name="Leaverson", directory=True)
    client = Client()
    client.force_login(viewer.person.user)
    url = reverse("network:member_directory")
    assert "Leaverson" in get(client, url)[0]
    Member.objects.filter(pk=other.pk).update(directory_consent=False)
    assert "Leaverson" not in get(client, url)[0]


def test_the_cached_content_holds_nothing_of_the_visitor(partnership, monkeypatch):
    kept: list[str] = []
    original = generations.cached

    def recording(key, domains, compute, **options):
        value = original(key, domains, compute, **options)
        if key.startswith("page:"):
            kept.append(value)
        return value

    monkeypatch.setattr(generations, "cached", recording)
    ParticipantFactory(partnership=partnership)
    first, second = Client(), Client()
    first.force_login(make_staff(email="one@norec.no", full_name="Oddny First"))
    second.force_login(make_staff(email="two@norec.no", full_name="Tarjei Second"))
    for name in STAFF_PAGES:
        get(first, reverse(name))
        page_two, _queries = get(second, reverse(name))  # from what the first one left
        assert "Tarjei" in page_two and "Oddny" not in page_two
    assert len(kept) == 2 * len(STAFF_PAGES)
    for text in kept:
        assert "csrfmiddlewaretoken" not in text and "nonce=" not in text
        assert "Oddny" not in text and "Tarjei" not in text


def test_the_content_of_a_day_is_not_served_the_next(staff, partnership):
    ParticipantFactory(partnership=partnership)
    url = reverse("trainings:staff_forecast")
    for day, first_month in (
        (dt.datetime(2027, 3, 31, 12, tzinfo=dt.UTC), "March 2027"),
        (dt.datetime(2027, 4, 1, 12, tzinfo=dt.UTC), "April 2027"),
    ):
        with time_machine.travel(day):
            client = Client()
            client.force_login(staff)
            assert f"{first_month} –" in get(client, url)[0]
