"""Import services: worker lists and BPJS TK rosters, all-or-nothing and set-based.

A file is read in chunks and validated columnar (`registry.intake`, no Django); valid rows go into a
temporary staging table with COPY (PostgreSQL) or executemany (SQLite). De-duplication against the file
itself and against the registry, updates and inserts are then a handful of SQL statements, never a
per-row ORM save. Everything happens in one transaction: a failure, or a dry run, leaves the registry
exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import get_valid_filename

from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import ApprovalKind
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.coverage.models import Membership
from cakupan.coverage.selectors import latest_month
from cakupan.coverage.services import coverage_add_workers, coverage_refresh
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import bulk, intake, tasks
from cakupan.registry.intake.validate import clean_name_expr, name_key_expr
from cakupan.registry.models import ImportKind, ImportStatus, OnDuplicate, Worker, WorkerImport

Progress = Callable[[int, int], None]
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


def _issues_frame(found: list) -> pl.DataFrame:
    """The issues found while applying: single issues (dicts) and whole frames of them (ISSUE_SCHEMA)."""
    frames = [item for item in found if isinstance(item, pl.DataFrame)]
    single = pl.DataFrame([item for item in found if isinstance(item, dict)], schema=intake.ISSUE_SCHEMA)
    return pl.concat([single, *(frame.cast(intake.ISSUE_SCHEMA) for frame in frames)])


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


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _already_applied(kind: str, sha: str) -> WorkerImport | None:
    return WorkerImport.objects.filter(kind=kind, file_sha256=sha, status=ImportStatus.APPLIED).first()


# Web uploads are village and agent spreadsheets; province-scale files (DTSEN extracts, BPJS rosters of
# millions of rows) go through the CLI, which streams CSV of any size (max_bytes None).
UPLOAD_LIMIT_BYTES = 100 * 1024 * 1024


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

    `direct`: a worker file into a registry without any worker (the first load of a province). No row can
    match the registry, so the wide rows skip the staging table: each validated chunk is written to a
    temporary Arrow file, and `_apply_workers_direct` loads those files straight into the registry (COPY
    or executemany) with its indexes set aside, then names the new workers in the stage (NIK and desa,
    for the coverage refresh that follows). Likely duplicates are found from a 64-bit hash of (desa,
    birth date, name key) kept per row, confirmed on the exact values. Otherwise the rows go into the
    staging table and the set-based SQL decides.
    """

    def __init__(self, *, key: str, direct: bool, columns: list[str]):
        self.key = key
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


def _read_and_stage(
    path: Path, *, kind: str, validate, staging: _Staging, progress, max_bytes: int | None
) -> tuple[int, list]:
    """Validate every chunk, stage its valid first rows; returns the row count and the issues found."""
    villages = _villages()
    issues: list[pl.DataFrame] = []
    rows = 0
    expected = _estimated_rows(path) if progress else None
    for chunk in intake.read_table(path, kind=kind, max_bytes=max_bytes, chunk_rows=READ_CHUNK_ROWS):
        rows += chunk.height
        checked = validate(chunk, villages)
        if checked.issues.height:
            issues.append(checked.issues)
        if checked.rows.height:
            kept, repeated = staging.first_rows(checked.rows)
            if repeated.height:
                issues.append(repeated)
            staging.stage(kept)
        if progress:
            # The total is unknown until the file is read: the bar shows rows read so far.
            progress(chunk.height, max(expected or 0, rows))
    return rows, issues


WORKER_STAGE = {
    "line": "BIGINT",
    "nik": "VARCHAR(16)",
    "name": "VARCHAR(150)",
    "birth_date": "DATE",
    "sex": "VARCHAR(1)",
    "desa_id": "VARCHAR(13)",
    "employment": "VARCHAR(8)",
    "sector": "VARCHAR(14)",
    "monthly_income": "BIGINT",
    "decile": "SMALLINT",
    "phone": "VARCHAR(16)",
    "name_key": "VARCHAR(200)",
}


