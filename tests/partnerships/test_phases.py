from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from partnerships import services
from partnerships.models import ContactPerson, Partnership, Phase, PhaseChange
from tests.factories import ContactFactory, OrganisationFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feasibility(staff):
    a, b = OrganisationFactory(name="Kisumu Water Trust"), OrganisationFactory(name="Gulu Clinic")
    return services.create_partnership(
        name="Water and Health",
        programme="south_south",
        organisations=[(a, "lead"), (b, "partner")],
        adviser=staff,
        by=staff,
        feasibility_since=dt.date(2026, 1, 10),
    )


def add_coordinators(partnership: Partnership) -> None:
    for member in partnership.members.all():
        ContactFactory(organisation=member.organisation, role=ContactPerson.Role.COORDINATOR)


def test_creation_records_the_first_step(feasibility, staff):
    (step,) = feasibility.phase_changes.all()
    assert (step.from_phase, step.to_phase, step.changed_by) == ("", Phase.FEASIBILITY, staff)


def test_each_legal_step_works_and_is_recorded(feasibility, staff):
    add_coordinators(feasibility)
    steps = [
        (Phase.AGREEMENT_SIGNED, dt.date(2026, 3, 1), "agreement_signed_on"),
        (Phase.ACTIVE_EXCHANGE, dt.date(2026, 8, 1), "active_since"),
        (Phase.CLOSED, dt.date(2027, 8, 1), "closed_on"),
    ]
    for phase, day, field in steps:
        services.change_phase(partnership=feasibility, to_phase=phase, by=staff, effective_on=day)
        feasibility.refresh_from_db()
        assert feasibility.phase == phase
        assert getattr(feasibility, field) == day
    history = list(feasibility.phase_changes.values_list("from_phase", "to_phase"))
    assert history == [
        ("", "feasibility"),
        ("feasibility", "agreement_signed"),
        ("agreement_signed", "active_exchange"),
        ("active_exchange", "closed"),
    ]


def test_feasibility_may_close_directly(feasibility, staff):
    services.change_phase(partnership=feasibility, to_phase=Phase.CLOSED, by=staff)
    feasibility.refresh_from_db()
    assert feasibility.phase == Phase.CLOSED and feasibility.closed_on is not None


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Phase.FEASIBILITY, Phase.ACTIVE_EXCHANGE),
        (Phase.AGREEMENT_SIGNED, Phase.FEASIBILITY),
        (Phase.ACTIVE_EXCHANGE, Phase.AGREEMENT_SIGNED),
        (Phase.CLOSED, Phase.ACTIVE_EXCHANGE),
    ],
)
def test_illegal_jumps_are_refused_with_a_message(staff, start, target):
    partnership = PartnershipFactory(phase=start)
    before = PhaseChange.objects.count()
    with pytest.raises(ValidationError) as error:
        services.change_phase(partnership=partnership, to_phase=target, by=staff)
    assert "cannot go from" in error.value.messages[0]
    partnership.refresh_from_db()
    assert partnership.phase == start
    assert PhaseChange.objects.count() == before


def test_agreement_needs_a_coordinator_in_every_member(feasibility, staff):
    first = feasibility.members.order_by("pk")[0].organisation
    ContactFactory(organisation=first, role=ContactPerson.Role.COORDINATOR)
    ContactFactory(
        organisation=feasibility.members.order_by("pk")[1].organisation,
        role=ContactPerson.Role.COORDINATOR,
        active=False,
    )
    with pytest.raises(ValidationError) as error:
        services.change_phase(partnership=feasibility, to_phase=Phase.AGREEMENT_SIGNED, by=staff)
    assert error.value.messages == ["Gulu Clinic has no active coordinator yet."]


def test_step_date_cannot_precede_the_current_phase(feasibility, staff):
    add_coordinators(feasibility)
    with pytest.raises(ValidationError) as error:
        services.change_phase(
            partnership=feasibility, to_phase=Phase.AGREEMENT_SIGNED, by=staff,
            effective_on=dt.date(2025, 12, 31),
        )  # fmt: skip
    assert "cannot be before" in error.value.messages[0]


def test_database_refuses_a_phase_without_its_date(feasibility):
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.filter(pk=feasibility.pk).update(phase=Phase.ACTIVE_EXCHANGE)


def test_staff_change_phase_through_the_page(staff_client, feasibility):
    add_coordinators(feasibility)
    url = reverse("partnerships:staff_partnership_phase", args=[feasibility.pk])
    response = staff_client.post(
        url, {"to_phase": "agreement_signed", "effective_on": "2026-04-01", "note": "Signed"}
    )
    assert response.status_code == 302
    feasibility.refresh_from_db()
    assert feasibility.phase == Phase.AGREEMENT_SIGNED
    page = staff_client.get(reverse("partnerships:staff_partnership", args=[feasibility.pk]))
    assert "Signed" in page.content.decode()


def test_staff_page_explains_a_refusal(staff_client, feasibility):
    url = reverse("partnerships:staff_partnership_phase", args=[feasibility.pk])
    response = staff_client.post(
        url, {"to_phase": "agreement_signed", "effective_on": "2026-04-01"}
    )
    assert response.status_code == 400
    assert "has no active coordinator yet" in response.content.decode()
    feasibility.refresh_from_db()
    assert feasibility.phase == Phase.FEASIBILITY


def test_staff_page_refuses_a_phase_not_offered(staff_client, feasibility):
    url = reverse("partnerships:staff_partnership_phase", args=[feasibility.pk])
    response = staff_client.post(url, {"to_phase": "active_exchange", "effective_on": "2026-04-01"})
    assert response.status_code == 400
    feasibility.refresh_from_db()
    assert feasibility.phase == Phase.FEASIBILITY
