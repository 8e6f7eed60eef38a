"""Applying a worker list: de-duplication against the registry, updates, inserts, likely duplicates."""

from __future__ import annotations

import polars as pl
from django.db import connection
from django.utils import timezone

from cakupan.audit.rowchanges import RowChangeSet
from cakupan.core.scoping import area_range_sql
from cakupan.registry import bulk
from cakupan.registry.importing.staging import (
    NIK_NOT_AVAILABLE,
    STAGE,
    UPDATABLE,
    ImportResult,
    Issues,
    _execute,
    _fetch,
    _fetch_frames,
    _indexes_set_aside,
    _issue_frame,
    _Staging,
    _update_from_stage,
)
from cakupan.registry.intake.validate import clean_name_expr, name_key_expr
from cakupan.registry.models import ImportExpectation, OnDuplicate, Worker
from cakupan.registry.rowaudit import WORKER_ROWS


def _apply_workers(result: ImportResult, found: Issues, *, staging: _Staging, on_duplicate: str) -> None:
    workers = Worker._meta.db_table
    if staging.direct and connection.vendor == "postgresql":
        # A first load owns the registry until it commits (SQLite's write transaction does this already):
        # no other writer can add a worker in between, so every id above the last one is this import's.
        _execute(f"LOCK TABLE {workers} IN SHARE ROW EXCLUSIVE MODE")
    last_id = _fetch(f"SELECT COALESCE(MAX(id), 0) FROM {workers}")[0][0]
    if staging.direct:
        _apply_workers_direct(result, found, staging)
    else:
        _apply_worker_stage(
            result,
            found,
            on_duplicate=on_duplicate,
            scope=staging.scope,
            changes=staging.changes,
            expected_from=staging.expected_from,
        )
    if staging.changes is None:
        return
    # This import's new workers. A first load: every id above the last one (read in order, a range).
    # Otherwise another writer may have added workers meanwhile: those above the last id that the stage
    # names (it holds exactly this import's new workers after the apply, until the import ends).
    if staging.direct:
        staging.changes.inserted(WORKER_ROWS, where="t.id > %s", params=[last_id])
    else:
        staging.changes.inserted(
            WORKER_ROWS, where=f"t.id > %s AND t.nik IN (SELECT nik FROM {STAGE})", params=[last_id]
        )


def _refuse_registered_elsewhere(found: Issues, *, scope: str) -> None:
    """Rows whose NIK belongs to a worker living outside the scope are neither added (the NIK is taken)
    nor applied to that worker (the uploader may not change people outside their area). The message says
    neither where nor whose: the report must not tell the uploader about people outside their area."""
    workers = Worker._meta.db_table
    inside, params = area_range_sql("w.desa_id", scope)
    elsewhere = f"FROM {workers} w WHERE w.nik = {STAGE}.nik AND NOT {inside}"
    for frame in _fetch_frames(
        f"SELECT line, nik FROM {STAGE} WHERE EXISTS (SELECT 1 {elsewhere})",
        {"row": pl.Int64, "nik": pl.Utf8},
        params,
    ):
        message = pl.format(
            "NIK {} tidak dapat didaftarkan atau diubah dari wilayah kerja Anda. Bila orang ini pindah ke "
            "wilayah Anda, minta koordinator provinsi memindahkan datanya.",
            "nik",
        )
        found.append(_issue_frame(frame, "nik", NIK_NOT_AVAILABLE, message, "error", "nik"))
    _execute(f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 {elsewhere})", params)


def _refuse_changed_since(found: Issues, *, import_id: int) -> None:
    """Update rows made from a copy of the worker read earlier (ImportExpectation) apply only if she is
    unchanged since: otherwise the row is refused (`changed_on_server`) and never overwrites the later
    change; whoever made the row settles it by version."""
    workers = Worker._meta.db_table
    expectations = ImportExpectation._meta.db_table
    # SQLite keeps datetimes as text, written with or without "+00:00" depending on the path (the ORM or a
    # raw parameter): compare the instants, not the text.
    differs = (
        "julianday(w.updated_at) <> julianday(e.updated_at)"
        if connection.vendor == "sqlite"
        else "w.updated_at <> e.updated_at"
    )
    changed = (
        f"FROM {workers} w JOIN {expectations} e ON e.nik = w.nik AND e.worker_import_id = %s "
        f"WHERE w.nik = {STAGE}.nik AND {differs}"
    )
    for frame in _fetch_frames(
        f"SELECT line, nik FROM {STAGE} WHERE EXISTS (SELECT 1 {changed})",
        {"row": pl.Int64, "nik": pl.Utf8},
        [import_id],
    ):
        message = pl.format(
            "Data pekerja dengan NIK {} sudah diubah orang lain sejak baris ini dibuat; baris ini tidak "
            "diterapkan agar perubahan itu tidak tertimpa.",
            "nik",
        )
        found.append(_issue_frame(frame, "nik", CHANGED_ON_SERVER, message, "error", "nik"))
    _execute(f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 {changed})", [import_id])


