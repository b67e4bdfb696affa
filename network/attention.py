"""What in the network needs a staff member's attention (the staff home, see
``norec_portal.attention``): its queues, the invitation waves in progress and the months
that miss a newsletter or an activity. Three queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from norec_portal.attention import Item, Link, Section, register

from .models import InvitationWave
from .services import dashboard as stats

# This month and the two after it: far enough ahead to plan a newsletter or a meeting.
PLAN_MONTHS = 3


def queue_items(counts: dict[str, int]) -> list[Item]:
    return [
        Item(label=_("Invitation requests waiting for a decision"), count=counts["requests"],
             url=reverse("network:staff_requests"), action=_("Decide on the requests")),
        Item(label=_("Possible duplicates to review"), count=counts["duplicates"],
             url=reverse("network:staff_duplicates"), action=_("Review the pairs")),
        Item(label=_("Address corrections to accept or set aside"),
             count=counts["corrections"], url=reverse("network:staff_reachability"),
             action=_("Open the contact-data worklist")),
        Item(label=_("Historical imports waiting for confirmation"), count=counts["imports"],
             url=reverse("network:staff_imports"), action=_("Check the imports")),
    ]  # fmt: skip


def waves_in_progress() -> Item:
    waves = list(
        InvitationWave.objects.filter(
            status__in=[InvitationWave.Status.ACTIVE, InvitationWave.Status.PAUSED]
        ).order_by("starts_on", "pk")
    )
    return Item(
        label=_("Invitation waves in progress"),
        count=len(waves),
        url=reverse("network:staff_waves"),
        action=_("Follow the waves"),
        links=tuple(
            Link(
                text=wave.name,
                url=reverse("network:staff_wave", args=[wave.pk]),
                note=str(wave.get_status_display()),
            )  # fmt: skip
            for wave in waves
        ),
        urgent=False,
    )


def months_without_programme(today: dt.date) -> Item:
    coming = stats.monthly_plan(stats.months(today, PLAN_MONTHS))
    plan = [month for month in coming if month.flagged]
    return Item(
        label=_("Months without a newsletter or an activity"),
        count=len(plan),
        url=reverse("network:staff_dashboard"),
        action=_("Open the network dashboard"),
        links=tuple(
            Link(
                text=month.long_label,
                url=reverse(
                    "network:staff_newsletter_create"
                    if "newsletter" in month.gaps
                    else "network:staff_activity_create"
                ),
                note=_("no %(missing)s yet") % {"missing": month.missing_text},
            )
            for month in plan
        ),
    )


@register
def network_attention(today: dt.date) -> Section:
    return Section(
        title=_("Norec Network"),
        items=(
            *queue_items(stats.staff_queues()),
            waves_in_progress(),
            months_without_programme(today),
        ),
    )
