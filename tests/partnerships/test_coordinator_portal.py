from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import Participant, Person
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    PartnershipFactory,
    make_coordinator,
)

pytestmark = pytest.mark.django_db


def form_data(partnership, host, **overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Nakato",
        "email": "grace.nakato@example.org",
        "phone": "0712 345678",
        "nationality": "KE",
        "gender": "female",
        "date_of_birth": "1994-05-02",
        "preferred_language": "en",
        "partnership": partnership.pk,
        "host_organisation": host.pk,
        "exchange_start": "2027-02-01",
        "exchange_end": "2027-12-15",
        "elearning_completed_on": "",
    }
    data.update(overrides)
    return data


def test_dashboard_shows_own_organisation(coordinator_client, org_a, partnership):
    ParticipantFactory(partnership=partnership, person__first_name="Wanjiru")
    response = coordinator_client.get(reverse("partnerships:coordinator_dashboard"))
    page = response.content.decode()
    assert response.status_code == 200
    assert org_a.name in page and partnership.name in page
    assert "Wanjiru" in page
    assert "E-learning: Not done" in page


def test_register_a_participant(coordinator_client, partnership, org_a, org_b, coordinator):
    url = reverse("partnerships:coordinator_participant_create")
    response = coordinator_client.post(url, form_data(partnership, org_b))
    assert response.status_code == 302
    participant = Participant.objects.get(person__email="grace.nakato@example.org")
    assert participant.sending_organisation == org_a
    assert participant.host_organisation == org_b
    assert participant.person.phone == "+254712345678"  # read in the nationality's region
    assert participant.registered_by == coordinator


