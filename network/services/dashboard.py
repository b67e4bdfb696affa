"""The numbers of the network dashboard, and the monthly-cadence check.

The goal of the programme is at least one newsletter and one activity every month. A
newsletter counts for the month it went (or is scheduled to go) out, an activity for the
month it starts; cancelled ones do not count. Months follow the portal's time zone.

Each function runs a fixed number of queries (most one), whatever the number of members,
invitations or months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from norec_portal.emails import send_templated_email
from norec_portal.models import Role, User
from partnerships.models import Person

from ..models import (
    Activity,
    DuplicateCandidate,
    HistoricalImport,
    Invitation,
    InvitationRequest,
    Member,
    Newsletter,
    RawAddress,
)
from .bounces import active_bad_addresses
from .common import absolute_url

InvitationState = Invitation.State
GOAL_PER_MONTH = 1


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months(first: dt.date, count: int) -> list[dt.date]:
    return [add_months(month_of(first), i) for i in range(count)]


def _start(month: dt.date) -> dt.datetime:
    """Midnight at the start of ``month`` in the portal's zone, as an aware datetime."""
    return dt.datetime(month.year, month.month, 1, tzinfo=timezone.get_current_timezone())


# --- Monthly cadence -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthPlan:
    """One month of the programme: its newsletters and activities against the goal."""

    month: dt.date
    newsletters: int
    activities: int

    @property
    def label(self) -> str:
        """ "Mar 2026": under the chart's columns."""
        return date_format(self.month, "M Y")

    @property
    def long_label(self) -> str:
        """ "March 2026": the table, the warnings and the cadence email."""
        return date_format(self.month, "F Y")

    @property
    def gaps(self) -> tuple[str, ...]:
        """What the month lacks against the goal: "newsletter", "activity" or both."""
        return _gaps(self.newsletters, self.activities)

    @property
    def missing(self) -> list[str]:
        """The gaps, translated: ["newsletter", "activity"]."""
        names = {"newsletter": _("newsletter"), "activity": _("activity")}
        return [names[gap] for gap in self.gaps]

    @property
    def missing_text(self) -> str:
        """The gaps as words of a sentence: "newsletter and activity"."""
        return _(" and ").join(self.missing)

    @property
    def flagged(self) -> bool:
        return bool(self.gaps)


def _gaps(newsletters: int, activities: int) -> tuple[str, ...]:
    counts = (("newsletter", newsletters), ("activity", activities))
    return tuple(kind for kind, count in counts if count < GOAL_PER_MONTH)


def _per_month(
    rows: QuerySet, field: str, what: str, start: dt.datetime, end: dt.datetime
) -> QuerySet:
    """How many of ``rows`` have ``field`` in each month from ``start`` to ``end``, as rows
    of ``what`` (the name of the rows), ``month`` and ``n``: one GROUP BY over the span, in
    the portal's zone (as ``_start``)."""
    return (
        rows.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .values(what=Value(what), month=TruncMonth(field, output_field=DateField()))
        .annotate(n=Count("pk"))
        .order_by()
    )


