"""The audit log: append-only entries naming the changed fields (never their values),
written by the services that change people, enrolments, waves and newsletters, and
shown to staff on a filtered, paginated page and read-only in the admin."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.models import ContactChange
from network.services import contact, members, waves
from norec_portal.audit import record_audit
from norec_portal.models import AppendOnlyError, AuditEntry
from partnerships import services as partnership_services
from partnerships.models import Person
from tests.factories import ParticipantFactory, PersonFactory, UserFactory
from tests.matrix.world import next_sunday
from tests.network.factories import bulk_alumni, make_member
from tests.trainings import factories as tf
from trainings import services as training_services
from trainings.models import SessionKind

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def entries_for(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).order_by("pk")
    )


def test_record_audit_keeps_field_names_never_values(staff):
    person = PersonFactory(first_name="Grace", email="grace@example.org")
    entry = record_audit(
        by=staff, action=Action.UPDATE, obj=person,
        changes={"email": "grace@example.org", "first_name": "Grace"},
    )  # fmt: skip
    entry.refresh_from_db()
    assert entry.changed_fields == ["email", "first_name"]
    assert entry.actor == staff
    assert "grace" not in str(entry.changed_fields).lower() + entry.summary.lower()


def test_entries_cannot_be_changed_or_deleted(staff):
    entry = record_audit(by=staff, action=Action.CREATE, obj=PersonFactory())
    entry.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == ""


def test_deleting_the_actor_keeps_the_entry(db):
    user = UserFactory(role="staff")
    entry = record_audit(by=user, action=Action.CREATE, obj=PersonFactory())
    user.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor is None
    assert entry.action == Action.CREATE


def test_admin_is_read_only(client, superuser):
    entry = record_audit(by=superuser, action=Action.CREATE, obj=PersonFactory())
    client.force_login(superuser)
    assert client.get(reverse("admin:norec_portal_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:norec_portal_auditentry_add")).status_code == 403
    change = reverse("admin:norec_portal_auditentry_change", args=[entry.pk])
    client.post(change, {"summary": "rewritten"})
    delete = reverse("admin:norec_portal_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).summary == ""


# --- The services write entries ----------------------------------------------------------


def test_registering_and_editing_a_participant_is_audited(coordinator, partnership, org_b):
    plan = partnership_services.ExchangePlan(
        partnership=partnership, host_organisation=org_b,
        exchange_start=timezone.localdate().replace(year=2030),
        exchange_end=timezone.localdate().replace(year=2031),
    )  # fmt: skip
    participant = partnership_services.register_participant(
        sending=partnership.members.order_by("pk")[0].organisation,
        person_data={"first_name": "Grace", "last_name": "Nakato", "email": "g@example.org"},
        plan=plan, by=coordinator,
    )  # fmt: skip
    assert [e.action for e in entries_for(participant.person)] == [Action.CREATE]
    assert [e.action for e in entries_for(participant)] == [Action.CREATE]
    partnership_services.update_participant(
        participant=participant,
        person_data={"first_name": "Grace", "last_name": "Nakato-Okello", "email": "g@example.org"},
        plan=plan, by=coordinator,
    )  # fmt: skip
    update = entries_for(participant.person)[-1]
    assert (update.action, update.changed_fields, update.actor) == (
        Action.UPDATE, ["last_name"], coordinator
    )  # fmt: skip
    assert len(entries_for(participant)) == 1  # the exchange itself did not change


def test_enrolment_changes_are_audited(staff, partnership):
    sunday = next_sunday(56)
    week = tf.make_week(starts_on=sunday)
    t1 = week.sessions.get(kind=SessionKind.TRAINING_1, group=1)
    participant = tf.participant_for(sunday, partnership=partnership)
    enrolment = training_services.enrol(session=t1, person=participant.person, by=staff)
    training_services.confirm_enrolment(enrolment=enrolment, by=staff)
    training_services.cancel_enrolment(enrolment=enrolment, by=staff, reason="ill")
    found = entries_for(enrolment)
    assert [(e.action, e.summary) for e in found] == [
        (Action.CREATE, "nominated"), (Action.STATUS, "confirmed"), (Action.STATUS, "cancelled"),
    ]  # fmt: skip
    assert all(e.actor == staff for e in found)
    assert "ill" not in " ".join(e.summary for e in found)


def test_wave_and_contact_changes_are_audited(staff):
    bulk_alumni(3, ["KE"])
    wave = waves.create_wave(
        name="Kenya", countries=["KE"], daily_cap=2, starts_on=timezone.localdate(),
        reminder_after_days=3, expires_after_days=30, by=staff,
    )  # fmt: skip
    waves.change_wave_status(wave=wave, to_status="paused", by=staff)
    assert [(e.action, e.summary) for e in entries_for(wave)] == [
        (Action.CREATE, "3 people"), (Action.STATUS, "paused"),
    ]  # fmt: skip
    member = make_member(email="mara@example.org")
    contact.update_contact_details(
        person=member.person, by=member.person.user, via=ContactChange.Via.MEMBER,
        details=contact.ContactDetails(first_name="Mara", last_name="Juma",
                                       phone="+254712345678", country="KE"),
    )  # fmt: skip
    changed = {e.changed_fields[0] for e in entries_for(member.person)}
    assert changed == {"first_name", "phone"}
    members.change_consents(
        member=member, consents=members.Consents(directory=True, newsletter=True), by=staff
    )
    consent = entries_for(member)[-1]
    assert consent.changed_fields == ["directory_consent", "newsletter_consent"]


# --- The staff page ------------------------------------------------------------------------


def make_entries(n: int, actor) -> Person:
    person = PersonFactory()
    for i in range(n):
        record_audit(by=actor if i % 2 else None, action=Action.UPDATE, obj=person,
                     changes=["email"])  # fmt: skip
    ParticipantFactory()
    return person


def test_staff_page_lists_filters_and_paginates(staff_client, staff, coordinator):
    person = make_entries(30, staff)
    other = PersonFactory()
    record_audit(by=coordinator, action=Action.CREATE, obj=other)
    url = reverse("audit_log")
    page = staff_client.get(url)
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 31
    assert len(page.context["rows"]) == 25
    assert "staff@norec.no" in page.content.decode()
    by_object = staff_client.get(url, {"object_type": "partnerships.person",
                                       "object_id": other.pk})  # fmt: skip
    assert [e.pk for e, _admin in by_object.context["rows"]] == [entries_for(other)[0].pk]
    assert staff_client.get(url, {"action": "create"}).context["page_obj"].paginator.count == 1
    by_actor = staff_client.get(url, {"actor": "coordinator.a"})
    assert by_actor.context["page_obj"].paginator.count == 1
    second = staff_client.get(url, {"page": 2})
    assert len(second.context["rows"]) == 6
    assert person.pk  # the 30 entries concern one person


def test_staff_page_is_for_staff_only(coordinator_client, alumnus_client):
    assert coordinator_client.get(reverse("audit_log")).status_code == 403
    assert alumnus_client.get(reverse("audit_log")).status_code == 403


def test_staff_page_runs_a_constant_number_of_queries(staff_client, staff, coordinator):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(reverse("audit_log")).status_code == 200
        return len(ctx)

    make_entries(3, staff)
    small = count()
    for user in UserFactory.create_batch(5, role="staff"):
        make_entries(6, user)
    assert count() == small
