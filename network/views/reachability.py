"""Staff pages of reachability: which former participants Norec can email, by country,
and the worklist of the people to fix before a wave reaches them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_countries import countries

from norec_portal.access import staff_required
from norec_portal.pagination import paginate
from norec_portal.redirects import safe_next

from ..models import RawAddress
from ..services import reachability


@staff_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    rows = reachability.reachability()
    return render(
        request,
        "network/staff/reachability.html",
        {"rows": rows, "totals": reachability.totals(rows), "groups": reachability.GROUPS},
    )


@staff_required
@require_GET
def worklist(request: HttpRequest, country: str) -> HttpResponse:
    country = country.upper()
    if country not in dict(countries):
        raise Http404
    group = request.GET.get("group", "")
    if group not in reachability.TO_FIX:
        group = ""
    rows = reachability.reachability([country])
    reach = rows[0] if rows else reachability.CountryReach(country=country)
    listing = paginate(request, reachability.worklist(country=country, group=group))
    return render(
        request,
        "network/staff/reachability_worklist.html",
        {
            "country": country,
            "country_name": countries.name(country),
            "reach": reach,
            "group": group,
            "groups": [(key, reachability.GROUPS[key]) for key in reachability.TO_FIX],
            **listing,
        },
    )


def _back(request: HttpRequest, raw_address: RawAddress) -> HttpResponse:
    return redirect(
        safe_next(request, reverse("network:staff_person", args=[raw_address.person_id]))
    )


@staff_required
@require_POST
def accept_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    raw_address = get_object_or_404(RawAddress, pk=pk)
    try:
        person = reachability.accept_suggestion(raw_address=raw_address, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s's address is now %(email)s.")
            % {"name": person.full_name, "email": person.email},
        )
    return _back(request, raw_address)


@staff_required
@require_POST
def dismiss_raw_address(request: HttpRequest, pk: int) -> HttpResponse:
    raw_address = get_object_or_404(RawAddress, pk=pk)
    try:
        reachability.dismiss_raw_address(raw_address=raw_address, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("“%(raw)s” has been set aside.") % {"raw": raw_address.raw})
    return _back(request, raw_address)
