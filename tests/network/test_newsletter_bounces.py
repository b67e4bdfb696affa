"""Addresses that do not work: a 550 at sending (a real SMTP server), a provider's bounce,
rejection or complaint (django-anymail's tracking signal). Either marks the address bad;
the next newsletter skips it; staff see it on the data-quality page and can clear it."""

from __future__ import annotations

import datetime as dt

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.urls import reverse
from django.utils import timezone

from network.models import BadAddress, Invitation, NewsletterDelivery
from network.services import bounces, newsletters, waves
from norec_portal.models import OutboxEmail
from tests.network.factories import make_alumnus_record, make_member, make_newsletter
from tests.smtp_server import RecordingHandler, SMTPServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    handler = RecordingHandler(always={"gone@example.org": "550 5.1.1 No such user here"})
    with SMTPServer(handler) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


def send(newsletter, capture) -> None:
    with capture(execute=True):
        newsletters.start_sending(newsletter=newsletter)


def test_a_550_at_sending_marks_the_address_bad_and_the_next_newsletter_skips_it(
    smtp, django_capture_on_commit_callbacks
):
    good = make_member(email="good@example.org", newsletter=True)
    gone = make_member(email="gone@example.org", newsletter=True)
    first = make_newsletter(subject="First")
    send(first, django_capture_on_commit_callbacks)

    failed = OutboxEmail.objects.get(to_email="gone@example.org")
    assert failed.state == OutboxEmail.State.FAILED and "550" in failed.last_error
    assert smtp.handler.counts() == {"good@example.org": 1}

    second = make_newsletter(subject="Second")
    send(second, django_capture_on_commit_callbacks)  # its first chunk records the bounce
    bad = BadAddress.objects.get(email="gone@example.org")
    assert (bad.source, bad.person_id, bad.is_active) == ("smtp", gone.person_id, True)
    assert "550" in bad.reason
    assert list(
        NewsletterDelivery.objects.filter(newsletter=second).values_list("member", flat=True)
    ) == [good.pk]
    assert smtp.handler.counts() == {"good@example.org": 2}
    assert smtp.handler.asked["gone@example.org"] == 1


def test_an_invitation_that_bounces_marks_the_address_bad_by_the_same_sync():
    person = make_alumnus_record("Ola", "Gone", email="old@example.org")
    invitation = waves.invite_person(person=person, email=person.email, by=None, via="staff")
    OutboxEmail.objects.filter(pk=invitation.last_email_id).update(
        state="failed", last_error="550 no"
    )
    assert waves.follow_up_invitations()["bounced"] == 1
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.BOUNCED
    assert BadAddress.objects.get(email="old@example.org").last_email_id == invitation.last_email_id
    # Running again changes nothing more.
    assert bounces.sync_delivery_failures() == bounces.DeliveryFailures(0, 0)
    assert BadAddress.objects.get().failures == 1


@pytest.mark.parametrize("event_type", ["bounced", "rejected", "complained"])
def test_provider_events_mark_the_address_bad(event_type):
    member = make_member(email="Webhook@Example.org", newsletter=True)
    event = AnymailTrackingEvent(
        event_type=event_type,
        recipient="webhook@example.org",
        timestamp=timezone.now(),
        description="mailbox does not exist",
        esp_name="Mailgun",
    )
    tracking.send(sender=object, event=event, esp_name="Mailgun")
    bad = BadAddress.objects.get()
    assert (bad.email, bad.source, bad.person_id) == (
        "webhook@example.org",
        "webhook",
        member.person_id,
    )
    assert event_type in bad.reason
    newsletter = make_newsletter()
    assert not newsletters.recipients(newsletter).exists()


def test_other_provider_events_change_nothing():
    make_member(email="fine@example.org", newsletter=True)
    for event_type in ("delivered", "opened", "deferred"):
        event = AnymailTrackingEvent(event_type=event_type, recipient="fine@example.org")
        tracking.send(sender=object, event=event, esp_name="Postmark")
    assert not BadAddress.objects.exists()


def test_a_provider_bounce_also_bounces_the_open_invitation():
    person = make_alumnus_record("Kari", "Bounce", email="kari@example.org")
    invitation = waves.invite_person(person=person, email=person.email, by=None, via="staff")
    event = AnymailTrackingEvent(event_type="bounced", recipient="kari@example.org")
    tracking.send(sender=object, event=event, esp_name="SES")
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.BOUNCED


def test_staff_see_unreachable_members_and_can_clear_an_address(staff_client, staff):
    bounced = make_member(email="bounced@example.org", first_name="Bo", last_name="Unce")
    missing = make_member(email="nomail@example.org", first_name="Mi", last_name="Ssing")
    missing.person.email = ""
    missing.person.save()
    make_member(email="fine@example.org", first_name="Fi", last_name="Ne")
    bad = bounces.mark_address_bad(email="bounced@example.org", source="smtp", reason="550 gone")
    page = staff_client.get(reverse("network:staff_data_quality")).content.decode()
    assert "Bo Unce" in page and "Mi Ssing" in page and "Fi Ne" not in page
    assert "550 gone" in page
    only_missing = staff_client.get(reverse("network:staff_data_quality") + "?problem=missing")
    assert "Bo Unce" not in only_missing.content.decode()

    staff_client.post(reverse("network:staff_bad_address_clear", args=[bad.pk]))
    bad.refresh_from_db()
    assert bad.cleared_by == staff and not bad.is_active
    bounced.newsletter_consent = True
    bounced.save()
    assert newsletters.recipients(make_newsletter()).filter(pk=bounced.pk).exists()
    # An old failure does not mark the cleared address bad again; a new one does.
    failed = OutboxEmail.objects.create(
        idempotency_key="x:1",
        to_email="bounced@example.org",
        from_email="a@b.c",
        subject="s",
        message_id="<x1@t>",
        state="failed",
        next_attempt_at=bad.cleared_at - dt.timedelta(minutes=1),
    )
    bounces.sync_delivery_failures()
    assert not BadAddress.objects.get(pk=bad.pk).is_active
    OutboxEmail.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    bounces.sync_delivery_failures()
    assert BadAddress.objects.get(pk=bad.pk).is_active


def test_data_quality_page_runs_a_constant_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    url = reverse("network:staff_data_quality")

    def add(n, prefix):
        for i in range(n):
            make_member(email=f"{prefix}{i}@example.org", last_name=f"{prefix}{i}")
            bounces.mark_address_bad(email=f"{prefix}{i}@example.org", source="smtp")

    add(2, "a")
    staff_client.get(url)
    with django_assert_max_num_queries(10) as small:
        staff_client.get(url)
    add(10, "b")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "b9" in staff_client.get(url).content.decode()
