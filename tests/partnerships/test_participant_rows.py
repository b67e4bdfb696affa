"""What the participant tables show (staff list, coordinator dashboard): names, links,
organisations, dates and status in the viewer's language; and the staff list of current
participants can be read through its partial index."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from partnerships.models import Participant
from tests.conftest import need_stack
from tests.factories import ParticipantFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_staff_list_rows(staff_client):
    current = ParticipantFactory(
        person=PersonFactory(first_name="Wanjiru", last_name="Kamau", email="w@example.org"),
        status=Participant.Status.ON_EXCHANGE,
    )
    ParticipantFactory(
        person=PersonFactory(first_name="Old", last_name="Timer"),
        partnership=None, sending_organisation=None, host_organisation=None,
        exchange_start=None, exchange_end=None, status=Participant.Status.COMPLETED,
        legacy_programme="Fredskorpset", exchange_year=1999,
    )  # fmt: skip
    url = reverse("partnerships:staff_participants")
    page = staff_client.get(url, {"status": "all"}).content.decode()
    partnership_url = reverse("partnerships:staff_partnership", args=[current.partnership_id])
    sending, host = current.sending_organisation.name, current.host_organisation.name
    assert (
        f'<td>Wanjiru Kamau<br><span class="muted">w@example.org</span></td>\n'
        f'        <td><a href="{partnership_url}">{current.partnership.name}</a></td>\n'
        f"        <td>{sending} → {host}</td>\n"
        f"        <td>1 Feb 2027 – 15 Dec 2027</td>\n"
        f"        <td>On exchange</td>\n"
        f'        <td><span class="badge badge--warn">Not done</span></td>'
    ) in page
    assert (
        "<td>Fredskorpset (1999)</td>\n        <td>— → —</td>\n        <td>—</td>\n"
        "        <td>Completed</td>"
    ) in page
    assert "Old Timer" not in staff_client.get(url).content.decode()  # current ones only


def test_staff_list_rows_follow_the_language(staff_client, staff):
    staff.language = "fr"
    staff.save()
    participant = ParticipantFactory(elearning_completed_on=dt.date(2026, 12, 1))
    page = staff_client.get(reverse("partnerships:staff_participants")).content.decode()
    with translation.override("fr"):
        starts = date_format(participant.exchange_start, "j M Y")
        ends = date_format(participant.exchange_end, "j M Y")
        expected = [f"{starts} – {ends}", str(Participant.Status.PLANNED.label)]
        expected.append(translation.gettext("Done"))
    for text in expected:
        assert f"<td>{text}</td>" in page or f">{text}</span>" in page


def test_staff_list_shows_one_page_of_participants(staff_client):
    ParticipantFactory.create_batch(27)
    response = staff_client.get(reverse("partnerships:staff_participants"))
    assert response.content.decode().count("<tr>") == 1 + 25  # the header and one page
    assert "27 participants" in response.content.decode()


def test_dashboard_rows(coordinator_client, partnership, org_a, org_b):
    participant = ParticipantFactory(
        partnership=partnership, person=PersonFactory(first_name="Grace", last_name="Nakato")
    )
    page = coordinator_client.get(reverse("partnerships:coordinator_dashboard")).content
    url = reverse("partnerships:coordinator_participant", args=[participant.pk])
    assert (
        f'<td data-label="Participant"><a href="{url}">Grace Nakato</a><br>'
        f'<span class="muted">{org_a.name} → {org_b.name}</span></td>\n'
        f'        <td data-label="Exchange">1 Feb 2027 – 15 Dec 2027<br>'
        f'<span class="muted">Planned</span></td>'
    ) in page.decode()
    other = reverse("partnerships:coordinator_participant", args=[participant.pk + 1])
    assert f'href="{other}"' not in page.decode()


def test_current_participants_can_be_read_through_the_partial_index():
    """The list's query and the index's condition must keep matching (same statuses):
    otherwise the planner has to sort every current participant again."""
    if connection.vendor != "postgresql":
        need_stack("the plan checked is PostgreSQL's (set DATABASE_URL)")
    ParticipantFactory.create_batch(3)
    query = (
        Participant.objects.for_rows()
        .current()
        .order_by("-exchange_start", "person__last_name", "pk")[:25]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows is read faster without an index: ask whether it can be used.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "participant_current_start_idx" in plan
