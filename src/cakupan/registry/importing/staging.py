"""Reading a file into the import's staging table, and the SQL helpers every import step shares."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cakupan.audit.rowchanges import RowChangeSet
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import bulk, intake
from cakupan.registry.intake import xlsx_limits
from cakupan.registry.models import Worker

Progress = Callable[[int, int], None]
DESA_OUTSIDE_AREA = "desa_outside_area"
NIK_NOT_AVAILABLE = "nik_not_available"
STAGE = "cakupan_import_stage"
# Worker fields an `update` import may change, in the order of the staging table.
UPDATABLE = (
    "name",
    "birth_date",
    "sex",
    "desa_id",
    "employment",
    "sector",
    "monthly_income",
    "decile",
    "phone",
)


@dataclass
class ImportResult:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    invalid: int = 0
    unchanged: int = 0
    warnings: int = 0
    inserted_workers: int = 0
    row_changes: int = 0
    # Seconds spent on the row-level audit trail (captured before updates, written after the event).
    audit_seconds: float = 0.0
    errors_file: str | None = None
    import_id: int | None = None
    already_imported: bool = False
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        keys = ("rows", "inserted", "updated", "duplicates", "invalid", "warnings", "errors_file")
        payload = {key: asdict(self)[key] for key in keys}
        payload["unchanged"] = self.unchanged
        return payload


def _villages() -> frozenset[str]:
    return frozenset(Region.objects.filter(level=RegionLevel.VILLAGE).values_list("code", flat=True))


def _report_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _issue(row: int, field_name: str, code: str, message: str, severity: str, value: str = "") -> dict:
    return {
        "row": row,
        "field": field_name,
        "code": code,
        "message": message,
        "severity": severity,
        "value": value,
    }


# Issues kept in full for the report (the first ones by row); every issue is counted in the summary.
REPORT_MAX_ROWS = 10_000
_SUMMARY_KEYS = ["severity", "code", "field"]


class Issues:
    """The issues of one import: every one counted (per code, in the summary), the first REPORT_MAX_ROWS
    by row kept in full. A file of a million bad rows gives a report of ten thousand rows and a summary of
    all of them, in bounded memory, instead of a report of a gigabyte."""

    def __init__(self, keep: int = REPORT_MAX_ROWS):
        self.keep = keep
        self.kept = pl.DataFrame(schema=intake.ISSUE_SCHEMA)
        self.total = 0
        self.warnings = 0
        # Rows with at least one error. Rows never span two added frames: validation adds one frame per
        # chunk, and the apply adds errors only for staged rows, which had none while reading.
        self.error_rows = 0
        self._parts: list[pl.DataFrame] = []
        self._single: list[dict] = []

    def append(self, item) -> None:
        """One issue (a dict) or a frame of them (ISSUE_SCHEMA)."""
        if isinstance(item, dict):
            self._single.append(item)
            if len(self._single) >= 1000:
                self._flush()
        else:
            self.add(item)

    def _flush(self) -> None:
        if self._single:
            single, self._single = self._single, []
            self.add(pl.DataFrame(single, schema=intake.ISSUE_SCHEMA))

    def add(self, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        frame = frame.cast(intake.ISSUE_SCHEMA)
        self.total += frame.height
        self.warnings += frame.filter(pl.col("severity") == "warning").height
        self.error_rows += frame.filter(pl.col("severity") == "error")["row"].n_unique()
        self._parts.append(
            frame.sort("row")
            .group_by(_SUMMARY_KEYS, maintain_order=True)
            .agg(pl.len().alias("count"), pl.col("row").first().alias("first_row"), pl.col("message").first())
        )
        if len(self._parts) > 64:
            self._parts = [self._merged()]
        self.kept = pl.concat([self.kept, frame]).sort(["row", "field"]).head(self.keep)

    def _merged(self) -> pl.DataFrame:
        return (
            pl.concat(self._parts)
            .sort("first_row")
            .group_by(_SUMMARY_KEYS, maintain_order=True)
            .agg(pl.col("count").sum(), pl.col("first_row").first(), pl.col("message").first())
        )

    def finish(self) -> Issues:
        self._flush()
        return self

    @property
    def cut(self) -> bool:
        return self.total > self.kept.height

    def summary(self) -> pl.DataFrame:
        """One row per kind of issue: severity, code, field, how many, the first row and its message."""
        if not self._parts:
            columns = {"count": pl.UInt32, "first_row": pl.Int64, "message": pl.String}
            return pl.DataFrame(schema={**dict.fromkeys(_SUMMARY_KEYS, pl.String), **columns})
        return self._merged().sort(["severity", "count"], descending=[False, True])


# Rows fetched at a time where a query's result can be as long as the file (issue lists, candidates).
FETCH_ROWS = 100_000


def _fetch_frames(sql: str, schema: dict, params=None) -> Iterator[pl.DataFrame]:
    """The query's rows as frames of at most FETCH_ROWS rows, never the whole result as Python tuples."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield pl.DataFrame(batch, schema=schema, orient="row")