def _check_on_duplicate(on_duplicate: str) -> None:
    if on_duplicate not in OnDuplicate.values:
        raise DomainError(
            "on_duplicate_invalid", "Pilihan duplikat harus keep, update atau reject.", field="on_duplicate"
        )


def workers_import(
    *,
    path: Path,
    on_duplicate: str = OnDuplicate.KEEP,
    dry_run: bool = False,
    actor=None,
    request=None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    record: WorkerImport | None = None,
    max_bytes: int | None = None,
) -> ImportResult:
    """Import a worker list (CSV or XLSX). Raises DomainError if the file cannot be read at all.

    `max_bytes`: the largest file accepted (the web upload limit); None, for the CLI, accepts any size.
    """
    _check_on_duplicate(on_duplicate)
    today = today or timezone.localdate()
    return _run_import(
        kind=ImportKind.WORKERS,
        path=Path(path),
        on_duplicate=on_duplicate,
        dry_run=dry_run,
        actor=actor,
        request=request,
        progress=progress,
        record=record,
        stage_columns=WORKER_STAGE,
        stage_keys=("nik",),
        dedup_key="nik",
        max_bytes=max_bytes,
        validate=lambda chunk, villages: intake.validate_workers(chunk, today=today, villages=villages),
        apply_staged=lambda result, found, staging: _apply_workers(
            result, found, staging=staging, on_duplicate=on_duplicate
        ),
    )


def roster_import(
    *,
    path: Path,
    add_missing: bool = False,
    dry_run: bool = False,
    actor=None,
    request=None,
    progress: Progress | None = None,
    record: WorkerImport | None = None,
    max_bytes: int | None = None,
) -> ImportResult:
    """Import a BPJS TK membership roster: memberships by KPJ, matched to workers by NIK.

    A NIK not in the registry is an error for that row unless `add_missing` and the row carries the
    worker's data, in which case the worker is added from the roster.
    """
    return _run_import(
        kind=ImportKind.ROSTER,
        path=Path(path),
        on_duplicate=OnDuplicate.UPDATE,
        dry_run=dry_run,
        actor=actor,
        request=request,
        progress=progress,
        record=record,
        stage_columns={**ROSTER_STAGE, "worker_id": "BIGINT"},
        stage_keys=("nik", "kpj"),
        dedup_key="kpj",
        max_bytes=max_bytes,
        validate=lambda chunk, villages: intake.validate_roster(chunk, villages=villages),
        apply_staged=lambda result, found, staging: _apply_roster_stage(
            result, found, add_missing=add_missing
        ),
    )


COUNT_FIELDS = ("rows", "inserted", "updated", "duplicates", "invalid", "unchanged", "warnings")


