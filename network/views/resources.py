"""Resource persons: staff find members available as lecturers, interpreters or resource
persons and ask them to serve in a training session; members answer on the portal and
see their assignments, with a calendar file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import alumnus_required, staff_required
from norec_portal.forms import add_service_errors
from norec_portal.pagination import paginate

from ..access import get_member_for_user
from ..models import ResourceRequest
from ..resource_forms import ResourceAskForm, ResourceSearchForm
from ..services import resources


@staff_required
@require_http_methods(["GET", "POST"])
def resource_persons(request: HttpRequest) -> HttpResponse:
    """Search (GET) and ask the ticked members (POST, the search kept in the URL)."""
    search = ResourceSearchForm(request.GET or None)
    found = resources.find_resource_persons()
    if search.is_valid():
        found = resources.find_resource_persons(**search.cleaned_data)
    ask = ResourceAskForm(request.POST or None)
    if request.method == "POST" and ask.is_valid():
        data = ask.cleaned_data
        try:
            result = resources.ask_resource_persons(
                session=data["session"], members=list(data["members"]), role=data["role"],
                message=data["message"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(ask, exc)
        else:
            if result.asked:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d member is asked; the answer will show on the session.",
                        "%(n)d members are asked; the answers will show on the session.",
                        len(result.asked),
                    )
                    % {"n": len(result.asked)},
                )
            if result.already:
                messages.info(
                    request,
                    _("Asked for this session before, so not asked again: %(names)s.")
                    % {"names": ", ".join(m.person.full_name for m in result.already)},
                )
            return redirect(request.get_full_path())
    listing = paginate(request, found)
    recent = ResourceRequest.objects.select_related(
        "member__person", "session__week__venue", "session__venue"
    ).order_by("-requested_at", "-pk")[:20]
    return render(
        request,
        "network/staff/resource_persons.html",
        {
            "form": search,
            "ask": ask,
            **listing,
            "recent": recent,
            "ticked": {str(pk) for pk in request.POST.getlist("members")},
            "near": search.cleaned_data.get("near") if search.is_valid() else None,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def resource_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm (GET), then withdraw a request (POST); the member is told by email."""
    found = get_object_or_404(
        ResourceRequest.objects.select_related(
            "member__person", "session__week__venue", "session__venue"
        ),
        pk=pk,
    )
    if request.method == "GET":
        return render(
            request,
            "network/staff/resource_withdraw.html",
            {"found": found, "refusal": resources.withdraw_refusal(found)},
        )
    try:
        withdrawn = resources.withdraw_request(request_id=found.pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        person = withdrawn.member.person
        told = (
            _("The request to %(name)s is withdrawn; they are told by email.")
            if person.email
            else _(
                "The request to %(name)s is withdrawn. "
                "They have no email address: tell them yourself."
            )
        )
        messages.success(request, told % {"name": person.full_name})
    return redirect("network:staff_resource_persons")


# --- Members -----------------------------------------------------------------------------------


@alumnus_required
@require_GET
def assignments(request: HttpRequest) -> HttpResponse:
    member = get_member_for_user(request.user)
    items = list(resources.requests_of(member))
    return render(
        request,
        "network/assignments.html",
        {
            "member": member,
            "open": [r for r in items if r.is_open],
            "answered": [r for r in items if not r.is_open],
            "has_accepted": any(r.state == ResourceRequest.State.ACCEPTED for r in items),
        },
    )


@alumnus_required
@require_POST
def assignment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, _("Choose to accept or to decline."))
        return redirect("network:assignments")
    try:
        result = resources.answer_request(request_id=pk, member=member, accept=answer == "accept")
    except ResourceRequest.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.state == ResourceRequest.State.ACCEPTED:
            messages.success(request, _("Thank you! Norec is told that you accept."))
        else:
            messages.success(request, _("Norec is told that you cannot this time."))
    return redirect("network:assignments")


@alumnus_required
@require_GET
def assignments_ics(request: HttpRequest) -> HttpResponse:
    member = get_member_for_user(request.user)
    response = HttpResponse(
        resources.assignments_ics(member), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="norec-assignments.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