def _issue_frame(
    frame: pl.DataFrame, field_name: str, code: str, message: pl.Expr, severity: str, value: str
):
    return frame.select(
        pl.col("row").cast(pl.Int64),
        pl.lit(field_name).alias("field"),
        pl.lit(code).alias("code"),
        message.alias("message"),
        pl.lit(severity).alias("severity"),
        pl.col(value).alias("value"),
    )


# SQLite keeps TEMP tables in a database of their own whose page cache defaults to 2 MiB, so a staging
# table of a million rows would be read and sorted through the OS for every statement; this many KiB
# (negative cache_size) bound that cache instead, whatever the file's size (128 MiB: part of the 1 GB
# budget of a 6-million-row import, with the validation chunks and the in-file key arrays).
SQLITE_TEMP_CACHE_KIB = 128 * 1024


def _touched_desa() -> list[str]:
    """The desa an import can change: where staged rows live, and where the matched workers live now."""
    workers = Worker._meta.db_table
    rows = _fetch(
        f"SELECT desa_id FROM {STAGE} WHERE desa_id IS NOT NULL UNION "
        f"SELECT w.desa_id FROM {workers} w JOIN {STAGE} s ON s.nik = w.nik"
    )
    return [code for (code,) in rows]


def _create_stage(columns: dict[str, str]) -> None:
    body = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA temp.cache_size = -{SQLITE_TEMP_CACHE_KIB}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({body})")


def _index_stage(*keys: str) -> None:
    """Index the loaded stage: building an index once from all rows is much cheaper than maintaining it
    row by row while loading; the statistics let PostgreSQL plan the joins on real row counts."""
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute(f"CREATE INDEX {STAGE}_{key} ON {STAGE} ({key}, line)")
        cursor.execute(f"ANALYZE {STAGE}")


def _drop_stage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")


def _fetch(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _update_from_stage(
    *, tracked, table: str, key: str, assignments: str, changed: str, changes: RowChangeSet | None
) -> int:
    """UPDATE the rows of `table` whose `key` the stage names and whose values differ (`changed`, over
    `table` and the stage as s), their current values kept in the row-level trail first."""
    if changes is not None:
        changes.before_update(
            tracked,
            f"SELECT {table}.id FROM {table} JOIN {STAGE} s ON {table}.{key} = s.{key} WHERE ({changed})",
        )
    return _execute(
        f"UPDATE {table} SET {assignments}, updated_at = %s FROM {STAGE} s "
        f"WHERE {table}.{key} = s.{key} AND ({changed})",
        [timezone.now()],
    )


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _estimated_rows(path: Path) -> int | None:
    """Lines in a CSV (a cheap byte scan, for the progress bar's total); None for XLSX."""
    with open(path, "rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return None
        handle.seek(0)
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(8 * 1024 * 1024), b""))


