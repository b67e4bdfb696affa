from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships import services
from partnerships.models import (
    ContactPerson,
    Participant,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Person,
    Phase,
    PhaseChange,
)
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartnershipFactory,
    PersonFactory,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

MODELS = ["person", "partnerorganisation", "partnership", "partnershipmember", "phasechange",
          "contactperson", "participant"]  # fmt: skip


def grow(count: int, *, staff) -> None:
    """``count`` more partnerships, each with organisations, contacts, history and people."""
    for _index in range(count):
        partnership = PartnershipFactory(adviser=staff, phase=Phase.ACTIVE_EXCHANGE)
        PhaseChange.objects.create(
            partnership=partnership, from_phase=Phase.AGREEMENT_SIGNED,
            to_phase=Phase.ACTIVE_EXCHANGE, effective_on=dt.date(2025, 9, 1), changed_by=staff,
        )  # fmt: skip
        organisation = partnership.members.order_by("pk")[0].organisation
        make_coordinator(organisation)
        ContactFactory(organisation=organisation, role=ContactPerson.Role.MANAGER)
        ParticipantFactory(partnership=partnership, elearning_completed_on=dt.date(2026, 1, 5))
        Participant.objects.create(
            person=PersonFactory(email=""), status=Participant.Status.COMPLETED,
            exchange_year=1994, legacy_programme="Fredskorpset",
        )  # fmt: skip


