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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
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
from cakupan.coverage.services import coverage_refresh
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


def _issues_frame(found: list[dict]) -> pl.DataFrame:
    schema = {
        "row": pl.Int64,
        "field": pl.Utf8,
        "code": pl.Utf8,
        "message": pl.Utf8,
        "severity": pl.Utf8,
        "value": pl.Utf8,
    }
    return pl.DataFrame(found, schema=schema)


# SQLite keeps TEMP tables in a database of their own whose page cache defaults to 2 MiB, so a staging
# table of a million rows would be read and sorted through the OS for every statement; this many KiB
# (negative cache_size) bound that cache instead, whatever the file's size.
SQLITE_TEMP_CACHE_KIB = 256 * 1024


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
# millions of rows) go through the CLI, which streams CSV of any size.
UPLOAD_LIMIT_BYTES = 100 * 1024 * 1024
CLI_LIMIT_BYTES = 8 * 1024**3


def _estimated_rows(path: Path) -> int | None:
    """Lines in a CSV (a cheap byte scan, for the progress bar's total); None for XLSX."""
    with open(path, "rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return None
        handle.seek(0)
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(8 * 1024 * 1024), b""))


def _read_and_stage(path: Path, *, kind: str, validate, stage_columns, progress) -> tuple[int, list]:
    """Validate every chunk, stage its valid rows; returns the row count and the issues found."""
    villages = _villages()
    issues: list[pl.DataFrame] = []
    rows = 0
    expected = _estimated_rows(path) if progress else None
    for chunk in intake.read_table(path, kind=kind, max_bytes=CLI_LIMIT_BYTES):
        rows += chunk.height
        checked = validate(chunk, villages)
        if checked.issues.height:
            issues.append(checked.issues)
        if checked.rows.height:
            staged = checked.rows.rename({"row": "line"}).select(list(stage_columns))
            bulk.load_frame(table=STAGE, frame=staged)
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
) -> ImportResult:
    """Import a worker list (CSV or XLSX). Raises DomainError if the file cannot be read at all."""
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
        validate=lambda chunk, villages: intake.validate_workers(chunk, today=today, villages=villages),
        apply=lambda result, found: _apply_worker_stage(result, found, on_duplicate=on_duplicate),
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
        validate=lambda chunk, villages: intake.validate_roster(chunk, villages=villages),
        apply=lambda result, found: _apply_roster_stage(result, found, add_missing=add_missing),
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
    validate,
    apply,
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
    found: list[dict] = []
    staged_columns = [name for name in stage_columns if name != "worker_id"]
    try:
        with transaction.atomic():
            _create_stage(stage_columns)
            try:
                result.rows, issue_frames = _read_and_stage(
                    path, validate=validate, kind=kind, stage_columns=staged_columns, progress=progress
                )
            except intake.IntakeFileError as error:
                raise DomainError(error.code, error.message, field="file") from error
            _index_stage(*stage_keys)
            touched = [] if dry_run else _touched_desa()
            apply(result, found)
            _drop_stage()
            month = None if dry_run else latest_month()
            if month is not None and touched:
                # Dashboards read the roll-ups: rebuild the touched desa (and their ancestors) with the data.
                coverage_refresh(month=month, desa_codes=touched)
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
    return result


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


def _apply_worker_stage(result: ImportResult, found: list[dict], *, on_duplicate: str) -> None:
    """Set-based de-duplication and writes from the staging table into the registry."""
    workers = Worker._meta.db_table
    # In-file duplicates: the first row with a NIK wins, later ones are counted and reported.
    for row, nik, first in _fetch(
        f"SELECT s.line, s.nik, f.first_line FROM {STAGE} s "
        f"JOIN (SELECT nik, MIN(line) AS first_line FROM {STAGE} GROUP BY nik) f "
        f"ON f.nik = s.nik WHERE s.line > f.first_line"
    ):
        found.append(
            _issue(
                row,
                "nik",
                "nik_duplicate_in_file",
                f"NIK {nik} sudah ada di baris {first}; baris ini dilewati.",
                "warning",
                nik,
            )
        )
    # Probes the stage's (nik, line) index per row instead of materialising a set of every first line.
    in_file = _execute(
        f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {STAGE} t WHERE t.nik = {STAGE}.nik "
        f"AND t.line < {STAGE}.line)"
    )
    result.duplicates += in_file

    matched = _fetch(f"SELECT s.line, s.nik FROM {STAGE} s JOIN {workers} w ON w.nik = s.nik")
    if on_duplicate == OnDuplicate.REJECT:
        for row, nik in matched:
            found.append(
                _issue(
                    row,
                    "nik",
                    "nik_already_registered",
                    f"NIK {nik} sudah terdaftar; impor ini menolak data yang sudah ada.",
                    "error",
                    nik,
                )
            )
    elif on_duplicate == OnDuplicate.KEEP:
        result.duplicates += len(matched)
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
        result.unchanged = len(matched) - result.updated
    # EXISTS probes the registry's NIK index per staged row instead of materialising every NIK.
    _execute(f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {workers} w WHERE w.nik = {STAGE}.nik)")

    _flag_likely_duplicates(found)
    now = timezone.now()
    columns = ", ".join(UPDATABLE)
    with _indexes_set_aside(workers):
        result.inserted = _execute(
            f"INSERT INTO {workers} (nik, {columns}, source, created_at, updated_at) "
            f"SELECT nik, {columns}, 'import', %s, %s FROM {STAGE} ORDER BY line",
            [now, now],
        )


