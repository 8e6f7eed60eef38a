"""Set-based loading of columnar frames: COPY on PostgreSQL, executemany on SQLite. No per-row ORM saves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

if TYPE_CHECKING:
    import polars as pl

CHUNK_ROWS = 250_000
# executemany takes Python tuples: this many rows at a time keeps them to a few tens of MB.
SQLITE_BATCH_ROWS = 50_000
# Below this many rows, maintaining indexes row by row costs less than dropping and rebuilding them.
SET_ASIDE_MIN_ROWS = 100_000
# Called with (rows just loaded, rows expected in all).
Progress = Callable[[int, int], None]


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def load_frame(
    *, table: str, frame: pl.DataFrame, progress: Progress | None = None, expected: int | None = None
) -> int:
    """Append the frame's rows to `table` (columns named as in the table); returns the row count.

    All or nothing: runs in the caller's transaction (or a transaction of its own), so a failure leaves
    nothing behind. For a large load into an empty table the indexes, unique and foreign-key
    constraints are set aside while loading and rebuilt after, in the same transaction: building an
    index from all the rows at once is much cheaper than maintaining it row by row, and PostgreSQL then
    checks foreign keys with one join instead of one trigger call per row. The rebuilt objects are the
    same (names and definitions); a duplicate or dangling key fails the rebuild, at the end of this call
    rather than at commit, so nothing invalid is committed. On PostgreSQL the table is then locked
    against readers until the transaction ends.
    """
    if frame.is_empty():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        large_into_empty = frame.height >= SET_ASIDE_MIN_ROWS and _is_empty(cursor, table)
        rebuild = _set_aside_indexes(cursor, table) if large_into_empty else []
        loaded = _append(cursor, table, frame, progress, expected)
        for statement in rebuild:
            cursor.execute(statement)
    return loaded


def append_frame(*, table: str, frame: pl.DataFrame) -> int:
    """Append the frame's rows to `table` as they are (indexes kept); returns the row count. For a
    caller that loads many frames in its own transaction and sets the indexes aside once itself."""
    if frame.is_empty():
        return 0
    with connection.cursor() as cursor:
        return _append(cursor, table, frame, None, None)


def _append(cursor, table: str, frame: pl.DataFrame, progress: Progress | None, expected) -> int:
    if connection.vendor != "postgresql":
        return _insert_sqlite(cursor, table, frame, progress, expected)
    # psycopg only on PostgreSQL: a SQLite deployment need not import it at all.
    from psycopg.copy import QueuedLibpqWriter

    loaded = 0
    columns = ", ".join(frame.columns)
    sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')"
    # The queued writer sends to the server from a thread while the next chunk is formatted.
    with cursor.cursor.copy(sql, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
        for chunk in frame.iter_slices(CHUNK_ROWS):
            copy.write(chunk.write_csv(include_header=False, null_value="\\N"))
            loaded += chunk.height
            if progress:
                progress(chunk.height, expected or frame.height)
    return loaded


def _insert_sqlite(cursor, table: str, frame: pl.DataFrame, progress: Progress | None, expected) -> int:
    """executemany into a bare TEMP table, then one INSERT … SELECT into `table` per batch.

    Row by row, an insert into a real table with constraints, a foreign key and a unique index costs
    SQLite about twice what the same rows cost as one INSERT … SELECT (measured: 20 against 8 µs a row
    into registry_worker); a TEMP table without types or constraints takes executemany cheaply. The
    bare columns have no type affinity, so the values reach `table` exactly as a direct insert would
    give them. A TEMP table itself is loaded directly.
    """
    # Polars inside the functions that call it: modules that only want the SQL helpers here are loaded at
    # start-up, and whoever passes a frame has imported Polars already.
    import polars as pl

    columns = ", ".join(frame.columns)
    placeholders = ", ".join(["?"] * frame.width)
    sqlite_frame = frame.with_columns(
        pl.col(pl.Date, pl.Datetime).cast(pl.Utf8), pl.col(pl.Boolean).cast(pl.Int8)
    )
    # The driver's own cursor: the values are already in SQLite's storage forms, and Django's wrapper
    # would only rewrite the placeholders and re-wrap every batch.
    raw = cursor.cursor.connection.cursor() if hasattr(cursor, "cursor") else cursor
    raw.execute("SELECT 1 FROM sqlite_temp_master WHERE type = 'table' AND name = ?", [table])
    through = None if raw.fetchone() else f"{table}_load"
    if through:
        raw.execute(f"DROP TABLE IF EXISTS temp.{through}")
        raw.execute(f"CREATE TEMP TABLE {through} ({columns})")
    loaded = 0
    try:
        for chunk in sqlite_frame.iter_slices(SQLITE_BATCH_ROWS):
            raw.executemany(
                f"INSERT INTO {through or table} ({columns}) VALUES ({placeholders})", chunk.rows()
            )
            if through:
                raw.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM temp.{through}")
                raw.execute(f"DELETE FROM temp.{through}")
            loaded += chunk.height
            if progress:
                progress(chunk.height, expected or frame.height)
    finally:
        if through:
            raw.execute(f"DROP TABLE IF EXISTS temp.{through}")
    return loaded


def _is_empty(cursor, table: str) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return not cursor.fetchone()[0]


def _set_aside_indexes(cursor, table: str) -> list[str]:
    """Drop the table's indexes (and on PostgreSQL its unique and foreign-key constraints); return the
    statements that recreate them, in order.

    Kept in place: the primary key (ids arrive in order, so its index only grows at one end), check
    constraints (checked per row either way), SQLite's automatic indexes of UNIQUE columns (SQLite
    cannot drop them) and unique constraints another table's foreign key depends on.
    """
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        cursor.execute(
            """
            SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c
            WHERE c.conrelid = %s::regclass AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
                SELECT 1 FROM pg_constraint d WHERE d.contype = 'f' AND d.conindid = c.conindid)))
            """,
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)
            """,
            [table],
        )
        indexes = cursor.fetchall()
        for name, _kind, _definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        # Foreign keys last: a unique constraint they might need is back by then.
        ordered = sorted(constraints, key=lambda constraint: constraint[1] == "f")
        return [definition for _name, definition in indexes] + [
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
            for name, _kind, definition in ordered
        ]
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    return [definition for _name, definition in indexes]


