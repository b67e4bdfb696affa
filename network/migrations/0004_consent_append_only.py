"""The consent ledger is append-only in the database too (PostgreSQL): a trigger refuses
UPDATE and DELETE of ``network_consentrecord`` rows, except setting ``recorded_by`` to
NULL when the login that recorded an answer is deleted (see norec_portal/dbguards.py)."""

from django.db import migrations

from norec_portal.dbguards import append_only


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0003_programme"),
        ("norec_portal", "0002_auditentry"),
    ]

    operations = [
        append_only("network_consentrecord", nullable=("recorded_by_id",)),
    ]