class FormReader(HTMLParser):
    """Collects what a browser would submit from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button"):
            if attributes.get("type") in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.data.setdefault(name, []).append(attributes.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attributes:
            self.data[self._select].append(attributes.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(client, url: str) -> dict[str, list[str]]:
    reader = FormReader()
    reader.feed(client.get(url).content.decode())
    return reader.data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def world(staff, partnership, coordinator):
    grow(1, staff=staff)
    return partnership


# --- Every page opens for staff --------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_staff_open_every_changelist(staff_client, world, model):
    response = staff_client.get(f"/admin/partnerships/{model}/")
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


@pytest.mark.parametrize(
    "model", [Person, PartnerOrganisation, Partnership, PartnershipMember, PhaseChange,
              ContactPerson, Participant],
)  # fmt: skip
def test_staff_open_every_change_page(staff_client, world, model):
    for obj in model.objects.all()[:3]:
        url = f"/admin/partnerships/{model._meta.model_name}/{obj.pk}/change/"
        assert staff_client.get(url).status_code == 200, url


# Rows whose creation has a rule or an audit entry are created through the services only.
CREATED_BY_SERVICES = ["partnership", "partnershipmember", "participant", "phasechange",
                       "participantimport"]  # fmt: skip


@pytest.mark.parametrize("model", [m for m in MODELS if m not in CREATED_BY_SERVICES])
def test_staff_open_every_add_page(staff_client, model):
    assert staff_client.get(f"/admin/partnerships/{model}/add/").status_code == 200


@pytest.mark.parametrize("model", [m for m in MODELS if m in CREATED_BY_SERVICES])
def test_rows_made_by_the_services_cannot_be_added_in_the_admin(staff_client, model):
    assert staff_client.get(f"/admin/partnerships/{model}/add/").status_code == 403
    assert staff_client.post(f"/admin/partnerships/{model}/add/", {}).status_code == 403


def test_phase_history_cannot_be_added_or_edited(staff_client, world):
    change = PhaseChange.objects.first()
    assert staff_client.get("/admin/partnerships/phasechange/add/").status_code == 403
    response = staff_client.post(
        f"/admin/partnerships/phasechange/{change.pk}/change/", {"to_phase": Phase.CLOSED}
    )
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.to_phase == Phase.ACTIVE_EXCHANGE


def test_coordinator_gets_no_admin(coordinator_client):
    response = coordinator_client.get("/admin/partnerships/partnership/", follow=True)
    assert response.status_code == 403
    assert b"Lake Victoria Health Exchange" not in response.content


@pytest.mark.parametrize("model", MODELS)
def test_changelists_run_a_constant_number_of_queries(staff_client, staff, world, model):
    url = f"/admin/partnerships/{model}/"
    staff_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(url).status_code == 200
    grow(6, staff=staff)
    with CaptureQueriesContext(connection) as large:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count > 6
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


# --- Search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "term", "expected"),
    [
        ("partnership", "victoria", "Lake Victoria Health Exchange"),
        ("person", "Otieno", "Otieno"),
        ("participant", "Otieno", "Otieno"),
        ("contactperson", "coordinator.a@example.org", "Achieng"),
        ("partnerorganisation", "Unfindable Rural Trust", "Unfindable Rural Trust"),
    ],
)
def test_search_finds_the_row_and_only_it(staff_client, world, model, term, expected):
    OrganisationFactory(name="Unfindable Rural Trust")
    participant_person = Person.objects.get(email="coordinator.a@example.org")
    ParticipantFactory(person=PersonFactory(last_name="Otieno", first_name="Joy"))
    assert participant_person.last_name == "Otieno"
    response = staff_client.get(f"/admin/partnerships/{model}/", {"q": term})
    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert results, "nothing found"
    assert all(expected in str(row) for row in results)
    assert response.context["cl"].full_result_count > len(results)


def test_partnership_search_reaches_member_organisations(staff_client, world):
    organisation = world.members.order_by("pk")[0].organisation
    response = staff_client.get("/admin/partnerships/partnership/", {"q": organisation.name})
    assert list(response.context["cl"].result_list) == [world]


def test_participants_filter_by_legacy_programme_and_decade(staff_client, world):
    response = staff_client.get(
        "/admin/partnerships/participant/",
        {"legacy_programme": "Fredskorpset", "decade": "1990"},
    )
    rows = list(response.context["cl"].result_list)
    assert rows and all(row.exchange_year == 1994 for row in rows)


# --- The phase changes only through the service ---------------------------------------------


def test_phase_cannot_be_changed_by_posting_the_change_form(staff_client, world):
    url = f"/admin/partnerships/partnership/{world.pk}/change/"
    data = form_data(staff_client, url)
    assert "phase" not in data
    data.update(
        name=["Lake Victoria Health Exchange (renamed)"],
        phase=[Phase.CLOSED],
        closed_on=["2026-10-01"],
        agreement_signed_on=[""],
        feasibility_since=["2020-01-01"],
        _save=["Save"],
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    world.refresh_from_db()
    assert world.name == "Lake Victoria Health Exchange (renamed)"  # the form was saved...
    assert world.phase == Phase.AGREEMENT_SIGNED  # ...but not the phase or its dates
    assert world.closed_on is None
    assert world.agreement_signed_on == dt.date(2025, 6, 1)
    assert world.feasibility_since == dt.date(2025, 1, 15)
    assert not world.phase_changes.filter(to_phase=Phase.CLOSED).exists()


def test_change_page_shows_the_phase_read_only_with_next_steps(staff_client, world):
    response = staff_client.get(f"/admin/partnerships/partnership/{world.pk}/change/")
    content = response.content.decode()
    assert 'name="phase"' not in content
    assert "Active exchange, Closed" in content


def run_action(client, action: str, partnerships: list[Partnership]):
    return client.post(
        "/admin/partnerships/partnership/",
        {"action": action, "_selected_action": [p.pk for p in partnerships]},
        follow=True,
    )


def test_action_moves_through_the_service_and_records_history(staff_client, staff, world):
    response = run_action(staff_client, "move_to_active_exchange", [world])
    assert response.status_code == 200
    world.refresh_from_db()
    assert world.phase == Phase.ACTIVE_EXCHANGE
    assert world.active_since is not None
    step = world.phase_changes.get(to_phase=Phase.ACTIVE_EXCHANGE)
    assert (step.from_phase, step.changed_by) == (Phase.AGREEMENT_SIGNED, staff)
    assert any("1 partnership(s) moved" in text for text in messages_of(response))


def test_action_reports_each_refusal_and_moves_the_others(staff_client, staff, world):
    a, b = OrganisationFactory(name="Gulu Water Trust"), OrganisationFactory(name="Mbale Clinic")
    without_coordinators = services.create_partnership(
        name="Water and Health", programme="south_south",
        organisations=[(a, "lead"), (b, "partner")], adviser=staff, by=staff,
    )  # fmt: skip
    closed = PartnershipFactory(name="Old Times", phase=Phase.CLOSED)
    response = run_action(
        staff_client, "move_to_agreement_signed", [without_coordinators, closed, world]
    )
    texts = messages_of(response)
    assert any("Water and Health was not moved" in t and "Gulu Water Trust" in t for t in texts)
    assert any("Old Times was not moved" in t and "stays closed" in t for t in texts)
    # the already signed one cannot be signed again either
    assert any("Lake Victoria Health Exchange was not moved" in t for t in texts)
    expected = [
        (without_coordinators, Phase.FEASIBILITY),
        (closed, Phase.CLOSED),
        (world, Phase.AGREEMENT_SIGNED),
    ]
    for partnership, phase in expected:
        partnership.refresh_from_db()
        assert partnership.phase == phase
    assert not PhaseChange.objects.filter(to_phase=Phase.AGREEMENT_SIGNED).exists()


def test_close_action_closes(staff_client, world):
    run_action(staff_client, "close_partnerships", [world])
    world.refresh_from_db()
    assert world.phase == Phase.CLOSED and world.closed_on is not None


# --- Creating through the admin ---------------------------------------------------------------


def test_a_partnership_cannot_be_added_without_the_lead_partner_rule(staff_client, staff):
    """The admin has no add page: a partnership starts in the staff portal, through
    services.create_partnership, whose rule the members obey."""
    a = OrganisationFactory()
    response = staff_client.post(
        "/admin/partnerships/partnership/add/",
        {"name": ["Lonely"], "programme": ["south_south"], "members-TOTAL_FORMS": ["1"],
         "members-INITIAL_FORMS": ["0"], "members-0-organisation": [str(a.pk)],
         "members-0-role": ["partner"]},
    )  # fmt: skip
    assert response.status_code == 403
    assert not Partnership.objects.filter(name="Lonely").exists()


def test_members_are_shown_but_not_edited_on_the_change_page(staff_client, world):
    url = f"/admin/partnerships/partnership/{world.pk}/change/"
    data = form_data(staff_client, url)
    assert "members-0-organisation" not in data and "members-0-role" not in data
    lead = world.members.get(role="lead")
    response = staff_client.post(
        url, {**data, "members-TOTAL_FORMS": ["1"], "members-0-organisation": [""],
              "members-0-id": [str(lead.pk)], "members-0-DELETE": ["on"], "_save": ["Save"]},
    )  # fmt: skip
    assert response.status_code == 302
    assert world.members.filter(pk=lead.pk, role="lead").exists()


def test_partnership_rename_differing_only_in_case_is_refused(staff_client, world):
    other = PartnershipFactory(name="Mountain Farmers Exchange")
    url = f"/admin/partnerships/partnership/{other.pk}/change/"
    data = form_data(staff_client, url)
    data.update(name=["LAKE VICTORIA health exchange"], _save=["Save"])
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "A partnership with this name already exists." in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Mountain Farmers Exchange"


def participant_in(world, org_a, org_b) -> Participant:
    return services.register_participant(
        sending=org_a,
        person_data={"first_name": "Amani", "last_name": "Juma", "email": "amani@example.org"},
        plan=services.ExchangePlan(
            partnership=world, host_organisation=org_b,
            exchange_start=dt.date(2027, 2, 1), exchange_end=dt.date(2027, 11, 30),
        ),
        by=None,
    )  # fmt: skip


def test_participant_admin_applies_the_registration_rules(staff_client, world, org_a, org_b):
    participant = participant_in(world, org_a, org_b)
    outsider = OrganisationFactory(name="Not A Member")
    url = f"/admin/partnerships/participant/{participant.pk}/change/"
    data = form_data(staff_client, url)
    data.update(
        host_organisation=[str(outsider.pk)], exchange_start=["2027-02-01"],
        exchange_end=["2027-01-01"], _save=["Save"],
    )  # fmt: skip
    response = staff_client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Not A Member is not a member of" in content
    assert "The exchange must end after it starts." in content
    participant.refresh_from_db()
    assert participant.host_organisation == org_b


def test_participant_admin_change_goes_through_the_service_and_the_audit_log(
    staff_client, staff, world, org_a, org_b
):
    from norec_portal.models import AuditEntry

    participant = participant_in(world, org_a, org_b)
    url = f"/admin/partnerships/participant/{participant.pk}/change/"
    data = form_data(staff_client, url)
    assert "person" not in data and "sending_organisation" not in data  # not edited here
    data.update(exchange_end=["2027-12-15"], elearning_completed_on=["2026-11-02"], _save=["Save"])
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    participant.refresh_from_db()
    assert participant.exchange_end == dt.date(2027, 12, 15)
    entry = AuditEntry.objects.filter(object_id=participant.pk, actor=staff).latest("pk")
    assert entry.action == AuditEntry.Action.UPDATE
    assert {"exchange_end", "elearning_completed_on"} <= set(entry.changed_fields)


def test_historical_participants_are_read_only(staff_client, world):
    participant = ParticipantFactory(
        partnership=None, sending_organisation=None, host_organisation=None,
        exchange_start=None, exchange_end=None, exchange_year=1994,
        legacy_programme="Fredskorpset", status=Participant.Status.COMPLETED,
    )  # fmt: skip
    url = f"/admin/partnerships/participant/{participant.pk}/change/"
    data = form_data(staff_client, url)
    assert not {"exchange_year", "legacy_programme", "status"} & set(data)


def test_second_active_coordinator_role_is_a_form_error_not_a_crash(staff_client, coordinator):
    person = coordinator.person
    other = OrganisationFactory(name="Second Home")
    data = form_data(staff_client, "/admin/partnerships/contactperson/add/")
    data.update(person=[str(person.pk)], organisation=[str(other.pk)], role=["coordinator"],
                active=["on"], _save=["Save"])  # fmt: skip
    response = staff_client.post("/admin/partnerships/contactperson/add/", data)
    assert response.status_code == 200
    assert not ContactPerson.objects.filter(organisation=other).exists()
    assert PartnershipMember.objects.exists()


def test_person_admin_change_goes_through_the_service_and_the_audit_log(staff_client, staff):
    from norec_portal.models import AuditEntry

    person = PersonFactory(first_name="Amani", last_name="Juma", country="KE")
    url = f"/admin/partnerships/person/{person.pk}/change/"
    data = form_data(staff_client, url)
    assert "user" not in data  # a login is given from the staff portal
    data.update(first_name=["  Amani  Grace "], phone=["+254712345678"], _save=["Save"])
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    person.refresh_from_db()
    assert (person.first_name, person.phone) == ("Amani Grace", "+254712345678")
    entry = AuditEntry.objects.filter(object_id=person.pk, actor=staff).latest("pk")
    assert entry.action == AuditEntry.Action.UPDATE
    assert {"first_name", "phone"} <= set(entry.changed_fields)


def test_person_admin_refuses_a_duplicate_as_the_services_do(staff_client):
    PersonFactory(first_name="Zoé", last_name="Ndiaye", date_of_birth=dt.date(1990, 1, 2))
    data = form_data(staff_client, "/admin/partnerships/person/add/")
    data.update(first_name=["Zoe"], last_name=["NDIAYE"], date_of_birth=["1990-01-02"],
                email=["zoe@example.org"], _save=["Save"])  # fmt: skip
    response = staff_client.post("/admin/partnerships/person/add/", data)
    assert response.status_code == 200
    assert "with the same date of birth is already registered" in response.content.decode()
    assert not Person.objects.filter(email="zoe@example.org").exists()


def test_person_admin_adds_a_person_with_an_audit_entry(staff_client, staff):
    from norec_portal.models import AuditEntry

    data = form_data(staff_client, "/admin/partnerships/person/add/")
    data.update(first_name=["Baraka"], last_name=["Omondi"], email=["B.Omondi@Example.org"],
                _save=["Save"])  # fmt: skip
    response = staff_client.post("/admin/partnerships/person/add/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    person = Person.objects.get(email="b.omondi@example.org")
    assert AuditEntry.objects.filter(
        object_id=person.pk, actor=staff, action=AuditEntry.Action.CREATE
    ).exists()