CHANGED_ON_SERVER = "changed_on_server"


def _apply_worker_stage(
    result: ImportResult,
    found: Issues,
    *,
    on_duplicate: str,
    scope: str | None,
    changes: RowChangeSet | None,
    expected_from: int | None = None,
) -> None:
    """Set-based de-duplication against the registry and writes from the staging table into it (the
    stage holds only the first row of each NIK in the file)."""
    workers = Worker._meta.db_table
    if scope is not None:
        _refuse_registered_elsewhere(found, scope=scope)
    if expected_from is not None and on_duplicate == OnDuplicate.UPDATE:
        _refuse_changed_since(found, import_id=expected_from)
    matched_sql = f"FROM {STAGE} s JOIN {workers} w ON w.nik = s.nik"
    matched = _fetch(f"SELECT COUNT(*) {matched_sql}")[0][0]
    if on_duplicate == OnDuplicate.REJECT:
        for frame in _fetch_frames(f"SELECT s.line, s.nik {matched_sql}", {"row": pl.Int64, "nik": pl.Utf8}):
            found.append(
                _issue_frame(
                    frame,
                    "nik",
                    "nik_already_registered",
                    pl.format("NIK {} sudah terdaftar; impor ini menolak data yang sudah ada.", "nik"),
                    "error",
                    "nik",
                )
            )
    elif on_duplicate == OnDuplicate.KEEP:
        result.duplicates += matched
    else:
        changed = " OR ".join(
            f"NOT ({workers}.{name} = s.{name} OR ({workers}.{name} IS NULL AND s.{name} IS NULL))"
            for name in UPDATABLE
        )
        result.updated = _update_from_stage(
            tracked=WORKER_ROWS,
            table=workers,
            key="nik",
            assignments=", ".join(f"{name} = s.{name}" for name in UPDATABLE),
            changed=changed,
            changes=changes,
        )
        result.unchanged = matched - result.updated
    # EXISTS probes the registry's NIK index per staged row instead of materialising every NIK.
    _execute(f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {workers} w WHERE w.nik = {STAGE}.nik)")

    _flag_likely_duplicates(found)
    now = timezone.now()
    columns = ", ".join(UPDATABLE)
    with _indexes_set_aside(workers, rows=_fetch(f"SELECT COUNT(*) FROM {STAGE}")[0][0]):
        result.inserted = _execute(
            f"INSERT INTO {workers} (nik, {columns}, source, created_at, updated_at) "
            f"SELECT nik, {columns}, 'import', %s, %s FROM {STAGE} ORDER BY line",
            [now, now],
        )


