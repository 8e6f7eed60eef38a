"""Row-level before/after records of bulk changes, written set-based in the change's own transaction.

A bulk path (an import, a roster, the monthly cycle, an acknowledgement, a plan's commitment) changes
thousands or millions of rows with a few SQL statements; its AuditEvent says what happened as a whole and
its RowChange rows say which rows changed and how. Because the event is written last (it carries the final
counts), a `RowChangeSet` collects the change as it happens and writes the rows once the event exists:

* `before_update(tracked, ids_sql)`: call just before an UPDATE; the rows' current values go into a
  temporary table (one INSERT … SELECT).
* `before_delete(tracked, ids_sql)`: the same just before a DELETE (the row is gone when `write` runs).
* `inserted(tracked, ids_sql)`: call after an INSERT, with a query that still selects the new rows when
  `write` runs (an id range, or a join with a staging table that is not changed afterwards).
* `ids_sql(ids)`: ids that Python holds (a few thousand acknowledgement rows, say) as a temporary
  table to select from, instead of an IN list of parameters.
* `write(event)`: one INSERT … SELECT per tracked table and kind of change, building the JSON of the
  values in SQL (json_object on SQLite, jsonb_build_object on PostgreSQL): no Python per row.

A dry run simply never calls `write`; its temporary table goes with the transaction's rollback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import connection

from cakupan.audit.models import AuditEvent, RowChange, RowOperation

PENDING = "cakupan_rowchange_pending"


@dataclass(frozen=True)
class Tracked:
    """How one table's rows appear in the row-level trail."""

    object_type: str  # "app_label.model", as on AuditEvent
    table: str
    fields: tuple[str, ...]
    # A SQL expression over the row (alias t) giving its region code, for the auditors' area scope.
    region_sql: str

    def json_sql(self, alias: str = "t") -> str:
        return json_object_sql({name: f"{alias}.{name}" for name in self.fields})


def json_object_sql(pairs: dict[str, str]) -> str:
    function = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    arguments = ", ".join(f"'{key}', {value}" for key, value in pairs.items())
    return f"{function}({arguments})"


def _json_type() -> str:
    return "jsonb" if connection.vendor == "postgresql" else "TEXT"


@dataclass
class RowChangeSet:
    _inserts: list[tuple[Tracked, str, list]] = field(default_factory=list)
    _tracked: dict[str, Tracked] = field(default_factory=dict)
    _pending: bool = False
    _id_tables: int = 0
    # Time spent recording (capturing and writing), for the import benchmark's cost of the audit.
    seconds: float = 0.0

    def _ensure_pending(self) -> None:
        if self._pending:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PENDING}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {PENDING} (object_type VARCHAR(100) NOT NULL, "
                "object_id BIGINT NOT NULL, operation VARCHAR(6) NOT NULL, region_code VARCHAR(13), "
                f"before {_json_type()})"
            )
        self._pending = True

    def _capture(self, tracked: Tracked, operation: str, ids_sql: str, params: list | None) -> int:
        started = time.perf_counter()
        try:
            return self._capture_rows(tracked, operation, ids_sql, params)
        finally:
            self.seconds += time.perf_counter() - started

    def _capture_rows(self, tracked: Tracked, operation: str, ids_sql: str, params: list | None) -> int:
        self._ensure_pending()
        self._tracked[tracked.object_type] = tracked
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PENDING} (object_type, object_id, operation, region_code, before) "
                f"SELECT %s, t.id, %s, {tracked.region_sql}, {tracked.json_sql()} FROM {tracked.table} t "
                f"WHERE t.id IN ({ids_sql})",
                [tracked.object_type, operation, *(params or [])],
            )
            return cursor.rowcount

    def before_update(self, tracked: Tracked, ids_sql: str, params: list | None = None) -> int:
        """Keep the current values of the rows `ids_sql` selects (their ids), about to be updated."""
        return self._capture(tracked, RowOperation.UPDATE, ids_sql, params)

    def before_delete(self, tracked: Tracked, ids_sql: str, params: list | None = None) -> int:
        return self._capture(tracked, RowOperation.DELETE, ids_sql, params)

    def ids_sql(self, ids) -> str:
        """A query selecting these ids (loaded once into a temporary table of this change set)."""
        self._id_tables += 1
        table = f"{PENDING}_ids_{self._id_tables}"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {table} (id BIGINT NOT NULL)")
            cursor.executemany(f"INSERT INTO {table} (id) VALUES (%s)", [(int(i),) for i in ids])
        return f"SELECT id FROM {table}"

    def inserted(self, tracked: Tracked, ids_sql: str, params: list | None = None) -> None:
        self._inserts.append((tracked, ids_sql, list(params or [])))

    def write(self, event: AuditEvent) -> int:
        """The collected changes as RowChange rows of `event`; returns how many were written."""
        started = time.perf_counter()
        try:
            return self._write(event)
        finally:
            self.seconds += time.perf_counter() - started

    def _write(self, event: AuditEvent) -> int:
        target = (
            f"INSERT INTO {RowChange._meta.db_table} "
            "(event_id, object_type, object_id, operation, region_code, before, after) "
        )
        null_json = "CAST(NULL AS jsonb)" if connection.vendor == "postgresql" else "NULL"
        written = 0
        with connection.cursor() as cursor:
            for tracked in self._tracked.values():
                cursor.execute(
                    f"{target}SELECT %s, p.object_type, p.object_id, p.operation, "
                    f"COALESCE({tracked.region_sql}, p.region_code, ''), p.before, {tracked.json_sql()} "
                    f"FROM {PENDING} p JOIN {tracked.table} t ON t.id = p.object_id "
                    "WHERE p.object_type = %s AND p.operation = %s ORDER BY p.object_id",
                    [event.pk, tracked.object_type, RowOperation.UPDATE],
                )
                written += cursor.rowcount
            if self._pending:
                # Deleted rows are gone: their values and region are those captured before the DELETE.
                cursor.execute(
                    f"{target}SELECT %s, p.object_type, p.object_id, p.operation, "
                    f"COALESCE(p.region_code, ''), p.before, {null_json} FROM {PENDING} p "
                    "WHERE p.operation = %s "
                    "ORDER BY p.object_type, p.object_id",
                    [event.pk, RowOperation.DELETE],
                )
                written += cursor.rowcount
            for tracked, ids_sql, params in self._inserts:
                cursor.execute(
                    f"{target}SELECT %s, %s, t.id, %s, COALESCE({tracked.region_sql}, ''), {null_json}, "
                    f"{tracked.json_sql()} FROM {tracked.table} t WHERE t.id IN ({ids_sql}) ORDER BY t.id",
                    [event.pk, tracked.object_type, RowOperation.INSERT, *params],
                )
                written += cursor.rowcount
            if self._pending:
                cursor.execute(f"DROP TABLE IF EXISTS {PENDING}")
            for number in range(1, self._id_tables + 1):
                cursor.execute(f"DROP TABLE IF EXISTS {PENDING}_ids_{number}")
        self._inserts.clear()
        self._tracked.clear()
        self._pending = False
        self._id_tables = 0
        return written
