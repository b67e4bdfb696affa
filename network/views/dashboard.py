"""The network dashboard for staff (members, invitations, the monthly programme, contact
data quality, with server-drawn charts and their tables) and the data-quality list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from norec_portal import pagecache
from norec_portal.access import staff_required
from norec_portal.rows import short_month_formatter

from .. import charts
from ..models import (
    BadAddress,
    DuplicateCandidate,
    HistoricalImport,
    InvitationRequest,
    InvitationWave,
    Member,
)
from ..services import bounces, waves
from ..services import dashboard as stats
from .common import paginate

HISTORY_MONTHS = 12
PLAN_MONTHS_BACK = 6
PLAN_MONTHS_AHEAD = 5
FIGURE_SECTIONS = "network/staff/_dashboard_figures.html"


WAITING = {
    "requests": InvitationRequest.objects.filter(status=InvitationRequest.Status.PENDING),
    "duplicates": DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN),
    "imports": HistoricalImport.objects.filter(status=HistoricalImport.Status.PREVIEW),
}


def _waiting_counts() -> QuerySet:
    # The three counts in one query (UNION ALL): the page keeps within 12 queries.
    first, *others = [
        rows.order_by().values(queue=Value(name)).annotate(n=Count("pk"))
        for name, rows in WAITING.items()
    ]
    return first.union(*others, all=True)


# The page's two live queries that take no argument are built once, like a class-based
# view's ``queryset``, and cloned with ``.all()`` for each request: resolving their counts
# costs more than running them.
WAITING_COUNTS = _waiting_counts()
OPEN_WAVES = waves.annotate_wave_counts(
    InvitationWave.objects.filter(
        status__in=[InvitationWave.Status.ACTIVE, InvitationWave.Status.PAUSED]
    )
).order_by("starts_on", "pk")[:10]


def _queues() -> dict[str, int]:
    counts = dict.fromkeys(WAITING, 0)
    counts.update({row["queue"]: row["n"] for row in WAITING_COUNTS.all()})
    return counts


def _members_chart(history: list[tuple[dt.date, int]]) -> object:
    label = short_month_formatter()
    labels = [label(month) for month, _n in history]
    return charts.line_chart(
        chart_id="chart-members",
        title=_("Members over time"),
        description=_("Number of members at the end of each of the last %(n)d months.")
        % {"n": len(history)},
        categories=labels,
        series=charts.Series(_("Members"), [n for _m, n in history], charts.NAVY),
    )


def _funnel_chart(funnel: list[stats.FunnelRow]) -> object:
    return charts.bar_chart(
        chart_id="chart-funnel",
        title=_("Invitations by country"),
        description=_(
            "For each country: people invited, invitations sent, bounced, and people who joined."
        ),
        categories=[row.country for row in funnel],
        series=[
            charts.Series(_("Invited"), [r.invited for r in funnel], charts.GREY),
            charts.Series(_("Sent"), [r.sent for r in funnel], charts.BLUE),
            charts.Series(_("Bounced"), [r.bounced for r in funnel], charts.RED),
            charts.Series(_("Joined"), [r.joined for r in funnel], charts.GREEN),
        ],
    )


def _plan_chart(plan: list[stats.MonthPlan]) -> object:
    return charts.column_chart(
        chart_id="chart-programme",
        title=_("Newsletters and activities per month"),
        description=_(
            "The goal is at least one of each every month; months marked ⚠ miss one or both."
        ),
        categories=[p.label for p in plan],
        series=[
            charts.Series(_("Newsletters"), [p.newsletters for p in plan], charts.NAVY),
            charts.Series(_("Activities"), [p.activities for p in plan], charts.ACCENT),
        ],
        goal=stats.GOAL_PER_MONTH,
        goal_label=_("Goal"),
        flagged=[p.flagged for p in plan],
    )


def _plan_rows(plan: list[stats.MonthPlan]) -> list[tuple[str, int, int, str, str]]:
    """Each month of the programme table: its name, its counts, and whether it meets the
    goal (the badge's tone and text), worked out once a page rather than with a
    ``{% blocktranslate %}`` and a ``|join`` in each row."""
    and_, yes = _(" and "), _("Yes")
    rows = []
    for month in plan:
        if month.flagged:
            tone, goal_met = "warn", _("No %(missing)s") % {"missing": and_.join(month.missing)}
        else:
            tone, goal_met = "ok", yes
        rows.append((month.long_label, month.newsletters, month.activities, tone, goal_met))
    return rows


def _gap_warnings(gaps: list[stats.MonthPlan]) -> list[str]:
    and_ = _(" and ")
    return [
        _(
            "%(month)s has no %(missing)s planned yet: the goal is at least one newsletter "
            "and one activity every month."
        )
        % {"month": month.long_label, "missing": and_.join(month.missing)}
        for month in gaps
    ]


def _quality_chart(quality: stats.ContactQuality) -> object:
    return charts.bar_chart(
        chart_id="chart-quality",
        title=_("Contact data of members"),
        description=_(
            "Members we can email, members whose address bounced, and members with no address."
        ),
        categories=[_("Reachable"), _("Bounced email"), _("No email")],
        series=[
            charts.Series(
                _("Members"), [quality.reachable, quality.bounced, quality.missing], charts.NAVY
            )
        ],
    )


def _figure_sections(figures: dict[str, Any]) -> dict[str, SafeString]:
    """The page's sections drawn from ``figures`` alone (members, invitations by country,
    contact data), with their charts and tables."""
    context = {
        **figures,
        "members_chart": _members_chart(figures["history"]),
        "funnel_chart": _funnel_chart(figures["funnel"]),
        "quality_chart": _quality_chart(figures["quality"]),
    }
    return {
        f"{part}_section": render_to_string(FIGURE_SECTIONS, {**context, "part": part})
        for part in ("members", "funnel_and_quality")
    }


def _figures(history_months: list[dt.date]) -> dict[str, Any]:
    """The statistics over every member and invitation, and the page's sections that show
    them (most of the page's time: the page's content is kept while nothing changes)."""
    figures = {
        "members": stats.member_counts(),
        "history": stats.members_over_time(history_months),
        "funnel": stats.invitation_funnel(),
        "quality": stats.contact_quality(),
    }
    figures.update(_figure_sections(figures))
    return figures


# What the dashboard shows: the network, the people it invites and their logins.
DASHBOARD_DOMAINS = ("network", "partnerships", "accounts")


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    content = pagecache.content(
        request,
        name="network:staff_dashboard",
        domains=DASHBOARD_DOMAINS,
        template="network/staff/_dashboard_content.html",
        context=_dashboard_context,
    )
    return render(request, "network/staff/dashboard.html", {"content": content})


def _dashboard_context() -> dict[str, Any]:
    today = timezone.localdate()
    this_month = stats.month_of(today)
    figures = _figures(
        stats.months(stats.add_months(this_month, -(HISTORY_MONTHS - 1)), HISTORY_MONTHS)
    )
    plan = stats.monthly_plan(
        stats.months(
            stats.add_months(this_month, -PLAN_MONTHS_BACK),
            PLAN_MONTHS_BACK + 1 + PLAN_MONTHS_AHEAD,
        )
    )
    open_waves = list(OPEN_WAVES.all())
    # The current month and the next: what staff can still act on.
    coming = [p for p in plan if p.month >= this_month][:2]
    gaps = [p for p in coming if p.flagged]
    return {
        **figures,
        "today": today,
        "queues": _queues(),
        "open_waves": open_waves,
        "plan": plan,
        "plan_rows": _plan_rows(plan),
        "gaps": gaps,
        "gap_warnings": _gap_warnings(gaps),
        "plan_chart": _plan_chart(plan),
    }


# --- Contact-data quality ------------------------------------------------------------------

PROBLEMS = {
    "bounced": gettext_lazy("Address bounced"),
    "missing": gettext_lazy("No address"),
}


@staff_required
@require_GET
def data_quality(request: HttpRequest) -> HttpResponse:
    """Members we cannot email, so staff can ask them (by phone, through their old
    organisation…) for new details."""
    bad = bounces.active_bad_addresses().filter(email=OuterRef("person__email"))
    members = Member.objects.select_related("person").annotate(
        bad_id=Subquery(bad.values("pk")[:1]),
        bad_reason=Subquery(bad.values("reason")[:1]),
        bad_at=Subquery(bad.values("last_failed_at")[:1]),
    )
    problem = request.GET.get("problem", "")
    bounced = Q(bad_id__isnull=False) & ~Q(person__email="")
    missing = Q(person__email="")
    if problem == "bounced":
        members = members.filter(bounced)
    elif problem == "missing":
        members = members.filter(missing)
    else:
        problem = ""
        members = members.filter(bounced | missing)
    page, query = paginate(
        request, members.order_by("person__last_name", "person__first_name", "pk")
    )
    return render(
        request,
        "network/staff/data_quality.html",
        {
            "page_obj": page,
            "query_string": query,
            "problem": problem,
            "problems": [("", _("Both")), *PROBLEMS.items()],
            "quality": stats.contact_quality(),
        },
    )


@staff_required
@require_POST
def bad_address_clear(request: HttpRequest, pk: int) -> HttpResponse:
    bad = get_object_or_404(BadAddress, pk=pk)
    bounces.clear_bad_address(bad=bad, by=request.user)
    messages.success(request, _("%(email)s will receive mail again.") % {"email": bad.email})
    return redirect("network:staff_data_quality")
