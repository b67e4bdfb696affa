"""The network dashboard for staff (members, invitations, the monthly programme, contact
data quality, with server-drawn charts and their tables) and the data-quality list."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from norec_portal import charts
from norec_portal.access import staff_required
from norec_portal.pagination import paginate
from partnerships.models import Person

from ..models import (
    BadAddress,
    Invitation,
    InvitationWave,
)
from ..services import bounces, resources, waves
from ..services import dashboard as stats

HISTORY_MONTHS = 12
PLAN_MONTHS_BACK = 6
PLAN_MONTHS_AHEAD = 5


def _open_waves() -> list[InvitationWave]:
    running = InvitationWave.objects.filter(
        status__in=[InvitationWave.Status.ACTIVE, InvitationWave.Status.PAUSED]
    )
    return list(waves.annotate_wave_counts(running).order_by("starts_on", "pk")[:10])


def _members_chart(history: list[tuple[dt.date, int]]) -> object:
    labels = [date_format(month, "M Y") for month, _n in history]
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


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    this_month = stats.month_of(today)
    figures = stats.member_figures(
        stats.months(stats.add_months(this_month, -(HISTORY_MONTHS - 1)), HISTORY_MONTHS)
    )
    history, quality = figures.history, figures.quality
    funnel = stats.invitation_funnel()
    plan = stats.monthly_plan(
        stats.months(
            stats.add_months(this_month, -PLAN_MONTHS_BACK),
            PLAN_MONTHS_BACK + 1 + PLAN_MONTHS_AHEAD,
        )
    )
    # The current month and the next: what staff can still act on.
    gaps = [p for p in plan[PLAN_MONTHS_BACK:][:2] if p.flagged]
    return render(request, "network/staff/dashboard.html", {
        "today": today,
        "members": figures.counts,
        "history": history,
        "members_chart": _members_chart(history),
        "funnel": funnel,
        "funnel_chart": _funnel_chart(funnel),
        "quality": quality,
        "quality_chart": _quality_chart(quality),
        "plan": plan,
        "plan_chart": _plan_chart(plan),
        "gaps": gaps,
        "queues": stats.staff_queues(),
        "open_waves": _open_waves(),
        "assignments": resources.assignments_per_year(),
    })  # fmt: skip


# --- Contact-data quality ------------------------------------------------------------------

PROBLEMS = {
    "bounced": gettext_lazy("Address bounced"),
    "missing": gettext_lazy("No address"),
    "invitation": gettext_lazy("Invitation bounced"),
}


def _unreachable_people() -> tuple[QuerySet[Person], dict[str, Q]]:
    """Everyone staff must find new details for, with why: members whose address bounced
    or is missing, and people invited whose invitation bounced (not members: they never
    got in). Each row carries the bad address's reason, or the failed invitation's."""
    bad = bounces.active_bad_addresses().filter(email=OuterRef("email"))
    bounced_invitation = Invitation.objects.filter(
        person=OuterRef("pk"), state=Invitation.State.BOUNCED
    ).order_by("-bounced_at", "-pk")
    invitation_bad = bounces.active_bad_addresses().filter(
        email=Subquery(bounced_invitation.values("email")[:1])
    )
    people = Person.objects.annotate(
        bad_id=Subquery(bad.values("pk")[:1]),
        bad_reason=Subquery(bad.values("reason")[:1]),
        bad_at=Subquery(bad.values("last_failed_at")[:1]),
        invitation_email=Subquery(bounced_invitation.values("email")[:1]),
        invitation_bounced_at=Subquery(bounced_invitation.values("bounced_at")[:1]),
        invitation_reason=Coalesce(
            Subquery(invitation_bad.values("reason")[:1]),
            Subquery(bounced_invitation.values("last_email__last_error")[:1]),
            Value(""),
            output_field=TextField(),
        ),
    )
    member = Q(member__isnull=False)
    problems = {
        "bounced": member & Q(bad_id__isnull=False) & ~Q(email=""),
        "missing": member & Q(email=""),
        "invitation": ~member & Q(invitation_email__isnull=False),
    }
    return people, problems


@staff_required
@require_GET
def data_quality(request: HttpRequest) -> HttpResponse:
    """Members we cannot email and people whose invitation bounced, so staff can ask them
    (by phone, through their old organisation…) for new details."""
    people, problems = _unreachable_people()
    problem = request.GET.get("problem", "")
    if problem in problems:
        people = people.filter(problems[problem])
    else:
        problem = ""
        people = people.filter(problems["bounced"] | problems["missing"] | problems["invitation"])
    listing = paginate(
        request, people.select_related("member").order_by("last_name", "first_name", "pk")
    )
    return render(
        request,
        "network/staff/data_quality.html",
        {
            **listing,
            "problem": problem,
            "problems": [("", _("All")), *PROBLEMS.items()],
            "quality": stats.contact_quality(),
            "bounced_invitees": Invitation.objects.filter(state=Invitation.State.BOUNCED)
            .exclude(person__member__isnull=False)
            .count(),
        },
    )


@staff_required
@require_POST
def bad_address_clear(request: HttpRequest, pk: int) -> HttpResponse:
    bad = get_object_or_404(BadAddress, pk=pk)
    bounces.clear_bad_address(bad=bad, by=request.user)
    messages.success(request, _("%(email)s will receive mail again.") % {"email": bad.email})
    return redirect("network:staff_data_quality")
