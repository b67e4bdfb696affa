from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from norec_portal.models import Role, User
from partnerships import demo
from partnerships.access import coordinator_organisation
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

pytestmark = pytest.mark.django_db

MODELS = [User, Person, PartnerOrganisation, Partnership, PartnershipMember, PhaseChange,
          ContactPerson, Participant]  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def world():
    return demo.build()


def test_build_twice_changes_nothing(world):
    first = counts()
    assert demo.build() == world
    assert counts() == first


def test_build_again_weeks_later_changes_nothing(world):
    first = counts()
    with time_machine.travel(timezone.now() + dt.timedelta(days=45)):
        demo.build()
    assert counts() == first


def test_seed_demo_runs_twice_without_change():
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == first
    assert "coordinator@partner-a.demo" in out.getvalue()
    assert "alumnus@network.demo" in out.getvalue()


def test_the_world_has_the_expected_size(world):
    assert 10 <= PartnerOrganisation.objects.count() <= 14
    assert PartnerOrganisation.objects.values("country").distinct().count() >= 10
    assert 5 <= Partnership.objects.count() <= 8
    assert 20 <= Participant.objects.filter(partnership__isnull=False).count() <= 30
    assert 35 <= Participant.objects.filter(partnership__isnull=True).count() <= 45


def test_every_phase_is_present_with_its_history(world):
    assert set(Partnership.objects.values_list("phase", flat=True)) == set(Phase.values)
    for partnership in Partnership.objects.all():
        history = list(partnership.phase_changes.order_by("effective_on", "pk"))
        assert history[0].from_phase == "" and history[0].to_phase == Phase.FEASIBILITY
        assert history[-1].to_phase == partnership.phase
        assert [h.effective_on for h in history] == sorted(h.effective_on for h in history)
        assert partnership.adviser.role == Role.STAFF
        assert partnership.members.count() >= 2


def test_every_member_organisation_has_an_active_coordinator(world):
    for member in PartnershipMember.objects.select_related("organisation"):
        assert member.organisation.contacts.filter(
            role=ContactPerson.Role.COORDINATOR, active=True
        ).exists(), member.organisation
    assert ContactPerson.objects.filter(role=ContactPerson.Role.MANAGER).exists()


def test_coordinator_logins_resolve_to_organisations_in_different_partnerships(world):
    logins = dict((email, label) for label, email in world)
    a = User.objects.get(email="coordinator@partner-a.demo")
    b = User.objects.get(email="coordinator@partner-b.demo")
    assert {a.email, b.email} <= set(logins)
    assert a.role == b.role == Role.COORDINATOR
    org_a, org_b = coordinator_organisation(a), coordinator_organisation(b)
    assert org_a != org_b
    assert a.person.contact_roles.get().role == ContactPerson.Role.COORDINATOR
    shared = Partnership.objects.filter(members__organisation=org_a).filter(
        members__organisation=org_b
    )
    assert not shared.exists()
    for organisation in (org_a, org_b):
        assert Participant.objects.for_organisation(organisation).exists()


def test_participants_span_planned_on_exchange_and_completed(world):
    today = timezone.localdate()
    current = Participant.objects.filter(partnership__isnull=False)
    statuses = set(current.values_list("status", flat=True))
    assert {"planned", "on_exchange", "completed"} <= statuses
    for participant in current:
        if participant.status == "planned":
            assert participant.exchange_start > today
        elif participant.status == "on_exchange":
            assert participant.exchange_start <= today < participant.exchange_end
        else:
            assert participant.exchange_end < today
        assert participant.sending_organisation != participant.host_organisation
        members = set(participant.partnership.members.values_list("organisation", flat=True))
        assert {participant.sending_organisation_id, participant.host_organisation_id} <= members
    assert current.filter(status="planned", elearning_completed_on__isnull=False).exists()
    assert current.filter(status="planned", elearning_completed_on__isnull=True).exists()


def test_alumni_are_historical_records(world):
    alumni = Participant.objects.filter(partnership__isnull=True).select_related("person")
    assert {a.legacy_programme for a in alumni} == {"FK", "Fredskorpset"}
    assert all(1985 <= a.exchange_year <= 2019 for a in alumni)
    assert all(a.status == "completed" and a.sending_organisation is None for a in alumni)
    assert any(a.person.email == "" for a in alumni)
    login = User.objects.get(email="alumnus@network.demo")
    assert login.role == Role.ALUMNUS
    assert login.person.participations.get().legacy_programme in ("FK", "Fredskorpset")


def test_demo_addresses_cannot_reach_real_people(world):
    for email in Person.objects.exclude(email="").values_list("email", flat=True):
        domain = email.rsplit("@", 1)[1]
        assert domain.endswith((".demo", "example.org", "example.com", "example.net")), email
