"""Staff queues: invitation requests, historical imports, possible duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import spreadsheet_upload_allowed, staff_required, too_many_requests
from norec_portal.pagination import paginate
from partnerships.models import Participant, Person

from .. import imports
from ..models import DuplicateCandidate, HistoricalImport, InvitationRequest, Member
from ..queue_forms import ApproveRequestForm, ImportUploadForm, MergeForm, RejectRequestForm
from ..services import duplicates, merges
from ..services import requests as invitation_requests

# --- Invitation requests ---------------------------------------------------------------


@staff_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", InvitationRequest.Status.PENDING)
    items = InvitationRequest.objects.select_related("person", "decided_by")
    if status in InvitationRequest.Status.values:
        items = items.filter(status=status)
    listing = paginate(request, items.order_by("created_at", "pk"))
    return render(request, "network/staff/request_list.html", {
        **listing, "status": status,
        "statuses": InvitationRequest.Status.choices,
    })  # fmt: skip


@staff_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        InvitationRequest.objects.select_related("person", "decided_by", "tipped_by__person"),
        pk=pk,
    )
    pending = item.status == InvitationRequest.Status.PENDING
    matches = invitation_requests.suggest_matches(request=item) if pending else []
    choices = [
        (m.person.pk, f"{m.person.full_name} #{m.person.pk} — {m.exchange_year or '?'}, "
                      f"{m.person.email or _('no email')}")
        for m in matches
    ]  # fmt: skip
    approve = ApproveRequestForm(
        request.POST if request.POST.get("decision") == "approve" else None, choices=choices,
        initial={"person": item.person_id} if item.person_id else None,
    )  # fmt: skip
    reject = RejectRequestForm(request.POST if request.POST.get("decision") == "reject" else None)
    if request.method == "POST" and pending:
        try:
            if approve.is_bound and approve.is_valid():
                person = approve.cleaned_data["chosen"]
                invitation_requests.approve_request(request=item, person=person, by=request.user)
                messages.success(request, _("Approved: the invitation is on its way to %(email)s.")
                                 % {"email": item.email or person.email})  # fmt: skip
                return redirect("network:staff_requests")
            if reject.is_bound and reject.is_valid():
                invitation_requests.reject_request(
                    request=item, reason=reject.cleaned_data["reason"], by=request.user
                )
                messages.success(request, _("Rejected; the person is told why."))
                return redirect("network:staff_requests")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "network/staff/request_detail.html", {
        "item": item, "pending": pending, "matches": matches, "approve": approve,
        "reject": reject,
    })  # fmt: skip


# --- Historical imports ----------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not spreadsheet_upload_allowed(request):
        return too_many_requests(request)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.create_preview(file=upload, filename=upload.name, by=request.user)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("network:staff_import", pk=batch.pk)
    batches = HistoricalImport.objects.select_related("uploaded_by").defer("rows")
    listing = paginate(request, batches)
    return render(request, "network/staff/import_list.html",
                  {"form": form, **listing})  # fmt: skip


ROW_FILTERS = {
    "problems": lambda r: r["status"] == "error" or r["warnings"] or r["notes"],
    "error": lambda r: r["status"] == "error",
    "duplicates": lambda r: bool(r["duplicates"]),
    "skip": lambda r: r["status"] == "skip",
}


@staff_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(HistoricalImport.objects.select_related("uploaded_by"), pk=pk)
    show = request.GET.get("show", "")
    rows = batch.rows
    if show in ROW_FILTERS:
        rows = [r for r in rows if ROW_FILTERS[show](r)]
    listing = paginate(request, rows)
    return render(request, "network/staff/import_detail.html", {
        "batch": batch, **listing, "show": show,
        "summary": batch.summary, "remark_lines": imports.remark_lines(batch.summary),
    })  # fmt: skip


@staff_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(HistoricalImport.objects.defer("rows"), pk=pk)
    try:
        if request.POST.get("decision") == "discard":
            imports.discard_batch(batch=batch)
            messages.success(request, _("The file was discarded; nothing was imported."))
        else:
            batch = imports.import_batch(batch=batch, by=request.user)
            messages.success(
                request,
                _("%(n)d former participants imported; %(d)d possible duplicates wait in the "
                  "merge queue.") % {"n": batch.summary["imported"],
                                     "d": batch.summary["proposed"]},
            )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("network:staff_import", pk=batch.pk)


# --- Duplicates ------------------------------------------------------------------------


@staff_required
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DuplicateCandidate.Status.OPEN)
    listing = paginate(request, duplicates.queue(status))
    return render(request, "network/staff/duplicate_list.html", {
        **listing, "status": status,
        "statuses": DuplicateCandidate.Status.choices,
        "high_confidence": duplicates.HIGH_CONFIDENCE,
    })  # fmt: skip


def _side(person: Person | None) -> dict[str, object] | None:
    if person is None:
        return None
    return {
        "person": person,
        "member": Member.objects.filter(person=person).first(),
        "participations": list(
            Participant.objects.filter(person=person).select_related("historical_record")
            .annotate(o=Case(When(exchange_year__isnull=True, then=Value(1)), default=Value(0),
                             output_field=IntegerField()))
            .order_by("o", "exchange_year", "pk")
        ),
    }  # fmt: skip


@staff_required
@require_http_methods(["GET", "POST"])
def duplicate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(
        DuplicateCandidate.objects.select_related("person_a__user", "person_b__user",
                                                  "decided_by"), pk=pk,
    )  # fmt: skip
    choices = [(p.pk, f"{p.full_name} #{p.pk}") for p in (pair.person_a, pair.person_b) if p]
    both = (pair.person_a, pair.person_b) if pair.person_a and pair.person_b else None
    form = MergeForm(request.POST if request.POST.get("decision") == "merge" else None,
                     choices=choices, people=both, fields=merges.MERGE_FIELDS)  # fmt: skip
    if request.method == "POST" and pair.status == DuplicateCandidate.Status.OPEN:
        try:
            if request.POST.get("decision") == "dismiss":
                duplicates.dismiss_duplicate(candidate=pair, by=request.user)
                messages.success(request, _("Marked as two different people."))
                return redirect("network:staff_duplicates")
            if form.is_valid():
                keep = Person.objects.get(pk=form.cleaned_data["keep"])
                merges.merge_duplicate(candidate=pair, keep=keep, by=request.user,
                                           take_from_other=form.take_from_other(keep))  # fmt: skip
                messages.success(request, _("Merged into %(name)s.") % {"name": keep.full_name})
                return redirect("network:staff_duplicates")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "network/staff/duplicate_detail.html", {
        "pair": pair, "form": form, "a": _side(pair.person_a), "b": _side(pair.person_b),
        "evidence": duplicates.evidence_of(pair),
        "high_confidence": duplicates.HIGH_CONFIDENCE,
    })  # fmt: skip