class _Staging:
    """Where one import's valid rows go between reading and applying, and what reading learnt.

    In-file duplicates are settled while reading (`intake.FirstSeen` over the key, NIK or KPJ): only the
    first row of each key is kept, the others become warnings here, so the database never sees them.

    `scope`: rows whose desa lies outside it are errors (`desa_outside_area`) and never staged.

    `direct`: a worker file into a registry without any worker (the first load of a province). No row can
    match the registry, so the wide rows skip the staging table: each validated chunk is written to a
    temporary Arrow file, and `_apply_workers_direct` loads those files straight into the registry (COPY
    or executemany) with its indexes set aside, then names the new workers in the stage (NIK and desa,
    for the coverage refresh that follows). Likely duplicates are found from a 64-bit hash of (desa,
    birth date, name key) kept per row, confirmed on the exact values. Otherwise the rows go into the
    staging table and the set-based SQL decides.
    """

    def __init__(
        self,
        *,
        key: str,
        direct: bool,
        columns: list[str],
        scope: str | None = None,
        changes: RowChangeSet | None = None,
        expected_from: int | None = None,
    ):
        self.key = key
        # The import whose ImportExpectation rows guard its updates (None: no guard).
        self.expected_from = expected_from
        # Where the applied rows' before/after values are collected (None in a dry run).
        self.changes = changes
        # The area rows must lie in (the uploader's), or None for administrators working province-wide.
        self.scope = scope
        self.direct = direct
        self.columns = columns
        self.seen = intake.FirstSeen()
        self.duplicates = 0
        self.kept = 0
        self._folder = tempfile.TemporaryDirectory(prefix="cakupan-import-") if direct else None
        self.files: list[Path] = []
        self.person_keys: list[pl.DataFrame] = []

    def first_rows(self, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The rows whose key is seen for the first time in the file, and the warnings for the others."""
        marked = self.seen.mark(rows, self.key)
        repeated = marked.filter(pl.col("first_row").is_not_null())
        self.duplicates += repeated.height
        label = "NIK" if self.key == "nik" else "KPJ"
        issues = _issue_frame(
            repeated,
            self.key,
            f"{self.key}_duplicate_in_file",
            pl.format(f"{label} {{}} sudah ada di baris {{}}; baris ini dilewati.", self.key, "first_row"),
            "warning",
            self.key,
        )
        return marked.filter(pl.col("first_row").is_null()).drop("first_row"), issues

    def stage(self, rows: pl.DataFrame) -> None:
        staged = rows.rename({"row": "line"}).select(self.columns)
        self.kept += staged.height
        if not self.direct:
            bulk.load_frame(table=STAGE, frame=staged)
            return
        path = Path(self._folder.name) / f"{len(self.files):05d}.arrow"
        staged.write_ipc(path)
        self.files.append(path)
        person = staged.filter(
            pl.col("desa_id").is_not_null()
            & pl.col("birth_date").is_not_null()
            & pl.col("name_key").is_not_null()
        )
        self.person_keys.append(
            person.select(pl.struct("desa_id", "birth_date", "name_key").hash(seed=0).alias("key"), "line")
        )

    def chunks(self) -> Iterator[pl.DataFrame]:
        for path in self.files:
            yield pl.read_ipc(path)

    def close(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()


# Rows validated at a time. Validation builds a frame about forty columns wide per chunk: at 200,000 rows
# that alone peaked near 700 MB on a roster, at 100,000 near 450 MB (measured on the 6M-row roster).
READ_CHUNK_ROWS = 100_000


def _split_by_scope(rows: pl.DataFrame, scope: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows whose desa lies in the scope (or is not given: a roster row for a registered worker), and
    the errors for the others."""
    desa = pl.col("desa_id")
    inside = desa.is_null() | (desa == scope) | desa.str.starts_with(f"{scope}.")
    issues = _issue_frame(
        rows.filter(~inside),
        "kode_desa",
        DESA_OUTSIDE_AREA,
        pl.format(f"Desa/kelurahan {{}} berada di luar wilayah kerja Anda ({scope}).", "desa_id"),
        "error",
        "desa_id",
    )
    return rows.filter(inside), issues


def _read_and_stage(
    path: Path, *, kind: str, validate, staging: _Staging, issues: Issues, progress, max_bytes: int | None
) -> int:
    """Validate every chunk, stage its valid first rows, collect the issues; returns the row count."""
    villages = _villages()
    rows = 0
    expected = _estimated_rows(path) if progress else None
    # The web's size limit comes with the web's XLSX limits (a bounded import); the CLI allows more.
    limits = xlsx_limits.CLI_LIMITS if max_bytes is None else xlsx_limits.WEB_LIMITS
    chunks = intake.read_table(
        path, kind=kind, max_bytes=max_bytes, chunk_rows=READ_CHUNK_ROWS, xlsx_limits=limits
    )
    for chunk in chunks:
        rows += chunk.height
        checked = validate(chunk, villages)
        if checked.issues.height:
            issues.add(checked.issues)
        valid = checked.rows
        if staging.scope is not None and valid.height:
            valid, outside = _split_by_scope(valid, staging.scope)
            if outside.height:
                issues.add(outside)
        if valid.height:
            kept, repeated = staging.first_rows(valid)
            if repeated.height:
                issues.add(repeated)
            staging.stage(kept)
        if progress:
            # The total is unknown until the file is read: the bar shows rows read so far.
            progress(chunk.height, max(expected or 0, rows))
    return rows


@contextlib.contextmanager
def _indexes_set_aside(table: str, *, rows: int):
    """A large insert into an empty table: its indexes, unique and foreign-key constraints are dropped
    for the insert and rebuilt after it, in the same transaction (`bulk._set_aside_indexes`).

    Building an index from all rows at once is much cheaper than maintaining it row by row, and
    PostgreSQL checks the foreign keys with one join instead of one deferred trigger call per row at
    commit. A duplicate or dangling key fails the rebuild, so nothing invalid is committed. Into a
    table that already holds rows the indexes are kept: rebuilding them would cost more.
    """
    with connection.cursor() as cursor:
        large = rows >= bulk.SET_ASIDE_MIN_ROWS
        rebuild = bulk._set_aside_indexes(cursor, table) if large and bulk._is_empty(cursor, table) else []
    yield
    with connection.cursor() as cursor:
        for statement in rebuild:
            cursor.execute(statement)