@contextlib.contextmanager
def _indexes_set_aside(table: str):
    """A large insert into an empty table: its indexes, unique and foreign-key constraints are dropped
    for the insert and rebuilt after it, in the same transaction (`bulk._set_aside_indexes`).

    Building an index from all rows at once is much cheaper than maintaining it row by row, and
    PostgreSQL checks the foreign keys with one join instead of one deferred trigger call per row at
    commit. A duplicate or dangling key fails the rebuild, so nothing invalid is committed. Into a
    table that already holds rows the indexes are kept: rebuilding them would cost more.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
        large = cursor.fetchone()[0] >= bulk.SET_ASIDE_MIN_ROWS
        rebuild = bulk._set_aside_indexes(cursor, table) if large and bulk._is_empty(cursor, table) else []
    yield
    with connection.cursor() as cursor:
        for statement in rebuild:
            cursor.execute(statement)


def _name_keys(names: list[str]) -> list[str]:
    """The import's normalised-name key for names already in the registry (same rule as for the file)."""
    frame = pl.DataFrame({"name": names}, schema={"name": pl.Utf8})
    return frame.select(name_key_expr(clean_name_expr(pl.col("name")))).to_series().to_list()


def _flag_likely_duplicates(found: list[dict]) -> None:
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
    candidates = _fetch(
        f"SELECT s.line, s.nik, s.name_key, w.nik, w.name FROM {STAGE} s JOIN {Worker._meta.db_table} w "
        f"ON w.desa_id = s.desa_id AND w.birth_date = s.birth_date"
    )
    other_keys = _name_keys([candidate[4] for candidate in candidates])
    for (row, nik, name_key, other_nik, _), other_key in zip(candidates, other_keys, strict=True):
        if other_key == name_key:
            found.append(
                _issue(
                    row,
                    "nik",
                    "likely_duplicate",
                    f"Kemungkinan orang yang sama dengan pekerja terdaftar NIK {other_nik}: periksa.",
                    "warning",
                    nik,
                )
            )


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


def _apply_roster_stage(result: ImportResult, found: list[dict], *, add_missing: bool) -> None:
    workers, memberships = Worker._meta.db_table, Membership._meta.db_table
    for line, kpj, first in _fetch(
        f"SELECT s.line, s.kpj, f.first_line FROM {STAGE} s JOIN (SELECT kpj, MIN(line) AS first_line "
        f"FROM {STAGE} GROUP BY kpj) f ON f.kpj = s.kpj WHERE s.line > f.first_line"
    ):
        found.append(
            _issue(
                line,
                "kpj",
                "kpj_duplicate_in_file",
                f"KPJ {kpj} sudah ada di baris {first}; baris ini dilewati.",
                "warning",
                kpj,
            )
        )
    result.duplicates += _execute(
        f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {STAGE} t WHERE t.kpj = {STAGE}.kpj "
        f"AND t.line < {STAGE}.line)"
    )
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
    for line, nik in _fetch(f"SELECT line, nik FROM {STAGE} WHERE worker_id IS NULL"):
        hint = "" if add_missing else " Gunakan --add-missing untuk menambahkannya dari data kepesertaan."
        found.append(
            _issue(
                line,
                "nik",
                "nik_not_in_registry",
                f"NIK {nik} belum terdaftar di registri pekerja.{hint}",
                "error",
                nik,
            )
        )
    _execute(f"DELETE FROM {STAGE} WHERE worker_id IS NULL")
    for line, kpj in _fetch(
        f"SELECT s.line, s.kpj FROM {STAGE} s JOIN {memberships} m ON m.kpj = s.kpj "
        f"WHERE m.worker_id <> s.worker_id"
    ):
        found.append(
            _issue(
                line, "kpj", "kpj_other_worker", f"KPJ {kpj} sudah tercatat untuk pekerja lain.", "error", kpj
            )
        )
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
