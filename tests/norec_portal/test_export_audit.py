"""Finding 3 of the security review: bulk exports of personal data wrote no audit entry.
Every export, single or bulk, writes one: who, what, how many rows, the filter."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from network.models import Member
from norec_portal.models import AuditEntry
from partnerships.models import Participant
from tests.factories import ParticipantFactory
from tests.network.factories import make_member

pytestmark = pytest.mark.django_db


def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT))


def test_the_directory_export_is_audited_with_count_and_filter(staff_client, staff):
    make_member(email="k1@example.org", first_name="Kibet", last_name="One", country="KE")
    make_member(email="k2@example.org", first_name="Kamau", last_name="Two", country="KE")
    make_member(email="u1@example.org", first_name="Ugo", last_name="Three", country="UG")
    response = staff_client.get(reverse("network:staff_directory_export"), {"country": "KE"})
    assert b"".join(response.streaming_content).count(b"\n") == 3  # header + 2
    (entry,) = exports()
    assert entry.actor == staff
    assert entry.object_type == ContentType.objects.get_for_model(Member)
    assert entry.object_id is None
    assert entry.summary.startswith("directory csv: 2 rows;")
    assert "country=KE" in entry.summary


def test_a_name_searched_in_the_directory_export_is_not_kept_in_the_log(staff_client):
    make_member(email="h@example.org", first_name="Hana", last_name="Health")
    staff_client.get(reverse("network:staff_directory_export"), {"q": "Hana"})
    (entry,) = exports()
    assert "Hana" not in entry.summary
    assert "q=…" in entry.summary and "1 rows" in entry.summary


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_coordinators_participant_export_is_audited(
    coordinator_client, coordinator, partnership, org_a, file_format
):
    ParticipantFactory.create_batch(3, partnership=partnership)
    response = coordinator_client.get(
        reverse("partnerships:coordinator_export"), {"format": file_format}
    )
    assert response.status_code == 200
    (entry,) = exports()
    assert entry.actor == coordinator
    assert entry.object_type == ContentType.objects.get_for_model(Participant)
    assert entry.summary == f"participants {file_format}: 3 rows; filter: organisation={org_a.pk}"


def test_the_audit_log_page_shows_a_bulk_export(staff_client):
    staff_client.get(reverse("network:staff_directory_export"))
    response = staff_client.get(reverse("audit_log"), {"action": "export"})
    assert response.status_code == 200
    assert "directory csv: 0 rows; filter: none" in response.content.decode()