def _run_import(
    *,
    kind,
    path,
    on_duplicate,
    dry_run,
    actor,
    request,
    progress,
    record,
    stage_columns,
    stage_keys,
    dedup_key,
    max_bytes,
    validate,
    apply_staged,
) -> ImportResult:
    """Read, stage, apply and record one import inside one transaction; a dry run rolls back at the end."""
    try:
        sha = intake.file_sha256(path)
    except OSError as error:
        raise DomainError(
            "file_unreadable", f"Berkas tidak dapat dibaca: {error.strerror}.", field="file"
        ) from error
    previous = _already_applied(kind, sha)
    if previous is not None:
        return ImportResult(
            rows=previous.rows,
            unchanged=previous.rows,
            import_id=previous.pk,
            already_imported=True,
            dry_run=dry_run,
            notes=[f"Berkas ini sudah diimpor sebagai impor #{previous.pk}; tidak ada yang berubah."],
        )
    result = ImportResult(dry_run=dry_run)
    found: list = []
    staged_columns = [name for name in stage_columns if name != "worker_id"]
    staging = None

    def apply(result: ImportResult, found: list) -> None:
        apply_staged(result, found, staging)

    try:
        with transaction.atomic():
            _create_stage(stage_columns)
            staging = _Staging(
                key=dedup_key,
                direct=kind == ImportKind.WORKERS and not Worker.objects.exists(),
                columns=staged_columns,
            )
            try:
                result.rows, issue_frames = _read_and_stage(
                    path,
                    validate=validate,
                    kind=kind,
                    staging=staging,
                    progress=progress,
                    max_bytes=max_bytes,
                )
            except intake.IntakeFileError as error:
                raise DomainError(error.code, error.message, field="file") from error
            result.duplicates += staging.duplicates
            if not staging.direct:
                _index_stage(*stage_keys)
            month = None if dry_run else latest_month()
            refresh = _coverage_refresher(kind, on_duplicate, month)
            apply(result, found)
            if month is not None:
                refresh(result)
            _drop_stage()
            issues = pl.concat([*issue_frames, _issues_frame(found)], how="vertical_relaxed")
            result.invalid = issues.filter(pl.col("severity") == "error")["row"].n_unique()
            result.warnings = issues.filter(pl.col("severity") == "warning").height
            record = _record(
                result,
                record=record,
                kind=kind,
                path=path,
                sha=sha,
                on_duplicate=on_duplicate,
                dry_run=dry_run,
                actor=actor,
            )
            if dry_run:
                raise _DryRunDone(issues)
            record.save()
            result.import_id = record.pk
            result.errors_file = _write_report(issues, record.pk, sha)
            WorkerImport.objects.filter(pk=record.pk).update(errors_file=result.errors_file or "")
            audit_record(
                action=AuditAction.IMPORT,
                actor=actor,
                obj=record,
                request=request,
                region_code=record.area_id,
                metadata={"file": path.name, "sha256": sha, **result.as_json()},
            )
    except _DryRunDone as done:
        result.errors_file = _write_report(done.issues, record.pk, sha)
        if record.pk is not None:
            # The dry run's changes are gone; its findings are kept on the submitted import.
            record.errors_file = result.errors_file or ""
            record.save()
            result.import_id = record.pk
    finally:
        if staging is not None:
            staging.close()
    return result


def _coverage_refresher(kind: str, on_duplicate: str, month: dt.date | None):
    """What brings the dashboards' roll-ups up to date once the import is applied, prepared before it.

    A worker list that changes no existing worker only adds workers: their cells are added to the
    aggregates (about a second for 10,000 rows at full scale). Anything else can move or re-status
    existing workers, so the desa they were in and the desa they are in now are rebuilt.
    """
    if month is None:
        return lambda result: None
    workers = Worker._meta.db_table
    last_id = Worker.objects.aggregate(last=Max("id"))["last"] or 0
    touched = None
    if kind != ImportKind.WORKERS or on_duplicate == OnDuplicate.UPDATE:
        touched = _touched_desa()

    def refresh(result: ImportResult) -> None:
        if kind == ImportKind.WORKERS and not result.updated:
            # Inserted by this import: newer than the last id and named in its stage. The NIK test keeps
            # out workers a concurrent writer committed in the meantime.
            new_ids = f"SELECT w.id FROM {workers} w JOIN {STAGE} s ON s.nik = w.nik WHERE w.id > %s"
            coverage_add_workers(month=month, worker_ids=(new_ids, [last_id]))
        elif touched:
            coverage_refresh(month=month, desa_codes=touched)

    return refresh


def _record(result, *, record, kind, path: Path, sha: str, on_duplicate: str, dry_run: bool, actor):
    """The import's row, new (CLI) or the one submitted through the web, carrying this run's counts."""
    if record is None:
        record = WorkerImport(kind=kind, file_name=path.name[:255], submitted_by=actor)
    record.file_sha256 = sha
    record.on_duplicate = on_duplicate
    record.status = ImportStatus.CHECKED if dry_run else ImportStatus.APPLIED
    record.applied_at = None if dry_run else timezone.now()
    for name in COUNT_FIELDS:
        setattr(record, name, getattr(result, name))
    record.full_clean(exclude=["submitted_by", "area"])
    return record


class _DryRunDone(Exception):
    """Raised inside the transaction to roll a dry run back once its counts are known."""

    def __init__(self, issues):
        super().__init__("dry run")
        self.issues = issues


