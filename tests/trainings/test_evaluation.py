"""The evaluation after a session: links sent once, answered once, anonymous by design,
and the results staff read."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, connections
from django.db.models import DateTimeField, TimeField
from django.urls import reverse
from django.utils import timezone

from norec_portal.models import AuditEntry, OutboxEmail
from tests.conftest import need_stack
from tests.test_privacy_coverage import is_personal
from tests.trainings import factories as f
from trainings import services
from trainings.evaluation import questions_for, slide_code
from trainings.models import (
    EnrolmentState,
    EvaluationAnswer,
    EvaluationInvitation,
    SessionKind,
    TrainingSession,
)

LINK = re.compile(r"https?://\S+/trainings/evaluation/([A-Za-z0-9_\-]{20,})/")


@pytest.fixture
def people(partnership, t1):
    """Ama and Kofi confirmed in Training 1; Nia only nominated (not asked)."""
    ama = f.participant_for(partnership=partnership, first_name="Ama", last_name="Mensah",
                            email="ama@example.org").person  # fmt: skip
    kofi = f.participant_for(partnership=partnership, first_name="Kofi", last_name="Boateng",
                             email="kofi@example.org").person  # fmt: skip
    nia = f.participant_for(partnership=partnership, first_name="Nia", last_name="Otieno",
                            email="nia@example.org").person  # fmt: skip
    services.enrol(session=t1, person=ama, by=None, confirm=True)
    services.enrol(session=t1, person=kofi, by=None, confirm=True)
    services.enrol(session=t1, person=nia, by=None)
    return {"ama": ama, "kofi": kofi, "nia": nia}


def evaluation_mails(to: str | None = None):
    mails = OutboxEmail.objects.filter(idempotency_key__startswith="training-evaluation:")
    return mails.filter(to_email=to) if to else mails


def token_in(mail: OutboxEmail) -> str:
    found = LINK.search(mail.body_text)
    assert found, mail.body_text
    return found.group(1)


def answers_for(kind: str, value: int = 4) -> dict[str, str]:
    return {q.key: str(value) for q in questions_for(kind)}


@pytest.fixture
def last_day():
    """The clock on the fixture week's last day, Saturday 9 May 2026."""
    with time_machine.travel(dt.datetime(2026, 5, 9, 12, 0, tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def sent(t1, people, last_day):
    """The links of Training 1, sent on its last day."""
    assert services.send_evaluation_invitations(today=t1.last_day) == 2
    return {name: token_in(evaluation_mails(person.email).get())
            for name, person in people.items() if name != "nia"}  # fmt: skip


@pytest.fixture
def staff_later(client, staff):
    """Staff's client, logged in again whenever the clock has moved on (a login lasts
    twelve hours)."""

    def login():
        client.force_login(staff)
        return client

    return login


def answer(client, token: str, data: dict[str, str], *, comment: str = ""):
    client.get(reverse("trainings:evaluation_link", kwargs={"token": token}))
    return client.post(reverse("trainings:evaluation_answer"), {**data, "comment": comment})


# --- Anonymity ------------------------------------------------------------------------------


def test_no_column_of_an_answer_leads_to_a_link_an_enrolment_or_a_person():
    relations = [f for f in EvaluationAnswer._meta.get_fields() if f.is_relation]
    assert [f.related_model for f in relations] == [TrainingSession]
    names = {f.name for f in EvaluationAnswer._meta.get_fields()}
    assert not {n for n in names if re.search("token|invitation|enrolment|person|user", n)}
    # Neither an increasing number nor a time to line answers up with the links' use.
    assert EvaluationAnswer._meta.pk.get_internal_type() == "UUIDField"
    assert not [f for f in EvaluationAnswer._meta.concrete_fields
                if isinstance(f, DateTimeField | TimeField)]  # fmt: skip
    assert not is_personal(EvaluationAnswer)
    assert [f.name for f in EvaluationInvitation._meta.get_fields() if f.is_relation] == [
        "enrolment"
    ]


def test_a_used_link_keeps_only_the_day(client, t1, sent):
    with time_machine.travel(dt.datetime(2026, 5, 9, 15, 47, tzinfo=dt.UTC)):
        answer(client, sent["ama"], answers_for(t1.kind))
    invitation = EvaluationInvitation.objects.get(enrolment__person__first_name="Ama")
    assert invitation.used_at == dt.datetime(2026, 5, 9, tzinfo=dt.UTC)
    assert EvaluationAnswer.objects.get().submitted_on == dt.date(2026, 5, 9)


# --- Sending --------------------------------------------------------------------------------


def test_the_daily_run_sends_on_the_last_day_and_never_twice(t1, people):
    assert services.send_evaluation_invitations(today=t1.last_day - dt.timedelta(days=1)) == 0
    assert services.send_evaluation_invitations(today=t1.last_day) == 2
    assert services.send_evaluation_invitations(today=t1.last_day) == 0
    assert services.send_evaluation_invitations(today=t1.last_day + dt.timedelta(days=1)) == 0
    assert sorted(evaluation_mails().values_list("to_email", flat=True)) == [
        "ama@example.org", "kofi@example.org",
    ]  # fmt: skip
    mail = evaluation_mails("ama@example.org").get()
    assert "Training 1" in mail.subject and "21 days" in mail.body_text
    # Only the hash is kept.
    raw = token_in(mail)
    assert not EvaluationInvitation.objects.filter(token_hash=raw).exists()


def test_the_beat_task_calls_the_service(t1, people):
    from trainings import tasks

    with time_machine.travel(dt.datetime(2026, 5, 9, 12, 15, tzinfo=dt.UTC)):
        assert tasks.send_evaluation_invitations() == 2
        assert tasks.send_evaluation_invitations() == 0


def test_a_cancelled_session_is_not_evaluated(t1, people):
    TrainingSession.objects.filter(pk=t1.pk).update(status=TrainingSession.Status.CANCELLED)
    assert services.send_evaluation_invitations(today=t1.last_day) == 0
    assert not evaluation_mails().exists()


def test_staff_send_the_links_now_once_the_session_has_begun(staff_later, t1, people):
    staff_client = staff_later()
    url = reverse("trainings:staff_session_evaluation_send", kwargs={"pk": t1.pk})
    response = staff_client.post(url, follow=True)
    assert "has not begun yet" in response.content.decode()
    assert not evaluation_mails().exists()
    with time_machine.travel(dt.datetime(2026, 5, 8, 10, 0, tzinfo=dt.UTC)):
        staff_client = staff_later()
        response = staff_client.post(url, follow=True)
        assert "sent to 2 people" in response.content.decode()
        assert AuditEntry.objects.filter(action="evaluation_sent").count() == 1
        staff_client.post(url)
    assert evaluation_mails().count() == 2
    # The day's run later finds nothing left to send.
    assert services.send_evaluation_invitations(today=t1.last_day) == 0


# --- Answering ------------------------------------------------------------------------------


def test_a_person_answers_once_with_their_link(client, t1, sent):
    response = client.get(reverse("trainings:evaluation_link", kwargs={"token": sent["ama"]}))
    assert response.status_code == 302 and sent["ama"] not in response["Location"]
    page = client.get(reverse("trainings:evaluation_answer")).content.decode()
    assert page.count("<fieldset") == len(questions_for(SessionKind.TRAINING_1))
    assert "<legend>I feel better prepared" in page
    response = client.post(reverse("trainings:evaluation_answer"),
                           {**answers_for(t1.kind, 5), "comment": "More role play."})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == reverse("trainings:evaluation_thanks")
    stored = EvaluationAnswer.objects.get()
    assert stored.session == t1 and stored.kind == "t1" and stored.language == "en"
    assert stored.answers == {q.key: 5 for q in questions_for("t1")}
    assert stored.comment == "More role play."
    # The same link again, by GET or by a second submit: already answered.
    again = client.get(reverse("trainings:evaluation_link", kwargs={"token": sent["ama"]}))
    assert "already answered" in again.content.decode()
    second = client.post(reverse("trainings:evaluation_answer"), answers_for(t1.kind, 1))
    assert "already answered" in second.content.decode()
    assert EvaluationAnswer.objects.count() == 1


def test_every_question_must_be_answered_on_the_scale(client, t1, sent):
    data = answers_for(t1.kind)
    data.pop("safety")
    data["prepared"] = "7"
    response = answer(client, sent["ama"], data)
    assert response.status_code == 200
    assert response.content.decode().count("Choose one of the five answers.") == 2
    assert not EvaluationAnswer.objects.exists()
    assert EvaluationInvitation.objects.filter(used_at__isnull=False).count() == 0


def test_the_service_refuses_an_incomplete_answer(t1, sent):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.submit_evaluation(raw_token=sent["ama"], answers={"prepared": 9}, comment="",
                                   language="en")  # fmt: skip
    assert "safety" in refused.value.message_dict
    assert not EvaluationAnswer.objects.exists()


def test_an_expired_or_unknown_link_is_refused(client, t1, sent):
    later = timezone.now() + dt.timedelta(days=22)
    with time_machine.travel(later):
        response = client.get(reverse("trainings:evaluation_link", kwargs={"token": sent["ama"]}))
    assert response.status_code == 400
    response = client.get(reverse("trainings:evaluation_link", kwargs={"token": "x" * 43}))
    assert response.status_code == 400
    assert client.get(reverse("trainings:evaluation_answer")).status_code == 400


def test_the_page_speaks_the_persons_language(client, t1, people, sent):
    people["kofi"].preferred_language = "fr"
    people["kofi"].save(update_fields=["preferred_language"])
    client.get(reverse("trainings:evaluation_link", kwargs={"token": sent["kofi"]}))
    page = client.get(reverse("trainings:evaluation_answer")).content.decode()
    assert '<html lang="fr">' in page
    answer(client, sent["kofi"], answers_for(t1.kind))
    assert EvaluationAnswer.objects.get().language == "fr"


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_give_one_answer(partnership):
    if connection.vendor != "postgresql":
        need_stack("the race needs PostgreSQL row locks (set DATABASE_URL)")
    week = f.make_week()
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    person = f.participant_for(partnership=partnership, email="race@example.org").person
    services.enrol(session=t1, person=person, by=None, confirm=True)
    services.send_evaluation_invitations(today=t1.last_day)
    raw = token_in(evaluation_mails().get())
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            services.submit_evaluation(raw_token=raw, answers=answers_for("t1"), comment="",
                                       language="en")  # fmt: skip
            outcomes.append("answered")
        except services.AlreadyAnswered:
            outcomes.append("already")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already"] * 7 + ["answered"]
    assert EvaluationAnswer.objects.count() == 1


# --- The farewell slide ---------------------------------------------------------------------


def test_the_slide_shows_a_qr_code_of_the_public_page(staff_client, t1):
    page = staff_client.get(
        reverse("trainings:staff_session_evaluation_slide", kwargs={"pk": t1.pk})
    ).content.decode()
    assert "<svg" in page and 'class="qr-code"' in page
    assert reverse("trainings:evaluation_request", kwargs={"code": slide_code(t1.pk)}) in page


@pytest.fixture
def slide_post(client, django_capture_on_commit_callbacks):
    """POST an address to the slide's page; the task it queues runs on commit."""

    def post(session, email):
        url = reverse("trainings:evaluation_request", kwargs={"code": slide_code(session.pk)})
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, {"email": email})

    return post


def test_the_slide_emails_a_new_link_and_says_the_same_to_anyone(client, slide_post, t1, sent):
    with time_machine.travel(dt.datetime(2026, 5, 9, 16, 0, tzinfo=dt.UTC)):
        known = slide_post(t1, "AMA@example.org")
        unknown = slide_post(t1, "nobody@example.org")
        nominated = slide_post(t1, "nia@example.org")
    assert known.status_code == unknown.status_code == nominated.status_code == 302
    assert known["Location"] == unknown["Location"] == nominated["Location"]
    shown = client.get(known["Location"]).content.decode()
    assert "If this address is registered for the session, a link is on its way." in shown
    mails = evaluation_mails("ama@example.org").order_by("pk")
    assert mails.count() == 2
    assert not evaluation_mails("nobody@example.org").exists()
    assert not evaluation_mails("nia@example.org").exists()
    # The new link replaces the old one.
    new = token_in(mails.last())
    assert client.get(reverse("trainings:evaluation_link",
                              kwargs={"token": sent["ama"]})).status_code == 400  # fmt: skip
    assert client.get(reverse("trainings:evaluation_link",
                              kwargs={"token": new})).status_code == 302  # fmt: skip


def test_the_slide_sends_nothing_to_someone_who_answered(client, slide_post, t1, sent):
    with time_machine.travel(dt.datetime(2026, 5, 9, 16, 0, tzinfo=dt.UTC)):
        answer(client, sent["kofi"], answers_for(t1.kind))
        response = slide_post(t1, "kofi@example.org")
    assert response.status_code == 302
    assert evaluation_mails("kofi@example.org").count() == 1


def test_the_slide_is_rate_limited_per_address(slide_post, t1, sent):
    cache.clear()
    with time_machine.travel(dt.datetime(2026, 5, 9, 16, 0, tzinfo=dt.UTC)):
        codes = [slide_post(t1, "someone@example.org").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]


def test_a_forged_slide_code_is_not_found(client, t1):
    url = reverse("trainings:evaluation_request", kwargs={"code": f"{t1.pk}-forged"})
    assert client.get(url).status_code == 404


# --- Results --------------------------------------------------------------------------------


@pytest.fixture
def answered(client, t1, sent):
    with time_machine.travel(dt.datetime(2026, 5, 9, 16, 0, tzinfo=dt.UTC)):
        first = answers_for(t1.kind, 4)
        answer(client, sent["ama"], first, comment="Great week.")
        second = {**answers_for(t1.kind, 5), "safety": "2"}
        answer(client, sent["kofi"], second)
    return t1


def test_the_results_show_each_questions_counts_as_a_chart_and_a_table(staff_later, answered):
    staff_client = staff_later()
    page = staff_client.get(
        reverse("trainings:staff_session_evaluation", kwargs={"pk": answered.pk})
    ).content.decode()
    assert "100%" in page  # 2 invited, 2 answered
    # The chart of "safety": one 2 and one 4, drawn as bars titled with their count.
    safety = page[page.index(f'id="chart-{answered.pk}-safety"') :]
    safety = safety[: safety.index("</svg>")]
    assert "2 — Answers: 1</title>" in safety and "4 — Answers: 1</title>" in safety
    assert "1 — Answers: 0</title>" in safety
    assert "Average 3.0 of 5, from 2 answers." in page
    assert "Average 4.5 of 5, from 2 answers." in page
    assert "Great week." in page
    assert "Only a few people answered" in page
    for name in ("Ama", "Kofi", "ama@example.org"):
        assert name not in page


def test_the_year_compares_venues(staff_later, answered):
    staff_client = staff_later()
    page = staff_client.get(reverse("trainings:staff_evaluation_year"), {"year": 2026})
    content = page.content.decode()
    assert page.status_code == 200
    assert 'id="chart-year-t1"' in content and "Kampala" in content and "100%" in content
    bad = staff_client.get(reverse("trainings:staff_evaluation_year"), {"year": "soon"})
    assert bad.status_code == 200
    assert "There is no year “soon”; here is 2026." in bad.content.decode()


def test_the_export_holds_the_answers_and_no_one_s_name(staff_later, answered):
    staff_client = staff_later()
    from openpyxl import load_workbook

    response = staff_client.get(reverse("trainings:staff_evaluation_export"), {"year": 2026})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Training 1"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and "Great week." in [r[-1] for r in rows]
    text = repr(rows)
    assert "Ama" not in text and "example.org" not in text
    entry = AuditEntry.objects.get(action="export")
    assert "evaluation xlsx" in str(entry.summary) or "evaluation" in repr(entry.changes)
    bad = staff_client.get(reverse("trainings:staff_evaluation_export"), {"session": "x"})
    assert bad.status_code == 400 and "Enter a whole number." in bad.content.decode()


def test_staff_session_page_links_to_the_evaluation(staff_client, t1):
    page = staff_client.get(reverse("trainings:staff_session", kwargs={"pk": t1.pk}))
    assert reverse("trainings:staff_session_evaluation", kwargs={"pk": t1.pk}) in (
        page.content.decode()
    )


def test_anonymising_a_person_closes_their_unused_link(t1, people, sent):
    from norec_portal import privacy

    privacy.anonymise_subject(privacy.Subject.of(person=people["ama"]), by=None)
    invitation = EvaluationInvitation.objects.get(enrolment__person=people["ama"])
    assert invitation.expires_at <= timezone.now()
    with pytest.raises(services.InvalidEvaluationLink):
        services.peek_evaluation_link(sent["ama"])
    assert EnrolmentState.CONFIRMED  # the enrolment stays, and with it the response rate


def test_the_email_carries_the_link_and_says_it_is_anonymous(t1, people, sent):
    mail = evaluation_mails("ama@example.org").get()
    assert mail.subject == "How was Training 1 in Kampala? Your evaluation"
    assert mail.body_text.startswith("Dear Ama,")
    assert "works once and for 21 days" in mail.body_text
    assert "anonymous" in mail.body_text
    assert 'href="http' in mail.body_html and sent["ama"] in mail.body_html


def test_a_persons_export_lists_their_link_but_no_answer(client, t1, people, sent):
    from norec_portal import privacy

    answer(client, sent["ama"], answers_for(t1.kind), comment="Loved it.")
    data = privacy.export_subject(privacy.Subject.of(person=people["ama"]))
    text = repr(data)
    assert "Evaluation links" in text
    assert "Loved it." not in text


def test_the_comparison_reads_the_same_few_queries_however_many_sessions(partnership):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from trainings.evaluation_results import year_comparison

    def add_week(venue_name: str, starts_on: dt.date) -> None:
        session = f.session_of(f.make_week(venue_name=venue_name, starts_on=starts_on), "t1")
        person = f.participant_for(starts_on, partnership=partnership).person
        services.enrol(session=session, person=person, by=None, confirm=True)
        services.send_evaluation_invitations(today=session.last_day)
        EvaluationAnswer.objects.create(
            session=session,
            kind="t1",
            language="en",
            answers={"prepared": 4},
            submitted_on=session.last_day,
        )

    def queries() -> int:
        with CaptureQueriesContext(db) as captured:
            kinds = year_comparison(2026)
            [k.rows for k in kinds]
        return len(captured)

    add_week("Kampala", dt.date(2026, 5, 3))
    one = queries()
    add_week("Bangkok", dt.date(2026, 5, 10))
    add_week("Johannesburg", dt.date(2026, 5, 17))
    assert queries() == one
    places = [p.place for p in year_comparison(2026)[0].places]
    assert places == ["Bangkok", "Johannesburg", "Kampala"]


def test_the_demo_past_week_has_an_evaluation_to_show(db):
    from partnerships import demo as partnerships_demo
    from trainings import demo

    partnerships_demo.build()
    demo.build()
    attended = TrainingSession.objects.get(week__notes="[demo] past")
    invited = EvaluationInvitation.objects.filter(enrolment__session=attended).count()
    answered = EvaluationAnswer.objects.filter(session=attended).count()
    assert invited == attended.enrolments.count() > 0
    assert 0 < answered == EvaluationInvitation.objects.filter(used_at__isnull=False).count()
