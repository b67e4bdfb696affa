"""Coordinator pages to import participants from a spreadsheet and to export them.

Upload → preview (every row with its messages) → confirm (all rows or none). Uploaded
files stay in memory and are never written to disk; only the rows as read are kept.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import (
    coordinator_required,
    spreadsheet_upload_allowed,
    too_many_requests,
)
from norec_portal.audit import record_export

from .. import exports, imports
from ..access import (
    coordinator_organisation,
    get_import_for_coordinator,
    participants_for_coordinator,
)
from ..models import Participant, ParticipantImport

PAGE_SIZE = 25
UPLOAD_FIELD = "file"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or Excel .xlsx)"),
        help_text=gettext_lazy(
            "A row of column headings, then a row per participant. Nothing is saved before "
            "you have seen every row and confirmed."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,.txt,text/csv,application/vnd.openxmlformats-"
                   "officedocument.spreadsheetml.sheet"}
        ),
    )  # fmt: skip

    def __init__(self, *args: Any, too_large: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # the size of a file dropped while it arrived

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.max_bytes():
            raise ValidationError(_too_large_message(upload.size))
        return upload

    def clean(self):
        cleaned_data = super().clean()
        if self.too_large:
            # The file was dropped while it arrived: say why, rather than "required".
            self.errors.pop("file", None)
            self.add_error("file", _too_large_message(self.too_large))
        return cleaned_data


def _too_large_message(size: int) -> str:
    return _(
        "The file is too large (%(size)s). The limit is %(limit)s: split it into smaller "
        "files and upload them one by one."
    ) % {"size": filesizeformat(size), "limit": filesizeformat(imports.max_bytes())}


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keep the one uploaded spreadsheet in memory, never on disk, up to the size limit.

    A larger file (or any other file in the request) is skipped while it arrives, so
    neither memory nor disk fills up with it.
    """

    def __init__(self, request: HttpRequest | None = None, max_bytes: int = 0) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.too_large = False
        self.received = False
        self.buffer: io.BytesIO | None = None
        self.size = 0

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        if field_name != UPLOAD_FIELD or self.received:
            raise SkipFile
        self.received = True
        self.buffer = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > self.max_bytes:
            # Counted to its end, to tell its real size, but never kept.
            self.too_large = True
            self.buffer = None
            return None
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self.buffer is None:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


# The upload handlers must be swapped before anything reads the request body, and the CSRF
# middleware reads it for every view it protects. So this view is exempt from the
# middleware and the same CSRF check runs inside it, after the swap (as Django's
# documentation on upload handlers describes).
@csrf_exempt
@coordinator_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    handler = None
    if request.method == "POST":
        handler = MemoryOnlyUploadHandler(request, max_bytes=imports.max_bytes())
        request.upload_handlers = [handler]
    return _import_upload(request, handler)


@csrf_protect
def _import_upload(request: HttpRequest, handler: MemoryOnlyUploadHandler | None) -> HttpResponse:
    organisation = coordinator_organisation(request.user)
    if request.method == "POST":
        form = ImportUploadForm(
            request.POST, request.FILES,
            too_large=handler.size if handler is not None and handler.too_large else 0,
        )  # fmt: skip
        if not spreadsheet_upload_allowed(request):
            return too_many_requests(request)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                participant_import = imports.create_import(
                    organisation=organisation,
                    by=request.user,
                    filename=upload.name or "",
                    data=upload.read(),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return redirect("partnerships:coordinator_import_preview", pk=participant_import.pk)
    else:
        form = ImportUploadForm()
    recent = (
        ParticipantImport.objects.filter(organisation=organisation)
        .select_related("uploaded_by")
        .defer("rows", "warnings")
    )
    page = Paginator(recent, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/import_upload.html",
        {
            "form": form,
            "organisation": organisation,
            "columns": imports.COLUMNS,
            "page_obj": page,
            "max_rows": imports.max_rows(),
            "max_size": filesizeformat(imports.max_bytes()),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@coordinator_required
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    participant_import = get_import_for_coordinator(request.user, pk)
    context = _preview_context(request, participant_import)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "partnerships/_import_rows.html", context)
    return render(request, "partnerships/import_preview.html", context)


def _preview_context(request: HttpRequest, participant_import: ParticipantImport) -> dict:
    only_problems = request.GET.get("show") == "problems"
    rows = participant_import.rows
    if only_problems:
        rows = [row for row in rows if row["errors"]]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {column.key: str(column.label) for column in imports.COLUMNS}
    page.object_list = [_display_row(row, labels) for row in page.object_list]
    problem_rows = [row["row"] for row in participant_import.rows if row["errors"]]
    return {
        "participant_import": participant_import,
        "page_obj": page,
        "columns": imports.COLUMNS,
        "only_problems": only_problems,
        "query_string": "show=problems" if only_problems else "",
        "problem_rows": problem_rows[:50],
        "more_problem_rows": max(len(problem_rows) - 50, 0),
    }


def _display_row(row: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """A stored row with its cells in column order and its messages with column names."""
    return {
        "row": row["row"],
        "errors": row["errors"],
        "warnings": row["warnings"],
        "error_fields": {error["field"] for error in row["errors"]},
        "cells": [
            {"key": key, "label": labels.get(key, key), "value": row["values"].get(key, "")}
            for key in imports.COLUMN_KEYS
        ],
        "messages": [
            {
                "tone": tone,
                "column": labels.get(message["field"], ""),
                "text": imports.message_text(message),
            }
            for tone, key in (("bad", "errors"), ("warn", "warnings"))
            for message in row[key]
        ],
    }


@coordinator_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    participant_import = get_import_for_coordinator(request.user, pk)
    try:
        created = imports.commit_import(participant_import=participant_import, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("partnerships:coordinator_import_preview", pk=participant_import.pk)
    messages.success(
        request,
        _("%(count)s participants were registered from %(file)s.")
        % {"count": len(created), "file": participant_import.original_filename},
    )
    return redirect("partnerships:coordinator_import_preview", pk=participant_import.pk)


@coordinator_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    participant_import = get_import_for_coordinator(request.user, pk)
    try:
        imports.discard_import(participant_import=participant_import)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("partnerships:coordinator_import_preview", pk=participant_import.pk)
    messages.success(request, _("The file was discarded; nothing was imported."))
    return redirect("partnerships:coordinator_import")


@coordinator_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """A CSV file with the header row, each column marked * when required, with a hint."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow(imports.template_header())
    return HttpResponse(
        buffer.getvalue().encode("utf-8-sig"),
        content_type=exports.CSV_CONTENT_TYPE,
        headers={
            "Content-Disposition": content_disposition_header(
                True, "participants-import-template.csv"
            )
        },
    )


@coordinator_required
@require_GET
def participant_export(request: HttpRequest) -> HttpResponse:
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        return HttpResponseBadRequest(
            _("Choose the format csv or xlsx."), content_type="text/plain; charset=utf-8"
        )
    organisation = coordinator_organisation(request.user)
    participants = (
        participants_for_coordinator(request.user)
        .with_related()
        .order_by("person__last_name", "person__first_name", "pk")
    )
    record_export(by=request.user, model=Participant, rows=participants.count(),
                  what=f"participants {file_format}",
                  filters={"organisation": organisation.pk})  # fmt: skip
    if file_format == "xlsx":
        content, content_type = exports.export_xlsx(participants), exports.XLSX_CONTENT_TYPE
    else:
        content, content_type = exports.export_csv(participants), exports.CSV_CONTENT_TYPE
    filename = exports.export_filename(organisation, file_format, timezone.localdate())
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response
