"""Security review, finding 3 ("every export of personal data, single or bulk, writes one
audit entry"): the training documents about people — invitation letters (passport data),
certificates, attendance lists, certificate batches — are exports too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from norec_portal.models import AuditEntry
from tests.trainings.test_documents import confirmed, session_batch  # noqa: F401
from trainings import documents

pytestmark = pytest.mark.django_db


def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("pk"))


def test_a_staff_invitation_letter_is_audited(confirmed, staff, staff_client):  # noqa: F811
    response = staff_client.get(reverse("trainings:staff_enrolment_letter", args=[confirmed.pk]))
    assert response.status_code == 200
    (entry,) = exports()
    assert (entry.actor, entry.object_id, entry.summary) == (
        staff,
        confirmed.pk,
        "invitation letter pdf",
    )


def test_a_coordinators_invitation_letter_is_audited(confirmed, coordinator, coordinator_client):  # noqa: F811
    response = coordinator_client.get(reverse("trainings:coordinator_letter", args=[confirmed.pk]))
    assert response.status_code == 200
    (entry,) = exports()
    assert (entry.actor, entry.object_id) == (coordinator, confirmed.pk)


def test_an_attendance_list_is_audited_with_its_rows(confirmed, staff, staff_client):  # noqa: F811
    url = reverse("trainings:staff_session_attendance", args=[confirmed.session_id])
    assert staff_client.get(url).status_code == 200
    (entry,) = exports()
    assert entry.actor == staff and entry.object_id is None
    assert entry.summary == f"attendance list pdf: 1 rows; filter: session={confirmed.session_id}"


def test_a_certificate_batch_download_is_audited(session_batch, staff, staff_client):  # noqa: F811
    documents.build_document_batch(batch_id=session_batch.pk)
    url = reverse("trainings:staff_batch_download", args=[session_batch.pk])
    assert staff_client.get(url).status_code == 200
    (entry,) = exports()
    assert entry.summary.startswith("certificates pdf: 1 rows;")
