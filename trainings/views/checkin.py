"""Norec staff: check-in at the venue, on a phone — per training week, or per
introductory seminar (which has no week).

The page works without JavaScript (choose the day, type a name, press "Check in"); with
it, a camera reads the badges and each scan is queued in the browser and POSTed as JSON
to ``scan`` (see ``static/trainings/checkin.js``), which answers in a few words.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import staff_required
from norec_portal.ids import parse_id
from norec_portal.pagination import paginate
from norec_portal.zones import in_zone

from .. import services
from ..badges import read_badge_code
from ..models import DayAttendance, Enrolment, TrainingSession, TrainingWeek
from ..services.checkin import CHECK_IN_STATES

# The camera is denied to every other page (settings.PERMISSIONS_POLICY_DENY); this one
# reads badges with it.
CAMERA_POLICY = ", ".join(
    ["camera=(self)"]
    + [f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENY if feature != "camera"]
)
MAX_BODY = 4096  # a scan is a few dozen bytes


@dataclass
class Scope:
    """What one check-in page covers: a week's sessions, or one seminar."""

    title: str
    # Said of a badge for another session: "not in this week" / "not in this seminar".
    elsewhere: str
    sessions: list[TrainingSession]
    zone: ZoneInfo
    page_url: str
    scan_url: str
    back_url: str
    # Every session of the week, cancelled ones too: a badge for one of those is refused
    # with the reason, not sent to "another week".
    session_ids: frozenset[int] = frozenset()

    @property
    def days(self) -> list[dt.date]:
        found: set[dt.date] = set()
        for session in self.sessions:
            found.update(services.session_days(session))
        return sorted(found)

    def expected(self) -> QuerySet[Enrolment]:
        return Enrolment.objects.filter(
            session__in=self.sessions, state__in=CHECK_IN_STATES
        ).select_related("person", "organisation", "session")


def _week_scope(pk: int) -> Scope:
    week = get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)
    sessions = list(
        week.sessions.filter(status=TrainingSession.Status.SCHEDULED)
        .select_related("week__venue")
        .prefetch_related("days")
    )
    return Scope(
        title=_("Check-in: %(venue)s, week of %(date)s")
        % {"venue": week.venue.name, "date": date_format(week.starts_on, "j F Y")},
        elsewhere=_("Not in this week: enrolled in %(session)s."),
        sessions=sessions,
        zone=week.venue.zone,
        page_url=reverse("trainings:staff_week_checkin", args=[week.pk]),
        scan_url=reverse("trainings:staff_week_checkin_scan", args=[week.pk]),
        back_url=reverse("trainings:staff_week", args=[week.pk]),
        session_ids=frozenset(week.sessions.values_list("pk", flat=True)),
    )


def _seminar_scope(pk: int) -> Scope:
    session = get_object_or_404(
        TrainingSession.objects.with_place().prefetch_related("days"), pk=pk, week__isnull=True
    )
    return Scope(
        title=_("Check-in: %(session)s, %(date)s")
        % {"session": session.name, "date": date_format(session.first_day, "j F Y")},
        elsewhere=_("Not in this seminar: enrolled in %(session)s."),
        sessions=[session],
        zone=session.zone,
        page_url=reverse("trainings:staff_session_checkin", args=[session.pk]),
        scan_url=reverse("trainings:staff_session_checkin_scan", args=[session.pk]),
        back_url=reverse("trainings:staff_session", args=[session.pk]),
        session_ids=frozenset([session.pk]),
    )


def _parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _chosen_day(request: HttpRequest, scope: Scope, value: str | None) -> dt.date | None:
    days = scope.days
    day = _parse_day(value)
    if day in days:
        return day
    fallback = services.default_day(days, scope.zone)
    if value and fallback is not None:
        messages.warning(
            request,
            _("“%(value)s” is not a day of this programme: choose one of the days listed. "
              "Showing %(day)s.") % {"value": value[:20], "day": date_format(fallback, "j F")},
        )  # fmt: skip
    return fallback


# --- The page -------------------------------------------------------------------------


def _page(request: HttpRequest, scope: Scope) -> HttpResponse:
    if request.method == "POST":
        return _post(request, scope)
    day = _chosen_day(request, scope, request.GET.get("day"))
    query = request.GET.get("q", "").strip()[:100]
    present = (
        DayAttendance.objects.filter(enrolment__session__in=scope.sessions, date=day)
        .select_related("enrolment__person", "enrolment__session")
        .order_by("-marked_at", "-pk")
    )
    present_ids = set(
        DayAttendance.objects.filter(enrolment__session__in=scope.sessions, date=day).values_list(
            "enrolment_id", flat=True
        )
    )
    expected = scope.expected()
    counts = {
        row["session"]: row
        for row in expected.values("session").annotate(
            expected=Count("pk", distinct=True),
            present=Count("pk", filter=Q(day_attendances__date=day), distinct=True),
        )
    }
    people = expected
    if query:
        for word in query.split():
            people = people.filter(
                Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word)
            )
    people = people.order_by("person__last_name", "person__first_name", "pk")
    context = paginate(request, people, {"q": query, "day": day})
    # The day's list has pages of its own (``done=``), the search keeps ``page=``.
    done = paginate(request, present, {"q": query, "day": day}, param="done", per_page=50)
    response = render(
        request,
        "trainings/staff_checkin.html",
        {
            **context,
            "scope": scope,
            "day": day,
            "days": scope.days,
            "today": services.checkin.local_today(scope.zone),
            "query": query,
            "people": [(e, e.pk in present_ids) for e in context["page_obj"]],
            "present": [(mark, in_zone(mark.marked_at, scope.zone)) for mark in done["page_obj"]],
            "present_page": done["page_obj"],
            "present_query": done["query_string"],
            "counts": [
                (s, counts.get(s.pk, {}).get("present", 0), counts.get(s.pk, {}).get("expected", 0))
                for s in scope.sessions
            ],
        },
    )
    response["Permissions-Policy"] = CAMERA_POLICY
    return response


