"""Set-based loading of columnar frames: COPY on PostgreSQL, executemany on SQLite. No per-row ORM saves."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from django.db import connection

CHUNK_ROWS = 250_000
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

    Runs inside the caller's transaction, so a failure leaves nothing behind.
    """
    if frame.is_empty():
        return 0
    columns = ", ".join(frame.columns)
    loaded = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')"
            with cursor.cursor.copy(sql) as copy:
                for chunk in frame.iter_slices(CHUNK_ROWS):
                    copy.write(chunk.write_csv(include_header=False, null_value="\\N"))
                    loaded += chunk.height
                    if progress:
                        progress(chunk.height, expected or frame.height)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * frame.width)})"
            sqlite_frame = frame.with_columns(
                pl.col(pl.Date, pl.Datetime).cast(pl.Utf8), pl.col(pl.Boolean).cast(pl.Int8)
            )
            for chunk in sqlite_frame.iter_slices(CHUNK_ROWS):
                cursor.executemany(sql, chunk.rows())
                loaded += chunk.height
                if progress:
                    progress(chunk.height, expected or frame.height)
    return loaded


def reset_id_sequence(table: str) -> None:
    """After explicit ids were loaded, make PostgreSQL's identity continue after the largest one."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"
        )
