"""Reminders before a week go to confirmed and nominated people (the nominated with what
is missing) and, as one digest per training week, to their coordinators; exactly once
each, however often the beat job runs."""

from __future__ import annotations

import datetime as dt

import pytest

from norec_portal.models import OutboxEmail
from tests.factories import make_coordinator
from tests.trainings import factories as f
from trainings import services, tasks
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db

REMINDER_DAY = dt.date(2026, 4, 20)  # 13 days before the fixture week


def mails(prefix: str) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(idempotency_key__startswith=prefix).order_by("pk"))


@pytest.fixture
def expected(t1, partner_session, partnership, org_a, contact, staff):
    """From org_a: Ama confirmed for Training 1, Kofi nominated without the e-learning,
    the manager Joseph nominated for Partner training; org_a has two coordinators."""
    make_coordinator(org_a, email="c1@example.org", full_name="Cara One")
    make_coordinator(partnership.members.order_by("pk")[1].organisation, email="c2@example.org")
    ama = f.participant_for(partnership=partnership, first_name="Ama", last_name="Boateng")
    kofi = f.participant_for(partnership=partnership, first_name="Kofi", last_name="Mensah",
                             elearning=False)  # fmt: skip
    services.enrol(session=t1, person=ama.person, by=staff, confirm=True)
    services.enrol(session=t1, person=kofi.person, by=staff)
    services.enrol(session=partner_session, person=contact.person, by=staff)
    return {"ama": ama.person, "kofi": kofi.person, "joseph": contact.person}


def test_nominated_people_are_reminded_with_what_is_missing(expected):
    assert services.send_training_reminders(today=REMINDER_DAY) == 3
    kofi = Enrolment.objects.get(person=expected["kofi"])
    body = OutboxEmail.objects.get(idempotency_key=f"training-reminder:{kofi.pk}").body_text
    assert "Your nomination is not complete yet. Still missing:" in body
    assert "- the Norec e-learning, which Training 1 needs before it is confirmed" in body
    ama = Enrolment.objects.get(person=expected["ama"])
    confirmed = OutboxEmail.objects.get(idempotency_key=f"training-reminder:{ama.pk}")
    assert "Still missing" not in confirmed.body_text
    joseph = Enrolment.objects.get(person=expected["joseph"])
    partner = OutboxEmail.objects.get(idempotency_key=f"training-reminder:{joseph.pk}")
    assert "- Norec's confirmation of the seat" in partner.body_text


def test_one_digest_per_coordinator_per_week(expected, coordinator, week):
    services.send_training_reminders(today=REMINDER_DAY)
    digests = mails("training-reminder-digest:")
    # org_a's two coordinators, each once; org_b has nobody in the week.
    assert sorted(m.to_email for m in digests) == ["c1@example.org", "coordinator.a@example.org"]
    (digest, _other) = digests
    assert digest.subject == "Your people at the training week in Kampala from 3 May"
    body = digest.body_text
    assert "- Ama Boateng: Training 1, Confirmed" in body
    assert "- Kofi Mensah: Training 1, Nominated" in body
    assert "Still missing: the Norec e-learning" in body
    assert "- Joseph Mwangi: Partner training, Nominated" in body
    assert all(m.idempotency_key.startswith(f"training-reminder-digest:week-{week.pk}:")
               for m in digests)  # fmt: skip


def test_a_rerun_sends_nothing_more(expected, coordinator):
    services.send_training_reminders(today=REMINDER_DAY)
    before = OutboxEmail.objects.count()
    assert services.send_training_reminders(today=REMINDER_DAY) == 0
    assert services.send_training_reminders(today=REMINDER_DAY + dt.timedelta(days=1)) == 0
    assert tasks.send_training_reminders.delay().get() == 0
    assert OutboxEmail.objects.count() == before


def test_a_late_nominee_is_reminded_once_without_a_second_digest(
    expected, coordinator, t1, partnership, staff
):
    services.send_training_reminders(today=REMINDER_DAY)
    late = f.participant_for(partnership=partnership, first_name="Lina", last_name="Late")
    enrolment = services.enrol(session=t1, person=late.person, by=staff)
    assert services.send_training_reminders(today=REMINDER_DAY + dt.timedelta(days=1)) == 1
    assert OutboxEmail.objects.filter(idempotency_key=f"training-reminder:{enrolment.pk}")
    assert len(mails("training-reminder-digest:")) == 2
