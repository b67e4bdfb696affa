"""Travel details: the person's form (from the emailed link, no login), the same form
for their coordinator and for staff, the re-send button, the staff overview per session
and the week's deadline and rooms.

Passport data is shown masked (the number's last three characters; the name not on
lists); every page that shows any of it to a coordinator or staff is audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal import links
from norec_portal.access import coordinator_required, staff_required
from norec_portal.audit import record_audit_many
from norec_portal.forms import add_service_errors
from norec_portal.models import AuditEntry, User
from norec_portal.pagination import paginate

from .. import services
from ..access import enrolments_for_coordinator, get_enrolment_for_coordinator
from ..forms import TravelDetailsForm, WeekTravelForm
from ..models import Enrolment, TrainingSession, TrainingWeek, TravelDetails
from ..services.travel import passport_needed_until
from ..travel_links import SESSION_KEY, InvalidTravelLink, peek_travel_link


def audit_passport_shown(user: User, enrolments: Sequence[Enrolment], page: str) -> None:
    """Who saw passport data (even masked), of whom, on which page."""
    shown = [e for e in enrolments if getattr(e, "travel", None) and e.travel.has_passport]
    record_audit_many(by=user, action=AuditEntry.Action.VIEW, objs=shown,
                      summary=f"passport shown (masked): {page}")  # fmt: skip


def _form_context(enrolment: Enrolment, form: TravelDetailsForm) -> dict:
    session = enrolment.session
    return {
        "enrolment": enrolment,
        "session": session,
        "person": enrolment.person,
        "form": form,
        "arrival": services.travel.expected_arrival(session),
        "departure": services.travel.expected_departure(session),
        "passport_until": passport_needed_until(session),
        "travel": getattr(enrolment, "travel", None),
    }


def _with_travel(queryset, pk: int) -> Enrolment:
    return get_object_or_404(queryset.select_related("travel"), pk=pk)


# --- The person, from the emailed link ------------------------------------------------------


def link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "trainings/travel_link_invalid.html", status=400)


@never_cache
@require_GET
def travel_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email: checked (not used), kept in the session, then the form at
    an address without the token."""
    try:
        peek_travel_link(token)
    except InvalidTravelLink:
        return link_invalid(request)
    links.remember_token(request, key=SESSION_KEY, raw=token)
    return redirect("trainings:travel_form")


@never_cache
@require_http_methods(["GET", "POST"])
def travel_form(request: HttpRequest) -> HttpResponse:
    raw = links.remembered_token(request, key=SESSION_KEY)
    try:
        link = peek_travel_link(raw)
    except InvalidTravelLink:
        links.forget_token(request, key=SESSION_KEY)
        return link_invalid(request)
    enrolment = Enrolment.objects.with_related().select_related("travel").get(pk=link.enrolment_id)
    form = TravelDetailsForm(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_travel_details_with_link(raw_token=raw, data=form.cleaned_data)
        except InvalidTravelLink:
            links.forget_token(request, key=SESSION_KEY)
            return link_invalid(request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            links.forget_token(request, key=SESSION_KEY)
            return redirect("trainings:travel_saved")
    context = _form_context(enrolment, form)
    context["public"] = True
    return render(request, "trainings/travel_form.html", context)


@require_GET
def travel_saved(request: HttpRequest) -> HttpResponse:
    return render(request, "trainings/travel_saved.html")


# --- Coordinators and staff --------------------------------------------------------------------


def _edit(
    request: HttpRequest, enrolment: Enrolment, *, via: str, page: str, back: str, resend: str
) -> HttpResponse:
    form = TravelDetailsForm(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_travel_details(
                enrolment=enrolment, data=form.cleaned_data, by=request.user, via=via
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The travel details of %(name)s are saved.")
                             % {"name": enrolment.person.full_name})  # fmt: skip
            return redirect(back)
    audit_passport_shown(request.user, [enrolment], page)
    context = _form_context(enrolment, form)
    try:
        services.travel.check_travel_allowed(enrolment)
    except ValidationError as exc:
        # Said before anyone types a form that cannot be saved.
        context["blocked"] = " ".join(exc.messages)
    context.update(back_url=back, resend_url=resend)
    return render(request, "trainings/travel_form.html", context)


def _resend(request: HttpRequest, enrolment: Enrolment, *, then: str) -> HttpResponse:
    try:
        services.send_travel_link(enrolment=enrolment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("A new link has been sent to %(email)s; the old one no longer works.")
            % {"email": enrolment.person.email},
        )
    return redirect(then)


@coordinator_required
@require_http_methods(["GET", "POST"])
def coordinator_travel(request: HttpRequest, pk: int) -> HttpResponse:
    # Another organisation's enrolment is a 404.
    enrolment = _with_travel(enrolments_for_coordinator(request.user).with_related(), pk)
    return _edit(
        request, enrolment, via=TravelDetails.Source.COORDINATOR, page="coordinator travel form",
        back=reverse("trainings:coordinator_sessions"),
        resend=reverse("trainings:coordinator_travel_link", args=[pk]),
    )  # fmt: skip


@coordinator_required
@require_POST
def coordinator_travel_link(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_coordinator(request.user, pk)
    return _resend(request, enrolment, then=reverse("trainings:coordinator_travel", args=[pk]))


@staff_required
@require_http_methods(["GET", "POST"])
def staff_travel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _with_travel(Enrolment.objects.with_related(), pk)
    return _edit(
        request, enrolment, via=TravelDetails.Source.STAFF, page="staff travel form",
        back=reverse("trainings:staff_session_travel", args=[enrolment.session_id]),
        resend=reverse("trainings:staff_travel_link", args=[pk]),
    )  # fmt: skip


@staff_required
@require_POST
def staff_travel_link(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _with_travel(Enrolment.objects.with_related(), pk)
    return _resend(request, enrolment, then=reverse("trainings:staff_travel", args=[pk]))


@staff_required
@require_GET
def staff_session_travel(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has sent their travel details, who arrives early or leaves late, who needs a
    visa, who is missing."""
    session = get_object_or_404(TrainingSession.objects.with_place(), pk=pk)
    context = paginate(request, services.travel_enrolments(session))
    rows = services.travel_statuses(context["page_obj"])
    audit_passport_shown(request.user, [e for e, _status in rows], "staff travel overview")
    context.update(session=session, rows=rows, week=session.week)
    return render(request, "trainings/staff_session_travel.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_week_travel(request: HttpRequest, pk: int) -> HttpResponse:
    week = get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)
    form = WeekTravelForm(request.POST or None,
                          initial={"travel_details_due": week.travel_details_due,
                                   "rooms": week.rooms})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.set_week_travel(week=week, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The travel deadline and rooms are saved."))
            return redirect("trainings:staff_week", pk=week.pk)
    return render(request, "trainings/form_page.html", {
        "title": _("Travel deadline and rooms"),
        "lead": str(week),
        "form": form,
        "cancel_url": reverse("trainings:staff_week", args=[week.pk]),
    })  # fmt: skip
