"""Helpers shared by the staff and coordinator views."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse

from ..models import Enrolment, EnrolmentState


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def ics_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def waitlist_positions(enrolments: Sequence[Enrolment]) -> dict[int, int]:
    """Position (1-based) on its session's waitlist of each waitlisted enrolment given,
    in one query for any number of sessions."""
    sessions = {e.session_id for e in enrolments if e.state == EnrolmentState.WAITLISTED}
    if not sessions:
        return {}
    positions: dict[int, int] = {}
    counters: dict[int, int] = {}
    queue = (
        Enrolment.objects.filter(session_id__in=sessions, state=EnrolmentState.WAITLISTED)
        .order_by("session_id", "waitlisted_at", "pk")
        .values_list("pk", "session_id")
    )
    for pk, session_id in queue:
        counters[session_id] = counters.get(session_id, 0) + 1
        positions[pk] = counters[session_id]
    return positions
