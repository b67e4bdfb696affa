"""Every benchmarked page runs the same number of queries at two data sizes, at most 12.

The pages and personas are those of ``bench/pages.py`` (the page benchmark counts the
same way on PostgreSQL at ``seed_scale --scale 0.05`` and at full scale).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bench import pages
from bench.common import seed
from bench.world import prepare_world, top_up_members
from partnerships.models import Participant, PartnerOrganisation, PartnershipMember
from partnerships.services import REGISTRATION_PHASES, ExchangePlan, register_participant

pytestmark = pytest.mark.django_db

ALWAYS_THERE = {"staff_participants", "coordinator_dashboard", "training_year",
                "training_forecast"}  # fmt: skip


def add_participants(organisation_id: int, count: int) -> None:
    """More current participants sent by the coordinator's own organisation."""
    organisation = PartnerOrganisation.objects.get(pk=organisation_id)
    member = PartnershipMember.objects.filter(
        organisation=organisation, partnership__phase__in=REGISTRATION_PHASES
    ).select_related("partnership").first()  # fmt: skip
    host = member.partnership.members.exclude(organisation=organisation).first().organisation
    start = timezone.localdate() + dt.timedelta(days=40)
    for number in range(count):
        register_participant(
            sending=organisation,
            person_data={"first_name": f"Grown{number}", "last_name": "Queries",
                         "email": f"grown{number}@queries.example"},
            plan=ExchangePlan(partnership=member.partnership, host_organisation=host,
                              exchange_start=start + dt.timedelta(days=number),
                              exchange_end=start + dt.timedelta(days=200 + number)),
            by=None,
        )  # fmt: skip


def by_key(counts: list[pages.QueryCount]) -> dict[str, pages.QueryCount]:
    return {count.page.key: count for count in counts}


def test_benchmarked_pages_run_constant_queries_at_two_sizes():
    seed(0.02, seed=7)
    world = prepare_world()
    small = by_key(pages.count_page_queries(world))
    people_before = Participant.objects.count()

    seed(0.06, seed=8, append=True)  # more of everything, training weeks included
    add_participants(world.organisation_id, 30)  # the coordinator's own organisation
    top_up_members(seed=8)  # members in proportion to the alumni
    large = by_key(pages.count_page_queries(world))
    assert Participant.objects.count() > 3 * people_before

    available = {key for key, count in small.items() if count.queries is not None}
    assert available >= ALWAYS_THERE, {k: small[k].reason for k in ALWAYS_THERE - available}
    for key, count in small.items():
        if count.page.path() is not None:
            # A page that exists must be measured: its persona must be there too.
            assert count.queries is not None, f"{key}: {count.reason}"
    problems = []
    for key in sorted(available):
        a, b = small[key], large[key]
        if (a.status, b.status) != (200, 200):
            problems.append(f"{key}: HTTP {a.status} / {b.status}")
        elif a.queries != b.queries:
            problems.append(f"{key}: {a.queries} queries on small data, {b.queries} on more")
        elif b.queries > pages.MAX_QUERIES:
            problems.append(f"{key}: {b.queries} queries (at most {pages.MAX_QUERIES})")
    assert problems == []
