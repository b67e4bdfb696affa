"""The year view and the forecast: what they show, in every language, with user text
escaped and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from partnerships.models import Participant
from tests.factories import ParticipantFactory, make_staff
from tests.trainings import factories as f
from trainings import planning, services
from trainings.models import SessionKind, TrainingSession

pytestmark = pytest.mark.django_db

YEAR_URL = reverse("trainings:staff_year") + "?year=2026"


def seminar(title: str, first_day: dt.date, *, by, facilitators=()) -> TrainingSession:
    days = [first_day + dt.timedelta(days=n) for n in range(3)]
    return services.create_intro_seminar(
        title=title, capacity=10, venue=None, online=True, facilitators=list(facilitators),
        by=by, days=[services.SeminarDay(day, dt.time(9), dt.time(12)) for day in days],
    )  # fmt: skip


def a_full_session_with_a_waitlist(partnership, staff) -> TrainingSession:
    week = f.make_week(venue_name="Bangkok", t1=2)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    for n in range(3):
        person = f.participant_for(partnership=partnership, first_name=f"P{n}").person
        services.enrol(session=t1, person=person, by=staff)
    return t1


# --- The year view ----------------------------------------------------------------------


def test_year_view_sessions_print_what_the_shared_counts_partial_prints(
    staff_client, partnership, staff
):
    t1 = a_full_session_with_a_waitlist(partnership, staff)
    intro = seminar("Intro & <welcome>", dt.date(2026, 6, 2), by=staff)
    html = staff_client.get(YEAR_URL).content.decode()
    plan = planning.year_plan(2026)
    sessions = [
        s for row in plan.rows for cell in row.cells for w in cell for s in w.planned_sessions
    ]
    assert t1 in sessions and len(sessions) == 3
    for session in [*sessions, *plan.seminars]:
        counts = render_to_string("trainings/_session_counts.html", {"session": session}).strip()
        link = reverse("trainings:staff_session", args=[session.pk])
        assert f'<a href="{link}">{escape(session.name)}</a>' in html
        assert counts in html
    assert "2 of 2 seats</span> <span" in html and ">1 waiting</span>" in html
    assert "Intro &amp; &lt;welcome&gt;" in html and "<welcome>" not in html
    assert f"<td>{intro.place}</td>" in html and "<td>2 Jun – 4 Jun 2026</td>" in html
    assert '<th scope="row">3 May</th>' in html
    assert reverse("trainings:staff_week", args=[t1.week_id]) in html


def test_year_view_escapes_the_names_in_a_conflict(staff_client, staff):
    other = make_staff(email="ola@norec.no", full_name="Ola <b>Nordmann</b>")
    first = f.make_week(venue_name="Kampala")
    second = f.make_week(venue_name="Bangkok")
    f.session_of(first, SessionKind.TRAINING_1).facilitators.set([staff, other])
    f.session_of(second, SessionKind.PARTNER).facilitators.set([other])
    html = staff_client.get(YEAR_URL).content.decode()
    message = (
        "Ola &lt;b&gt;Nordmann&lt;/b&gt; facilitates Training 1 (Kampala, 3 May 2026) and "
        "Partner training (Bangkok, 3 May 2026) at the same time."
    )
    assert f'title="{message}">1 conflict</span>' in html
    assert f"</span> {message}</li>" in html
    assert "<b>Nordmann</b>" not in html


def test_year_view_in_french(staff_client, partnership, staff):
    staff.language = "fr"
    staff.save()
    a_full_session_with_a_waitlist(partnership, staff)
    html = staff_client.get(YEAR_URL).content.decode()
    with translation.override("fr"):
        assert '<th scope="row">3 Mai</th>' in html  # the date filter's French month
        expected = render_to_string(
            "trainings/_session_counts.html",
            {"session": planning.year_plan(2026).rows[0].cells[0][0].planned_sessions[0]},
        ).strip()
    assert "2 places sur 2" in expected and "1 en attente" in expected
    assert expected in html and ">Formation 1</a>" in html


def test_year_plan_runs_four_queries(partnership, staff, django_assert_num_queries):
    a_full_session_with_a_waitlist(partnership, staff)
    f.make_week(venue_name="Kampala", starts_on=f.SUNDAY + dt.timedelta(weeks=5))
    seminar("Intro", dt.date(2026, 6, 2), by=staff, facilitators=[staff])
    with django_assert_num_queries(4):
        plan = planning.year_plan(2026)
    with django_assert_num_queries(0), translation.override("en"):
        lines = [(s.name, s.place, s.taken, s.waiting) for s in plan.seminars]
        lines += [
            (s.name, s.place, s.taken, s.waiting, s.facilitator_list)
            for row in plan.rows
            for cell in row.cells
            for week in cell
            for s in week.planned_sessions
        ]
    assert ("Training 1", "Bangkok", 2, 1, []) in lines
    assert ("Intro", "Online", 0, 0) in lines


# --- The forecast -----------------------------------------------------------------------


def test_forecast_rows_escape_names_and_show_what_is_short(staff_client, partnership):
    week = f.make_week(t1=1)  # 3 May 2026
    later = TrainingSession.objects.create(
        kind=SessionKind.TRAINING_1, week=week, group=2, capacity=1,
        first_day=week.starts_on, last_day=week.ends_on,
    )  # fmt: skip
    f.participant_for(partnership=partnership, first_name="Amina", last_name="<O'Brien>")
    f.participant_for(partnership=partnership, first_name="Brian", last_name="Otieno")
    alone = f.participant_for(first_name="Chebet", last_name="Alone")
    Participant.objects.filter(pk=alone.pk).update(sending_organisation=None)
    html = staff_client.get(reverse("trainings:staff_forecast") + "?from=2026-03").content.decode()
    assert "<td>Amina &lt;O&#x27;Brien&gt;<br>" in html and "<O'Brien>" not in html
    assert '<span class="muted">—</span>' in html  # no sending organisation
    session_url = reverse("trainings:staff_session", args=[later.pk])
    assert f'<a href="{session_url}">Kampala, 3 May 2026</a> (group 2)' in html
    assert '<th scope="row">May 2026</th>' in html
    assert '<td class="num">3 <span class="badge badge--bad">1 short</span></td>' in html
    assert "<strong>March 2026 – February 2027</strong>" in html
    assert "<td>16 Feb 2026 – 17 May 2026</td>" in html  # Training 1's window


def test_forecast_needs_each_training_by_its_own_date(partnership):
    """A participant is counted for Training 1 by the start of the exchange and for
    Training 2 by its end, each only when that date is in the period and known."""
    period = {"start": dt.date(2026, 3, 1), "months": 12, "today": f.TODAY}
    starts = ParticipantFactory(exchange_start=dt.date(2026, 5, 1), exchange_end=None)
    ends = ParticipantFactory(exchange_start=dt.date(2025, 6, 1), exchange_end=dt.date(2026, 4, 1))
    both = ParticipantFactory(exchange_start=dt.date(2026, 4, 1), exchange_end=dt.date(2026, 9, 1))
    ParticipantFactory(exchange_start=None, exchange_end=None)
    ParticipantFactory(
        exchange_start=dt.date(2026, 4, 1), exchange_end=dt.date(2026, 9, 1),
        status=Participant.Status.WITHDRAWN,
    )  # fmt: skip
    result = planning.forecast(**period)
    assert [(u.participant_id, u.kind, u.due) for u in result.unplaced] == [
        (both.pk, SessionKind.TRAINING_1, dt.date(2026, 4, 1)),
        (ends.pk, SessionKind.TRAINING_2, dt.date(2026, 4, 1)),
        (starts.pk, SessionKind.TRAINING_1, dt.date(2026, 5, 1)),
        (both.pk, SessionKind.TRAINING_2, dt.date(2026, 9, 1)),
    ]


def test_forecast_runs_three_queries(partnership, staff, django_assert_num_queries):
    week = f.make_week(t1=1)
    placed = f.participant_for(partnership=partnership, first_name="Placed")
    services.enrol(
        session=f.session_of(week, SessionKind.TRAINING_1), person=placed.person, by=staff
    )
    f.participant_for(partnership=partnership, first_name="Waiting")
    # The sessions, and the participants without a seat counted per day for each kind.
    with django_assert_num_queries(3):
        result = planning.forecast(start=dt.date(2026, 3, 1), months=12, today=f.TODAY)
    assert placed.pk not in {u.participant_id for u in result.unplaced if u.kind == "t1"}
    assert len(result.unplaced) == 1


def test_year_view_leads_to_that_years_evaluations(staff_client):
    page = staff_client.get(reverse("trainings:staff_year"), {"year": 2025}).content.decode()
    comparison = f"{reverse('trainings:staff_evaluation_year')}?year=2025"
    assert f'href="{comparison}"' in page
    assert staff_client.get(comparison).status_code == 200
