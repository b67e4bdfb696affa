"""Staff downloads of the documents for the venue: the pick-up, rooming and dietary lists
(PDF or XLSX) and the name badges of a week, or of an introductory seminar."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from norec_portal.access import staff_required
from norec_portal.audit import record_export

from .. import documents
from ..models import Enrolment, TrainingSession, TrainingWeek
from .common import pdf_response

FORMATS = ("pdf", "xlsx")


def _refusal(is_online: bool, is_cancelled: bool) -> str | None:
    if is_cancelled:
        return _("This training is cancelled: there is nothing to send to the venue.")
    if is_online:
        return _("This training runs online: there is no pick-up, hotel or badge to arrange.")
    return None


def _download(
    request: HttpRequest, scope: documents.WeekScope, which: str, fmt: str
) -> HttpResponse:
    if which not in documents.week_lists.BUILDERS or fmt not in FORMATS:
        raise Http404
    name = documents.filename(which, scope.title, extension=fmt)
    if fmt == "pdf":
        data, rows = documents.week_list_pdf(which, scope), len(scope.enrolments)
        response = pdf_response(data, name)
    else:
        data, rows = documents.week_list_xlsx(which, scope)
        response = HttpResponse(data, content_type=documents.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
    record_export(by=request.user, model=Enrolment, rows=rows, what=f"{which} list {fmt}",
                  filters=scope.key)  # fmt: skip
    return response


def _badges(request: HttpRequest, scope: documents.WeekScope) -> HttpResponse:
    data = documents.name_badges(scope)
    record_export(by=request.user, model=Enrolment, rows=len(scope.enrolments),
                  what="name badges pdf", filters=scope.key)  # fmt: skip
    return pdf_response(data, documents.filename("badges", scope.title))


def _week(pk: int) -> TrainingWeek:
    return get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)


def _seminar(pk: int) -> TrainingSession:
    return get_object_or_404(TrainingSession.objects.with_place(), pk=pk)


@staff_required
@require_GET
def week_list(request: HttpRequest, pk: int, which: str, fmt: str) -> HttpResponse:
    week = _week(pk)
    refusal = _refusal(week.is_online, week.is_cancelled)
    if refusal:
        messages.error(request, refusal)
        return redirect("trainings:staff_week", pk=week.pk)
    return _download(request, documents.scope_for_week(week), which, fmt)


@staff_required
@require_GET
def week_badges(request: HttpRequest, pk: int) -> HttpResponse:
    week = _week(pk)
    refusal = _refusal(week.is_online, week.is_cancelled)
    if refusal:
        messages.error(request, refusal)
        return redirect("trainings:staff_week", pk=week.pk)
    return _badges(request, documents.scope_for_week(week))


@staff_required
@require_GET
def session_list(request: HttpRequest, pk: int, which: str, fmt: str) -> HttpResponse:
    session = _seminar(pk)
    if session.week_id is not None:  # a week's session is listed with its week
        return redirect("trainings:staff_week_list", pk=session.week_id, which=which, fmt=fmt)
    refusal = _refusal(session.is_online, session.is_cancelled)
    if refusal:
        messages.error(request, refusal)
        return redirect("trainings:staff_session", pk=session.pk)
    return _download(request, documents.scope_for_session(session), which, fmt)


@staff_required
@require_GET
def session_badges(request: HttpRequest, pk: int) -> HttpResponse:
    session = _seminar(pk)
    if session.week_id is not None:
        return redirect("trainings:staff_week_badges", pk=session.week_id)
    refusal = _refusal(session.is_online, session.is_cancelled)
    if refusal:
        messages.error(request, refusal)
        return redirect("trainings:staff_session", pk=session.pk)
    return _badges(request, documents.scope_for_session(session))