def _month_counts(start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Newsletters and activities per month from ``start`` to ``end``, in one query
    (UNION ALL)."""
    newsletters = _per_month(
        Newsletter.objects.filter(kind=Newsletter.Kind.NEWSLETTER)
        .exclude(status=Newsletter.Status.CANCELLED)
        .annotate(month_at=Coalesce("started_at", "scheduled_for")),
        "month_at",
        "newsletter",
        start,
        end,
    )
    activities = _per_month(
        Activity.objects.filter(status=Activity.Status.PLANNED), "starts_at", "activity", start, end
    )
    return newsletters.union(activities, all=True)


def monthly_plan(month_list: list[dt.date]) -> list[MonthPlan]:
    """Newsletters and activities per month (one query for any number of months)."""
    if not month_list:
        return []
    rows = _month_counts(_start(min(month_list)), _start(add_months(max(month_list), 1)))
    counts = {(row["what"], row["month"]): row["n"] for row in rows}
    return [
        MonthPlan(
            month=month,
            newsletters=counts.get(("newsletter", month), 0),
            activities=counts.get(("activity", month), 0),
        )
        for month in month_list
    ]


def check_monthly_cadence(*, today: dt.date | None = None) -> int:
    """Beat, on the 20th: tell staff if the coming month has no newsletter or no activity
    planned yet. Returns the number of emails queued (once per month and person)."""
    today = today or timezone.localdate()
    coming = add_months(month_of(today), 1)
    plan = monthly_plan([coming])[0]
    if not plan.flagged:
        return 0
    staff = User.objects.filter(is_active=True).filter(Q(role=Role.STAFF) | Q(is_superuser=True))
    sent = 0
    for user in staff.order_by("pk"):
        send_templated_email(
            key=f"network:cadence:{coming:%Y-%m}:user:{user.pk}",
            to=user.email,
            name="network_cadence",
            context={
                "user": user,
                "plan": plan,
                "month": plan.long_label,
                "dashboard_url": absolute_url("network:staff_dashboard"),
                "newsletter_url": absolute_url("network:staff_newsletter_create"),
                "activity_url": absolute_url("network:staff_activity_create"),
            },
            language=user.language or None,
        )
        sent += 1
    return sent


# --- Counting several sets at once -----------------------------------------------------------


def count_each(sets: dict[Any, QuerySet]) -> dict[Any, int]:
    """How many rows each of ``sets`` holds, in one query (UNION ALL of one COUNT each)."""
    first, *others = [
        rows.order_by().values(what=Value(name)).annotate(n=Count("*"))
        for name, rows in sets.items()
    ]
    counts = dict.fromkeys(sets, 0)
    counts.update({row["what"]: row["n"] for row in first.union(*others, all=True)})
    return counts


# --- What waits for staff ---------------------------------------------------------------------


def staff_queues() -> dict[str, int]:
    """What waits for staff: invitation requests, possible duplicates, imports to
    confirm, address corrections to accept or set aside, counted in one query."""
    return count_each({
        "requests": InvitationRequest.objects.filter(status=InvitationRequest.Status.PENDING),
        "duplicates": DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN),
        "imports": HistoricalImport.objects.filter(status=HistoricalImport.Status.PREVIEW),
        "corrections": RawAddress.objects.filter(resolution="").exclude(suggestion=""),
    })  # fmt: skip


# --- Members and invitations -----------------------------------------------------------------


def _consent_counts() -> dict[str, Count]:
    """Members who take the newsletter, are in the directory, offer to serve."""
    return {
        "newsletter": Count("pk", filter=Q(newsletter_consent=True)),
        "directory": Count("pk", filter=Q(directory_consent=True)),
        "resource": Count(
            "pk",
            filter=Q(available_as_lecturer=True)
            | Q(available_as_interpreter=True)
            | Q(available_as_resource_person=True),
        ),
    }


def members_over_time(month_list: list[dt.date]) -> list[tuple[dt.date, int]]:
    """Members at the end of each month (who had joined by then)."""
    return member_figures(month_list).history


@dataclass(frozen=True)
class MemberFigures:
    counts: dict[str, int]
    history: list[tuple[dt.date, int]]
    quality: ContactQuality


def member_figures(month_list: list[dt.date]) -> MemberFigures:
    """Everything the dashboard says about the members: totals, consents and members at
    the end of each month in one pass over them, then the few with an address problem."""
    joined_by = {
        f"m{i}": Count("pk", filter=Q(joined_at__lt=_start(add_months(month, 1))))
        for i, month in enumerate(month_list)
    }
    counts = Member.objects.aggregate(total=Count("pk"), **_consent_counts(), **joined_by)
    return MemberFigures(
        counts={key: counts[key] for key in ("total", *_consent_counts())},
        history=[(month, counts[f"m{i}"]) for i, month in enumerate(month_list)],
        quality=ContactQuality(members=counts["total"], **count_each(_address_problems())),
    )


@dataclass(frozen=True)
class FunnelRow:
    code: str
    country: str
    invited: int
    sent: int
    bounced: int
    joined: int

    @property
    def join_percent(self) -> int:
        return round(100 * self.joined / self.sent) if self.sent else 0


SENT_STATES = [
    InvitationState.SENT,
    InvitationState.ACCEPTED,
    InvitationState.BOUNCED,
    InvitationState.EXPIRED,
]


def invitation_funnel() -> list[FunnelRow]:
    """Per country of residence: invited (queued or sent), sent, bounced, joined."""
    rows = (
        Invitation.objects.live()
        .values("person__country")
        .annotate(
            invited=Count("pk"),
            sent=Count("pk", filter=Q(state__in=SENT_STATES)),
            bounced=Count("pk", filter=Q(state=InvitationState.BOUNCED)),
            joined=Count("pk", filter=Q(state=InvitationState.ACCEPTED)),
        )
        .order_by("person__country")
    )
    names = dict(all_countries)
    funnel = [
        FunnelRow(
            code=row["person__country"] or "",
            country=str(names.get(row["person__country"], _("Unknown"))),
            invited=row["invited"],
            sent=row["sent"],
            bounced=row["bounced"],
            joined=row["joined"],
        )
        for row in rows
    ]
    return sorted(funnel, key=lambda r: r.country)


@dataclass(frozen=True)
class ContactQuality:
    members: int
    bounced: int
    missing: int

    @property
    def reachable(self) -> int:
        return self.members - self.bounced - self.missing

    @property
    def problem_percent(self) -> int:
        return round(100 * (self.bounced + self.missing) / self.members) if self.members else 0


def _address_problems() -> dict[str, QuerySet]:
    """Members with no address, and members whose address bounced (to count).

    Counted from the people's side, where these are few: the people without an address
    (``person_no_email_idx``) and those whose address is marked bad (through the email
    index; ``email <> ''`` lets PostgreSQL use the partial index person_email_unique_ci,
    addresses are stored in lower case), each checked for a member profile by its unique
    index. Asking it of every member instead costs a probe per member.
    """
    is_member = Exists(Member.objects.filter(person=OuterRef("pk")))
    return {
        "missing": Person.objects.filter(is_member, email=""),
        "bounced": Person.objects.annotate(email_key=Lower("email"))
        .filter(is_member, email_key__in=active_bad_addresses().values("email"))
        .exclude(email=""),
    }


def contact_quality() -> ContactQuality:
    """Members whose address bounced, and members with no address at all."""
    return ContactQuality(members=Member.objects.count(), **count_each(_address_problems()))
