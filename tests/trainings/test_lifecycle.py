"""A partnership's phase drives its trainings: entering feasibility invites it to the next
introductory seminar; signing the agreement tells each organisation's coordinators, in
their language, that Partner training is due, with the next sessions and a link to
nominate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from norec_portal.models import OutboxEmail
from partnerships import services as partnerships
from partnerships.models import Person, Phase
from tests.factories import OrganisationFactory, make_coordinator
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState, SeminarInvitation
from trainings.services.lifecycle import announce_partner_training

pytestmark = pytest.mark.django_db


def sent_to(email: str, prefix: str) -> list[OutboxEmail]:
    return list(
        OutboxEmail.objects.filter(to_email=email, idempotency_key__startswith=prefix).order_by(
            "pk"
        )
    )


@pytest.fixture
def seminar(staff):
    return services.create_intro_seminar(
        title="Introductory seminar", capacity=20, venue=None, online=True, by=staff,
        days=[services.SeminarDay(f.TODAY + dt.timedelta(days=d), dt.time(9), dt.time(12))
              for d in (20, 22, 29)],
    )  # fmt: skip


@pytest.fixture
def early():
    """A partnership in feasibility with a coordinator in each organisation; B's writes
    French."""
    partnership = f.feasibility_partnership()
    org_a, org_b = (m.organisation for m in partnership.members.order_by("pk"))
    make_coordinator(org_a, email="ama@example.org", full_name="Ama Mensah")
    make_coordinator(org_b, email="bea@example.org", full_name="Béatrice Dupont")
    Person.objects.filter(email="bea@example.org").update(preferred_language="fr")
    return partnership


def test_signing_the_agreement_tells_coordinators_partner_training_is_due(
    early, staff, partner_session
):
    partnerships.change_phase(partnership=early, to_phase=Phase.AGREEMENT_SIGNED, by=staff)
    (message,) = sent_to("ama@example.org", "training-partner-due:")
    assert message.subject == f"Partner training is now due: {early.name}"
    body = message.body_text
    assert "Dear Ama," in body
    assert "- Ama Mensah" in body  # the coordinator is due too
    assert "Partner training, Kampala, 3 May 2026 – 9 May 2026 (40 seats free)" in body
    assert reverse("trainings:coordinator_nominate", args=[partner_session.pk]) in body
    # In the coordinator's own language (Django's own month names show it even before
    # the catalogue has this email's sentences).
    (french,) = sent_to("bea@example.org", "training-partner-due:")
    assert "3 mai 2026" in french.body_text


def test_the_announcement_leaves_out_the_trained_and_is_sent_once(early, staff, partner_session):
    ama = Person.objects.get(email="ama@example.org")
    partnerships.change_phase(partnership=early, to_phase=Phase.AGREEMENT_SIGNED, by=staff)
    enrolment = services.enrol(session=partner_session, person=ama, by=staff)
    Enrolment.objects.filter(pk=enrolment.pk).update(state=EnrolmentState.ATTENDED)
    assert announce_partner_training(partnership=early) == 1  # Béatrice's organisation only
    assert len(sent_to("ama@example.org", "training-partner-due:")) == 1
    assert len(sent_to("bea@example.org", "training-partner-due:")) == 1


def test_without_a_scheduled_session_the_email_says_so(early, staff):
    partnerships.change_phase(partnership=early, to_phase=Phase.AGREEMENT_SIGNED, by=staff)
    (message,) = sent_to("ama@example.org", "training-partner-due:")
    assert "No Partner training is scheduled yet" in message.body_text
    assert reverse("trainings:coordinator_sessions") in message.body_text


def test_other_phase_changes_send_nothing_about_partner_training(staff, partnership):
    make_coordinator(partnership.members.first().organisation, email="c@example.org")
    partnerships.change_phase(partnership=partnership, to_phase=Phase.ACTIVE_EXCHANGE, by=staff)
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="training-partner-due:")


def test_a_new_partnership_is_invited_to_the_next_seminar(seminar, staff):
    lead, partner = OrganisationFactory(), OrganisationFactory(country="UG")
    make_coordinator(lead, email="lead@example.org", full_name="Lena Lead")
    created = partnerships.create_partnership(
        name="Rift Valley Water", programme="south_south", adviser=None, by=staff,
        organisations=[(lead, "lead"), (partner, "partner")],
    )  # fmt: skip
    assert SeminarInvitation.objects.filter(session=seminar, partnership=created).exists()
    (message,) = sent_to("lead@example.org", "training-seminar-invitation:")
    assert message.subject == "Invitation to the introductory seminar: Rift Valley Water"
    assert "Dear Lena," in message.body_text


def test_a_new_partnership_without_a_seminar_scheduled_is_not_invited(staff):
    lead, partner = OrganisationFactory(), OrganisationFactory(country="UG")
    partnerships.create_partnership(
        name="Sahel Schools", programme="south_south", adviser=None, by=staff,
        organisations=[(lead, "lead"), (partner, "partner")],
    )  # fmt: skip
    assert not SeminarInvitation.objects.exists()
