"""The coordinator dashboard: its counts, the next exchanges and the partnerships, read in a
constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.html import escape

from partnerships.models import Participant, PartnershipMember, Phase
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    PartnershipFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

URL = "partnerships:coordinator_dashboard"


def stats(page: str) -> list[str]:
    """The three numbers at the top of the page, in order."""
    values = page.split('<span class="stat__value">')[1:]
    return [value.split("</span>", 1)[0] for value in values]


def test_counts_are_over_every_current_participant_not_the_ten_shown(
    coordinator_client, partnership
):
    start = dt.date(2027, 2, 1)
    for number in range(12):
        ParticipantFactory(
            partnership=partnership,
            exchange_start=start + dt.timedelta(days=number),
            status=Participant.Status.ON_EXCHANGE if number % 4 == 0 else "planned",
            elearning_completed_on=None if number % 3 == 0 else dt.date(2026, 12, 1),
        )
    for status in (Participant.Status.COMPLETED, Participant.Status.WITHDRAWN):
        ParticipantFactory(partnership=partnership, status=status)
    response = coordinator_client.get(reverse(URL))
    page = response.content.decode()
    # 12 current: 3 on exchange, 9 planned, 4 without the e-learning; 10 rows shown.
    assert response.context["counts"] == {"planned": 9, "on_exchange": 3, "without_elearning": 4}
    assert stats(page) == ["9", "3", "4"]
    assert len(response.context["upcoming"]) == 10


def test_no_current_participant_counts_zero(coordinator_client, partnership):
    ParticipantFactory(partnership=partnership, status=Participant.Status.COMPLETED)
    response = coordinator_client.get(reverse(URL))
    assert stats(response.content.decode()) == ["0", "0", "0"]
    assert "No current participants yet" in response.content.decode()


def test_partnerships_are_listed_with_their_members(coordinator_client, org_a, partnership):
    other = PartnershipFactory(
        name="Andes Teachers", phase=Phase.ACTIVE_EXCHANGE,
        members=[OrganisationFactory(name="Zeta School", country="PE"), org_a,
                 OrganisationFactory(name="Alpha College", country="BO")],
    )  # fmt: skip
    PartnershipFactory(name="Not ours")  # without the coordinator's organisation
    page = coordinator_client.get(reverse(URL)).content.decode()
    lead, partner = (m.organisation for m in partnership.members.order_by("role"))
    assert page.index("Andes Teachers") < page.index(partnership.name)
    assert "Not ours" not in page
    # The lead first, then the partners by name.
    assert (
        f'<li><strong>Andes Teachers</strong> <span class="badge badge--ok">'
        f"{Phase.ACTIVE_EXCHANGE.label}</span>\n<br>\n"
        f'      <span class="muted">Zeta School (PE) · Alpha College (BO) · '
        f"{escape(org_a.name)} (KE)</span></li>"
    ) in page
    assert f"{escape(lead.name)} (KE) · {escape(partner.name)} (UG)</span>" in page
    assert PartnershipMember.objects.filter(partnership=other).count() == 3


def test_names_are_escaped(coordinator_client, org_a, org_b, partnership):
    partnership.name = "Health <b>& Care</b>"
    partnership.save()
    org_b.name = "Host <script>alert(1)</script>"
    org_b.save()
    ParticipantFactory(
        partnership=partnership, person=PersonFactory(first_name="<i>Grace</i>", last_name="O'Neil")
    )
    page = coordinator_client.get(reverse(URL)).content.decode()
    assert "<script>" not in page and "<b>&" not in page and "<i>Grace" not in page
    assert "Health &lt;b&gt;&amp; Care&lt;/b&gt;" in page
    assert "Host &lt;script&gt;alert(1)&lt;/script&gt;" in page  # row and partnership
    assert "&lt;i&gt;Grace&lt;/i&gt; O&#x27;Neil" in page


def test_readiness_badges_in_the_rows(coordinator_client, partnership):
    ParticipantFactory(partnership=partnership, elearning_completed_on=dt.date(2026, 12, 1))
    page = coordinator_client.get(reverse(URL)).content.decode()
    assert '<span class="badge badge--ok" title="E-learning">E-learning: Done</span> ' in page
    assert (
        '<span class="badge badge--warn" title="Training 1">Training 1: Not enrolled</span> '
    ) in page


def test_the_dashboard_reads_nine_queries(
    coordinator_client, partnership, django_assert_num_queries
):
    """Session, user, the coordinator's organisation, the next exchanges with the counts,
    their training status, the partnerships with their members, the organisation's
    contact persons, their Partner training with its summary for the organisation (one
    query), and whose travel details are missing for the coming trainings."""
    ParticipantFactory.create_batch(3, partnership=partnership)
    PartnershipFactory(members=[partnership.members.order_by("pk")[0].organisation])
    with django_assert_num_queries(9):
        assert coordinator_client.get(reverse(URL)).status_code == 200
