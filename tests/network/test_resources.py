"""Alumni as resource persons: staff find members available as lecturer, interpreter or
resource person by expertise, language and country, and ask one or several to serve in a
training session (an email each, through the outbox, once); the member accepts or
declines on the portal; accepted ones appear on the session page and the programme PDF
with their role, on the member's profile with an .ics, and in the dashboard's yearly
counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from network.models import Language, ResourceRequest
from network.services import resources
from network.services.members import Profile, update_profile
from norec_portal.models import OutboxEmail
from tests.network.factories import make_member
from tests.trainings import factories as tf
from trainings import documents
from trainings.models import SessionKind, Venue

pytestmark = pytest.mark.django_db

State = ResourceRequest.State


def next_sunday(days: int = 60) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=days)
    return day + dt.timedelta(days=(6 - day.weekday()) % 7)


@pytest.fixture
def session(db):
    week = tf.make_week(starts_on=next_sunday())
    return tf.session_of(week, SessionKind.TRAINING_1)


def languages(*codes):
    return tuple(Language.objects.filter(code__in=codes))


@pytest.fixture
def pool(db):
    """Three members available in different ways, and one not available at all."""
    asha = make_member(email="asha@example.org", first_name="Asha", last_name="Lecturer",
                       country="KE")  # fmt: skip
    update_profile(
        member=asha,
        by=None,
        profile=Profile(
            languages=languages("sw", "en"), expertise="Public health", available_as_lecturer=True
        ),
    )
    ram = make_member(email="ram@example.org", first_name="Ram", last_name="Interpreter",
                      country="NP")  # fmt: skip
    update_profile(
        member=ram,
        by=None,
        profile=Profile(
            languages=languages("ne", "en"),
            expertise="Nepali–English",
            available_as_interpreter=True,
            available_as_resource_person=True,
        ),
    )
    lina = make_member(email="lina@example.org", first_name="Lina", last_name="Resource",
                       country="MZ")  # fmt: skip
    update_profile(
        member=lina,
        by=None,
        profile=Profile(
            languages=languages("pt"), expertise="public health", available_as_resource_person=True
        ),
    )
    busy = make_member(email="busy@example.org", first_name="Bo", last_name="Busy", country="KE")
    return {"asha": asha, "ram": ram, "lina": lina, "busy": busy}  # fmt: skip


def names(members) -> list[str]:
    return [m.person.first_name for m in members]


def test_staff_find_available_members_by_role_expertise_language_and_country(pool):
    from network.models import ExpertiseTag

    health = ExpertiseTag.objects.get(name__iexact="public health")
    assert names(resources.find_resource_persons()) == ["Ram", "Asha", "Lina"]
    assert names(resources.find_resource_persons(role="lecturer")) == ["Asha"]
    assert names(resources.find_resource_persons(expertise=health)) == ["Asha", "Lina"]
    portuguese = Language.objects.get(code="pt")
    assert names(resources.find_resource_persons(language=portuguese)) == ["Lina"]
    assert names(resources.find_resource_persons(country="NP", role="interpreter")) == ["Ram"]


def test_asking_mails_each_member_once_through_the_outbox(pool, session, staff):
    chosen = [pool["ram"], pool["lina"]]
    result = resources.ask_resource_persons(
        session=session, members=chosen, role="resource_person", message="On water.", by=staff
    )
    assert len(result.asked) == 2 and not result.already
    mails = OutboxEmail.objects.filter(idempotency_key__startswith="resource-request:")
    assert sorted(mails.values_list("to_email", flat=True)) == [
        "lina@example.org", "ram@example.org",
    ]  # fmt: skip
    mail = mails.get(to_email="ram@example.org")
    assert "Resource person" in mail.subject and "On water." in mail.body_text
    assert "/network/me/assignments/" in mail.body_text
    again = resources.ask_resource_persons(
        session=session, members=chosen, role="resource_person", by=staff
    )
    assert not again.asked and names(again.already) == ["Ram", "Lina"]
    assert mails.count() == 2


def test_only_members_available_in_that_role_can_be_asked(pool, session, staff):
    with pytest.raises(ValidationError) as error:
        resources.ask_resource_persons(
            session=session, members=[pool["asha"], pool["busy"]], role="interpreter", by=staff
        )
    assert "Asha Lecturer" in str(error.value) and "Bo Busy" in str(error.value)
    assert not ResourceRequest.objects.exists() and not OutboxEmail.objects.exists()


def test_a_cancelled_or_past_session_cannot_be_staffed(pool, staff):
    past = tf.session_of(
        tf.make_week(starts_on=next_sunday(-30), history=True), SessionKind.TRAINING_2
    )
    with pytest.raises(ValidationError):
        resources.ask_resource_persons(
            session=past, members=[pool["asha"]], role="lecturer", by=staff
        )


def test_the_member_accepts_once_and_staff_are_told(pool, session, staff):
    (request,) = resources.ask_resource_persons(
        session=session, members=[pool["asha"]], role="lecturer", by=staff
    ).asked
    answered = resources.answer_request(request_id=request.pk, member=pool["asha"], accept=True)
    assert answered.state == State.ACCEPTED and answered.answered_at
    again = resources.answer_request(request_id=request.pk, member=pool["asha"], accept=True)
    assert again.state == State.ACCEPTED
    told = OutboxEmail.objects.filter(to_email=staff.email)
    assert told.count() == 1 and "Asha Lecturer accepted" in told.get().subject
    with pytest.raises(ValidationError):
        resources.answer_request(request_id=request.pk, member=pool["asha"], accept=False)
    with pytest.raises(ResourceRequest.DoesNotExist):
        resources.answer_request(request_id=request.pk, member=pool["ram"], accept=True)


def test_staff_ask_through_the_search_page(staff_client, pool, session):
    url = reverse("network:staff_resource_persons")
    page = staff_client.get(url, {"role": "resource_person"}).content.decode()
    assert "Ram Interpreter" in page and "Lina Resource" in page and "Asha" not in page
    nothing = staff_client.post(url, {"session": session.pk, "role": "lecturer"})
    assert "Tick at least one member to ask." in nothing.content.decode()
    wrong = staff_client.post(
        url, {"session": session.pk, "role": "lecturer", "members": [pool["ram"].pk]}
    )
    assert wrong.status_code == 200 and "Ram Interpreter" in wrong.content.decode()
    assert not ResourceRequest.objects.exists()
    done = staff_client.post(
        url + "?role=interpreter",
        {"session": session.pk, "role": "interpreter", "members": [pool["ram"].pk]},
    )
    assert done.status_code == 302 and done.url == url + "?role=interpreter"
    assert ResourceRequest.objects.get().member == pool["ram"]


def test_member_answers_on_the_portal_and_appears_on_session_page_and_programme(
    staff_client, pool, session, staff
):
    (request,) = resources.ask_resource_persons(
        session=session, members=[pool["ram"]], role="interpreter", by=staff
    ).asked
    client = Client()
    client.force_login(pool["ram"].person.user)
    page = client.get(reverse("network:assignments")).content.decode()
    assert "I accept" in page and session.name in page
    # Nobody else can answer it.
    other = make_member(email="other@example.org", first_name="Otto")
    intruder = Client()
    intruder.force_login(other.person.user)
    answer_url = reverse("network:assignment_answer", args=[request.pk])
    assert intruder.post(answer_url, {"answer": "accept"}).status_code == 404
    client.post(answer_url, {"answer": "accept"})
    request.refresh_from_db()
    assert request.state == State.ACCEPTED
    # The session page and the programme show the resource person with the role.
    session_page = staff_client.get(reverse("trainings:staff_session", args=[session.pk]))
    assert "Ram Interpreter (Interpreter)" in session_page.content.decode()
    pdf = documents.week_programme(session.week, list(session.week.sessions.all()))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Resource persons: Ram Interpreter (Interpreter)" in text
    # The member's profile lists it with a calendar file in the venue's zone.
    home = client.get(reverse("network:member_home")).content.decode()
    assert session.name in home and reverse("network:assignments_ics") in home
    ics = client.get(reverse("network:assignments_ics"))
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert len(events) == session.days.count()
    assert str(events[0].decoded("dtstart").tzinfo) == session.time_zone


def test_declined_and_unanswered_do_not_appear(pool, session, staff):
    asked = resources.ask_resource_persons(
        session=session, members=[pool["ram"], pool["lina"]], role="resource_person", by=staff
    ).asked
    resources.answer_request(request_id=asked[0].pk, member=pool["ram"], accept=False)
    assert resources.contributors_for([session]) == {}


def test_staff_withdraw_an_accepted_request_and_the_member_is_told_once(
    staff_client, pool, session, staff
):
    (request,) = resources.ask_resource_persons(
        session=session, members=[pool["ram"]], role="interpreter", by=staff
    ).asked
    resources.answer_request(request_id=request.pk, member=pool["ram"], accept=True)
    url = reverse("network:staff_resource_withdraw", args=[request.pk])
    listing = staff_client.get(reverse("network:staff_resource_persons")).content.decode()
    assert f'href="{url}"' in listing
    page = staff_client.get(url).content.decode()
    assert "Withdraw the request to Ram Interpreter?" in page and "They accepted" in page
    response = staff_client.post(url, follow=True)
    assert "The request to Ram Interpreter is withdrawn" in response.content.decode()
    request.refresh_from_db()
    assert request.state == State.WITHDRAWN
    # Gone from the session's contributors, the member's page and calendar.
    assert resources.contributors_for([session]) == {}
    member = Client()
    member.force_login(pool["ram"].person.user)
    assert session.name not in member.get(reverse("network:assignments")).content.decode()
    ics = member.get(reverse("network:assignments_ics"))
    assert Calendar.from_ical(ics.content).walk("VEVENT") == []
    (mail,) = OutboxEmail.objects.filter(idempotency_key=f"resource-request:{request.pk}:withdrawn")
    assert mail.to_email == "ram@example.org" and mail.subject == f"Change of plan: {session.name}"
    assert "Thank you for accepting" in mail.body_text
    # Again: nothing changes, nobody is mailed twice; the page says why.
    staff_client.post(url)
    assert OutboxEmail.objects.filter(idempotency_key__endswith=":withdrawn").count() == 1
    assert "withdrawn already" in staff_client.get(url).content.decode()


def test_withdrawing_from_a_member_without_an_address_tells_staff_to_tell_them(
    staff_client, pool, session, staff
):
    (request,) = resources.ask_resource_persons(
        session=session, members=[pool["ram"]], role="interpreter", by=staff
    ).asked
    person = pool["ram"].person
    person.email = ""
    person.save(update_fields=["email"])
    url = reverse("network:staff_resource_withdraw", args=[request.pk])
    page = staff_client.post(url, follow=True).content.decode()
    assert "They have no email address: tell them yourself." in page
    assert "they are told by email" not in page
    assert not OutboxEmail.objects.filter(idempotency_key__endswith=":withdrawn").exists()


def test_a_declined_request_or_a_past_session_is_not_withdrawn(pool, session, staff):
    declined, open_one = resources.ask_resource_persons(
        session=session, members=[pool["ram"], pool["lina"]], role="resource_person", by=staff
    ).asked
    resources.answer_request(request_id=declined.pk, member=pool["ram"], accept=False)
    with pytest.raises(ValidationError, match="declined"):
        resources.withdraw_request(request_id=declined.pk, by=staff)
    ResourceRequest.objects.filter(pk=open_one.pk).update(
        session=tf.session_of(
            tf.make_week(starts_on=next_sunday(-30), history=True), SessionKind.TRAINING_2
        )
    )
    with pytest.raises(ValidationError, match="over"):
        resources.withdraw_request(request_id=open_one.pk, by=staff)
    assert set(ResourceRequest.objects.values_list("state", flat=True)) == {
        State.DECLINED, State.REQUESTED,
    }  # fmt: skip
    assert not OutboxEmail.objects.filter(idempotency_key__endswith=":withdrawn").exists()


def test_a_cancelled_week_releases_its_resource_persons(pool, session, staff):
    from trainings import services as training_services

    accepted, open_one = resources.ask_resource_persons(
        session=session, members=[pool["ram"], pool["lina"]], role="resource_person", by=staff
    ).asked
    (declined,) = resources.ask_resource_persons(
        session=session, members=[pool["asha"]], role="lecturer", by=staff
    ).asked
    resources.answer_request(request_id=accepted.pk, member=pool["ram"], accept=True)
    resources.answer_request(request_id=declined.pk, member=pool["asha"], accept=False)
    training_services.cancel_training_week(week=session.week, by=staff,
                                           reason="The venue is closed for repairs.")  # fmt: skip
    states = dict(ResourceRequest.objects.values_list("pk", "state"))
    assert states == {accepted.pk: State.WITHDRAWN, open_one.pk: State.WITHDRAWN,
                      declined.pk: State.DECLINED}  # fmt: skip
    mails = OutboxEmail.objects.filter(idempotency_key__endswith=":withdrawn")
    assert sorted(mails.values_list("to_email", flat=True)) == [
        "lina@example.org", "ram@example.org",
    ]  # fmt: skip
    assert all("The training week is cancelled: The venue is closed for repairs." in m.body_text
               for m in mails)  # fmt: skip
    assert resources.contributors_for([session]) == {}


def test_the_dashboard_counts_assignments_per_year(staff_client, pool, session, staff):
    for key, role in (("asha", "lecturer"), ("ram", "interpreter"), ("lina", "resource_person")):
        (request,) = resources.ask_resource_persons(
            session=session, members=[pool[key]], role=role, by=staff
        ).asked
        resources.answer_request(request_id=request.pk, member=pool[key], accept=key != "lina")
    (year,) = resources.assignments_per_year()
    assert year == {
        "year": session.first_day.year, "total": 2, "roles": {"lecturer": 1, "interpreter": 1},
    }  # fmt: skip
    page = staff_client.get(reverse("network:staff_dashboard")).content.decode()
    assert "Alumni serving in trainings" in page and str(session.first_day.year) in page


def test_the_search_page_and_the_members_page_run_a_constant_number_of_queries(
    staff_client, session, staff, django_assert_max_num_queries
):
    def add(n: int, prefix: str) -> None:
        for i in range(n):
            member = make_member(email=f"{prefix}{i}@example.org", first_name=f"{prefix}{i}")
            update_profile(member=member, by=None, profile=Profile(
                languages=languages("en"), expertise=f"field {prefix}{i}",
                available_as_lecturer=True))  # fmt: skip
            resources.ask_resource_persons(
                session=session, members=[member], role="lecturer", by=staff
            )

    url = reverse("network:staff_resource_persons")
    add(2, "a")
    staff_client.get(url)
    with django_assert_max_num_queries(30) as few:
        staff_client.get(url)
    add(6, "b")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "b5" in staff_client.get(url).content.decode()


@pytest.mark.parametrize(
    ("venue", "order"),
    [
        ("Kampala", ["Asha", "Lina", "Ram"]),  # Nairobi, Maputo, Kathmandu
        ("Bangkok", ["Ram", "Asha", "Lina"]),
        ("Johannesburg", ["Lina", "Asha", "Ram"]),
    ],
)
def test_the_nearest_to_a_venue_come_first_with_their_distance(pool, venue, order):
    near = Venue.objects.get(name=venue)
    found = list(resources.find_resource_persons(near=near))
    assert [m.person.first_name for m in found] == order
    assert all(m.distance_km > 0 for m in found)
    if venue == "Kampala":
        assert 400 < found[0].distance_km < 600  # Nairobi to Kampala, as the crow flies


def test_the_search_page_sorts_by_nearness_and_says_how_far(staff_client, pool):
    near = Venue.objects.get(name="Johannesburg")
    page = staff_client.get(
        reverse("network:staff_resource_persons"), {"near": near.pk}
    ).content.decode()
    assert "Distance to Johannesburg" in page
    assert page.index("Lina Resource") < page.index("Asha Lecturer") < page.index("Ram Interpreter")
    assert "km" in page
    unknown = staff_client.get(reverse("network:staff_resource_persons"), {"near": "999999"})
    assert unknown.status_code == 200  # an unknown venue: the search as without it
    assert "Distance to" not in unknown.content.decode()
