"""Newsletters: composing (Markdown made safe), the audience, sending in chunks through
the outbox (each member once, pause and resume, auto-pause), tests, scheduling, the
staff pages and the members' archive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from network.models import BadAddress, Newsletter, NewsletterDelivery
from network.rendering import render_markdown
from network.services import newsletter_copies, newsletters
from network.services.newsletters import Draft
from norec_portal.models import AuditEntry, OutboxEmail, User
from tests.network.factories import bulk_members, make_member, make_newsletter

pytestmark = pytest.mark.django_db

Status = Newsletter.Status


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.NEWSLETTER_CHUNK_SIZE = 4
    settings.NEWSLETTER_CHUNK_SECONDS = 0
    settings.SITE_URL = "https://portal.norec.no"


def run_chunks(newsletter: Newsletter, *, limit: int = 100) -> int:
    """Drive a sending chunk by chunk, as the worker would (without the on-commit hops)."""
    chunks = 0
    for _ in range(limit):
        newsletter.refresh_from_db()
        result = newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=newsletter.chunks_sent)
        if not result.ran or result.finished or result.paused:
            return chunks
        chunks += 1
    raise AssertionError("the sending never finished")


def deliver_all() -> None:
    from norec_portal.outbox import deliver_emails

    while deliver_emails().sent:
        pass


# --- Composing -----------------------------------------------------------------------------


def test_markdown_is_rendered_and_sanitised():
    html = render_markdown(
        "## News\n\n**Bold** <script>alert(1)</script> [bad](javascript:alert(1)) "
        '[good](https://norec.no) <span style="color:red" onclick="x()">text</span>'
    )
    assert "<h2>News</h2>" in html
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "alert(1)" not in html
    assert "javascript:" not in html
    assert '<a href="https://norec.no" rel="noopener noreferrer">good</a>' in html
    assert "style=" not in html and "onclick" not in html and "text" in html


def test_a_draft_needs_subject_text_and_countries_when_chosen_by_country():
    with pytest.raises(ValidationError) as caught:
        newsletters.create_newsletter(
            draft=Draft(subject="  ", body="", audience="countries"), by=None
        )
    assert set(caught.value.message_dict) == {"subject", "body", "countries"}
    assert not Newsletter.objects.exists()


def test_audience_is_consenting_active_reachable_members_of_the_chosen_group():
    yes = make_member(email="yes@example.org", newsletter=True, country="KE")
    make_member(email="no@example.org", newsletter=False, country="KE")
    ug = make_member(
        email="ug@example.org", newsletter=True, country="UG", available_as_lecturer=True
    )
    inactive = make_member(email="gone@example.org", newsletter=True)
    User.objects.filter(pk=inactive.person.user_id).update(is_active=False)
    bounced = make_member(email="bounced@example.org", newsletter=True)
    BadAddress.objects.create(email="bounced@example.org", source="smtp")

    everyone = make_newsletter()
    kenya = make_newsletter(audience="countries", countries=("KE",))
    experts = make_newsletter(audience="resource_persons")
    assert set(newsletters.recipients(everyone)) == {yes, ug}
    assert set(newsletters.recipients(kenya)) == {yes}
    assert set(newsletters.recipients(experts)) == {ug}
    # A cleared address receives mail again.
    BadAddress.objects.filter(email="bounced@example.org").update(cleared_at=timezone.now())
    assert set(newsletters.recipients(everyone)) == {yes, ug, bounced}


# --- Sending -------------------------------------------------------------------------------


def test_sending_reaches_every_member_once_with_unsubscribe_headers(
    django_capture_on_commit_callbacks,
):
    members = bulk_members(10, ["KE", "UG"])
    newsletter = make_newsletter(body="Our **news**.")
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletters.start_sending(newsletter=newsletter) is True
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT
    assert newsletter.chunks_sent == 3  # 4 + 4 + 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.person.email for m in members)
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://portal.norec.no/network/unsubscribe/"
    )
    assert "Dear First" in message.body and "Our **news**." in message.body
    html = message.alternatives[0][0]
    assert "<strong>news</strong>" in html and "/network/unsubscribe/" in html
    assert NewsletterDelivery.objects.filter(newsletter=newsletter).count() == 10
    keys = set(OutboxEmail.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"newsletter:{newsletter.pk}:member:{m.pk}" for m in members}
    progress = newsletters.progress(newsletter)
    assert (progress.sent, progress.failed, progress.remaining, progress.percent) == (10, 0, 0, 100)


def test_starting_twice_sends_once_and_a_stale_chunk_does_nothing(staff):
    bulk_members(6)
    newsletter = make_newsletter()
    assert newsletters.start_sending(newsletter=newsletter) is True
    assert newsletters.start_sending(newsletter=newsletter) is False
    with pytest.raises(ValidationError):
        newsletters.start_sending(newsletter=newsletter, by=staff)
    assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0).queued == 4
    # The same chunk asked again (a duplicated or late task) is ignored.
    assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0).ran is False
    assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=1).queued == 2
    assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=2).finished
    assert OutboxEmail.objects.count() == 6


def test_the_next_chunk_is_asked_for_before_this_chunk_is_delivered(
    monkeypatch, django_capture_on_commit_callbacks
):
    """So that a worker writes the next chunk while the others deliver this one."""
    from network.tasks import send_newsletter_chunk
    from norec_portal import dispatch
    from norec_portal.tasks import deliver_emails

    bulk_members(6)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    calls = []
    # Both spellings: under the CELERY namespace Celery 5.6 reads the second one first.
    for key in ("task_always_eager", "CELERY_TASK_ALWAYS_EAGER"):
        monkeypatch.setitem(send_newsletter_chunk.app.conf, key, False)

    def send_task(name, *args, countdown=None, **kwargs):
        if name == send_newsletter_chunk.name:
            calls.append(("chunk", args[1]))
        elif name == deliver_emails.name:
            calls.append(("deliver", len(args[0])))

    monkeypatch.setattr(dispatch, "send_task", send_task)
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0).queued == 4
    assert calls == [("chunk", 1), ("deliver", 4)]


def test_pause_stops_new_chunks_and_resume_sends_nobody_twice(staff):
    members = bulk_members(12)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    newsletters.pause_sending(newsletter=newsletter, by=staff)
    assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=1).ran is False
    assert OutboxEmail.objects.count() == 4
    newsletter.refresh_from_db()
    assert newsletters.progress(newsletter).remaining == 8

    newsletters.resume_sending(newsletter=newsletter, by=staff)
    run_chunks(newsletter)
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT
    deliver_all()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.person.email for m in members)


def test_members_who_leave_meanwhile_are_skipped_and_newcomers_included():
    first = bulk_members(4, prefix="early")
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    late = bulk_members(3, prefix="late")
    late[0].newsletter_consent = False
    late[0].save()
    run_chunks(newsletter)
    delivered = set(NewsletterDelivery.objects.values_list("member_id", flat=True))
    assert delivered == {m.pk for m in first} | {late[1].pk, late[2].pk}


def test_sending_pauses_itself_when_too_many_messages_fail(settings):
    settings.NEWSLETTER_PAUSE_MIN_FINISHED = 4
    settings.NEWSLETTER_PAUSE_FAILURE_RATE = 0.5
    bulk_members(12)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    rows = OutboxEmail.objects.order_by("pk")
    OutboxEmail.objects.filter(pk__in=[r.pk for r in rows[:3]]).update(state="failed")
    OutboxEmail.objects.filter(pk=rows[3].pk).update(state="sent", sent_at=timezone.now())

    result = newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=1)
    newsletter.refresh_from_db()
    assert result.paused and newsletter.status == Status.PAUSED
    assert "75%" in newsletter.pause_reason
    assert OutboxEmail.objects.count() == 4
    # The failed addresses are marked bad on the way, so a resumed sending skips them.
    assert BadAddress.objects.count() == 3


def test_after_an_auto_pause_a_resume_counts_failures_afresh(settings, staff):
    settings.NEWSLETTER_PAUSE_MIN_FINISHED = 4
    settings.NEWSLETTER_PAUSE_FAILURE_RATE = 0.5
    bulk_members(12)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0)
    OutboxEmail.objects.update(state="failed")
    assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=1).paused
    newsletters.resume_sending(newsletter=newsletter, by=staff)
    run_chunks(newsletter)
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT
    assert NewsletterDelivery.objects.filter(newsletter=newsletter).count() == 12
    # Who changed the status, and when, is in the audit log (the task acts as "system").
    entries = AuditEntry.objects.filter(object_id=newsletter.pk, action="status").order_by("pk")
    assert [(e.summary, e.actor_id) for e in entries] == [
        ("sending", None),
        ("paused", None),
        ("sending", staff.pk),
        ("sent", None),
    ]


def test_a_test_copy_goes_to_the_staff_member_only(staff):
    bulk_members(3)
    newsletter = make_newsletter(subject="Spring news")
    email = newsletter_copies.send_test(newsletter=newsletter, to=staff)
    assert email.to_email == staff.email
    assert email.subject == "[Test] Spring news"
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not NewsletterDelivery.objects.exists()
    # A second test is a second message (each has its own key).
    newsletter_copies.send_test(newsletter=newsletter, to=staff)
    assert OutboxEmail.objects.filter(to_email=staff.email).count() == 2


def test_scheduled_newsletters_start_when_due_and_not_before(staff):
    bulk_members(2)
    soon = make_newsletter(subject="Soon")
    later = make_newsletter(subject="Later")
    with pytest.raises(ValidationError):
        newsletters.schedule_newsletter(newsletter=soon, when=timezone.now(), by=staff)
    now = timezone.now()
    newsletters.schedule_newsletter(newsletter=soon, when=now + dt.timedelta(hours=1), by=staff)
    newsletters.schedule_newsletter(newsletter=later, when=now + dt.timedelta(days=3), by=staff)
    assert newsletters.run_due_newsletters(now=now)["started"] == 0
    result = newsletters.run_due_newsletters(now=now + dt.timedelta(hours=2))
    assert result["started"] == 1
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == Status.SENDING
    assert later.status == Status.SCHEDULED
    with pytest.raises(ValidationError):
        newsletters.update_newsletter(newsletter=soon, draft=Draft("x", "y"), by=staff)


def test_beat_revives_a_sending_whose_chunk_task_was_lost(settings):
    bulk_members(6)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)  # on-commit task never runs here
    Newsletter.objects.filter(pk=newsletter.pk).update(
        next_chunk_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert newsletters.run_due_newsletters()["chunks"] == 1


def test_the_pause_between_chunks_is_kept_in_the_database_not_on_the_broker(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A paced sending sends no delayed task: beat asks for the next chunk once
    ``next_chunk_at`` has passed (a delayed task would sit unacknowledged in a worker)."""
    from network.tasks import send_newsletter_chunk
    from norec_portal import dispatch

    settings.NEWSLETTER_CHUNK_SIZE, settings.NEWSLETTER_CHUNK_SECONDS = 2, 10
    bulk_members(5)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    for key in ("task_always_eager", "CELERY_TASK_ALWAYS_EAGER"):
        monkeypatch.setitem(send_newsletter_chunk.app.conf, key, False)
    chunks: list[tuple[int, float | None]] = []

    def send_task(name, *args, countdown=None, **kwargs):
        if name == send_newsletter_chunk.name:
            chunks.append((args[1], countdown))

    monkeypatch.setattr(dispatch, "send_task", send_task)
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletters.send_chunk(newsletter_id=newsletter.pk, chunk=0).queued == 2
    assert chunks == []
    newsletter.refresh_from_db()
    assert newsletter.chunks_sent == 1
    due_at = newsletter.next_chunk_at
    with django_capture_on_commit_callbacks(execute=True):
        result = newsletters.run_due_newsletters(now=due_at - dt.timedelta(seconds=1))
    assert result["chunks"] == 0 and chunks == []
    with django_capture_on_commit_callbacks(execute=True):
        result = newsletters.run_due_newsletters(now=due_at)
    assert result["chunks"] == 1
    assert chunks == [(1, None)]


