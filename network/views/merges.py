"""Staff page of the merges made in the duplicate queue, each with a way back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from norec_portal.access import staff_required
from norec_portal.ids import parse_id
from norec_portal.pagination import paginate

from ..models import MergeRecord
from ..services import merges


@staff_required
@require_GET
def merge_list(request: HttpRequest) -> HttpResponse:
    records = MergeRecord.objects.select_related("kept", "merged_by", "undone_by", "candidate")
    kept = parse_id(request.GET.get("person"))
    person = str(kept) if kept is not None else ""
    if kept is not None:
        records = records.filter(kept_id=kept)
    listing = paginate(request, records.order_by("-merged_at", "-pk"))
    return render(request, "network/staff/merge_list.html",
                  {**listing, "person": person})  # fmt: skip


@staff_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(MergeRecord, pk=pk)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm that both records should come back."))
        return redirect("network:staff_merges")
    try:
        restored = merges.undo_merge(record=record, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("network:staff_merges")
    messages.success(
        request,
        _("The merge is undone: %(name)s (#%(pk)s) is a record of its own again, and the pair "
          "is back in the queue.") % {"name": restored.full_name, "pk": restored.pk},
    )  # fmt: skip
    return redirect("network:staff_duplicate", pk=record.candidate_id)
