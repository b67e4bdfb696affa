from __future__ import annotations

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from partnerships import demo
from partnerships.demo.names import spelling_variant
from partnerships.management.commands import seed_scale
from partnerships.models import (
    PHASE_DATE_FIELDS,
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

PHASE_ORDER = [Phase.FEASIBILITY, Phase.AGREEMENT_SIGNED, Phase.ACTIVE_EXCHANGE, Phase.CLOSED]


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_scale", scale=0.02, seed=7, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    return seed()


def test_small_scale_creates_proportional_counts(seeded):
    current = Participant.objects.filter(partnership__isnull=False)
    historical = Participant.objects.filter(partnership__isnull=True)
    assert PartnerOrganisation.objects.count() == 8  # 400 × 0.02
    assert Partnership.objects.count() == 3  # 150 × 0.02
    assert current.count() == 50  # 2,500 × 0.02
    assert historical.count() == 240  # 12,000 × 0.02
    assert PartnerOrganisation.objects.values("country").distinct().count() >= 6
    assert "historical alumni" in seeded and "seconds" in seeded


def test_partnerships_have_members_phases_dates_and_history(seeded):
    today = timezone.localdate()
    phases = set()
    for partnership in Partnership.objects.prefetch_related("members", "phase_changes"):
        phases.add(partnership.phase)
        assert 2 <= len(partnership.members.all()) <= 3
        assert partnership.adviser.role == "staff"
        history = sorted(partnership.phase_changes.all(), key=lambda change: change.effective_on)
        assert history[0].from_phase == ""
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_phase == before.to_phase
            assert PHASE_ORDER.index(after.to_phase) > PHASE_ORDER.index(before.to_phase)
        assert history[-1].to_phase == partnership.phase
        for change in history:
            assert getattr(partnership, PHASE_DATE_FIELDS[change.to_phase]) == change.effective_on
        assert all(change.effective_on <= today for change in history)
    # the first partnerships of the cycle: something to register with, and something over
    assert {Phase.ACTIVE_EXCHANGE, Phase.AGREEMENT_SIGNED, Phase.CLOSED} <= phases


def test_every_organisation_has_one_active_coordinator(seeded):
    for organisation in PartnerOrganisation.objects.all():
        coordinators = organisation.contacts.filter(role=ContactPerson.Role.COORDINATOR)
        assert coordinators.filter(active=True).count() == 1


def test_current_participants_follow_the_registration_rules(seeded):
    today = timezone.localdate()
    participants = Participant.objects.filter(partnership__isnull=False).select_related(
        "partnership"
    )
    members: dict[int, set[int]] = {}
    for member in PartnershipMember.objects.all():
        members.setdefault(member.partnership_id, set()).add(member.organisation_id)
    statuses = set()
    for p in participants:
        statuses.add(p.status)
        assert p.sending_organisation_id != p.host_organisation_id
        assert {p.sending_organisation_id, p.host_organisation_id} <= members[p.partnership_id]
        assert p.exchange_start < p.exchange_end
        assert (p.exchange_end - p.exchange_start).days <= 2 * 366
        assert p.elearning_completed_on is None or p.elearning_completed_on <= today
        partnership = p.partnership
        if p.status in ("planned", "withdrawn"):
            assert p.exchange_start > today
            assert partnership.phase in (Phase.AGREEMENT_SIGNED, Phase.ACTIVE_EXCHANGE)
        elif p.status == "on_exchange":
            assert p.exchange_start <= today < p.exchange_end
            assert partnership.phase == Phase.ACTIVE_EXCHANGE
            assert p.elearning_completed_on is not None
        else:
            assert p.exchange_end < today
            assert p.exchange_start >= partnership.active_since
            assert partnership.closed_on is None or p.exchange_end <= partnership.closed_on
        assert p.exchange_end >= today - dt.timedelta(days=731)  # the last two years...
        assert p.exchange_start <= today + dt.timedelta(days=731)  # ...and the next two
    assert {"planned", "on_exchange", "completed"} <= statuses
    active = Participant.objects.filter(status__in=Participant.ACTIVE_STATUSES)
    assert active.values("person").distinct().count() == active.count()


def test_alumni_are_historical_records_with_gaps(seeded):
    alumni = Participant.objects.filter(partnership__isnull=True).select_related("person")
    assert all(a.status == "completed" and 1963 <= a.exchange_year <= 2022 for a in alumni)
    assert {a.legacy_programme for a in alumni} <= {"FK", "Fredskorpset", "Norec"}
    assert len({a.legacy_programme for a in alumni}) >= 2
    without_email = sum(1 for a in alumni if not a.person.email) / len(alumni)
    assert 0.05 < without_email < 0.3
    source_ids = [a.source_id for a in alumni]
    assert all(source_ids) and len(set(source_ids)) == len(source_ids)


def test_every_row_passes_model_validation(seeded):
    """Validators the database does not hold (phone format, choices, year range) hold too."""
    emails = list(Person.objects.exclude(email="").values_list("email", flat=True))
    assert len({email.lower() for email in emails}) == len(emails)
    assert all(email == email.lower() for email in emails)
    models = [Person, PartnerOrganisation, Partnership, PartnershipMember, PhaseChange,
              ContactPerson, Participant]  # fmt: skip
    for model in models:
        for obj in model.objects.all():
            obj.full_clean()


def test_the_same_seed_gives_the_same_data():
    def names(seed_value: int) -> list[tuple[str, str]]:
        with transaction.atomic():
            call_command("seed_scale", scale=0.02, seed=seed_value, stdout=StringIO())
            result = list(Person.objects.order_by("pk").values_list("last_name", "email"))
            transaction.set_rollback(True)
        return result

    first = names(11)
    assert names(11) == first
    assert names(12) != first


def test_refuses_a_database_with_people_unless_appending(seeded, monkeypatch):
    monkeypatch.setattr(seed_scale, "GUARD_PEOPLE", 100)
    before = Person.objects.count()
    with pytest.raises(CommandError, match="--append"):
        seed()
    assert Person.objects.count() == before
    seed(append=True)  # the same seed again: unique names and emails must stay unique
    assert Person.objects.count() > 2 * before - 20
    assert PartnerOrganisation.objects.count() == 16
    assert Partnership.objects.count() == 6
    assert Participant.objects.count() == 2 * (50 + 240)
    emails = list(Person.objects.exclude(email="").values_list("email", flat=True))
    assert len(set(emails)) == len(emails)


def test_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        seed()
    assert not Person.objects.exists()


def test_partnerships_builder_is_discovered_first():
    builders = seed_scale.scale_builders()
    assert builders[0] == ("partnerships", demo.build_scale)


@pytest.mark.parametrize("name", ["Nygård", "Mohammad", "Phiri", "Kamau", "Le"])
def test_spelling_variants_differ_from_the_original(name):
    assert spelling_variant(name, random.Random(1)) != name  # noqa: S311