def test_sending_organisation_cannot_be_injected(coordinator_client, partnership, org_a, org_b):
    other = OrganisationFactory()
    data = form_data(partnership, org_b, sending_organisation=other.pk, organisation=other.pk)
    coordinator_client.post(reverse("partnerships:coordinator_participant_create"), data)
    assert Participant.objects.get().sending_organisation == org_a


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"exchange_end": "2027-01-01"}, "exchange_end", "must end after it starts"),
        ({"phone": "12"}, "phone", "not a valid phone number"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"first_name": ""}, "first_name", "required"),
        ({"date_of_birth": "2090-01-01"}, "date_of_birth", "in the past"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(
    coordinator_client, partnership, org_b, overrides, field, message
):
    url = reverse("partnerships:coordinator_participant_create")
    response = coordinator_client.post(url, form_data(partnership, org_b, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert (
        not Participant.objects.exists()
        and not Person.objects.filter(email="grace.nakato@example.org").exists()
    )


def test_host_must_belong_to_the_partnership(coordinator_client, partnership):
    stranger = OrganisationFactory(name="Stranger Org")
    url = reverse("partnerships:coordinator_participant_create")
    response = coordinator_client.post(url, form_data(partnership, stranger))
    assert response.status_code == 200
    assert "host_organisation" in response.context["form"].errors
    assert not Participant.objects.exists()


def test_duplicate_person_is_refused(coordinator_client, partnership, org_b):
    url = reverse("partnerships:coordinator_participant_create")
    coordinator_client.post(url, form_data(partnership, org_b))
    response = coordinator_client.post(
        url, form_data(partnership, org_b, email="GRACE.nakato@example.org")
    )
    # Names nobody and not which detail matched (security review, finding 5).
    assert "cannot be registered here" in " ".join(response.context["form"].errors["__all__"])
    assert "email" not in response.context["form"].errors
    same_name = form_data(partnership, org_b, email="other@example.org")
    response = coordinator_client.post(url, same_name)
    assert "cannot be registered here" in " ".join(response.context["form"].errors["__all__"])
    assert Participant.objects.count() == 1


def test_partnership_in_feasibility_cannot_take_participants(client, org_a):
    early = PartnershipFactory(phase="feasibility", members=[org_a, OrganisationFactory()])
    user = make_coordinator(org_a)
    client.force_login(user)
    response = client.get(reverse("partnerships:coordinator_participant_create"))
    assert early not in response.context["form"].fields["partnership"].queryset


def test_coordinator_gets_404_for_another_organisations_participant(
    coordinator_client, other_coordinator
):
    foreign = ParticipantFactory(partnership=PartnershipFactory())  # neither A nor B involved
    for name in ("coordinator_participant", "coordinator_participant_edit"):
        response = coordinator_client.get(reverse(f"partnerships:{name}", args=[foreign.pk]))
        assert response.status_code == 404
    response = coordinator_client.post(
        reverse("partnerships:coordinator_participant_edit", args=[foreign.pk]),
        {"first_name": "Hacked"},
    )
    assert response.status_code == 404
    foreign.person.refresh_from_db()
    assert foreign.person.first_name != "Hacked"


def test_host_side_sees_but_cannot_edit(client, partnership, org_a, org_b, coordinator):
    hosted = ParticipantFactory(
        partnership=partnership, sending_organisation=org_b, host_organisation=org_a
    )
    client.force_login(coordinator)
    assert (
        client.get(reverse("partnerships:coordinator_participant", args=[hosted.pk])).status_code
        == 200
    )
    assert (
        client.get(
            reverse("partnerships:coordinator_participant_edit", args=[hosted.pk])
        ).status_code
        == 404
    )


def test_coordinator_lists_only_their_organisation(coordinator_client, partnership):
    mine = ParticipantFactory(partnership=partnership, person__last_name="Mine")
    theirs = ParticipantFactory(person__last_name="Theirs")
    page = coordinator_client.get(reverse("partnerships:coordinator_participants"))
    content = page.content.decode()
    assert mine.person.full_name in content
    assert theirs.person.full_name not in content


def test_edit_keeps_the_sending_organisation(coordinator_client, partnership, org_a, org_b):
    participant = ParticipantFactory(partnership=partnership)
    url = reverse("partnerships:coordinator_participant_edit", args=[participant.pk])
    assert coordinator_client.get(url).status_code == 200
    data = form_data(partnership, org_b, email=participant.person.email, first_name="Renamed")
    response = coordinator_client.post(url, data)
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.person.first_name == "Renamed"
    assert participant.sending_organisation == org_a


def test_host_options_fragment_is_scoped(coordinator_client, partnership, org_b):
    url = reverse("partnerships:coordinator_host_options")
    response = coordinator_client.get(url, {"partnership": partnership.pk}, HTTP_HX_REQUEST="true")
    assert org_b.name in response.content.decode()
    foreign = PartnershipFactory()
    response = coordinator_client.get(url, {"partnership": foreign.pk})
    for member in foreign.members.all():
        assert member.organisation.name not in response.content.decode()
    assert coordinator_client.get(url, {"partnership": "x'; drop"}).status_code == 200


def test_coordinator_without_organisation_is_refused(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="coordinator"))
    response = client.get(reverse("partnerships:coordinator_dashboard"))
    assert response.status_code == 403


@pytest.mark.parametrize("url_name", ["coordinator_dashboard", "coordinator_participants"])
def test_other_roles_cannot_open_the_coordinator_portal(alumnus_client, url_name):
    assert alumnus_client.get(reverse(f"partnerships:{url_name}")).status_code == 403


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url_name", ["coordinator_dashboard", "coordinator_participants"])
def test_coordinator_pages_run_constant_queries(coordinator_client, partnership, url_name):
    url = reverse(f"partnerships:{url_name}")
    ParticipantFactory.create_batch(3, partnership=partnership)
    small = queries_for(coordinator_client, url)
    ParticipantFactory.create_batch(40, partnership=partnership)
    assert queries_for(coordinator_client, url) == small
    assert small <= 12


def test_every_problem_is_shown_at_once(coordinator_client, partnership, org_b):
    """The report: a bad email, phone "call me maybe" and an end before the start showed
    only the email error; the rest came one resubmission at a time."""
    url = reverse("partnerships:coordinator_participant_create")
    data = form_data(partnership, org_b, email="not-an-email", phone="call me maybe",
                     exchange_end="2027-01-01")  # fmt: skip
    response = coordinator_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"email", "phone", "exchange_end"}
    assert "must end after it starts" in " ".join(errors["exchange_end"])
    html = response.content.decode()
    assert "not a valid phone number" in html and "must end after it starts" in html
    assert not Participant.objects.exists()
