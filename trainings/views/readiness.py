"""Norec staff: who still needs Partner training, from the readiness rules
(``trainings.readiness``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from norec_portal.access import staff_required
from norec_portal.pagination import paginate

from ..forms import PartnerReadinessFilterForm
from ..readiness import PartnerTraining, partner_training_item, partner_training_roster


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    # The 31st of a shorter month is its last day.
    for last in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@staff_required
@require_GET
def partner_readiness(request: HttpRequest) -> HttpResponse:
    """Contact persons and their Partner training, filtered (e.g. coordinators without
    it whose agreement is older than three months). One query for the rows, one to count
    them."""
    form = PartnerReadinessFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    rows = partner_training_roster(today=today).select_related("person", "organisation")
    state = filters.get("state") or PartnerReadinessFilterForm.MISSING
    if state == PartnerReadinessFilterForm.MISSING:
        rows = rows.filter(readiness__in=PartnerTraining.MISSING)
    elif state != "all":
        rows = rows.filter(readiness=state)
    if filters.get("role"):
        rows = rows.filter(role=filters["role"])
    if filters.get("signed"):
        rows = rows.filter(agreement_on__lt=_months_before(today, int(filters["signed"])))
    if filters.get("q"):
        q = filters["q"]
        rows = rows.filter(
            Q(person__first_name__icontains=q)
            | Q(person__last_name__icontains=q)
            | Q(person__email__icontains=q)
            | Q(organisation__name__icontains=q)
        )
    rows = rows.order_by("agreement_on", "organisation__name", "person__last_name", "pk")
    context = {"form": form, **paginate(request, rows, filters)}
    context["rows"] = [(c, partner_training_item(c)) for c in context["page_obj"]]
    return render(request, "trainings/staff_partner_readiness.html", context)
