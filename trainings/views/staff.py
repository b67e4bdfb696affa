"""Norec staff: planning the year, venues, training weeks and introductory seminars."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import staff_required
from norec_portal.forms import add_service_errors
from norec_portal.pagination import paginate

from .. import calendar, documents, planning, services
from ..forms import (
    OnlineForm,
    ReasonForm,
    SeminarForm,
    VenueForm,
    WeekForm,
)
from ..models import (
    SessionDay,
    SessionKind,
    SessionMessage,
    TrainingSession,
    TrainingWeek,
    Venue,
)
from ..schedule import local_days
from .common import ics_response, pdf_response

# --- Planning ---------------------------------------------------------------------------


@staff_required
@require_GET
def year_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 1963), today.year + 10)
    context = {"plan": planning.year_plan(year), "today": today}
    return render(request, "trainings/staff_year.html", context)


@staff_required
@require_GET
def forecast(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("from", "").split("-"))
        start = dt.date(year, month, 1)
    except ValueError:
        start = today.replace(day=1)
    if not 1963 <= start.year <= today.year + 10:
        start = today.replace(day=1)
    result = planning.forecast(start=start, months=12, today=today)
    context = {
        "forecast": result,
        "previous": planning.add_months(result.start, -12).strftime("%Y-%m"),
        "next": planning.add_months(result.start, 12).strftime("%Y-%m"),
        **paginate(request, result.unplaced, {"from": result.start.strftime("%Y-%m")}),
    }
    return render(request, "trainings/staff_forecast.html", context)


# --- Venues -----------------------------------------------------------------------------


@staff_required
@require_GET
def venue_list(request: HttpRequest) -> HttpResponse:
    venues = Venue.objects.annotate(week_count=Count("weeks")).order_by("-active", "name")
    return render(request, "trainings/staff_venues.html", paginate(request, venues))


@staff_required
@require_http_methods(["GET", "POST"])
def venue_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    venue = get_object_or_404(Venue, pk=pk) if pk else None
    form = VenueForm(request.POST or None, instance=venue)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_venue(venue=form.instance, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(venue)s has been saved.") % {"venue": saved.name})
            return redirect("trainings:staff_venues")
    title = _("Edit %(venue)s") % {"venue": venue.name} if venue else _("New venue")
    return render(
        request,
        "trainings/form_page.html",
        {"title": title, "form": form, "cancel_url": reverse("trainings:staff_venues")},
    )


@staff_required
@require_GET
def venue_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_object_or_404(Venue, pk=pk)
    sessions = (
        TrainingSession.objects.filter(Q(week__venue=venue) | Q(venue=venue))
        .select_related("week__venue", "venue")
        .prefetch_related("days")
        .order_by("first_day", "kind", "group")
    )
    data = calendar.sessions_calendar(
        _("Norec trainings — %(name)s") % {"name": venue.name}, sessions
    )
    return ics_response(data, f"norec-trainings-{venue.pk}.ics")


# --- Weeks ------------------------------------------------------------------------------


def _week_initial(request: HttpRequest) -> dict[str, dt.date]:
    """``?starts_on=`` (the forecast's "plan one" link): the first Sunday from that day."""
    try:
        day = dt.date.fromisoformat(request.GET.get("starts_on", ""))
        return {"starts_on": day + dt.timedelta(days=(6 - day.weekday()) % 7)}
    except (ValueError, OverflowError):  # not a date, or the last days of year 9999
        return {}


@staff_required
@require_http_methods(["GET", "POST"])
def week_create(request: HttpRequest) -> HttpResponse:
    form = WeekForm(request.POST or None, initial=_week_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plans = [
            services.SessionPlan(
                kind=kind,
                capacity=data[f"{prefix}_capacity"],
                days=data["partner_days"] if kind == SessionKind.PARTNER else 6,
                facilitators=list(data[f"{prefix}_facilitators"]),
            )
            for prefix, kind in (
                ("t1", SessionKind.TRAINING_1),
                ("t2", SessionKind.TRAINING_2),
                ("partner", SessionKind.PARTNER),
            )
            if data[prefix]
        ]
        try:
            week = services.create_training_week(
                venue=data["venue"],
                starts_on=data["starts_on"],
                sessions=plans,
                format=data["format"],
                notes=data["notes"],
                travel_details_due=data["travel_details_due"],
                rooms=data["rooms"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The training week has been created."))
            return redirect("trainings:staff_week", pk=week.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("New training week"),
            "lead": _(
                "The week runs from Sunday afternoon to the farewell party on Friday evening; "
                "people arrive on Sunday morning and leave on Saturday."
            ),
            "form": form,
            "submit_label": _("Create the week"),
            "cancel_url": reverse("trainings:staff_year"),
        },
    )


def _week_sessions(week: TrainingWeek) -> list[TrainingSession]:
    return list(
        planning.sessions_with_counts()
        .filter(week=week)
        .prefetch_related(Prefetch("days", queryset=SessionDay.objects.order_by("starts_at")))
    )


@staff_required
@require_GET
def week_detail(request: HttpRequest, pk: int) -> HttpResponse:
    week = get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)
    same_sunday = list(
        TrainingWeek.objects.filter(starts_on=week.starts_on)
        .select_related("venue")
        .prefetch_related(Prefetch("sessions", queryset=planning.sessions_for_conflicts()))
    )
    seminars = list(
        planning.sessions_for_conflicts()
        .filter(
            kind=SessionKind.INTRO_SEMINAR,
            first_day__lte=week.ends_on,
            last_day__gte=week.starts_on,
        )
        .select_related("venue")
    )
    conflicts, _all = planning.find_conflicts(
        same_sunday, [s for w in same_sunday for s in w.sessions.all()] + seminars
    )
    sessions = _week_sessions(week)
    context = {
        "week": week,
        "sessions": [(s, local_days(s, list(s.days.all()))) for s in sessions],
        "conflicts": conflicts.get(week.pk, []),
        "today": timezone.localdate(),
        **_week_message_log(week),
    }
    return render(request, "trainings/staff_week.html", context)


def _week_message_log(week: TrainingWeek) -> dict:
    found = SessionMessage.objects.filter(week=week).select_related("sent_by")
    return {
        "message_log": list(found[:5]),
        "message_count": found.count(),
        "compose_url": reverse("trainings:staff_week_message_compose", args=[week.pk]),
        "log_url": reverse("trainings:staff_week_messages", args=[week.pk]),
        "can_write": not week.is_cancelled,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def week_online(request: HttpRequest, pk: int) -> HttpResponse:
    week = get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)
    form = OnlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            told = services.switch_week_online(
                week=week,
                by=request.user,
                day_start=form.cleaned_data["day_start"],
                day_hours=form.cleaned_data["day_hours"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The week now runs online; %(count)s people have been told.") % {"count": told},
            )
            return redirect("trainings:staff_week", pk=week.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Switch %(week)s to online") % {"week": week},
            "lead": _(
                "Every session keeps its dates; each day becomes a shorter online block. "
                "Everyone enrolled is emailed the new times in %(venue)s time and in "
                "Norway's time."
            )
            % {"venue": week.venue.name},
            "form": form,
            "submit_label": _("Switch to online and notify"),
            "danger": True,
            "cancel_url": reverse("trainings:staff_week", args=[week.pk]),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def week_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    week = get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            told = services.cancel_training_week(
                week=week, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The week has been cancelled; %(count)s messages are on their way.")
                % {"count": told},
            )
            return redirect("trainings:staff_week", pk=week.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Cancel %(week)s") % {"week": week},
            "lead": _(
                "Every enrolment in this week is cancelled. The people enrolled and their "
                "coordinators are told, with the reason you give."
            ),
            "form": form,
            "submit_label": _("Cancel the week"),
            "danger": True,
            "cancel_url": reverse("trainings:staff_week", args=[week.pk]),
        },
    )


@staff_required
@require_POST
def week_signup_call(request: HttpRequest, pk: int) -> HttpResponse:
    week = get_object_or_404(TrainingWeek, pk=pk)
    try:
        sent = services.send_signup_call(week=week, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "The call for sign-up went to %(count)s coordinator.",
                "The call for sign-up went to %(count)s coordinators.",
                sent,
            )
            % {"count": sent},
        )
    return redirect("trainings:staff_week", pk=week.pk)


@staff_required
@require_GET
def week_programme(request: HttpRequest, pk: int) -> HttpResponse:
    week = get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)
    data = documents.week_programme(week, _week_sessions(week))
    return pdf_response(data, documents.filename("programme", week.venue.name, week.starts_on))


@staff_required
@require_http_methods(["GET", "POST"])
def seminar_create(request: HttpRequest) -> HttpResponse:
    form = SeminarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.create_intro_seminar(
                title=data["title"],
                days=[services.SeminarDay(*day) for day in form.days()],
                capacity=data["capacity"],
                venue=data["venue"],
                online=data["online"],
                facilitators=list(data["facilitators"]),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The introductory seminar has been created."))
            return redirect("trainings:staff_session", pk=session.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("New introductory seminar"),
            "lead": _(
                "Three days, not necessarily in a row, for partnerships in the feasibility "
                "phase. Times are in the venue's time, or Norway's when online."
            ),
            "form": form,
            "submit_label": _("Create the seminar"),
            "cancel_url": reverse("trainings:staff_year"),
        },
    )
