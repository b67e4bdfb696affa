"""A member tells Norec about a former participant who never got an invitation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal.access import alumnus_required

from .. import ratelimit
from ..access import member_for_user
from ..forms import MemberTipForm
from ..services import requests as invitation_requests
from ..services.requests import RequestData


@alumnus_required
@require_http_methods(["GET", "POST"])
def member_tip(request: HttpRequest) -> HttpResponse:
    member = member_for_user(request.user)
    if member is None:
        return redirect("network:profile_start")
    form = MemberTipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="member_tip", key=str(member.pk)):
            return ratelimit.too_many(request)
        data = form.cleaned_data
        invitation_requests.submit_member_tip(
            member=member,
            data=RequestData(
                first_name=data["first_name"], last_name=data["last_name"],
                email=data["email"] or "", country=data["country"],
                exchange_year=data["exchange_year"], organisation=data["organisation"],
                message=data["message"],
            ),
        )  # fmt: skip
        return redirect("network:member_tip_sent")
    return render(request, "network/member_tip.html", {"form": form})


@alumnus_required
@require_GET
def member_tip_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "network/member_tip_sent.html")
