"""Staff merge the high-confidence band of the duplicate queue in one go, after a look."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from norec_portal.access import staff_required
from norec_portal.ids import parse_id

from ..services import duplicates, merges


@staff_required
@require_http_methods(["GET", "POST"])
def high_confidence(request: HttpRequest) -> HttpResponse:
    """GET: the pairs of the band (a page of them) with their evidence. POST: merge the
    pairs that were on the page, once staff tick that they have looked."""
    if request.method == "POST":
        if request.POST.get("confirm") != "on":
            messages.error(request, _("Tick the box to confirm that you have looked at them."))
            return redirect("network:staff_duplicates_high")
        ids = [i for i in map(parse_id, request.POST.getlist("pair")) if i is not None]
        result = merges.merge_high_confidence(candidate_ids=ids, by=request.user)
        messages.success(
            request,
            ngettext("%(n)s pair merged.", "%(n)s pairs merged.", result.merged)
            % {"n": result.merged},
        )
        for pk, reason in result.skipped:
            messages.warning(request, _("Pair #%(pk)s left in the queue: %(reason)s")
                             % {"pk": pk, "reason": reason})  # fmt: skip
        return redirect("network:staff_duplicates_high")
    band = merges.high_confidence_queue()
    pairs = list(band[: merges.BULK_MERGE_LIMIT])
    return render(request, "network/staff/duplicates_high.html", {
        "pairs": [(pair, duplicates.evidence_of(pair)) for pair in pairs],
        "total": band.count(), "high_confidence": duplicates.HIGH_CONFIDENCE,
    })  # fmt: skip
