"""One import run: read, stage, apply and record inside one transaction (a dry run rolls back)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.faults import fault_point
from cakupan.core.scoping import region_within
from cakupan.regions.models import Region
from cakupan.registry import intake
from cakupan.registry.aggregates import aggregates
from cakupan.registry.importing import preview
from cakupan.registry.importing.roster import ROSTER_STAGE, _apply_roster_stage
from cakupan.registry.importing.staging import (
    STAGE,
    ImportResult,
    Issues,
    Progress,
    _create_stage,
    _drop_stage,
    _index_stage,
    _read_and_stage,
    _report_dir,
    _Staging,
    _touched_desa,
)
from cakupan.registry.importing.workers import _apply_workers
from cakupan.registry.models import ImportKind, ImportStatus, OnDuplicate, Worker, WorkerImport


def _already_applied(kind: str, sha: str) -> WorkerImport | None:
    return WorkerImport.objects.filter(kind=kind, file_sha256=sha, status=ImportStatus.APPLIED).first()


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


def import_scope(*, actor, scope: str | None) -> str | None:
    """The area an import's rows must lie in. A person's import is bound to their area (an explicit scope
    may only narrow it); administrators, and scripts without an actor, may give any region or none."""
    if scope is not None and not Region.objects.filter(code=scope).exists():
        raise DomainError("region_unknown", f"Kode wilayah '{scope}' tidak dikenal.", field="area")
    if actor is None or actor.is_superuser:
        return scope
    if actor.area_id is None:
        raise DomainError(
            "import_not_allowed", "Akun Anda belum mempunyai wilayah kerja; impor tidak dapat dilakukan."
        )
    if scope is None:
        return actor.area_id
    if not region_within(scope, actor.area_id):
        raise DomainError(
            "import_outside_area", f"Wilayah {scope} berada di luar wilayah kerja Anda.", field="area"
        )
    return scope


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
    scope: str | None = None,
) -> ImportResult:
    """Import a worker list (CSV or XLSX). Raises DomainError if the file cannot be read at all.

    `max_bytes`: the largest file accepted (the web upload limit); None, for the CLI, accepts any size.
    `scope`: the area every row must lie in (`import_scope`); a NIK registered outside it is neither
    added nor changed, and the report does not say where it is.
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
        scope=import_scope(actor=actor, scope=scope),
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
    scope: str | None = None,
) -> ImportResult:
    """Import a BPJS TK membership roster: memberships by KPJ, matched to workers by NIK.

    A NIK not in the registry is an error for that row unless `add_missing` and the row carries the
    worker's data, in which case the worker is added from the roster. With a `scope`, only workers
    living inside it are matched, and a NIK registered elsewhere reads as not found.
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
        scope=import_scope(actor=actor, scope=scope),
        validate=lambda chunk, villages: intake.validate_roster(chunk, villages=villages),
        apply_staged=lambda result, found, staging: _apply_roster_stage(
            result, found, add_missing=add_missing, scope=staging.scope, changes=staging.changes
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
    scope,
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
    found = Issues()
    staged_columns = [name for name in stage_columns if name != "worker_id"]
    staging = None

    def apply(result: ImportResult, found: Issues) -> None:
        apply_staged(result, found, staging)

    try:
        with transaction.atomic():
            _create_stage(stage_columns)
            staging = _Staging(
                key=dedup_key,
                direct=kind == ImportKind.WORKERS and not Worker.objects.exists(),
                columns=staged_columns,
                scope=scope,
                changes=None if dry_run else RowChangeSet(),
                expected_from=record.pk if record is not None else None,
            )
            try:
                result.rows = _read_and_stage(
                    path,
                    issues=found,
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
            month = None if dry_run else aggregates().latest_month()
            refresh = _coverage_refresher(kind, on_duplicate, month)
            # The checker of a web import sees the rows: taken before the apply, while "before" is the
            # registry as it is.
            captured = (
                preview.capture(staging, kind=kind, on_duplicate=on_duplicate)
                if dry_run and record is not None and record.pk is not None
                else None
            )
            apply(result, found)
            fault_point("import.after_apply")
            if month is not None:
                refresh(result)
            issues = found.finish()
            result.invalid = issues.error_rows
            result.warnings = issues.warnings
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
                raise _DryRunDone(issues, captured)
            record.save()
            result.import_id = record.pk
            result.errors_file = _write_report(issues, record.pk, sha)
            WorkerImport.objects.filter(pk=record.pk).update(errors_file=result.errors_file or "")
            event = audit_record(
                action=AuditAction.IMPORT,
                actor=actor,
                obj=record,
                request=request,
                region_code=record.area_id,
                metadata={"file": path.name, "sha256": sha, **result.as_json()},
            )
            # Every inserted and updated row, before and after, in this same transaction.
            result.row_changes = staging.changes.write(event)
            result.audit_seconds = staging.changes.seconds
            _drop_stage()
            fault_point("import.before_commit")
        fault_point("import.after_commit")
    except _DryRunDone as done:
        result.errors_file = _write_report(done.issues, record.pk, sha)
        if done.captured is not None:
            preview.write(preview.finish(done.captured, done.issues.kept), record.pk)
        if record.pk is not None:
            # The dry run's changes are gone; its findings are kept on the submitted import. Its status
            # stays "checking": the check step decides the next one (waiting for approval, or nothing to
            # apply) in one transaction with the approval request, so nobody reads a half-made decision.
            record.errors_file = result.errors_file or ""
            record.status = ImportStatus.CHECKING
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
            aggregates().add_workers(month=month, worker_ids=(new_ids, [last_id]))
        elif touched:
            aggregates().refresh(month=month, desa_codes=touched)

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

    def __init__(self, issues, captured=None):
        super().__init__("dry run")
        self.issues = issues
        self.captured = captured


def _write_report(issues: Issues, import_id: int | None, sha: str) -> str | None:
    if issues.total == 0:
        return None
    base = _report_dir() / (f"impor-{import_id}-laporan" if import_id else f"uji-{sha[:12]}-laporan")
    summary = issues.summary()
    csv_path, _ = intake.write_issue_report(issues.kept, base, summary=summary, total=issues.total)
    # Kept as data too: roles that see identifiers masked download a masked copy made from these.
    issues.kept.write_ipc(base.with_name(base.name + ".arrow"))
    summary.write_ipc(base.with_name(base.name + "-ringkasan.arrow"))
    return str(csv_path)
