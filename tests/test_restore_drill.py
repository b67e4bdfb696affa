"""The restore drill (scripts/restore_drill.sh) against a real PostgreSQL database: a
dump restores into a scratch database with the same rows in every table, the scratch
database is dropped afterwards, and a restore that loses rows fails the drill."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.db import connection

from norec_portal.audit import record_audit
from tests.conftest import need_stack
from tests.network.factories import make_member
from tests.stack import ROOT, database_url

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]
SCRIPT = ROOT / "scripts" / "restore_drill.sh"


def drill(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, timeout=300,
        env={**os.environ, "DATABASE_URL": database_url(), **env}, check=False,
    )  # fmt: skip


def scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%drill%"])
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        need_stack("the restore drill needs PostgreSQL (set DATABASE_URL)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        need_stack("the restore drill needs pg_dump and pg_restore")


def test_drill_restores_every_row(postgresql):
    member = make_member(email="drill@example.org", newsletter=True)
    record_audit(by=None, action="update", obj=member.person, changes=["email"])

    result = drill(SCRATCH_DB="norec_drill_ok")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "restore_drill: OK" in result.stdout
    lines = {line.split()[0]: line.split()[1:3] for line in result.stdout.splitlines()[1:]}
    assert lines["network_consentrecord"] == ["2", "2"]
    assert lines["norec_portal_auditentry"][0] == lines["norec_portal_auditentry"][1] != "0"
    assert "2 append-only triggers" in result.stdout
    assert "norec_drill_ok" not in scratch_databases()


def test_drill_fails_when_the_restore_loses_tables(postgresql):
    make_member(email="drill@example.org")

    result = drill(SCRATCH_DB="norec_drill_bad", PG_RESTORE_ARGS="--table=partnerships_person")

    assert result.returncode == 1
    assert "MISSING" in result.stdout
    assert "FAILED" in result.stderr
    assert "norec_drill_bad" not in scratch_databases()


def test_drill_refuses_without_a_database():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, check=False, env=env
    )
    assert result.returncode == 2
    assert "set DATABASE_URL" in result.stderr
