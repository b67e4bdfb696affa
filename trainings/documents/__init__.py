"""PDF documents of the trainings (WeasyPrint through ``norec_portal.pdf``).

Single documents render on request; "all certificates of a session" renders in a Celery
task into a :class:`DocumentBatch` that the staff page polls. The package's modules:
``letters`` (the visa invitation letter), ``week_lists`` (pick-up, rooming and dietary
lists for the venue), ``sheets`` (the same lists as XLSX), ``badges`` (name badges);
everything is reachable as ``trainings.documents.<name>``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.dispatch import send_task_on_commit
from norec_portal.models import User
from norec_portal.pdf import render_pdf

from .. import contributors
from ..models import (
    SEAT_STATES,
    DayAttendance,
    DocumentBatch,
    Enrolment,
    EnrolmentState,
    TrainingSession,
    TrainingWeek,
)
from ..schedule import local_days
from .badges import badge_context, name_badges
from .common import common_context, filename
from .letters import (
    check_letter_available,
    invitation_letter,
    letter_reference,
    letter_unavailable_reason,
    travel_of,
)
from .sheets import XLSX_CONTENT_TYPE, week_list_xlsx
from .week_lists import (
    WeekScope,
    dietary_list,
    pickup_list,
    rooming_list,
    scope_for_session,
    scope_for_week,
    week_list_pdf,
)

__all__ = [
    "XLSX_CONTENT_TYPE",
    "WeekScope",
    "attendance_enrolments",
    "attendance_list",
    "badge_context",
    "build_document_batch",
    "certificates",
    "check_letter_available",
    "dietary_list",
    "filename",
    "invitation_letter",
    "letter_reference",
    "letter_unavailable_reason",
    "name_badges",
    "pickup_list",
    "request_certificate_batch",
    "rooming_list",
    "scope_for_session",
    "scope_for_week",
    "travel_of",
    "week_list_pdf",
    "week_list_xlsx",
    "week_programme",
]

_common = common_context

logger = logging.getLogger(__name__)

# A batch left RUNNING this long is taken as abandoned by a dead worker.
STALE_BATCH = dt.timedelta(minutes=10)


def attendance_list(session: TrainingSession, enrolments: Sequence[Enrolment]) -> bytes:
    """The signing sheet of a session: everyone holding a seat, a column per day, ticked
    for the days they were checked in at the venue."""
    days = local_days(session)
    marked = set(
        DayAttendance.objects.filter(enrolment__in=[e.pk for e in enrolments]).values_list(
            "enrolment_id", "date"
        )
    )
    rows = [
        (enrolment, [(enrolment.pk, day.starts.date()) in marked for day in days])
        for enrolment in enrolments
    ]
    return render_pdf(
        "documents/trainings_attendance_list.html",
        {**_common(), "session": session, "days": days, "enrolments": enrolments, "rows": rows},
    )


def attendance_enrolments(session: TrainingSession) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(session=session, state__in=SEAT_STATES)
        .select_related("person", "organisation")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def certificates(enrolments: Sequence[Enrolment]) -> bytes:
    """Certificates of participation, one page each, for people marked as attended."""
    if not enrolments:
        raise ValidationError(_("No one has been marked as attended yet."))
    absent = [e.person.full_name for e in enrolments if not e.can_have_certificate]
    if absent:
        raise ValidationError(
            _("A certificate is issued only to people who attended: %(names)s did not.")
            % {"names": ", ".join(absent)}
        )
    return render_pdf("documents/trainings_certificates.html", {
        **_common(),
        "enrolments": enrolments,
        "signatory": settings.TRAINING_CERTIFICATE_SIGNATORY,
        "signatory_title": settings.TRAINING_CERTIFICATE_SIGNATORY_TITLE,
    })  # fmt: skip


def week_programme(week: TrainingWeek, sessions: Sequence[TrainingSession]) -> bytes:
    """The programme of a week: its shape in the venue's time, each session's days and
    the people contributing to it (``contributors``)."""
    people = contributors.for_sessions(list(sessions))
    return render_pdf(
        "documents/trainings_programme.html",
        {
            **_common(),
            "week": week,
            "venue": week.venue,
            "zone": week.venue.time_zone,
            "sessions": [(s, local_days(s, list(s.days.all())), people[s.pk]) for s in sessions],
        },
    )


# --- Background batches -----------------------------------------------------------------


@transaction.atomic
def request_certificate_batch(*, session: TrainingSession, by: User | None) -> DocumentBatch:
    """Queue "all certificates of this session" as one PDF, rendered by a worker."""
    ids = list(
        Enrolment.objects.filter(session=session, state=EnrolmentState.ATTENDED)
        .order_by("person__last_name", "person__first_name", "pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValidationError(_("No one has been marked as attended in this session yet."))
    batch = DocumentBatch.objects.create(
        session=session,
        kind=DocumentBatch.Kind.CERTIFICATES,
        enrolment_ids=ids,
        filename=filename("certificates", session.name, session.place, session.first_day),
        requested_by=by,
    )
    send_task_on_commit("trainings.tasks.render_document_batch", batch.pk)
    return batch


def build_document_batch(*, batch_id: int) -> DocumentBatch | None:
    """Render a batch once: the row is claimed by a conditional update, so a repeated
    task does nothing, and a batch whose worker died is taken over after a while."""
    now = timezone.now()
    claimed = (
        DocumentBatch.objects.filter(pk=batch_id)
        .filter(
            Q(status=DocumentBatch.Status.PENDING)
            | Q(status=DocumentBatch.Status.RUNNING, started_at__lt=now - STALE_BATCH)
        )
        .update(status=DocumentBatch.Status.RUNNING, started_at=now)
    )
    batch = DocumentBatch.objects.filter(pk=batch_id).first()
    if not claimed or batch is None:
        return batch
    try:
        by_pk = {
            e.pk: e for e in Enrolment.objects.filter(pk__in=batch.enrolment_ids).with_related()
        }
        enrolments = [by_pk[pk] for pk in batch.enrolment_ids if pk in by_pk]
        data = certificates(enrolments)
    except Exception as exc:
        logger.exception("document batch %s failed", batch_id)
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        DocumentBatch.objects.filter(pk=batch_id).update(
            status=DocumentBatch.Status.FAILED, error=message[:2000], finished_at=timezone.now()
        )
    else:
        DocumentBatch.objects.filter(pk=batch_id).update(
            status=DocumentBatch.Status.DONE, pdf=data, finished_at=timezone.now()
        )
    batch.refresh_from_db()
    return batch
