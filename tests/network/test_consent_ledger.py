"""The consent ledger is append-only: the ORM refuses to change or delete an answer, the
admin offers no delete, and on PostgreSQL a trigger refuses it too (the audit log has the
same guard)."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, connection, transaction

from network.models import ConsentRecord, Member
from norec_portal.audit import record_audit
from norec_portal.models import AppendOnlyError, AuditEntry
from tests.conftest import need_stack
from tests.factories import PersonFactory, UserFactory
from tests.network.factories import make_member

pytestmark = pytest.mark.django_db


def test_an_answer_cannot_be_changed_or_deleted(member):
    record = ConsentRecord.objects.filter(member=member).first()
    record.granted = not record.granted
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(member=member).update(granted=False)
    with pytest.raises(AppendOnlyError):
        member.consents.all().delete()
    assert ConsentRecord.objects.filter(member=member).count() == 2


def test_the_admin_offers_no_delete(rf, staff, member):
    request = rf.get("/")
    request.user = staff
    assert not site._registry[Member].has_delete_permission(request, member)


def test_deleting_the_login_keeps_the_answers(member):
    user = member.person.user
    user.delete()
    assert ConsentRecord.objects.filter(member=member, recorded_by=None).count() == 2


def sql(statement: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.stack
def test_postgresql_refuses_changes_to_the_ledger_and_the_audit_log():
    if connection.vendor != "postgresql":
        need_stack("the append-only triggers are PostgreSQL's (set DATABASE_URL)")
    member = make_member(email="ledger@example.org", newsletter=True)
    record = ConsentRecord.objects.filter(member=member).first()
    entry = record_audit(by=member.person.user, action="update", obj=PersonFactory())
    changes = (
        ("network_consentrecord", "granted = NOT granted", record.pk),
        ("norec_portal_auditentry", "changed_fields = '[\"email\"]'::jsonb", entry.pk),
        ("norec_portal_auditentry", "object_id = object_id + 1", entry.pk),
    )
    for table, change, pk in changes:
        with pytest.raises(IntegrityError, match="append-only: UPDATE"):
            sql(f"UPDATE {table} SET {change} WHERE id = %s", [pk])  # noqa: S608
        with pytest.raises(IntegrityError, match="append-only: DELETE"):
            sql(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
    with pytest.raises(IntegrityError, match="append-only"):
        sql("UPDATE network_consentrecord SET recorded_by_id = %s WHERE id = %s",
            [UserFactory().pk, record.pk])  # fmt: skip
    # Deleting the login that recorded the answers is allowed: only the author goes.
    member.person.user.delete()
    assert ConsentRecord.objects.filter(member=member, recorded_by=None).count() == 2
    assert AuditEntry.objects.get(pk=entry.pk).actor is None
