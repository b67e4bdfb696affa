"""Partner training readiness: due from the agreement date for every contact person of a
signed partnership's organisations, overdue after PARTNER_TRAINING_OVERDUE_DAYS, done once
attended; shown on the partnership page, the coordinator's home, a staff list with filters
and the staff home's figures, each in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships.models import ContactPerson, Phase
from partnerships.readiness import contacts_readiness
from tests.factories import OrganisationFactory, PartnershipFactory, make_coordinator
from tests.trainings import factories as f
from trainings import services
from trainings.models import Enrolment, EnrolmentState
from trainings.readiness import (
    PartnerTraining,
    attention_counts,
    partner_training_roster,
)

pytestmark = pytest.mark.django_db

# The fixture partnership signed on 1 June 2025; the tests run on 2 March 2026 (274 days
# later), past the default 180 days.
RECENT = f.TODAY - dt.timedelta(days=30)


def state_of(contact: ContactPerson) -> str | None:
    row = partner_training_roster(ContactPerson.objects.filter(pk=contact.pk)).first()
    return row.readiness if row else None


def badge(contact: ContactPerson) -> tuple[str, str]:
    (item,) = contacts_readiness([contact.organisation], [contact]).contacts[contact.pk]
    return item.status, item.tone


def recent_partnership(**kwargs):
    return PartnershipFactory(agreement_signed_on=RECENT, **kwargs)


def test_due_from_the_agreement_then_overdue(contact):
    fresh = f.contact_for(recent_partnership().members.first().organisation)
    assert state_of(fresh) == PartnerTraining.DUE
    assert badge(fresh) == ("Due by 30 Jul 2026", "warn")  # 31 Jan 2026 + 180 days
    assert state_of(contact) == PartnerTraining.OVERDUE
    assert badge(contact) == ("Overdue since 28 Nov 2025", "bad")


def test_the_overdue_period_is_a_setting(contact, settings):
    settings.PARTNER_TRAINING_OVERDUE_DAYS = 365
    assert state_of(contact) == PartnerTraining.DUE


def test_enrolled_is_not_done_attended_is(contact, partner_session, staff):
    enrolment = services.enrol(session=partner_session, person=contact.person, by=staff)
    assert state_of(contact) == PartnerTraining.ENROLLED
    assert badge(contact) == ("Nominated · Kampala 3 May 2026", "info")
    Enrolment.objects.filter(pk=enrolment.pk).update(state=EnrolmentState.ATTENDED)
    assert state_of(contact) == PartnerTraining.DONE
    assert badge(contact) == ("Attended · Kampala 3 May 2026", "ok")


def test_cancelled_or_missed_counts_as_not_taken(contact, partner_session, staff):
    enrolment = services.enrol(session=partner_session, person=contact.person, by=staff)
    services.cancel_enrolment(enrolment=enrolment, by=staff)
    assert state_of(contact) == PartnerTraining.OVERDUE


def test_not_due_before_the_agreement_nor_for_inactive_contacts(org_a):
    seminar_stage = f.feasibility_partnership()
    early = f.contact_for(seminar_stage.members.first().organisation)
    assert state_of(early) is None
    assert badge(early) == ("Not due yet", "info")
    gone = f.contact_for(org_a)
    gone.active = False
    gone.save()
    assert state_of(gone) is None


def test_the_first_signed_agreement_counts(org_a):
    """An organisation in a second, later partnership was due from its first."""
    PartnershipFactory(agreement_signed_on=RECENT, members=[org_a, OrganisationFactory()])
    contact = f.contact_for(org_a)
    assert partner_training_roster(ContactPerson.objects.filter(pk=contact.pk)).get(
        pk=contact.pk
    ).agreement_on == dt.date(2025, 6, 1)


# --- The partnership page -----------------------------------------------------------------


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_partnership_page_shows_each_contacts_partner_training(
    staff_client, partnership, contact, coordinator, partner_session, staff, org_b
):
    services.enrol(session=partner_session, person=coordinator.person, by=staff)
    response = staff_client.get(reverse("partnerships:staff_partnership", args=[partnership.pk]))
    page = response.content.decode()
    assert "Partner training: Overdue since 28 Nov 2025" in page  # Joseph Mwangi
    assert "Partner training: Nominated · Kampala 3 May 2026" in page  # the coordinator
    # And per organisation: org_a has Joseph (overdue) and the coordinator (enrolled).
    assert "Partner training: 0 of 2 done · 1 overdue" in page


def test_partnership_page_queries_do_not_grow_with_contacts(
    staff_client, partnership, org_a, org_b, django_assert_num_queries
):
    url = reverse("partnerships:staff_partnership", args=[partnership.pk])
    f.contact_for(org_a)
    baseline = count_queries(staff_client, url)
    for organisation in (org_a, org_b, org_b):
        f.contact_for(organisation)
    with django_assert_num_queries(baseline):
        staff_client.get(url)


# --- The coordinator's home ---------------------------------------------------------------


def test_coordinator_home_shows_own_contacts_only(
    coordinator_client, coordinator, contact, other_coordinator
):
    page = coordinator_client.get(reverse("partnerships:coordinator_dashboard")).content.decode()
    assert "Joseph Mwangi" in page
    assert "Partner training: Overdue since 28 Nov 2025" in page
    assert "Brian Okello" not in page  # the coordinator of the other organisation
    assert "Partner training: 0 of 2 done · 2 overdue" in page  # the organisation's summary
    assert reverse("trainings:coordinator_sessions") in page


def test_coordinator_home_queries_do_not_grow_with_contacts(
    coordinator_client, coordinator, org_a, django_assert_num_queries
):
    url = reverse("partnerships:coordinator_dashboard")
    baseline = count_queries(coordinator_client, url)
    for _ in range(4):
        f.contact_for(org_a)
    with django_assert_num_queries(baseline):
        coordinator_client.get(url)


# --- The staff list and the staff home ----------------------------------------------------


@pytest.fixture
def roster_world(partnership, org_a, org_b):
    """Coordinators and managers, with agreements old and new, trained or not."""
    old_coordinator = make_coordinator(org_a, email="old.c@example.org", full_name="Olga Oldway")
    make_coordinator(org_b, email="trained.c@example.org", full_name="Tariq Trained")
    fresh_org = recent_partnership().members.first().organisation
    make_coordinator(fresh_org, email="new.c@example.org", full_name="Nadia Newdeal")
    f.contact_for(org_a, first_name="Manu", last_name="Manager")
    return old_coordinator


def mark_trained(email: str, staff, partner_session) -> None:
    person = ContactPerson.objects.get(person__email=email).person
    enrolment = services.enrol(session=partner_session, person=person, by=staff)
    Enrolment.objects.filter(pk=enrolment.pk).update(state=EnrolmentState.ATTENDED)


def test_staff_filter_coordinators_without_partner_training_agreements_older_than_3_months(
    staff_client, roster_world, staff, partner_session
):
    mark_trained("trained.c@example.org", staff, partner_session)
    url = reverse("trainings:staff_partner_readiness")
    page = staff_client.get(url, {"role": "coordinator", "signed": "3"}).content.decode()
    assert "Olga Oldway" in page
    assert "Tariq Trained" not in page  # done
    assert "Nadia Newdeal" not in page  # agreement a month old
    assert "Manu Manager" not in page  # not a coordinator
    everyone = staff_client.get(url).content.decode()  # default: without Partner training
    assert all(name in everyone for name in ("Olga Oldway", "Nadia Newdeal", "Manu Manager"))
    assert "Tariq Trained" not in everyone
    done = staff_client.get(url, {"state": "done"}).content.decode()
    assert "Tariq Trained" in done and "Olga Oldway" not in done


def test_staff_list_rejects_nonsense_filters_with_the_default(staff_client, roster_world):
    response = staff_client.get(
        reverse("trainings:staff_partner_readiness"), {"state": "x", "signed": "-1"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "These filters were not understood, so none is applied" in page
    assert "Olga Oldway" in page


def test_staff_list_queries_do_not_grow_with_rows(
    staff_client, roster_world, org_a, django_assert_num_queries
):
    url = reverse("trainings:staff_partner_readiness")
    baseline = count_queries(staff_client, url)
    for _ in range(5):
        f.contact_for(org_a)
    with django_assert_num_queries(baseline):
        staff_client.get(url)


def test_attention_counts_in_one_query_and_on_the_staff_home(
    roster_world, staff, staff_client, partner_session, django_assert_num_queries
):
    mark_trained("trained.c@example.org", staff, partner_session)
    with django_assert_num_queries(1):
        attention = attention_counts()
    # Overdue: Olga (coordinator) and Manu; due: Nadia.
    assert (attention.coordinators_overdue, attention.partner_overdue) == (1, 2)
    assert attention.partner_due == 1
    page = staff_client.get(reverse("staff_dashboard")).content.decode()
    assert "Contact persons overdue for Partner training" in page
    assert "Coordinators overdue: 1" in page
    assert "?state=overdue&amp;role=coordinator" in page


def test_feasibility_partnership_contacts_are_never_listed(staff_client, roster_world):
    early = f.feasibility_partnership()
    f.contact_for(early.members.first().organisation, first_name="Fiona", last_name="Feasible")
    page = staff_client.get(
        reverse("trainings:staff_partner_readiness"), {"state": "all"}
    ).content.decode()
    assert "Fiona Feasible" not in page
    assert Phase.FEASIBILITY == early.phase


def test_organisation_summary_in_one_query(
    org_a, org_b, contact, partner_session, staff, django_assert_num_queries
):
    trained = f.contact_for(org_b)
    mark_trained(trained.person.email, staff, partner_session)
    early = f.feasibility_partnership().members.first().organisation
    with django_assert_num_queries(1):
        found = contacts_readiness([org_a, org_b, early]).organisations
    assert [(i.status, i.tone) for i in found[org_a.pk]] == [("0 of 1 done · 1 overdue", "bad")]
    assert [(i.status, i.tone) for i in found[org_b.pk]] == [("1 of 1 done", "ok")]
    assert found[early.pk] == []
