"""The network dashboard: its numbers against a known world, the monthly cadence (the flag
and the 20th-of-month email), the SVG charts, constant queries, who may see it, and the
page drawn by Chromium."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
import time_machine
from defusedxml import ElementTree as ET
from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from network.models import Activity, Invitation, InvitationRequest, Member, Newsletter
from network.services import bounces, newsletters
from network.services import dashboard as stats
from norec_portal import charts
from norec_portal.models import OutboxEmail
from partnerships.models import Person
from tests.factories import UserFactory
from tests.network.factories import (
    make_activity,
    make_alumnus_record,
    make_member,
    make_newsletter,
    wall,
)

pytestmark = pytest.mark.django_db

OSLO = timezone.get_fixed_timezone(120)  # CEST, the portal's zone in May
NOW = dt.datetime(2026, 5, 20, 8, 0, tzinfo=dt.UTC)  # a 20th: the cadence check runs


def at(year: int, month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, 12, 0, tzinfo=OSLO)


def local(year: int, month: int, day: int = 10, hour: int = 10) -> dt.datetime:
    return wall(year, month, day, hour, 0)  # the activity's own zone


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def invite(person, state: str) -> None:
    sent = None if state == "queued" else at(2026, 2)
    Invitation.objects.create(
        person=person,
        source="request",
        email=person.email or f"{person.pk}@x.org",
        state=state,
        sent_at=sent,
        expires_at=sent and sent + dt.timedelta(days=60),
    )


@pytest.fixture
def world(frozen, staff):
    """7 members, 7 invitations in 2 countries, newsletters and activities around May 2026."""
    joined = [
        at(2025, 3),
        at(2026, 1),
        at(2026, 1),
        at(2026, 3),
        at(2026, 3),
        at(2026, 3),
        at(2026, 5, 2),
    ]
    members = [make_member(email=f"m{i}@example.org", newsletter=True) for i in range(7)]
    for member, when in zip(members, joined, strict=True):
        Member.objects.filter(pk=member.pk).update(joined_at=when)
    members[5].person.email = ""
    members[5].person.save()
    bounces.mark_address_bad(email="m6@example.org", source="smtp", reason="550")

    ke = [
        make_alumnus_record(f"K{i}", "Ke", country="KE", email=f"k{i}@example.org")
        for i in range(5)
    ]
    ug = [
        make_alumnus_record(f"U{i}", "Ug", country="UG", email=f"u{i}@example.org")
        for i in range(2)
    ]
    for person, state in zip(
        ke, ["queued", "sent", "accepted", "bounced", "cancelled"], strict=True
    ):
        invite(person, state)
    invite(ug[0], "expired")
    invite(ug[1], "accepted")

    march = make_newsletter(subject="March news")
    Newsletter.objects.filter(pk=march.pk).update(status="sent", started_at=at(2026, 3, 5))
    june = make_newsletter(subject="June news")
    newsletters.schedule_newsletter(newsletter=june, when=at(2026, 6, 3), by=staff)
    april = make_newsletter(subject="Cancelled April")
    Newsletter.objects.filter(pk=april.pk).update(status="cancelled", scheduled_for=at(2026, 4, 3))
    make_newsletter(subject="Undated draft")
    make_activity(title="April meeting", starts=local(2026, 4, 15), ends=local(2026, 4, 15, 12))
    for day in (4, 18):
        make_activity(title=f"June {day}", starts=local(2026, 6, day), ends=local(2026, 6, day, 12))
    may = make_activity(
        title="Cancelled May", starts=local(2026, 5, 25), ends=local(2026, 5, 25, 12)
    )
    Activity.objects.filter(pk=may.pk).update(status="cancelled")
    # An announcement is not the month's newsletter.
    announcement = newsletters.create_newsletter(
        draft=newsletters.Draft("Come in June", "Details"),
        by=staff,
        activity=Activity.objects.get(title="June 4"),
    )
    Newsletter.objects.filter(pk=announcement.pk).update(status="sent", started_at=at(2026, 5, 3))
    return members


def test_members_over_time(world):
    history = stats.members_over_time(stats.months(dt.date(2025, 6, 1), 12))
    assert [n for _m, n in history] == [1, 1, 1, 1, 1, 1, 1, 3, 3, 6, 6, 7]


def test_invitation_funnel_per_country(world):
    funnel = {row.code: row for row in stats.invitation_funnel()}
    assert set(funnel) == {"KE", "UG"}
    ke, ug = funnel["KE"], funnel["UG"]
    assert (ke.invited, ke.sent, ke.bounced, ke.joined) == (4, 3, 1, 1)
    assert (ug.invited, ug.sent, ug.bounced, ug.joined) == (2, 2, 0, 1)
    assert (ke.country, ug.join_percent) == ("Kenya", 50)


def test_programme_per_month_against_the_goal(world):
    plan = {p.month: p for p in stats.monthly_plan(stats.months(dt.date(2026, 2, 1), 5))}
    counts = {m.month: (p.newsletters, p.activities, p.flagged) for m, p in plan.items()}
    assert counts == {
        2: (0, 0, True),
        3: (1, 0, True),
        4: (0, 1, True),
        5: (0, 0, True),
        6: (1, 2, False),
    }
    assert plan[dt.date(2026, 3, 1)].missing == ["activity"]


def test_contact_data_quality(world, staff):
    quality = stats.contact_quality()
    assert (quality.members, quality.bounced, quality.missing, quality.reachable) == (7, 1, 1, 5)
    assert quality.problem_percent == 29
    bad = bounces.mark_address_bad(email="m0@example.org", source="smtp")
    assert stats.contact_quality().bounced == 2
    bounces.clear_bad_address(bad=bad, by=staff)
    assert stats.contact_quality().bounced == 1  # a cleared address is reachable again


# --- The programme per month: the same figures as counting each month on its own ----------


def _plan_by_month_filters(month_list: list[dt.date]) -> list[tuple[dt.date, int, int]]:
    """The earlier definition, one COUNT … FILTER per month from midnight on the 1st
    (portal's zone): what the GROUP BY of ``monthly_plan`` must agree with."""

    def per_month(rows, field: str) -> dict[str, int]:
        return rows.aggregate(**{
            f"m{i}": Count("pk", filter=Q(**{
                f"{field}__gte": stats._start(month),
                f"{field}__lt": stats._start(stats.add_months(month, 1)),
            }))
            for i, month in enumerate(month_list)
        })  # fmt: skip

    newsletters = per_month(
        Newsletter.objects.filter(kind="newsletter")
        .exclude(status="cancelled")
        .annotate(month_at=Coalesce("started_at", "scheduled_for")),
        "month_at",
    )
    activities = per_month(Activity.objects.filter(status="planned"), "starts_at")
    return [(m, newsletters[f"m{i}"], activities[f"m{i}"]) for i, m in enumerate(month_list)]


def _counts(plan: list[stats.MonthPlan]) -> list[tuple[dt.date, int, int]]:
    return [(p.month, p.newsletters, p.activities) for p in plan]


def test_programme_months_start_at_midnight_in_norway(frozen):
    """Months follow the portal's zone, not UTC: 00:15 on 1 April in Oslo is still
    31 March in UTC, and counts in April."""
    oslo = timezone.get_current_timezone()
    went_out = {
        "Last of March": dt.datetime(2026, 3, 31, 23, 30, tzinfo=oslo),
        "First of April": dt.datetime(2026, 4, 1, 0, 15, tzinfo=oslo),
        "Before the window": dt.datetime(2026, 1, 31, 23, 59, tzinfo=oslo),
        "After the window": dt.datetime(2026, 5, 1, 0, 0, tzinfo=oslo),
    }
    for subject, when in went_out.items():
        newsletter = make_newsletter(subject=subject)
        Newsletter.objects.filter(pk=newsletter.pk).update(status="sent", started_at=when)
    early = make_newsletter(subject="Scheduled for April, went out in March")
    Newsletter.objects.filter(pk=early.pk).update(
        status="sent",
        scheduled_for=dt.datetime(2026, 4, 2, 9, 0, tzinfo=oslo),
        started_at=dt.datetime(2026, 3, 30, 9, 0, tzinfo=oslo),
    )
    for title, starts in [("Late in February", wall(2026, 2, 28, 23, 0)),
                          ("At midnight on 1 March", wall(2026, 3, 1, 0, 0))]:  # fmt: skip
        make_activity(title=title, starts=starts, ends=starts + dt.timedelta(hours=2),
                      time_zone="Europe/Oslo")  # fmt: skip
    window = stats.months(dt.date(2026, 2, 1), 3)
    expected = [
        (dt.date(2026, 2, 1), 0, 1),
        (dt.date(2026, 3, 1), 2, 1),
        (dt.date(2026, 4, 1), 1, 0),
    ]
    assert _counts(stats.monthly_plan(window)) == expected
    assert _plan_by_month_filters(window) == expected


@pytest.mark.parametrize(
    ("first", "count"),
    [(dt.date(2025, 11, 1), 12), (dt.date(2026, 3, 1), 2), (dt.date(2026, 6, 1), 1)],
)
def test_programme_agrees_with_counting_each_month_alone(world, first, count):
    window = stats.months(first, count)
    assert _counts(stats.monthly_plan(window)) == _plan_by_month_filters(window)


def test_no_months_no_figures(db):
    assert stats.monthly_plan([]) == [] and stats.members_over_time([]) == []


def test_a_months_labels_and_flag(world):
    may, june = stats.monthly_plan(stats.months(dt.date(2026, 5, 1), 2))
    assert (may.label, may.long_label, may.missing, may.flagged) == (
        "May 2026", "May 2026", ["newsletter", "activity"], True,
    )  # fmt: skip
    assert (june.label, june.long_label, june.missing, june.flagged) == (
        "Jun 2026", "June 2026", [], False,
    )  # fmt: skip


def test_the_programme_is_read_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        plan = stats.monthly_plan(stats.months(dt.date(2025, 11, 1), 12))
    assert [(p.month, p.newsletters, p.activities) for p in plan if not p.flagged] == [
        (dt.date(2026, 6, 1), 1, 2)
    ]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_month_labels_are_what_the_date_filter_prints(language):
    template = Template('{{ month|date:"M Y" }}|{{ month|date:"F Y" }}')
    with translation.override(language):
        for plan in stats.monthly_plan(stats.months(dt.date(2026, 1, 1), 12)):
            expected = template.render(Context({"month": plan.month}))
            assert f"{plan.label}|{plan.long_label}" == expected


def test_dashboard_page_shows_the_same_numbers(world, staff_client):
    response = staff_client.get(reverse("network:staff_dashboard"))
    page = response.content.decode()
    context = response.context
    assert [n for _m, n in context["history"]][-3:] == [6, 6, 7]
    assert [(p.label, p.flagged) for p in context["gaps"]] == [("May 2026", True)]
    assert "May 2026 has no newsletter and activity planned yet" in page
    assert page.count('role="img"') == 4
    assert '<th scope="row">Kenya</th><td class="num">4</td><td class="num">3</td>' in page
    assert '<th scope="row">June 2026</th><td class="num">1</td><td class="num">2</td>' in page
    assert "No newsletter and activity" in page  # May's row in the programme table


def test_cadence_email_on_the_20th_only_when_the_coming_month_lacks_something(world, staff):
    assert stats.check_monthly_cadence() == 0  # June has both
    Newsletter.objects.filter(subject="June news").update(status="cancelled")
    other_staff = UserFactory(role="staff", email="other.staff@norec.no")
    UserFactory(role="alumnus", email="not.staff@example.org")
    assert stats.check_monthly_cadence() == 2
    assert stats.check_monthly_cadence() == 2  # the same keys: nothing new queued
    emails = OutboxEmail.objects.filter(idempotency_key__startswith="network:cadence:2026-06:")
    assert set(emails.values_list("to_email", flat=True)) == {staff.email, other_staff.email}
    email = emails.first()
    assert "June 2026" in email.subject
    assert "0 newsletters" in email.body_text and "2 activities" in email.body_text
    assert "/staff/network/newsletters/new/" in email.body_text


def test_the_cadence_check_is_on_beat_for_the_20th(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["network-monthly-cadence"]
    assert entry["task"] == "network.tasks.check_monthly_cadence"
    assert entry["schedule"].day_of_month == {20}


# --- Charts --------------------------------------------------------------------------------


def test_charts_are_well_formed_accessible_svg_with_escaped_labels():
    series = [charts.Series("A & B", [1, 3], charts.NAVY), charts.Series("<C>", [2, 0], "#000")]
    drawn = [
        charts.column_chart(
            chart_id="c1",
            title="T <1>",
            description="D",
            categories=["x", "y"],
            series=series,
            goal=1,
            goal_label="Goal",
            flagged=[True, False],
        ),
        charts.bar_chart(
            chart_id="c2",
            title="T",
            description="D",
            categories=["<script>", "Kenya"],
            series=series,
        ),
        charts.line_chart(
            chart_id="c3", title="T", description="D", categories=["a", "b"], series=series[0]
        ),
    ]
    for svg in drawn:
        root = ET.fromstring(str(svg))  # raises if not well-formed
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        assert root.find(f"{ns}title") is not None and root.find(f"{ns}desc") is not None
        assert root.get("aria-labelledby") == f"{root.get('id')}-title {root.get('id')}-desc"
        assert "<script>" not in str(svg) and "style=" not in str(svg)
    assert "A &amp; B" in str(drawn[0]) and "&lt;C&gt;" in str(drawn[0])
    assert 'stroke-dasharray="5 3"' in str(drawn[0])  # the goal line


def test_nice_ticks():
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(1) == [0, 1]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(2000) == [0, 500, 1000, 1500, 2000]


# --- Queries and access ----------------------------------------------------------------------


def _grow(n: int, prefix: str) -> None:
    for i in range(n):
        member = make_member(email=f"{prefix}{i}@example.org", newsletter=True)
        Member.objects.filter(pk=member.pk).update(joined_at=at(2025, 6 + i % 12 // 2 + 1))
        person = make_alumnus_record(
            f"{prefix}{i}",
            "X",
            country=["KE", "UG", "TZ", "NP"][i % 4],
            email=f"{prefix}-inv{i}@example.org",
        )
        invite(person, ["sent", "accepted", "bounced"][i % 3])
        make_newsletter(subject=f"{prefix} {i}")
        make_activity(title=f"{prefix} {i}")
        bounces.mark_address_bad(email=f"{prefix}{i}@example.org", source="smtp")


def test_dashboard_runs_a_constant_number_of_queries(
    frozen, staff_client, django_assert_max_num_queries
):
    url = reverse("network:staff_dashboard")
    _grow(2, "a")
    staff_client.get(url)
    with django_assert_max_num_queries(12) as small:
        staff_client.get(url)
    _grow(14, "b")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert staff_client.get(url).status_code == 200


# --- Figures follow the data -------------------------------------------------------------------


def test_figures_are_exact_and_a_change_shows_at_once(world, staff, staff_client):
    url = reverse("network:staff_dashboard")
    first = staff_client.get(url)
    assert first.context["members"]["total"] == 7
    assert [p.month for p in first.context["gaps"]] == [dt.date(2026, 5, 1)]

    make_member(email="new@example.org")
    InvitationRequest.objects.create(first_name="Ny", last_name="Venn", email="ny@example.org")
    may_news = make_newsletter(subject="May news")
    newsletters.schedule_newsletter(newsletter=may_news, when=at(2026, 5, 28), by=staff)
    make_activity(title="May meeting", starts=local(2026, 5, 27), ends=local(2026, 5, 27, 12))
    later = staff_client.get(url)
    assert later.context["members"]["total"] == 8
    assert later.context["queues"]["requests"] == 1
    assert later.context["gaps"] == []


def test_figures_follow_the_language(world, staff, staff_client):
    url = reverse("network:staff_dashboard")
    english = staff_client.get(url).content.decode()
    staff.language = "fr"
    staff.save(update_fields=["language"])
    french = staff_client.get(url).content.decode()
    assert '<th scope="row">Uganda</th>' in english
    assert '<th scope="row">Ouganda</th>' in french and "Uganda" not in french


def test_the_programme_and_its_warnings_in_french(world, staff, staff_client):
    staff.language = "fr"
    staff.save(update_fields=["language"])
    page = staff_client.get(reverse("network:staff_dashboard")).content.decode()
    with translation.override("fr"):
        missing = gettext(" and ").join([gettext("newsletter"), gettext("activity")])
        warning = gettext(
            "%(month)s has no %(missing)s planned yet: the goal is at least one newsletter "
            "and one activity every month."
        ) % {"month": "mai 2026", "missing": missing}
        badge = gettext("No %(missing)s") % {"missing": missing}
        june = date_format(dt.date(2026, 6, 1), "M Y")
    assert f'<li class="message message--warning">{escape(warning)}</li>' in page
    assert '<th scope="row">juin 2026</th><td class="num">1</td><td class="num">2</td>' in page
    assert (
        '<th scope="row">mai 2026</th><td class="num">0</td><td class="num">0</td>\n'
        f'          <td><span class="badge badge--warn">{escape(badge)}</span></td>'
    ) in page
    assert f">{june}</text>" in page  # under the programme chart's columns


def test_the_figures_sections_and_the_programme_follow_a_change(world, staff_client):
    url = reverse("network:staff_dashboard")
    staff_client.get(url)
    make_member(email="new@example.org")
    make_activity(title="May meeting", starts=local(2026, 5, 27), ends=local(2026, 5, 27, 12))
    page = staff_client.get(url).content.decode()
    assert '<span class="stat__value">8</span><span class="stat__label">Members</span>' in page
    assert (
        '<th scope="row">May 2026</th><td class="num">0</td><td class="num">1</td>\n'
        '          <td><span class="badge badge--warn">No newsletter</span></td>'
    ) in page
    assert "May 2026 has no newsletter planned yet" in page
    assert page.count('role="img"') == 4


def new_staff_urls() -> list[str]:
    newsletter = make_newsletter()
    activity = make_activity()
    bad = bounces.mark_address_bad(email="gone@example.org", source="smtp")
    n, a = newsletter.pk, activity.pk
    return [
        reverse("network:staff_dashboard"),
        reverse("network:staff_data_quality"),
        reverse("network:staff_bad_address_clear", args=[bad.pk]),
        reverse("network:staff_newsletters"),
        reverse("network:staff_newsletter_create"),
        reverse("network:staff_newsletter", args=[n]),
        reverse("network:staff_newsletter_edit", args=[n]),
        reverse("network:staff_newsletter_preview", args=[n]),
        reverse("network:staff_newsletter_progress", args=[n]),
        reverse("network:staff_newsletter_test", args=[n]),
        reverse("network:staff_newsletter_schedule", args=[n]),
        reverse("network:staff_newsletter_action", args=[n, "send"]),
        reverse("network:staff_activities"),
        reverse("network:staff_activity_create"),
        reverse("network:staff_activity", args=[a]),
        reverse("network:staff_activity_edit", args=[a]),
        reverse("network:staff_activity_cancel", args=[a]),
        reverse("network:staff_activity_announce", args=[a]),
        reverse("network:staff_activity_ics", args=[a]),
    ]


def member_urls() -> list[str]:
    activity = Activity.objects.first() or make_activity()
    sent = make_newsletter(subject="Sent one")
    Newsletter.objects.filter(pk=sent.pk).update(status="sent", started_at=timezone.now())
    return [
        reverse("network:activities"),
        reverse("network:activity", args=[activity.pk]),
        reverse("network:activity_rsvp", args=[activity.pk]),
        reverse("network:activity_ics", args=[activity.pk]),
        reverse("network:newsletter_archive"),
        reverse("network:newsletter_read", args=[sent.pk]),
    ]


def test_staff_reach_every_new_staff_page(staff_client):
    for url in new_staff_urls():
        method = (
            staff_client.post
            if url.endswith(("/test/", "/schedule/", "/announce/", "/clear/"))
            else staff_client.get
        )
        assert method(url).status_code in (200, 302), url


@pytest.mark.parametrize("role", ["coordinator", "alumnus"])
def test_coordinators_and_members_get_no_staff_network_page(client, role, request):
    user = (
        request.getfixturevalue("coordinator")
        if role == "coordinator"
        else make_member(email="m@example.org").person.user
    )
    client.force_login(user)
    for url in new_staff_urls():
        assert client.get(url).status_code in (403, 404), url
        assert client.post(url).status_code in (403, 404), url
    assert not Newsletter.objects.exclude(status="draft").exists()
    assert not Activity.objects.filter(status="cancelled").exists()


def test_coordinators_and_staff_get_no_member_network_page(client, coordinator, staff):
    urls = member_urls()
    for user in (coordinator, staff):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code in (403, 404), url
    assert client.post(urls[2]).status_code in (403, 404)


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in new_staff_urls() + member_urls():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


# --- In a real browser ---------------------------------------------------------------------------

CHROMIUM = os.environ.get("NOREC_CHROMIUM", "/usr/bin/chromium")


def _realistic_world() -> None:
    """A year of the network up to today, to look at (the live server runs on real time)."""
    today = timezone.localdate()
    this_month = stats.month_of(today)
    for i in range(60):
        member = make_member(email=f"w{i}@example.org", newsletter=i % 5 != 0)
        month = stats.add_months(this_month, -(11 - (i * i) % 12))
        Member.objects.filter(pk=member.pk).update(joined_at=stats._start(month))
    for i in range(3):
        bounces.mark_address_bad(email=f"w{i}@example.org", source="smtp", reason="550")
    Person.objects.filter(email__in=["w3@example.org", "w4@example.org"]).update(email="")
    countries = ["KE", "UG", "TZ", "NP", "MZ", "ET"]
    for i in range(90):
        person = make_alumnus_record(
            f"I{i}", "Alum", country=countries[i % 6], email=f"inv{i}@example.org"
        )
        states = ["sent", "accepted", "accepted", "bounced", "expired", "queued"]
        invite(person, states[(i // 6 + i) % 6])
    for back in (5, 4, 2, 1):
        newsletter = make_newsletter(subject=f"News {back}")
        Newsletter.objects.filter(pk=newsletter.pk).update(
            status="sent",
            started_at=stats._start(stats.add_months(this_month, -back)) + dt.timedelta(days=3),
        )
    for back, day in ((6, 5), (5, 12), (3, 8), (3, 20), (2, 14), (0, 27), (1, 3)):
        month = stats.add_months(this_month, -back if back else 1 if day == 3 else 0)
        start = wall(month.year, month.month, min(day, 28), 10)
        make_activity(
            title=f"Activity {back}-{day}", starts=start, ends=start + dt.timedelta(hours=2)
        )


@pytest.mark.django_db(transaction=True)
def test_dashboard_charts_render_in_chromium(live_server, staff, client, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    _realistic_world()
    client.force_login(staff)
    cookie = client.cookies["sessionid"].value
    shots = Path(os.environ.get("NOREC_SCREENSHOT_DIR", tmp_path))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.context.add_cookies(
                [{"name": "sessionid", "value": cookie, "url": live_server.url}]
            )
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(live_server.url + reverse("network:staff_dashboard"))
            charts_drawn = page.locator("svg.chart")
            assert charts_drawn.count() == 4
            for i in range(4):
                box = charts_drawn.nth(i).bounding_box()
                assert box and box["width"] > 300 and box["height"] > 100
            assert page.locator("#chart-programme rect").count() > 12
            page.screenshot(path=str(shots / "network-dashboard.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(shots / "network-dashboard-phone.png"), full_page=True)
            assert errors == []  # no CSP violation, nothing blocked
        finally:
            browser.close()
