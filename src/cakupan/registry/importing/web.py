"""The web flow: upload → check (dry run, background) → approval → apply (background)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from cakupan.accounts import authorization as authz
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core import selectors as core_selectors
from cakupan.core.errors import DomainError
from cakupan.core.masking import mask_identifiers_in_text, mask_kpj, mask_nik, mask_phone
from cakupan.core.queueing import enqueue_with_commit
from cakupan.registry import intake, tasks
from cakupan.registry.importing.run import COUNT_FIELDS, _check_on_duplicate, roster_import, workers_import
from cakupan.registry.importing.staging import ImportResult, Progress, _report_dir
from cakupan.registry.models import ImportKind, ImportStatus, OnDuplicate, WorkerImport

# Web uploads are village and agent spreadsheets; province-scale files (DTSEN extracts, BPJS rosters of
# millions of rows) go through the CLI, which streams CSV of any size (max_bytes None).
UPLOAD_LIMIT_BYTES = 100 * 1024 * 1024
logger = logging.getLogger("cakupan.tasks")


# --- The web flow: upload → check (dry run, background) → approval → apply (background) -----------------

UPLOAD_ACTIONS = {ImportKind.WORKERS: authz.IMPORT_WORKERS, ImportKind.ROSTER: authz.IMPORT_ROSTER}


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
    if not authz.can(user, UPLOAD_ACTIONS[kind]) or user.area_id is None:
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
        enqueue_with_commit(tasks.import_check_task, record.pk)
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
        # Bound to the area the officer had when submitting, whoever approves it.
        scope=record.area_id,
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
            # The checker approves this file and no other (approval_approve compares the digest).
            payload={
                **{name: getattr(record, name) for name in COUNT_FIELDS},
                "file_sha256": record.file_sha256,
            },
        )
    return record


def import_apply(*, import_id: int) -> WorkerImport:
    """Background step 2, after approval: apply the file for real, all-or-nothing, if it is still the
    file that was checked and approved."""
    record = WorkerImport.objects.get(pk=import_id)
    if record.status == ImportStatus.APPLYING:
        approved = _approved_sha256(record)
        try:
            current = intake.file_sha256(record.file_path)
        except OSError:
            current = None
        if current is None or current != approved:
            return _fail(
                record,
                DomainError(
                    "file_changed_after_approval",
                    "Berkas yang tersimpan tidak sama dengan berkas yang disetujui; tidak ada yang "
                    "diterapkan. Unggah berkas kembali untuk diperiksa dan disetujui.",
                ),
            )
    record, _ = _run_step(import_id, expected=ImportStatus.APPLYING, dry_run=False, phase="applying")
    return record


def _approved_sha256(record: WorkerImport) -> str | None:
    approval = (
        Approval.objects.filter(kind=ApprovalKind.WORKER_IMPORT, subject_id=str(record.pk), status="approved")
        .order_by("-id")
        .first()
    )
    return (approval.payload or {}).get("file_sha256") if approval is not None else None


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
    record.message = error.message
    record.error_code = error.code
    record.save(update_fields=["status", "message", "error_code"])
    return record


def template_dir() -> Path:
    """The downloadable template, written once per process start into var/ (it never changes at run time)."""
    folder = _report_dir() / "template"
    if not (folder / "templat-pekerja.xlsx").exists():
        folder.mkdir(exist_ok=True)
        intake.write_template(folder / "templat-pekerja.xlsx", folder / "templat-pekerja.csv")
    return folder


# Report columns whose values are identifiers (the field names of the import template).
_IDENTIFIER_FIELDS = {"nik": mask_nik, "tanggal_lahir": lambda value: "(disamarkan)", "telepon": mask_phone,
                      "kpj": mask_kpj}  # fmt: skip


def report_path(record: WorkerImport, fmt: str, *, full: bool) -> Path | None:
    """The import's report as the viewer may download it: as written for roles that see identifiers, a
    masked copy (made once, from the report's data) for the others. None when there is none."""
    if not record.errors_file:
        return None
    base = Path(record.errors_file).with_suffix("")
    if full:
        path = base.with_suffix(f".{fmt}")
        return path if path.exists() else None
    issues_path = base.with_name(base.name + ".arrow")
    if not issues_path.exists():
        return None
    masked = base.with_name(base.name + "-tersamar")
    target = masked.with_name(masked.name + f".{fmt}")
    if not target.exists():
        issues = pl.read_ipc(issues_path)
        summary = pl.read_ipc(base.with_name(base.name + "-ringkasan.arrow"))
        masked_issues = issues.with_columns(
            pl.struct("field", "value")
            .map_elements(lambda item: _masked_value(item["field"], item["value"]), return_dtype=pl.String)
            .alias("value"),
            pl.col("message").map_elements(mask_identifiers_in_text, return_dtype=pl.String),
        )
        masked_summary = summary.with_columns(
            pl.col("message").map_elements(mask_identifiers_in_text, return_dtype=pl.String)
        )
        intake.write_issue_report(
            masked_issues, masked, summary=masked_summary, total=int(summary["count"].sum())
        )
    return target


def _masked_value(field: str | None, value: str | None) -> str | None:
    if value is None:
        return None
    mask = _IDENTIFIER_FIELDS.get(field or "")
    return mask(value) if mask else mask_identifiers_in_text(value)


def import_task_failed(*, import_id: int, error: BaseException, locked: bool) -> WorkerImport | None:
    """A background step ended in an error it could not handle: the import is marked failed (nothing of
    it was applied: each step is one transaction) so the page says so instead of waiting for ever."""
    record = WorkerImport.objects.filter(pk=import_id).first()
    if record is None or record.status not in (ImportStatus.CHECKING, ImportStatus.APPLYING):
        return record
    if locked:
        failure = DomainError(
            "database_busy",
            "Basis data terus sibuk oleh proses lain sehingga impor ini tidak dapat diproses; tidak ada "
            "yang diterapkan. Unggah berkas kembali nanti, atau minta administrator memeriksa proses yang "
            "berjalan.",
        )
    else:
        failure = DomainError(
            "task_failed",
            "Pemrosesan impor berhenti karena kesalahan sistem; tidak ada yang diterapkan. Administrator "
            "dapat melihat rinciannya di log; unggah berkas kembali setelah diperbaiki.",
        )
    logger.error("import %s failed in the background: %s: %s", import_id, type(error).__name__, error)
    return _fail(record, failure)


TASK_WAIT_ALERT = core_selectors.TASK_WAIT_ALERT
TASK_RUN_ALERT = core_selectors.TASK_RUN_ALERT


@dataclass(frozen=True)
class TaskAlert:
    code: str  # task_waiting, task_stuck, task_failed
    message: str


def _task_rows():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path__in=[f"{tasks.__name__}.import_check_task", f"{tasks.__name__}.import_apply_task"]
    )


