"""Staff write to everyone in a session (or a whole week): who gets it, the email's frame
in each recipient's language, one copy per address, one message per form, and the pages."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from norec_portal.models import AuditEntry, OutboxEmail
from partnerships.models import ContactPerson, Person
from tests.factories import ContactFactory, PersonFactory
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState, SessionKind, SessionMessage
from trainings.services import messages as session_messages

pytestmark = pytest.mark.django_db

BODY = "Hello all,\n\nThe bus leaves the hotel at 08:00.\nBring your badge.\n\nSee you!"


def enrol(session, partnership, *, state=None, **person):
    person = f.participant_for(partnership=partnership, **person).person
    enrolment = services.enrol(session=session, person=person, by=None, confirm=True)
    if state is not None:
        Enrolment.objects.filter(pk=enrolment.pk).update(state=state, cancelled_at=timezone.now())
        enrolment.refresh_from_db()
    return enrolment


def enrol_person(session, person):
    return services.enrol(session=session, person=person, by=None, confirm=True)


def mine(target=None):
    """The outbox rows of the messages to sessions (enrolling queues emails of its own)."""
    return OutboxEmail.objects.filter(idempotency_key__startswith="session-message:")


def addresses(found) -> list[str]:
    return sorted(r.email for r in found.reachable)


def send(target, *, subject="Bus times", body=BODY, by=None, **choices):
    choices = {"include_coordinators": False, "include_waitlist": False, **choices}
    message, _sent_now = session_messages.send_session_message(
        target=target, subject=subject, body=body, by=by, **choices
    )
    return message


# --- Who gets it ------------------------------------------------------------------------


def test_seat_holders_get_it_and_the_waitlist_only_when_ticked(partnership):
    week = f.make_week(t1=3)
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    enrol(t1, partnership, email="confirmed@example.org")
    enrol(t1, partnership, email="nominated@example.org", state=EnrolmentState.NOMINATED)
    enrol(t1, partnership, email="attended@example.org", state=EnrolmentState.ATTENDED)
    enrol(t1, partnership, email="waiting@example.org")  # the fourth: waitlisted
    enrol(t1, partnership, email="gone@example.org", state=EnrolmentState.CANCELLED)
    enrol(t1, partnership, email="absent@example.org", state=EnrolmentState.NO_SHOW)
    assert Enrolment.objects.get(person__email="waiting@example.org").state == "waitlisted"

    seated = session_messages.recipients(t1, include_coordinators=False, include_waitlist=False)
    assert addresses(seated) == [
        "attended@example.org", "confirmed@example.org", "nominated@example.org"
    ]  # fmt: skip
    with_waitlist = session_messages.recipients(
        t1, include_coordinators=False, include_waitlist=True
    )
    assert "waiting@example.org" in addresses(with_waitlist)
    assert len(with_waitlist) == 4


def test_coordinators_of_their_organisations_only_when_ticked(t1, partnership, coordinator):
    enrol(t1, partnership, email="grace@example.org")
    org_a = Person.objects.get(user=coordinator).contact_roles.get().organisation
    ContactFactory(organisation=org_a, person=PersonFactory(email="former@example.org"),
                   active=False)  # fmt: skip
    ContactFactory(organisation=org_a, role=ContactPerson.Role.MANAGER,
                   person=PersonFactory(email="boss@example.org"))  # fmt: skip
    without = session_messages.recipients(t1, include_coordinators=False, include_waitlist=False)
    assert addresses(without) == ["grace@example.org"]
    found = session_messages.recipients(t1, include_coordinators=True, include_waitlist=False)
    assert addresses(found) == ["coordinator.a@example.org", "grace@example.org"]
    coordinator_copy = next(r for r in found.reachable if r.audience == "coordinator")
    assert [e.person.email for e in coordinator_copy.enrolments] == ["grace@example.org"]


def test_one_copy_per_address(t1, partnership, coordinator):
    # The coordinator is enrolled too: one copy, as a participant.
    me = Person.objects.get(user=coordinator)
    mine = f.participant_for(partnership=partnership)
    mine.person = me
    mine.save()
    enrol_person(t1, me)
    enrol(t1, partnership, email="grace@example.org")
    found = session_messages.recipients(t1, include_coordinators=True, include_waitlist=False)
    assert addresses(found) == ["coordinator.a@example.org", "grace@example.org"]
    assert [r.audience for r in found.reachable if r.person == me] == ["participant"]


def test_people_without_an_email_are_listed_as_not_reachable(t1, partnership):
    enrol(t1, partnership, email="grace@example.org")
    nobody = enrol(t1, partnership, email="", first_name="Paper", last_name="Only")
    found = session_messages.recipients(t1, include_coordinators=False, include_waitlist=False)
    assert addresses(found) == ["grace@example.org"]
    assert found.unreachable == [nobody]


# --- Sending ----------------------------------------------------------------------------


def test_one_email_per_recipient_with_the_text_as_written(t1, partnership, coordinator, staff):
    enrol(t1, partnership, email="grace@example.org", first_name="Grace")
    message = send(t1, by=staff, include_coordinators=True)
    assert message.recipient_count == 2 and message.sent_by == staff
    emails = OutboxEmail.objects.filter(idempotency_key__startswith=message.outbox_prefix)
    assert sorted(emails.values_list("to_email", flat=True)) == [
        "coordinator.a@example.org", "grace@example.org"
    ]  # fmt: skip
    grace = emails.get(to_email="grace@example.org")
    assert grace.subject == "Bus times"
    assert grace.body_text.startswith("Dear Grace,\n\n" + BODY + "\n")
    assert "because you are enrolled in this training" in grace.body_text
    assert "Training 1, Kampala, 3 May 2026" in grace.body_text
    assert grace.headers["Reply-To"] == "training@norec.no"
    assert "<p>The bus leaves the hotel at 08:00.<br>Bring your badge.</p>" in grace.body_html
    coordinator_copy = emails.get(to_email="coordinator.a@example.org")
    assert "because you coordinate the people of" in coordinator_copy.body_text
    assert AuditEntry.objects.filter(object_id=message.pk, summary="sent to 2 recipients")


def test_html_in_the_body_is_shown_as_text(t1, partnership):
    enrol(t1, partnership, email="grace@example.org")
    message = send(t1, body="<script>alert(1)</script> & more")
    copy = OutboxEmail.objects.get(idempotency_key__startswith=message.outbox_prefix)
    assert "<script>" not in copy.body_html and "&lt;script&gt;" in copy.body_html
    assert "<script>alert(1)</script> & more" in copy.body_text


def test_the_frame_is_in_each_recipients_language(t1, partnership):
    enrol(t1, partnership, email="fr@example.org", first_name="Aminata", preferred_language="fr")
    enrol(t1, partnership, email="en@example.org", first_name="Grace")
    message = send(t1)
    copies = OutboxEmail.objects.filter(idempotency_key__startswith=message.outbox_prefix)
    french = copies.get(to_email="fr@example.org")
    english = copies.get(to_email="en@example.org")
    assert french.body_text.startswith("Bonjour Aminata,\n\n" + BODY)
    assert "Cordialement," in french.body_text and "3 mai 2026" in french.body_text
    assert english.body_text.startswith("Dear Grace,\n\n" + BODY)
    assert "3 May 2026" in english.body_text
    assert french.subject == english.subject == "Bus times"  # as written, for everyone


def test_sending_the_same_form_twice_sends_once(t1, partnership):
    enrol(t1, partnership, email="grace@example.org")
    token = uuid.uuid4()
    first, sent_now = session_messages.send_session_message(
        target=t1, subject="Bus", body=BODY, by=None, token=token,
        include_coordinators=False, include_waitlist=False,
    )  # fmt: skip
    again, sent_again = session_messages.send_session_message(
        target=t1, subject="Another", body="Changed", by=None, token=token,
        include_coordinators=True, include_waitlist=True,
    )  # fmt: skip
    assert again == first and sent_now and not sent_again
    assert SessionMessage.objects.count() == 1
    assert mine(t1).count() == 1


def test_a_forms_token_cannot_send_to_another_session(t1, t2, partnership):
    enrol(t1, partnership, email="grace@example.org")
    token = uuid.uuid4()
    send(t1, token=token)
    with pytest.raises(ValidationError, match="already used for another message"):
        send(t2, token=token)
    assert mine().count() == 1


@pytest.mark.parametrize(
    ("subject", "body", "field", "words"),
    [
        ("", BODY, "subject", "Write a subject"),
        ("   ", BODY, "subject", "Write a subject"),
        ("x" * 151, BODY, "subject", "151 characters long; keep it to 150"),
        ("Two\nlines", BODY, "subject", "on one line"),
        ("Bus", " \r\n \n", "body", "it is empty"),
        ("Bus", "x" * 10_001, "body", "10001 characters long; keep it to 10000"),
    ],
)
def test_bad_text_is_refused_with_a_clear_message(t1, partnership, subject, body, field, words):
    enrol(t1, partnership, email="grace@example.org")
    with pytest.raises(ValidationError) as refused:
        send(t1, subject=subject, body=body)
    assert words in " ".join(refused.value.message_dict[field])
    assert not SessionMessage.objects.exists() and not mine(t1).exists()


def test_a_session_nobody_can_be_reached_in_is_refused(t1, partnership):
    enrol(t1, partnership, email="")
    with pytest.raises(ValidationError, match="Nobody can get this message"):
        send(t1)
    assert not SessionMessage.objects.exists()


# --- A whole week -----------------------------------------------------------------------


def test_a_week_message_reaches_every_session_once_per_address(week, partnership, coordinator):
    t1 = f.session_of(week, SessionKind.TRAINING_1)
    t2 = f.session_of(week, SessionKind.TRAINING_2)
    enrol(t1, partnership, email="one@example.org")
    two = f.participant_for(partnership=partnership, email="two@example.org", elearning=True)
    # Set down directly: who fits Training 2 is not what this test is about.
    Enrolment.objects.create(session=t2, person=two.person, participant=two, kind=t2.kind,
                             organisation=two.sending_organisation,
                             state=EnrolmentState.CONFIRMED)  # fmt: skip
    message = send(week, include_coordinators=True)
    assert message.week == week and message.session is None
    copies = OutboxEmail.objects.filter(idempotency_key__startswith=message.outbox_prefix)
    assert sorted(copies.values_list("to_email", flat=True)) == [
        "coordinator.a@example.org", "one@example.org", "two@example.org"
    ]  # fmt: skip
    coordinator_copy = copies.get(to_email="coordinator.a@example.org")
    assert "Training 1" in coordinator_copy.body_text
    assert "Training 2" in coordinator_copy.body_text
    # The week's message shows in each of its sessions' logs.
    assert list(session_messages.messages_for_session(t2)) == [message]


# --- Pages ------------------------------------------------------------------------------


def compose_url(session) -> str:
    return reverse("trainings:staff_session_message_compose", args=[session.pk])


def form_data(**extra):
    return {"subject": "Bus times", "body": BODY, "token": str(uuid.uuid4()), **extra}


def test_preview_shows_recipients_the_unreachable_and_the_email(staff_client, t1, partnership):
    enrol(t1, partnership, email="grace@example.org", first_name="Grace", last_name="Nakato")
    enrol(t1, partnership, email="", first_name="Paper", last_name="Only")
    response = staff_client.post(compose_url(t1), form_data(step="preview"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This message goes to 1 address" in page
    assert "grace@example.org" in page and "Paper Only" in page
    assert "Dear Grace," in page and "The bus leaves the hotel at 08:00." in page
    assert "Send to 1 address" in page
    assert not SessionMessage.objects.exists() and not mine(t1).exists()


def test_sending_from_the_page_twice_sends_once(staff_client, t1, partnership):
    enrol(t1, partnership, email="grace@example.org")
    data = form_data(step="send")
    first = staff_client.post(compose_url(t1), data)
    second = staff_client.post(compose_url(t1), data)
    message = SessionMessage.objects.get()
    assert first.url == second.url == reverse("trainings:staff_message", args=[message.pk])
    assert mine(t1).count() == 1
    told = staff_client.get(second.url).content.decode()
    assert "This form was sent already: here is that message. Nothing more was sent." in told
    page = staff_client.get(reverse("trainings:staff_session", args=[t1.pk])).content.decode()
    assert "Bus times" in page and "Write to this session" in page


def test_empty_and_overlong_input_get_messages_not_errors(staff_client, t1, partnership):
    enrol(t1, partnership, email="grace@example.org")
    empty = staff_client.post(compose_url(t1), {"subject": "", "body": "", "step": "preview"})
    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()
    long = staff_client.post(compose_url(t1), form_data(subject="x" * 200, step="send"))
    assert long.status_code == 200
    assert "200 characters long; keep it to 150" in long.content.decode()
    assert not SessionMessage.objects.exists()


def test_changing_the_message_keeps_what_was_written(staff_client, t1):
    data = form_data(step="edit", include_waitlist="on")
    page = staff_client.post(compose_url(t1), data).content.decode()
    assert "The bus leaves the hotel at 08:00.\nBring your badge.\n\nSee you!" in page
    assert 'name="include_waitlist" id="id_include_waitlist" checked' in page
    assert data["token"] in page  # the same form: sending it later still sends once


def test_nobody_reachable_is_said_on_the_preview_without_a_send_button(staff_client, t1):
    response = staff_client.post(compose_url(t1), form_data(step="preview"))
    page = response.content.decode()
    assert "Nobody can get this message" in page
    assert 'value="send"' not in page


def test_the_message_page_counts_the_copies_by_delivery_state(staff_client, t1, partnership):
    for n in range(3):
        enrol(t1, partnership, email=f"p{n}@example.org")
    message = send(t1)
    copies = OutboxEmail.objects.filter(idempotency_key__startswith=message.outbox_prefix)
    copies.filter(to_email="p0@example.org").update(
        state=OutboxEmail.State.SENT, sent_at=timezone.now()
    )
    copies.filter(to_email="p1@example.org").update(state=OutboxEmail.State.FAILED)
    assert session_messages.delivery(message) == session_messages.Delivery(
        sent=1, queued=1, failed=1
    )
    response = staff_client.get(reverse("trainings:staff_message", args=[message.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "p2@example.org" in page and "The bus leaves the hotel at 08:00." in page


def test_the_week_page_offers_to_write_to_all_its_sessions(staff_client, week, partnership):
    enrol(f.session_of(week, SessionKind.TRAINING_1), partnership, email="one@example.org")
    page = staff_client.get(reverse("trainings:staff_week", args=[week.pk])).content.decode()
    assert "Messages to the sessions of the week" in page
    assert reverse("trainings:staff_week_message_compose", args=[week.pk]) in page
    response = staff_client.post(
        reverse("trainings:staff_week_message_compose", args=[week.pk]), form_data(step="send")
    )
    assert response.status_code == 302
    assert SessionMessage.objects.get().week == week


def test_only_staff_may_write(coordinator_client, t1, partnership):
    enrol(t1, partnership, email="grace@example.org")
    assert coordinator_client.get(compose_url(t1)).status_code == 403
    assert coordinator_client.post(compose_url(t1), form_data(step="send")).status_code == 403
    assert not mine(t1).exists()


def test_the_message_pages_read_a_fixed_number_of_queries(staff_client, t1, partnership):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(path).status_code == 200
        return len(captured)

    enrol(t1, partnership, email="first@example.org")
    first = send(t1, include_coordinators=True)
    pages = [
        reverse("trainings:staff_message", args=[first.pk]),
        reverse("trainings:staff_session_messages", args=[t1.pk]),
        compose_url(t1),
    ]
    few = [queries(path) for path in pages]
    for n in range(6):
        enrol(t1, partnership, email=f"more{n}@example.org")
    for _n in range(3):
        send(t1, include_coordinators=True)
    pages[0] = reverse("trainings:staff_message", args=[SessionMessage.objects.first().pk])
    assert [queries(path) for path in pages] == few


def test_a_staff_members_export_names_the_messages_they_sent(t1, partnership, staff):
    from norec_portal import privacy

    enrol(t1, partnership, email="grace@example.org")
    message = send(t1, by=staff)
    data = privacy.export_subject(privacy.Subject.of(user=staff))
    sections = {s["model"]: s for s in data["sections"]}
    assert sections["trainings.SessionMessage"]["records"] == [{"id": message.pk, "as": "sent by"}]
