"""A training week's logistics from end to end, in a real browser: a coordinator nominates
a participant, the participant gives their travel details from the emailed link on a
360 px phone (with a visa), staff confirm and the coordinator downloads the visa letter
with the passport data; staff download the week's pick-up and rooming lists and the name
badges; at the venue a phone checks the participant in by the badge's QR code while the
connection is cut and restored; after the week the participant answers the evaluation on
their phone and staff read the results.

Time passes by moving the week (as the evaluation journey does): the week is planned eight
weeks ahead, then moved to the current week for the check-in and to the past week for the
evaluation. The guide's screenshots of the whole journey come from here (``logistics-*``).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.support import link_from_email
from tests.browser.test_nomination_journey import keep_for_the_guide, participant
from tests.browser.test_phone_width import session_cookie
from tests.browser.test_staff_journey import pdf_text, sunday_in_weeks
from tests.browser.test_travel_journey import fill_travel_form, log_in
from tests.trainings.factories import make_week, session_of
from trainings.badges import badge_code
from trainings.evaluation import questions_for
from trainings.models import (
    DayAttendance,
    Enrolment,
    EnrolmentState,
    EvaluationAnswer,
    SessionDay,
    SessionKind,
    TrainingSession,
    TrainingWeek,
)

pytestmark = pytest.mark.browser


def move_week(week: TrainingWeek, sunday: dt.date) -> None:
    """The week as if it had been planned for ``sunday`` (its sessions and days too)."""
    shift = sunday - week.starts_on
    TrainingWeek.objects.filter(pk=week.pk).update(starts_on=sunday)
    for session in TrainingSession.objects.filter(week=week):
        TrainingSession.objects.filter(pk=session.pk).update(
            first_day=session.first_day + shift, last_day=session.last_day + shift
        )
        for day in SessionDay.objects.filter(session=session):
            SessionDay.objects.filter(pk=day.pk).update(
                starts_at=day.starts_at + shift, ends_at=day.ends_at + shift
            )
    week.refresh_from_db()


def test_a_week_from_the_nomination_to_the_evaluation(
    open_journey, live_server, coordinator, partnership, org_a, staff
):
    org_a.name = "Kisumu Health Trust"
    org_a.save()
    week = make_week(starts_on=sunday_in_weeks(8))
    t1 = session_of(week, SessionKind.TRAINING_1)
    grace = participant(partnership, "Grace", "Nakato", week.starts_on + dt.timedelta(days=14))
    grace.person.gender = "female"
    grace.person.save()

    # 1. The coordinator nominates Grace.
    c = open_journey("logistics-coordinator")
    log_in(c, coordinator)
    c.goto(f"/portal/trainings/sessions/{t1.pk}/nominate/")
    c.page.get_by_label("Grace Nakato").check()
    c.page.get_by_role("button", name="Nominate").click()
    expect(c.page.locator(".outcomes li", has_text="Grace Nakato")).to_contain_text("Nominated")
    enrolment = Enrolment.objects.get(session=t1, person=grace.person)

    # 2. Grace gives her travel details from the email, on her phone, with a visa.
    p = open_journey("logistics-participant", viewport="phone")
    page = p.page
    p.goto(link_from_email(to=grace.person.email, contains="/trainings/travel/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your travel details")
    fill_travel_form(page, week, expiry=dt.date(2031, 1, 31), arrival_time="07:40")
    page.locator("#id_arrival_airport").fill("Entebbe (EBB)")
    p.check(shot="travel-form")
    keep_for_the_guide(p, "travel-form", "logistics-travel-form")
    page.get_by_role("button", name="Send my travel details").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your travel details are sent")

    # 3. Staff confirm her; the coordinator then downloads the visa letter.
    s = open_journey("logistics-staff")
    s.context.add_cookies(session_cookie(staff, live_server.url))
    s.goto(f"/staff/trainings/sessions/{t1.pk}/")
    row = s.page.locator("tr", has_text="Grace Nakato")
    expect(row).to_contain_text("Invitation letter: Available once the enrolment is confirmed")
    row.get_by_role("button", name="Confirm").click()
    expect(s.page.locator("tr", has_text="Grace Nakato")).to_contain_text("Confirmed")
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CONFIRMED

    c.goto("/portal/trainings/")
    with c.page.expect_download() as download:
        c.page.get_by_role("link", name="Invitation letter").first.click()
    letter = pdf_text(download.value.path().read_bytes())
    assert "GRACE NAKATO" in letter and "B1234567" in letter
    assert f"NOREC-{t1.first_day.year}-T1-{enrolment.pk:06d}" in letter
    assert "Uganda" in letter

    # 4. Staff download the lists for the hotel and the drivers, and the badges.
    s.goto(f"/staff/trainings/weeks/{week.pk}/")
    card = s.page.locator("section", has=s.page.get_by_role("heading", name="Lists for the venue"))
    s.check(shot="week-lists", at=card)
    keep_for_the_guide(s, "week-lists", "logistics-week-lists")
    with s.page.expect_download() as download:
        card.get_by_role("link", name="Excel — Pick-up list").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    arrivals = [row for row in sheet.iter_rows(values_only=True) if "Grace Nakato" in row]
    assert arrivals and "KQ 412" in arrivals[0] and "07:40" in arrivals[0]
    with s.page.expect_download() as download:
        card.get_by_role("link", name="PDF — Rooming list").click()
    rooming = pdf_text(download.value.path().read_bytes())
    assert "Grace Nakato" in rooming
    with s.page.expect_download() as download:
        s.page.get_by_role("link", name="Name badges (PDF)").click()
    badges = pdf_text(download.value.path().read_bytes())
    assert "Grace Nakato" in badges and "Kisumu Health Trust" in badges

    # 5. The week has come: at the venue, a phone checks Grace in by her badge's QR code,
    # the connection cut and restored in between.
    venue_today = timezone.now().astimezone(week.venue.zone).date()
    move_week(week, venue_today - dt.timedelta(days=(venue_today.weekday() + 1) % 7))
    v = open_journey("logistics-venue", viewport="phone")
    v.context.add_cookies(session_cookie(staff, live_server.url))
    v.goto(f"/staff/trainings/weeks/{week.pk}/check-in/")
    pending, result = v.page.locator("[data-pending]"), v.page.locator("[data-result]")
    expect(pending).to_have_text("Every scan has been sent.")
    v.context.set_offline(True)
    v.page.wait_for_function("() => navigator.onLine === false")
    v.page.evaluate("code => window.norecCheckIn.handleScan(code)", badge_code(enrolment))
    expect(pending).to_have_text("1 scan not sent yet")
    assert not DayAttendance.objects.filter(enrolment=enrolment).exists()
    v.context.set_offline(False)
    expect(pending).to_have_text("Every scan has been sent.", timeout=15_000)
    expect(result).to_contain_text("Grace Nakato")
    expect(v.page.locator("[data-present-list]")).to_contain_text("Grace Nakato")
    v.check(shot="checked-in")
    keep_for_the_guide(v, "checked-in", "logistics-check-in")
    assert DayAttendance.objects.filter(enrolment=enrolment).count() == 1
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ATTENDED

    # 6. After the week: Grace answers the evaluation on her phone, staff read the results.
    move_week(week, week.starts_on - dt.timedelta(days=7))
    s.goto(f"/staff/trainings/sessions/{t1.pk}/evaluation/")
    s.page.get_by_role("button", name="Send the link now to 1 person").click()
    p.goto(link_from_email(to=grace.person.email, contains="/trainings/evaluation/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("How was Training 1?")
    for question in questions_for(SessionKind.TRAINING_1):
        page.get_by_role("group", name=str(question.text)).get_by_role("radio").nth(3).check()
    page.get_by_label("Anything else you would like to tell us?").fill("More time for questions.")
    p.check(shot="evaluation")
    keep_for_the_guide(p, "evaluation", "logistics-evaluation")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    assert EvaluationAnswer.objects.filter(session=t1).count() == 1

    s.goto(f"/staff/trainings/sessions/{t1.pk}/evaluation/")
    expect(s.page.locator("main")).to_contain_text("More time for questions.")
    expect(s.page.locator("main svg").first).to_be_visible()
    s.check(shot="results")
    keep_for_the_guide(s, "results", "logistics-evaluation-results")
