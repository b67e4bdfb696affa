"""Database-level guards that migrations install (PostgreSQL only).

``append_only(table, nullable=...)``: a trigger that refuses ``DELETE`` and any
``UPDATE`` of a row, except setting one of the ``nullable`` foreign keys to NULL (what
deleting a login does to the rows that name it). The Python side
(:class:`norec_portal.models.AppendOnlyModel`) refuses the same through the ORM; the
trigger also stops raw SQL and other programs. ``TRUNCATE`` (a test database being
emptied, a restore) is not a row change and is not refused.
"""

from __future__ import annotations

from django.db import migrations

FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION norec_append_only() RETURNS trigger AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    col text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'rows of % are append-only: DELETE refused', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    old_row := to_jsonb(OLD);
    new_row := to_jsonb(NEW);
    IF TG_NARGS > 0 THEN
        FOREACH col IN ARRAY TG_ARGV LOOP
            IF new_row -> col = 'null'::jsonb THEN
                old_row := old_row - col;
                new_row := new_row - col;
            END IF;
        END LOOP;
    END IF;
    IF old_row IS DISTINCT FROM new_row THEN
        RAISE EXCEPTION 'rows of % are append-only: UPDATE refused', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

DROP_FUNCTION_SQL = "DROP FUNCTION IF EXISTS norec_append_only() CASCADE;"


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def append_only_function() -> migrations.RunPython:
    """Create the shared trigger function (the core's migration does it once)."""
    return migrations.RunPython(
        _on_postgresql(FUNCTION_SQL), _on_postgresql(DROP_FUNCTION_SQL), elidable=False
    )


def append_only(table: str, *, nullable: tuple[str, ...] = ()) -> migrations.RunPython:
    """Make ``table`` append-only (see the module docstring)."""
    trigger = f"{table}_append_only"
    args = ", ".join(f"'{column}'" for column in nullable)
    create = (
        f"DROP TRIGGER IF EXISTS {trigger} ON {table}; "
        f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION norec_append_only({args});"
    )
    drop = f"DROP TRIGGER IF EXISTS {trigger} ON {table};"
    return migrations.RunPython(_on_postgresql(create), _on_postgresql(drop), elidable=False)
