"""The evaluation after a training, in a real browser: a participant opens the link from
their email on a 360 px phone, misses a question, is told which, and answers; staff then
read the results (a chart and a table per question), show the farewell slide and compare
the venues."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.support import link_from_email
from tests.browser.test_nomination_journey import keep_for_the_guide
from tests.browser.test_staff_journey import log_in_with_code, sunday_in_weeks
from tests.factories import PersonFactory
from tests.trainings.factories import make_week, participant_for, session_of
from trainings import services
from trainings.evaluation import questions_for
from trainings.models import SessionKind, TrainingSession, TrainingWeek

pytestmark = pytest.mark.browser


@pytest.fixture
def ended(partnership):
    """Training 1 in Kampala that ended on the last Saturday, with three people confirmed and their
    links sent by the day's run."""
    week = make_week(starts_on=sunday_in_weeks(3))
    t1 = session_of(week, SessionKind.TRAINING_1)
    names = [("Grace", "Nakato"), ("Tendai", "Moyo"), ("Joseph", "Mwangi")]
    for first, last in names:
        person = participant_for(week.starts_on, partnership=partnership).person
        PersonFactory._meta.model.objects.filter(pk=person.pk).update(
            first_name=first, last_name=last, email=f"{first.lower()}@example.org"
        )
        person.refresh_from_db()
        services.enrol(session=t1, person=person, by=None, confirm=True)
    # The week has happened since (moved back in time: enrolment is closed once begun).
    today = timezone.localdate()
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7)
    sunday = saturday - dt.timedelta(days=6)
    TrainingWeek.objects.filter(pk=week.pk).update(starts_on=sunday)
    TrainingSession.objects.filter(week=week).update(first_day=sunday, last_day=saturday)
    assert services.send_evaluation_invitations(today=saturday) == 3
    return t1


def test_a_participant_answers_on_a_phone_and_staff_read_the_results(open_journey, staff, ended):
    t1 = ended
    questions = questions_for(SessionKind.TRAINING_1)
    phone = open_journey("evaluation", viewport="phone")
    page = phone.page
    phone.goto(link_from_email(to="grace@example.org", contains="/trainings/evaluation/"))
    assert page.url.endswith("/trainings/evaluation/")  # the token left the address bar
    expect(page.get_by_role("heading", level=1)).to_contain_text("How was Training 1?")
    phone.check(shot="form")
    keep_for_the_guide(phone, "form", "participant-evaluation")

    # Every question but the last rated; the page says which one is missing.
    for question in questions[:-1]:
        group = page.get_by_role("group", name=str(question.text))
        group.get_by_label("4 – Agree").check()
    page.get_by_role("button", name="Send my answers").click()
    missing = page.get_by_role("group", name=str(questions[-1].text))
    expect(page.locator(".field--error")).to_contain_text("Choose one of the five answers.")
    phone.check(shot="missing", at=missing)
    missing.get_by_label("5 – Very likely").check()
    page.get_by_label("Anything else you would like to tell us?").fill("More time for questions.")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    phone.check(shot="thanks")

    # Two more answers, straight through the service, for the charts.
    for email, value in (("tendai@example.org", 5), ("joseph@example.org", 2)):
        raw = link_from_email(to=email, contains="/trainings/evaluation/").rstrip("/")
        services.submit_evaluation(
            raw_token=raw.rsplit("/", 1)[-1],
            answers={q.key: value for q in questions}, comment="", language="en",
        )  # fmt: skip

    desk = open_journey("evaluation-staff")
    log_in_with_code(desk, staff)
    desk.goto(f"/staff/trainings/sessions/{t1.pk}/")
    desk.page.get_by_role("link", name="Evaluation results").click()
    results = desk.page
    expect(results.get_by_role("heading", level=1)).to_contain_text("Evaluation of Training 1")
    expect(results.locator(".stat").nth(2)).to_contain_text("100%")
    first = results.locator(".question-result").first
    expect(first.locator("svg.chart title").first).to_have_text(str(questions[0].text))
    expect(first.locator("table")).to_contain_text("4 – Agree")
    expect(first).to_contain_text("Average 3.7 of 5, from 3 answers.")
    expect(results.locator(".comment-list")).to_contain_text("More time for questions.")
    desk.check(shot="results", at=first)
    keep_for_the_guide(desk, "results", "staff-evaluation-results")

    results.get_by_role("link", name="Farewell slide (QR code)").first.click()
    expect(results.locator("svg.qr-code")).to_be_visible()
    desk.check(shot="slide")
    keep_for_the_guide(desk, "slide", "staff-evaluation-slide")

    desk.goto(f"/staff/trainings/evaluation/?year={t1.first_day.year}")
    expect(results.locator("#chart-year-t1")).to_be_visible()
    desk.check(shot="year", at=results.locator("#kind-t1"))
    keep_for_the_guide(desk, "year", "staff-evaluation-year")