def import_task_alert(*, record: WorkerImport, now=None) -> TaskAlert | None:
    """What the import's page must say when its background step is not progressing: nobody has taken it
    (the task worker is down), it has run for hours, or the task itself failed."""
    if record.status not in (ImportStatus.CHECKING, ImportStatus.APPLYING):
        return None
    now = now or timezone.now()
    task = _task_rows().filter(args_kwargs__args__0=record.pk).order_by("-enqueued_at").first()
    if task is None:
        return None
    return _alert_for(task, now)


def _alert_for(task, now) -> TaskAlert | None:
    if task.status == "FAILED":
        return TaskAlert("task_failed", "Tugas latar untuk impor ini gagal; hubungi administrator.")
    if task.status == "READY" and now - task.enqueued_at > TASK_WAIT_ALERT:
        minutes = int((now - task.enqueued_at).total_seconds() // 60)
        return TaskAlert(
            "task_waiting",
            f"Impor ini menunggu {minutes} menit tanpa diproses: pekerja latar tampaknya tidak berjalan. "
            "Minta administrator menjalankan ulang `cakupan serve` atau `cakupan task_worker`.",
        )
    if task.status == "RUNNING" and task.started_at and now - task.started_at > TASK_RUN_ALERT:
        return TaskAlert(
            "task_stuck",
            "Impor ini sudah diproses lebih dari 2 jam; kemungkinan macet. Hubungi administrator.",
        )
    return None


def stuck_imports(*, user, now=None) -> list[tuple[WorkerImport, TaskAlert]]:
    now = now or timezone.now()
    found = []
    for record in WorkerImport.objects.for_user(user).filter(
        status__in=[ImportStatus.CHECKING, ImportStatus.APPLYING]
    )[:200]:
        alert = import_task_alert(record=record, now=now)
        if alert is not None:
            found.append((record, alert))
    return found