def _post(request: HttpRequest, scope: Scope) -> HttpResponse:
    """A check-in (or its undo, once confirmed) from the page's own forms."""
    day = _parse_day(request.POST.get("day"))
    back = (
        scope.page_url
        + "?"
        + urlencode({"day": day.isoformat() if day else "", "q": request.POST.get("q", "")[:100]})
    )
    enrolment_id = parse_id(request.POST.get("enrolment"))
    enrolment = (
        scope.expected().filter(pk=enrolment_id).first() if enrolment_id is not None else None
    )
    if enrolment is None or day is None:
        messages.error(request, _("Choose a person and a day from the page."))
        return redirect(back)
    action = request.POST.get("action")
    if action == "undo":
        if request.POST.get("confirm") != "yes":
            context = {"scope": scope, "enrolment": enrolment, "day": day, "back": back}
            return render(request, "trainings/staff_checkin_undo.html", context)
        if services.check_out(enrolment=enrolment, day=day, by=request.user):
            messages.success(request, _("The check-in of %(name)s on %(day)s is undone.")
                             % {"name": enrolment.person.full_name,
                                "day": date_format(day, "j F Y")})  # fmt: skip
        else:
            messages.info(request, _("%(name)s was not checked in on that day.")
                          % {"name": enrolment.person.full_name})  # fmt: skip
        return redirect(back)
    # Found by a typed name, or ticked in the whole list of those expected.
    how = DayAttendance.How.TYPED if request.POST.get("q", "").strip() else DayAttendance.How.LIST
    try:
        done = services.check_in(enrolment=enrolment, day=day, by=request.user, how=how)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = (
            _("%(name)s is checked in.") if done.created else _("%(name)s was already checked in.")
        )
        messages.success(request, text % {"name": enrolment.person.full_name})
    return redirect(back)


# --- The scanner's endpoint -----------------------------------------------------------


def _answer(outcome: str, message: str, *, status: int = 200, **extra: object) -> JsonResponse:
    return JsonResponse({"outcome": outcome, "message": message, **extra}, status=status)


def _scan(request: HttpRequest, scope: Scope) -> JsonResponse:
    """``{"code", "day", "client_id"}`` in; the outcome in a few words out. A malformed
    request is a 400 with a message (the page drops it from its queue); what a badge says
    is a 200 whatever the outcome."""
    if len(request.body) > MAX_BODY:
        return _answer("invalid", _("The scan is too long to be a badge."), status=400)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _answer("invalid", _("The scan did not arrive as JSON."), status=400)
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        return _answer("invalid", _("The scan has no badge code."), status=400)
    client_id = str(data.get("client_id", ""))[:64]
    day = _parse_day(data.get("day") if isinstance(data.get("day"), str) else None)
    if day is None:
        return _answer("invalid", _("The scan has no valid day (YYYY-MM-DD)."), status=400,
                       client_id=client_id)  # fmt: skip
    enrolment_id = read_badge_code(data["code"])
    enrolment = (
        Enrolment.objects.with_related().filter(pk=enrolment_id).first()
        if enrolment_id is not None
        else None
    )
    if enrolment is None:
        return _answer("unknown", _("Badge not recognised."), client_id=client_id)
    name = enrolment.person.full_name
    if enrolment.session_id not in scope.session_ids:
        return _answer(
            "elsewhere", scope.elsewhere % {"session": enrolment.session},
            name=name, client_id=client_id,
        )  # fmt: skip
    try:
        done = services.check_in(enrolment=enrolment, day=day, by=request.user, how="scan")
    except ValidationError as exc:
        return _answer("refused", " ".join(exc.messages), name=name,
                       session=enrolment.session.name, client_id=client_id)  # fmt: skip
    present = DayAttendance.objects.filter(
        enrolment__session=enrolment.session_id, date=day
    ).count()
    return _answer(
        "checked_in" if done.created else "already",
        _("Checked in.") if done.created else _("Already checked in."),
        name=name, session=enrolment.session.name, session_id=enrolment.session_id,
        enrolment=enrolment.pk, present=present, day=day.isoformat(), client_id=client_id,
        time=date_format(in_zone(timezone.now(), scope.zone), "H:i"),
    )  # fmt: skip


# --- URLs -----------------------------------------------------------------------------


@staff_required
@require_GET
def checkin_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that opens the check-in page without a connection. Served here,
    not from ``static/``, so that its scope can be ``staff/trainings/``."""
    return render(request, "trainings/checkin_worker.js", content_type="text/javascript")


@staff_required
@require_http_methods(["GET", "POST"])
def week_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _week_scope(pk))


@staff_required
@require_POST
def week_checkin_scan(request: HttpRequest, pk: int) -> HttpResponse:
    return _scan(request, _week_scope(pk))


@staff_required
@require_http_methods(["GET", "POST"])
def seminar_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession.objects.only("pk", "week_id"), pk=pk)
    if session.week_id is not None:
        # A week's session is checked in with its whole week.
        return redirect("trainings:staff_week_checkin", pk=session.week_id)
    return _page(request, _seminar_scope(pk))


@staff_required
@require_POST
def seminar_checkin_scan(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        scope = _seminar_scope(pk)
    except Http404:
        return _answer("invalid", _("Check in a week's sessions on the week's page."),
                       status=404)  # fmt: skip
    return _scan(request, scope)
