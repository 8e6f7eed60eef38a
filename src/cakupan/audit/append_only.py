"""The audit tables are append-only in the database itself: triggers refuse UPDATE, DELETE and (on
PostgreSQL) TRUNCATE of them, whatever code or SQL tries, so the trail holds even against a bug or an
injected statement in the application. Python refuses too (AuditEventQuerySet), with a clearer message.

The one way around is `maintenance()`, which only `cakupan flush` uses (tests and development reset the
database with it; it refuses in production): a session setting on PostgreSQL, a flag row on SQLite.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.db import connection

TABLES = ("audit_auditevent", "audit_rowchange")
# SQLite triggers cannot read a session variable; they read this one-row table, which is not a Django
# model, so `flush` itself never empties it.
SQLITE_FLAG_TABLE = "cakupan_audit_maintenance"
POSTGRES_SETTING = "cakupan.audit_maintenance"

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION cakupan_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('{POSTGRES_SETTING}', true), '') = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_append_only: % on % is refused; the audit trail is append-only',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def install_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [_POSTGRES_FUNCTION]
        for table in TABLES:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cakupan_audit_append_only()",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION cakupan_audit_append_only()",
            ]
        return statements
    statements = [
        f"CREATE TABLE IF NOT EXISTS {SQLITE_FLAG_TABLE} (enabled INTEGER NOT NULL)",
        f"INSERT INTO {SQLITE_FLAG_TABLE} (enabled) "
        f"SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM {SQLITE_FLAG_TABLE})",
    ]
    for table in TABLES:
        for operation in ("UPDATE", "DELETE"):
            name = f"{table}_no_{operation.lower()}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                f"WHEN NOT EXISTS (SELECT 1 FROM {SQLITE_FLAG_TABLE} WHERE enabled = 1) "
                "BEGIN SELECT RAISE(ABORT, 'audit_append_only: the audit trail is append-only'); END",
            ]
    return statements


def uninstall_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = []
        for table in TABLES:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            ]
        return [*statements, "DROP FUNCTION IF EXISTS cakupan_audit_append_only()"]
    statements = [
        f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
        for table in TABLES
        for operation in ("update", "delete")
    ]
    return [*statements, f"DROP TABLE IF EXISTS {SQLITE_FLAG_TABLE}"]


@contextlib.contextmanager
def maintenance(using=None):
    """Lets `flush` empty the audit tables; refused in production, where nothing may."""
    if settings.PRODUCTION:
        raise RuntimeError("The audit trail cannot be emptied in production.")
    from django.db import connections

    conn = connections[using] if using else connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"SET {POSTGRES_SETTING} = 'on'")
        else:
            cursor.execute(f"UPDATE {SQLITE_FLAG_TABLE} SET enabled = 1")
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(f"RESET {POSTGRES_SETTING}")
            else:
                cursor.execute(f"UPDATE {SQLITE_FLAG_TABLE} SET enabled = 0")
