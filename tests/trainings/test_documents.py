"""PDF documents: their text (read back with pypdf), their rules, and the batch task."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from tests.trainings import factories as f
from trainings import documents, services
from trainings.models import DocumentBatch, Enrolment, EnrolmentState, SessionKind

pytestmark = pytest.mark.django_db

DURING = dt.date(2026, 5, 4)


def text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def flat(value: str) -> str:
    return " ".join(value.split())


@pytest.fixture
def confirmed(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff, confirm=True)
    f.visa_travel(enrolment, passport_name="NAKATO GRACE")
    return enrolment


def attend(enrolment, staff):
    return services.mark_attendance(enrolment=enrolment, attended=True, by=staff, today=DURING)


def test_invitation_letter_names_the_person_venue_and_travel_dates(confirmed):
    body = flat(text(documents.invitation_letter(confirmed)))
    assert "Letter of invitation" in body
    assert "Grace Nakato" in body
    assert "Kololo Kampala Uganda" in body
    assert "Arrival Sunday 3 May 2026" in body
    assert "Departure Saturday 9 May 2026" in body
    assert "Training 1" in body


def test_no_invitation_letter_before_confirmation(t1, participant, staff):
    nominated = services.enrol(session=t1, person=participant.person, by=staff)
    with pytest.raises(ValidationError) as exc:
        documents.invitation_letter(nominated)
    assert exc.value.messages == ["Available once the enrolment is confirmed."]


def test_no_invitation_letter_for_an_online_week(confirmed, staff):
    services.switch_week_online(week=confirmed.session.week, by=staff)
    confirmed.refresh_from_db()
    with pytest.raises(ValidationError, match="runs online: there is no travel"):
        documents.invitation_letter(Enrolment.objects.with_related().get(pk=confirmed.pk))


def test_certificate_only_for_people_who_attended(confirmed, staff):
    with pytest.raises(ValidationError) as exc:
        documents.certificates([confirmed])
    assert exc.value.messages == [
        "A certificate is issued only to people who attended: Grace Nakato did not."
    ]
    attended = attend(confirmed, staff)
    body = flat(text(documents.certificates([attended])))
    assert "Certificate of participation" in body
    assert "Grace Nakato" in body
    assert "took part in Training 1, Kampala, from 3 May 2026 to 9 May 2026." in body


def test_week_programme_lists_sessions_in_the_venue_time(week):
    sessions = list(week.sessions.prefetch_related("days"))
    body = flat(text(documents.week_programme(week, sessions)))
    assert "All times are in the venue's time (Africa/Kampala)." in body
    assert "Programme starts Sunday 3 May 2026, 14:00" in body
    assert "Farewell party Friday 8 May 2026, 19:00" in body
    assert "Departure Saturday 9 May 2026" in body
    for name in ("Training 1", "Training 2", "Partner training"):
        assert name in body
    assert "Friday 8 May 09:00–22:00" in body


def many(session, partnership, staff, count):
    people = [
        f.participant_for(partnership=partnership, first_name=f"Person{i:02d}", last_name="Sixty")
        for i in range(count)
    ]
    return [
        services.enrol(session=session, person=p.person, by=staff, confirm=True) for p in people
    ]


def test_sixty_person_attendance_list_and_sixty_certificates(partnership, staff):
    week = f.make_week(t1=60)
    session = f.session_of(week, SessionKind.TRAINING_1)
    enrolments = many(session, partnership, staff, 60)
    listing = documents.attendance_list(session, documents.attendance_enrolments(session))
    body = text(listing)
    assert all(f"Person{i:02d} Sixty" in body for i in range(60))
    assert pages(listing) >= 2
    assert "Attendance list" in body and "Sun 3/5" in body
    attended = [attend(e, staff) for e in enrolments]
    batch = documents.certificates(
        Enrolment.objects.filter(pk__in=[e.pk for e in attended]).with_related()
    )
    assert pages(batch) == 60
    reader = PdfReader(io.BytesIO(batch))
    assert "Person00 Sixty" in reader.pages[0].extract_text()
    assert "Person59 Sixty" in reader.pages[59].extract_text()


def test_certificate_batch_runs_as_a_task_and_is_downloadable(
    partnership, staff, staff_client, django_capture_on_commit_callbacks
):
    week = f.make_week(t1=5)
    session = f.session_of(week, SessionKind.TRAINING_1)
    for enrolment in many(session, partnership, staff, 3):
        attend(enrolment, staff)
    url = reverse("trainings:staff_session_certificates", args=[session.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)
    batch = DocumentBatch.objects.get()
    assert response["Location"] == reverse("trainings:staff_batch", args=[batch.pk])
    assert batch.status == DocumentBatch.Status.DONE  # eager: done at once
    page = staff_client.get(response["Location"]).content.decode()
    assert "Download the PDF" in page and "hx-trigger" not in page
    download = staff_client.get(reverse("trainings:staff_batch_download", args=[batch.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert pages(download.content) == 3


def test_batch_page_polls_while_the_worker_is_busy(session_batch, staff_client):
    page = staff_client.get(reverse("trainings:staff_batch", args=[session_batch.pk]))
    html = page.content.decode()
    status_url = reverse("trainings:staff_batch_status", args=[session_batch.pk])
    assert f'hx-get="{status_url}"' in html and 'hx-trigger="every 2s"' in html
    fragment = staff_client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "being prepared" in fragment
    assert (
        staff_client.get(
            reverse("trainings:staff_batch_download", args=[session_batch.pk])
        ).status_code
        == 404
    )
    documents.build_document_batch(batch_id=session_batch.pk)
    fragment = staff_client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "Download the PDF" in fragment and "hx-trigger" not in fragment


@pytest.fixture
def session_batch(partnership, staff):
    week = f.make_week(t1=5)
    session = f.session_of(week, SessionKind.TRAINING_1)
    enrolment = many(session, partnership, staff, 1)[0]
    attend(enrolment, staff)
    # Requested but not yet run (as when a real worker has not picked it up).
    return DocumentBatch.objects.create(
        session=session, kind="certificates", enrolment_ids=[enrolment.pk], filename="c.pdf"
    )


def test_a_batch_is_built_once(session_batch):
    first = documents.build_document_batch(batch_id=session_batch.pk)
    assert first.status == DocumentBatch.Status.DONE
    finished = first.finished_at
    again = documents.build_document_batch(batch_id=session_batch.pk)
    assert again.finished_at == finished


def test_batch_without_attendance_is_refused(t1, staff_client):
    response = staff_client.post(
        reverse("trainings:staff_session_certificates", args=[t1.pk]), follow=True
    )
    assert "No one has been marked as attended in this session yet." in response.content.decode()
    assert not DocumentBatch.objects.exists()


def test_single_documents_download_for_staff(confirmed, staff, staff_client):
    letter = staff_client.get(reverse("trainings:staff_enrolment_letter", args=[confirmed.pk]))
    assert letter["Content-Type"] == "application/pdf"
    assert "Grace Nakato" in text(letter.content)
    attendance = staff_client.get(
        reverse("trainings:staff_session_attendance", args=[confirmed.session_id])
    )
    assert "Grace Nakato" in text(attendance.content)
    programme = staff_client.get(
        reverse("trainings:staff_week_programme", args=[confirmed.session.week_id])
    )
    assert "Programme" in text(programme.content)
    refused = staff_client.get(
        reverse("trainings:staff_enrolment_certificate", args=[confirmed.pk]), follow=True
    )
    assert "A certificate is issued only to people who attended" in refused.content.decode()
    attend(confirmed, staff)
    certificate = staff_client.get(
        reverse("trainings:staff_enrolment_certificate", args=[confirmed.pk])
    )
    assert "Certificate of participation" in text(certificate.content)
    assert Enrolment.objects.get(pk=confirmed.pk).state == EnrolmentState.ATTENDED


def test_certificate_is_signed_by_the_configured_signatory(confirmed, staff, settings):
    attended = attend(confirmed, staff)
    unsigned = flat(text(documents.certificates([attended])))
    assert "Norec training team" in unsigned
    settings.TRAINING_CERTIFICATE_SIGNATORY = "Ingrid Haugen"
    settings.TRAINING_CERTIFICATE_SIGNATORY_TITLE = "Head of Training, Norec"
    body = flat(text(documents.certificates([attended])))
    assert "Ingrid Haugen Head of Training, Norec" in body
    assert "Norec training team" not in body