def _write_report(issues: pl.DataFrame, import_id: int | None, sha: str) -> str | None:
    if issues.is_empty():
        return None
    base = _report_dir() / (f"impor-{import_id}-laporan" if import_id else f"uji-{sha[:12]}-laporan")
    csv_path, _ = intake.write_issue_report(issues.sort(["row", "field"]), base)
    return str(csv_path)


def _apply_workers(result: ImportResult, found: list, *, staging: _Staging, on_duplicate: str) -> None:
    if staging.direct:
        _apply_workers_direct(result, found, staging)
    else:
        _apply_worker_stage(result, found, on_duplicate=on_duplicate)


def _apply_worker_stage(result: ImportResult, found: list, *, on_duplicate: str) -> None:
    """Set-based de-duplication against the registry and writes from the staging table into it (the
    stage holds only the first row of each NIK in the file)."""
    workers = Worker._meta.db_table
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
        assignments = ", ".join(f"{name} = s.{name}" for name in UPDATABLE)
        now = timezone.now()
        result.updated = _execute(
            f"UPDATE {workers} SET {assignments}, updated_at = %s FROM {STAGE} s "
            f"WHERE {workers}.nik = s.nik AND ({changed})",
            [now],
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


def _apply_workers_direct(result: ImportResult, found: list, staging: _Staging) -> None:
    """The staged chunks straight into the empty registry, in file order (ids follow the rows)."""
    workers = Worker._meta.db_table
    first_id = bulk.next_id(workers)
    candidates = _likely_duplicate_lines(staging.person_keys)
    stamp = _timestamp_literal()
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


def _likely_pairs_in_file(people: pl.DataFrame) -> pl.DataFrame:
    """Likely-duplicate warnings among rows of the file, on the exact keys: the same pairs and message as
    the stage's SQL in `_flag_likely_duplicates` (each later row against every earlier one)."""
    keys = ["desa_id", "birth_date", "name_key"]
    pairs = people.join(people, on=keys, suffix="_other").filter(
        (pl.col("row") > pl.col("row_other")) & (pl.col("nik") != pl.col("nik_other"))
    )
    return _issue_frame(
        pairs,
        "nik",
        "likely_duplicate",
        pl.format("Kemungkinan orang yang sama dengan baris {} (NIK {}): periksa.", "row_other", "nik_other"),
        "warning",
        "nik",
    )


def _timestamp_literal() -> str:
    """Now, as the database stores a DateTimeField (UTC), for a constant column of a bulk load."""
    now = timezone.now().astimezone(dt.UTC)
    if connection.vendor == "sqlite":
        return now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return now.isoformat()


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


def _flag_likely_duplicates(found: list) -> None:
    """Rows about to be inserted whose normalised name, birth date and desa match another person with a
    different NIK, in the file or in the registry: kept, but flagged for review."""
    _execute(f"CREATE INDEX {STAGE}_person ON {STAGE} (desa_id, birth_date, name_key)")
    # Only people whose (desa, birth date, name key) occurs more than once are joined: the grouping
    # reads the index in order instead of probing it once per staged row.
    for row, nik, other_row, other_nik in _fetch(
        f"SELECT a.line, a.nik, b.line, b.nik FROM (SELECT desa_id, birth_date, name_key FROM {STAGE} "
        f"GROUP BY desa_id, birth_date, name_key HAVING COUNT(*) > 1) g "
        f"JOIN {STAGE} a ON a.desa_id = g.desa_id AND a.birth_date = g.birth_date "
        f"AND a.name_key = g.name_key "
        f"JOIN {STAGE} b ON a.name_key = b.name_key "
        f"AND a.birth_date = b.birth_date AND a.desa_id = b.desa_id AND a.nik <> b.nik AND a.line > b.line"
    ):
        found.append(
            _issue(
                row,
                "nik",
                "likely_duplicate",
                f"Kemungkinan orang yang sama dengan baris {other_row} (NIK {other_nik}): periksa.",
                "warning",
                nik,
            )
        )
    # Registry names are keyed in Polars (the rule needs Unicode normalisation), a batch at a time: a
    # large registry can share desa and birth date with many staged rows.
    for candidates in _fetch_frames(
        f"SELECT s.line, s.nik, s.name_key, w.nik, w.name FROM {STAGE} s JOIN {Worker._meta.db_table} w "
        f"ON w.desa_id = s.desa_id AND w.birth_date = s.birth_date",
        {"row": pl.Int64, "nik": pl.Utf8, "name_key": pl.Utf8, "other_nik": pl.Utf8, "other_name": pl.Utf8},
    ):
        same = candidates.filter(name_key_expr(clean_name_expr(pl.col("other_name"))) == pl.col("name_key"))
        message = pl.format(
            "Kemungkinan orang yang sama dengan pekerja terdaftar NIK {}: periksa.", "other_nik"
        )
        found.append(_issue_frame(same, "nik", "likely_duplicate", message, "warning", "nik"))


MEMBERSHIP_FIELDS = ("segment", "jkk", "jkm", "jht", "status", "paid_through")
ROSTER_STAGE = {
    "line": "BIGINT",
    "nik": "VARCHAR(16)",
    "kpj": "VARCHAR(11)",
    "segment": "VARCHAR(3)",
    "jkk": "BOOLEAN",
    "jkm": "BOOLEAN",
    "jht": "BOOLEAN",
    "status": "VARCHAR(10)",
    "paid_through": "DATE",
    "name": "VARCHAR(150)",
    "birth_date": "DATE",
    "sex": "VARCHAR(1)",
    "desa_id": "VARCHAR(13)",
    "employment": "VARCHAR(8)",
    "sector": "VARCHAR(14)",
    "monthly_income": "BIGINT",
    "decile": "SMALLINT",
    "phone": "VARCHAR(16)",
}


def _apply_roster_stage(result: ImportResult, found: list, *, add_missing: bool) -> None:
    """Memberships from the stage (which holds only the first row of each KPJ in the file)."""
    workers, memberships = Worker._meta.db_table, Membership._meta.db_table
    link = f"UPDATE {STAGE} SET worker_id = (SELECT w.id FROM {workers} w WHERE w.nik = {STAGE}.nik)"
    _execute(link)
    if add_missing:
        now = timezone.now()
        complete = " AND ".join(
            f"s.{name} IS NOT NULL"
            for name in ("name", "birth_date", "sex", "desa_id", "sector", "monthly_income")
        )
        columns = ", ".join(UPDATABLE)
        result.inserted_workers = _execute(
            f"INSERT INTO {workers} (nik, {columns}, source, created_at, updated_at) "
            f"SELECT s.nik, {', '.join('s.' + c for c in UPDATABLE)}, 'roster', %s, %s FROM {STAGE} s "
            f"WHERE s.worker_id IS NULL AND {complete} "
            f"AND s.line = (SELECT MIN(t.line) FROM {STAGE} t WHERE t.nik = s.nik)",
            [now, now],
        )
        _execute(link)
    hint = "" if add_missing else " Gunakan --add-missing untuk menambahkannya dari data kepesertaan."
    for frame in _fetch_frames(
        f"SELECT line, nik FROM {STAGE} WHERE worker_id IS NULL", {"row": pl.Int64, "nik": pl.Utf8}
    ):
        message = pl.format(f"NIK {{}} belum terdaftar di registri pekerja.{hint}", "nik")
        found.append(_issue_frame(frame, "nik", "nik_not_in_registry", message, "error", "nik"))
    _execute(f"DELETE FROM {STAGE} WHERE worker_id IS NULL")
    for frame in _fetch_frames(
        f"SELECT s.line, s.kpj FROM {STAGE} s JOIN {memberships} m ON m.kpj = s.kpj "
        f"WHERE m.worker_id <> s.worker_id",
        {"row": pl.Int64, "kpj": pl.Utf8},
    ):
        message = pl.format("KPJ {} sudah tercatat untuk pekerja lain.", "kpj")
        found.append(_issue_frame(frame, "kpj", "kpj_other_worker", message, "error", "kpj"))
    _execute(
        f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {memberships} m WHERE m.kpj = {STAGE}.kpj "
        f"AND m.worker_id <> {STAGE}.worker_id)"
    )
    matched = _fetch(f"SELECT COUNT(*) FROM {STAGE} s JOIN {memberships} m ON m.kpj = s.kpj")[0][0]
    changed = " OR ".join(f"NOT ({memberships}.{name} = s.{name})" for name in MEMBERSHIP_FIELDS)
    assignments = ", ".join(f"{name} = s.{name}" for name in MEMBERSHIP_FIELDS)
    now = timezone.now()
    result.updated = _execute(
        f"UPDATE {memberships} SET {assignments}, source = 'roster', updated_at = %s FROM {STAGE} s "
        f"WHERE {memberships}.kpj = s.kpj AND ({changed})",
        [now],
    )
    result.unchanged = matched - result.updated
    _execute(f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {memberships} m WHERE m.kpj = {STAGE}.kpj)")
    fields = ", ".join(MEMBERSHIP_FIELDS)
    result.inserted = _execute(
        f"INSERT INTO {memberships} (worker_id, kpj, {fields}, source, created_at, updated_at) "
        f"SELECT worker_id, kpj, {fields}, 'roster', %s, %s FROM {STAGE} ORDER BY line",
        [now, now],
    )


# --- The web flow: upload → check (dry run, background) → approval → apply (background) -----------------

UPLOAD_PERMISSION = {ImportKind.WORKERS: "registry.add_worker", ImportKind.ROSTER: "coverage.add_membership"}


def progress_key(import_id: int) -> str:
    return f"import-progress-{import_id}"


def _cache_progress(import_id: int, phase: str) -> Progress:
    """Progress goes through the shared cache: the task's transaction hides its rows until commit."""
    state = {"rows": 0}

    def report(increment: int, total: int) -> None:
        state["rows"] += increment
        cache.set(progress_key(import_id), {"phase": phase, "rows": state["rows"]}, timeout=3600)

    cache.set(progress_key(import_id), {"phase": phase, "rows": 0}, timeout=3600)
    return report


def import_progress(*, record: WorkerImport) -> dict:
    return cache.get(progress_key(record.pk)) or {"phase": record.status, "rows": 0}


def import_submit(
    *, user, upload, kind: str, on_duplicate: str = OnDuplicate.KEEP, request=None
) -> WorkerImport:
    """Store an uploaded file and queue its check; it is applied only after another officer approves."""
    if kind not in ImportKind.values:
        raise DomainError("import_kind_invalid", "Jenis impor tidak dikenal.", field="kind")
    _check_on_duplicate(on_duplicate)
    if not user.has_perm(UPLOAD_PERMISSION[kind]) or user.area_id is None:
        raise DomainError("import_not_allowed", "Peran Anda tidak dapat mengimpor data ini.")
    if upload.size == 0:
        raise DomainError("file_empty", "Berkas kosong.", field="file")
    if upload.size > UPLOAD_LIMIT_BYTES:
        raise DomainError(
            "file_too_large",
            "Berkas lebih dari 100 MB. Bagi menjadi beberapa berkas, atau minta administrator "
            "mengimpornya lewat CLI.",
            field="file",
        )
    folder = _report_dir() / "uploads"
    folder.mkdir(exist_ok=True)
    target = folder / f"{secrets.token_hex(8)}-{get_valid_filename(Path(upload.name).name)[:100]}"
    with open(target, "wb") as handle:
        for piece in upload.chunks():
            handle.write(piece)
    with transaction.atomic():
        record = WorkerImport.objects.create(
            kind=kind,
            file_name=Path(upload.name).name[:255],
            file_sha256=intake.file_sha256(target),
            on_duplicate=on_duplicate,
            status=ImportStatus.CHECKING,
            file_path=str(target),
            submitted_by=user,
            area_id=user.area_id,
        )
        audit_record(
            action=AuditAction.IMPORT,
            actor=user,
            obj=record,
            region_code=user.area_id,
            request=request,
            metadata={"stage": "submitted", "file": record.file_name},
        )
        transaction.on_commit(lambda: tasks.import_check_task.enqueue(record.pk))
    return record


def _run_for_record(record: WorkerImport, *, dry_run: bool, phase: str) -> ImportResult:
    runner = workers_import if record.kind == ImportKind.WORKERS else roster_import
    options = {"on_duplicate": record.on_duplicate} if record.kind == ImportKind.WORKERS else {}
    return runner(
        path=Path(record.file_path),
        max_bytes=UPLOAD_LIMIT_BYTES,
        dry_run=dry_run,
        actor=record.submitted_by,
        record=record,
        progress=_cache_progress(record.pk, phase),
        **options,
    )


def import_check(*, import_id: int) -> WorkerImport:
    """Background step 1: a dry run for exact counts and the error report, then the approval request."""
    record, result = _run_step(import_id, expected=ImportStatus.CHECKING, dry_run=True, phase="checking")
    if result is None:
        return record
    applicable = result.inserted + result.updated
    with transaction.atomic():
        if applicable == 0:
            record.status = ImportStatus.CHECKED
            record.message = "Tidak ada baris yang dapat ditambahkan atau diperbarui."
            record.save(update_fields=["status", "message"])
            return record
        record.status = ImportStatus.PENDING_APPROVAL
        record.save(update_fields=["status"])
        approval_submit(
            kind=ApprovalKind.WORKER_IMPORT,
            subject_id=record.pk,
            submitted_by=record.submitted_by,
            title=f"Impor {record.get_kind_display().lower()}: {record.file_name}",
            region_code=record.area_id,
            payload={name: getattr(record, name) for name in COUNT_FIELDS},
        )
    return record


def import_apply(*, import_id: int) -> WorkerImport:
    """Background step 2, after approval: apply the file for real, all-or-nothing."""
    record, _ = _run_step(import_id, expected=ImportStatus.APPLYING, dry_run=False, phase="applying")
    return record


def _run_step(import_id: int, *, expected: str, dry_run: bool, phase: str):
    """Run one background step if the import is still in the state that step expects (a task delivered
    twice does nothing the second time); returns the fresh record and the result, or None on failure."""
    record = WorkerImport.objects.get(pk=import_id)
    if record.status != expected:
        return record, None
    try:
        result = _run_for_record(record, dry_run=dry_run, phase=phase)
    except DomainError as error:
        return _fail(record, error), None
    record.refresh_from_db()
    if result.already_imported:
        return _fail(record, DomainError("file_already_imported", result.notes[0])), None
    return record, result


def _fail(record: WorkerImport, error: DomainError) -> WorkerImport:
    record.status = ImportStatus.FAILED
    record.message = f"{error.message} [{error.code}]"
    record.save(update_fields=["status", "message"])
    return record


def _on_import_approved(approval) -> None:
    record = WorkerImport.objects.select_for_update().get(pk=int(approval.subject_id))
    record.status = ImportStatus.APPLYING
    record.save(update_fields=["status"])
    transaction.on_commit(lambda: tasks.import_apply_task.enqueue(record.pk))


def _on_import_rejected(approval) -> None:
    WorkerImport.objects.filter(pk=int(approval.subject_id)).update(
        status=ImportStatus.REJECTED, message=f"Ditolak: {approval.reason}"
    )


def register_handlers() -> None:
    register_approval_handler(
        ApprovalKind.WORKER_IMPORT, _on_import_approved, _on_import_rejected, on_cancelled=_on_import_rejected
    )


def template_dir() -> Path:
    """The downloadable template, written once per process start into var/ (it never changes at run time)."""
    folder = _report_dir() / "template"
    if not (folder / "templat-pekerja.xlsx").exists():
        folder.mkdir(exist_ok=True)
        intake.write_template(folder / "templat-pekerja.xlsx", folder / "templat-pekerja.csv")
    return folder