# --- Staff pages ---------------------------------------------------------------------------


def test_staff_compose_preview_test_and_send(
    staff_client, staff, django_capture_on_commit_callbacks
):
    bulk_members(3)
    response = staff_client.post(
        reverse("network:staff_newsletter_create"),
        {
            "subject": "June news",
            "body": "Hello *all*",
            "audience": "all",
        },
    )
    newsletter = Newsletter.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("network:staff_newsletter", args=[newsletter.pk])
    page = staff_client.get(response.url).content.decode()
    assert "It would go to 3 members now." in page

    preview = staff_client.get(reverse("network:staff_newsletter_preview", args=[newsletter.pk]))
    text = preview.content.decode()
    assert "List-Unsubscribe-Post" in text and "Dear First0" in text and "<em>all</em>" in text

    staff_client.post(reverse("network:staff_newsletter_test", args=[newsletter.pk]))
    assert OutboxEmail.objects.filter(to_email=staff.email).count() == 1

    confirm = staff_client.get(
        reverse("network:staff_newsletter_action", args=[newsletter.pk, "send"])
    )
    assert "It goes to 3 members" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("network:staff_newsletter_action", args=[newsletter.pk, "send"]))
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT
    assert len([m for m in mail.outbox if m.to[0] != staff.email]) == 3
    fragment = staff_client.get(reverse("network:staff_newsletter_progress", args=[newsletter.pk]))
    assert "3 of 3 messages handled" in fragment.content.decode()
    # Once sent it can no longer be changed.
    edit = staff_client.get(reverse("network:staff_newsletter_edit", args=[newsletter.pk]))
    assert edit.status_code == 302