def reset_id_sequence(table: str) -> None:
    """After explicit ids were loaded, make PostgreSQL's identity continue after the largest one."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"
        )


def month_number_sql(column: str) -> str:
    """SQL for year × 12 + month of a date column, on either database, so month distances stay set-based.
    The percent signs are doubled for a cursor that takes parameters."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(YEAR FROM {column})::int * 12 + EXTRACT(MONTH FROM {column})::int)"
    return f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%%m', {column}) AS INTEGER))"


def staged_update(*, table: str, name: str, columns: dict[str, str], frame: pl.DataFrame) -> int:
    """Set `columns` (name → SQL type) of the rows of `table` given as a frame with an `id` column, in one
    UPDATE … FROM a temporary table (both databases have it) loaded with COPY on PostgreSQL, instead of
    the CASE per row that `bulk_update` builds, which grows with the batch. Returns the rows updated."""
    names = list(columns)
    if frame.is_empty():
        return 0
    stage = stage_frame(name=name, frame=frame.select("id", *names), columns={"id": "BIGINT", **columns})
    assignments = ", ".join(f"{column} = s.{column}" for column in names)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {stage} s WHERE {table}.id = s.id")
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {stage}")
    return updated


def stage_frame(*, name: str, frame: pl.DataFrame, columns: dict[str, str]) -> str:
    """Load the frame into a fresh temporary table `cakupan_stage_<name>` of these columns (name → SQL
    type, in the frame's column names) with COPY on PostgreSQL or executemany on SQLite; returns the
    table's name. It lasts until dropped or the connection closes, so a check and its apply can share it."""
    stage = f"cakupan_stage_{name}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        typed = ", ".join(f"{column} {kind}" for column, kind in columns.items())
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} ({typed})")
        _append(cursor, stage, frame.select(list(columns)), None, None)
        if connection.vendor == "postgresql":
            # A temporary table has no statistics until analysed; joins with it are planned blind.
            cursor.execute(f"ANALYZE {stage}")
    return stage


def query_frame(sql: str, params: list, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of a query as a frame of this schema (the query's columns in its order), without a
    Python object per value on PostgreSQL (COPY … TO STDOUT, read by Polars) and in bounded chunks of
    tuples on SQLite."""
    import polars as pl

    names = list(schema)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy,
        ):
            content = b"".join(bytes(block) for block in copy)
        if not content:
            return pl.DataFrame(schema=schema)
        raw = pl.read_csv(content, has_header=False, new_columns=names, infer_schema=False)
        return _coerce(raw, schema)
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(SQLITE_BATCH_ROWS):
            frame = pl.DataFrame(batch, schema=names, orient="row", infer_schema_length=None)
            chunks.append(_coerce(frame, schema))
    return pl.concat(chunks) if chunks else pl.DataFrame(schema=schema)


def _coerce(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Cast columns read as the database's text (COPY) or storage forms (SQLite) to the schema."""
    import polars as pl

    casts = []
    for name, kind in schema.items():
        column, current = pl.col(name), frame.schema[name]
        if kind == pl.Boolean and current == pl.String:
            casts.append(column.is_in(["t", "true", "1"]).alias(name))
        elif kind == pl.Date and current == pl.String:
            casts.append(column.str.slice(0, 10).str.to_date("%Y-%m-%d").alias(name))
        else:
            casts.append(column.cast(kind).alias(name))
    return frame.select(casts)


def timestamp_literal() -> str:
    """Now, as the database's own text for a DateTimeField, for frames loaded without the ORM."""
    now = timezone.now().astimezone(dt.UTC)
    if connection.vendor == "sqlite":
        return now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return now.isoformat()
