"""Statements that a hot path runs on every request, prepared once per PostgreSQL session.

PostgreSQL parses and plans a plain statement each time it runs it; a statement made with PREPARE is
planned once per session and then only executed. The public status check runs two such statements per
look-up (its read and its record), and on a small server their planning was a large share of the
database's work. SQLite runs the statement as written (Python's sqlite3 keeps its own statement cache).

PREPARE belongs to the session, not the transaction: a rollback keeps it, and a new connection (Django
reconnects after CONN_MAX_AGE) starts without it, so what was prepared is remembered on the driver's
connection object itself. A pooler that hands one client's statements to other server sessions
(PgBouncer in transaction mode) loses named statements: set CAKUPAN_PG_PREPARE=0 behind one.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db.backends.utils import CursorWrapper

_PLACEHOLDER = re.compile(r"%s|%%")
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _numbered(sql: str) -> str:
    """Django's %s placeholders as PostgreSQL's $1, $2…; a literal %% as %."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def execute(cursor: CursorWrapper, *, name: str, sql: str, params: list) -> None:
    """Runs `sql` (with %s placeholders) with `params` on Django's `cursor`, as the prepared statement
    `name` on PostgreSQL."""
    wrapper = cursor.db
    if wrapper.vendor != "postgresql" or not settings.PG_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a statement name: {name!r}")
    driver_connection = wrapper.connection
    prepared = getattr(driver_connection, "_cakupan_prepared", None)
    if prepared is None:
        prepared = set()
        driver_connection._cakupan_prepared = prepared
    if name not in prepared:
        cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
        prepared.add(name)
    if params:
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")