def test_staff_pause_and_resume_buttons(staff_client, django_capture_on_commit_callbacks):
    bulk_members(6)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)
    url = reverse("network:staff_newsletter_action", args=[newsletter.pk, "pause"])
    staff_client.post(url)
    newsletter.refresh_from_db()
    assert newsletter.status == Status.PAUSED
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("network:staff_newsletter_action", args=[newsletter.pk, "resume"])
        )
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENT  # eager tasks: the resumed run went to the end
    assert len(mail.outbox) == 6


def test_staff_schedule_form_and_delete_draft(staff_client):
    newsletter = make_newsletter()
    when = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    staff_client.post(
        reverse("network:staff_newsletter_schedule", args=[newsletter.pk]), {"scheduled_for": when}
    )
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SCHEDULED
    staff_client.post(
        reverse("network:staff_newsletter_action", args=[newsletter.pk, "unschedule"])
    )
    newsletter.refresh_from_db()
    assert newsletter.status == Status.DRAFT
    delete = reverse("network:staff_newsletter_action", args=[newsletter.pk, "delete"])
    assert "cannot be undone" in staff_client.get(delete).content.decode()
    staff_client.post(delete)
    assert not Newsletter.objects.exists()


def _sent_newsletters(n: int, prefix: str) -> None:
    members = bulk_members(2, prefix=prefix)
    for i in range(n):
        newsletter = make_newsletter(subject=f"{prefix} {i}")
        newsletters.start_sending(newsletter=newsletter)
        run_chunks(newsletter)
    assert len(members) == 2