def _apply_workers_direct(result: ImportResult, found: Issues, staging: _Staging) -> None:
    """The staged chunks straight into the empty registry, in file order (ids follow the rows)."""
    workers = Worker._meta.db_table
    first_id = bulk.next_id(workers)
    candidates = _likely_duplicate_lines(staging.person_keys)
    stamp = bulk.timestamp_literal()
    people: list[pl.DataFrame] = []
    with _indexes_set_aside(workers, rows=staging.kept):
        for chunk in staging.chunks():
            if candidates.len():
                people.append(
                    chunk.filter(pl.col("line").is_in(candidates.implode())).select(
                        pl.col("line").alias("row"), "nik", "desa_id", "birth_date", "name_key"
                    )
                )
            rows = chunk.select(
                "nik",
                *UPDATABLE,
                pl.lit("import").alias("source"),
                pl.lit(stamp).alias("created_at"),
                pl.lit(stamp).alias("updated_at"),
            )
            result.inserted += bulk.append_frame(table=workers, frame=rows)
    # What follows the apply (the coverage refresh) finds the inserted workers through the stage: one
    # set-based copy of two columns, cheaper than staging every row while reading.
    _execute(
        f"INSERT INTO {STAGE} (nik, desa_id) SELECT nik, desa_id FROM {workers} WHERE id >= %s", [first_id]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {STAGE}")
        if connection.vendor == "postgresql":
            # Planner statistics for the table that was empty a moment ago (autovacuum comes later).
            cursor.execute(f"ANALYZE {workers}")
    if people:
        found.append(_likely_pairs_in_file(pl.concat(people)))


def _likely_duplicate_lines(person_keys: list[pl.DataFrame]) -> pl.Series:
    """Lines whose (desa, birth date, name key) hash occurs more than once: the only rows that can pair."""
    if not person_keys:
        return pl.Series("line", [], dtype=pl.Int64)
    keys = pl.concat(person_keys)
    return keys.filter(pl.len().over("key") > 1)["line"]


_PERSON_KEYS = ["desa_id", "birth_date", "name_key"]


def _likely_pairs_in_file(people: pl.DataFrame) -> pl.DataFrame:
    """Likely-duplicate warnings among rows of the file, on the exact keys: the same rows and message as
    the stage's SQL in `_flag_likely_duplicates`. Each later row is paired with the first row of its
    group only: a file where thousands share desa, birth date and name gives one warning per row, not a
    quadratic number of pairs (which took a web import past 2 GB). The rows hold distinct NIKs (one row
    per NIK is kept while reading)."""
    first = people.group_by(_PERSON_KEYS).agg(pl.col("row").min().alias("row_other"))
    pairs = people.join(first, on=_PERSON_KEYS).filter(pl.col("row") > pl.col("row_other"))
    return _issue_frame(
        pairs,
        "nik",
        "likely_duplicate",
        pl.format("Kemungkinan orang yang sama dengan baris {}: periksa.", "row_other"),
        "warning",
        "nik",
    )


def _flag_likely_duplicates(found: Issues) -> None:
    """Rows about to be inserted whose normalised name, birth date and desa match another person with a
    different NIK, in the file or in the registry: kept, but flagged for review."""
    _execute(f"CREATE INDEX {STAGE}_person ON {STAGE} (desa_id, birth_date, name_key)")
    # Only people whose (desa, birth date, name key) occurs more than once are joined: the grouping
    # reads the index in order instead of probing it once per staged row. Each later row is paired with
    # its group's first row (linear, however large a group), in batches.
    for frame in _fetch_frames(
        f"SELECT a.line, a.nik, g.first_line FROM (SELECT desa_id, birth_date, name_key, MIN(line) AS "
        f"first_line FROM {STAGE} GROUP BY desa_id, birth_date, name_key HAVING COUNT(*) > 1) g "
        f"JOIN {STAGE} a ON a.desa_id = g.desa_id AND a.birth_date = g.birth_date "
        f"AND a.name_key = g.name_key AND a.line > g.first_line",
        {"row": pl.Int64, "nik": pl.Utf8, "row_other": pl.Int64},
    ):
        message = pl.format("Kemungkinan orang yang sama dengan baris {}: periksa.", "row_other")
        found.append(_issue_frame(frame, "nik", "likely_duplicate", message, "warning", "nik"))
    # Registry names are keyed in Polars (the rule needs Unicode normalisation), a batch at a time: a
    # large registry can share desa and birth date with many staged rows.
    for candidates in _fetch_frames(
        f"SELECT s.line, s.nik, s.name_key, w.id, w.name FROM {STAGE} s JOIN {Worker._meta.db_table} w "
        f"ON w.desa_id = s.desa_id AND w.birth_date = s.birth_date",
        {"row": pl.Int64, "nik": pl.Utf8, "name_key": pl.Utf8, "other_id": pl.Int64, "other_name": pl.Utf8},
    ):
        same = candidates.filter(name_key_expr(clean_name_expr(pl.col("other_name"))) == pl.col("name_key"))
        # The other person lives in the same desa, so inside the uploader's area; named by registry
        # number, never by NIK (reports reach roles that see NIKs masked).
        message = pl.format("Kemungkinan orang yang sama dengan pekerja terdaftar #{}: periksa.", "other_id")
        found.append(_issue_frame(same, "nik", "likely_duplicate", message, "warning", "nik"))