def test_staff_newsletter_list_runs_a_constant_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    url = reverse("network:staff_newsletters")
    _sent_newsletters(2, "a")
    staff_client.get(url)
    with django_assert_max_num_queries(8) as small:
        assert staff_client.get(url).status_code == 200
    _sent_newsletters(12, "b")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(url)
    assert "b 11" in response.content.decode()


# --- Members: the archive ----------------------------------------------------------------------


def test_members_read_sent_newsletters_not_drafts(client, django_assert_max_num_queries):
    member = make_member(email="reader@example.org", newsletter=False)
    client.force_login(member.person.user)
    draft = make_newsletter(subject="Secret draft")
    _sent_newsletters(2, "a")
    url = reverse("network:newsletter_archive")
    client.get(url)
    with django_assert_max_num_queries(10) as small:
        page = client.get(url).content.decode()
    assert "a 0" in page and "a 1" in page and "Secret draft" not in page
    _sent_newsletters(10, "b")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    sent = Newsletter.objects.get(subject="a 1")
    read = client.get(reverse("network:newsletter_read", args=[sent.pk])).content.decode()
    assert "<strong>all</strong>" in read
    assert client.get(reverse("network:newsletter_read", args=[draft.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_a_long_sending_runs_in_a_loop_not_nested(settings):
    """Eager tasks (the embedded default): 120 chunks one after the other, not 120 calls
    deep (which overflows Python's stack)."""
    settings.NEWSLETTER_CHUNK_SIZE = 1
    bulk_members(120)
    newsletter = make_newsletter()
    newsletters.start_sending(newsletter=newsletter)  # autocommit: on-commit runs now
    newsletter.refresh_from_db()
    assert (newsletter.status, newsletter.chunks_sent) == (Status.SENT, 120)
    assert len(mail.outbox) == 120


@pytest.mark.django_db
def test_each_member_gets_their_own_copy_in_their_language_with_their_links():
    """Each copy is the newsletter's templates rendered for that member: their name
    (escaped in the HTML part), their language, their own unsubscribe and preferences
    links in the body and in the List-Unsubscribe header."""
    from network import tokens
    from network.services.common import absolute_url

    newsletter = make_newsletter(body="Hello **all** & <friends>.\n\n- one\n- two")
    members = [
        make_member(first_name="Siobhán O'Brien", newsletter=True),
        make_member(first_name='<b>"Bold" & co</b>', newsletter=True),
        make_member(first_name="Amélie", newsletter=True),
        make_member(first_name="Tendai", newsletter=True),
    ]
    members[2].person.preferred_language = "fr"
    members[3].person.preferred_language = "pt"
    specs = newsletter_copies.member_specs(newsletter, members)
    assert len({spec.html for spec in specs}) == 4
    for member, spec in zip(members, specs, strict=True):
        token = tokens.unsubscribe_token(member.pk)
        unsubscribe = absolute_url("network:unsubscribe", token)
        preferences = absolute_url("network:newsletter_preferences", token)
        assert spec.key == f"newsletter:{newsletter.pk}:member:{member.pk}"
        assert spec.to == member.person.email
        assert unsubscribe in spec.text and preferences in spec.text
        assert unsubscribe in spec.html and preferences in spec.html
        assert spec.headers["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert "Hello **all**" in spec.text
    assert "Siobhán O&#x27;Brien" in specs[0].html
    assert "&lt;b&gt;&quot;Bold&quot; &amp; co&lt;/b&gt;" in specs[1].html
    assert '<b>"Bold" & co</b>' not in specs[1].html
    assert '<b>"Bold" & co</b>' in specs[1].text
    assert specs[2].text.startswith("Bonjour Amélie,")
