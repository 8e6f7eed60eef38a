"""A record sent into the registry's import learns its outcome once the import is done: registered (or
updated) when its row was applied, rejected with the row's own reason from the import's report, or with
the checker's reason when the import was refused. One UPDATE per outcome, with its row-level trail."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cakupan.agents.models import FieldRecord, RecordKind, RecordStatus
from cakupan.agents.rowaudit import FIELD_RECORD_ROWS
from cakupan.agents.services.backcheck import back_checks_sample
from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.registry.importing.workers import CHANGED_ON_SERVER
from cakupan.registry.models import ImportStatus, Worker, WorkerImport

DONE = (ImportStatus.APPLIED, ImportStatus.CHECKED, ImportStatus.REJECTED, ImportStatus.FAILED)


def _row_errors(record: WorkerImport) -> dict[int, tuple[str, str]] | None:
    """{row: (first error code, the row's error messages)} from the import's kept report (every row of a
    filing is kept: the report keeps the first ten thousand issues); None when the report is missing
    although the import counted invalid rows."""
    if not record.errors_file:
        return {} if record.invalid == 0 else None
    import polars as pl

    base = Path(record.errors_file).with_suffix("")
    path = base.with_name(base.name + ".arrow")
    if not path.exists():
        return {} if record.invalid == 0 else None
    issues = pl.read_ipc(path).filter(pl.col("severity") == "error")
    errors: dict[int, list[tuple[str, str]]] = {}
    for issue in issues.iter_rows(named=True):
        errors.setdefault(issue["row"], []).append((issue["code"], issue["message"]))
    return {row: (found[0][0], " ".join(message for _, message in found)) for row, found in errors.items()}


def _refusal(record: WorkerImport) -> tuple[str, str]:
    if record.status == ImportStatus.REJECTED:
        approval = (
            Approval.objects.filter(
                kind=ApprovalKind.WORKER_IMPORT, subject_id=str(record.pk), status=ApprovalStatus.REJECTED
            )
            .order_by("-id")
            .first()
        )
        reason = approval.reason if approval is not None else ""
        return "import_rejected", f"Ditolak pemeriksa: {reason}" if reason else "Ditolak pemeriksa."
    if record.status == ImportStatus.FAILED:
        return "import_failed", f"{record.message} Kirim ulang rekaman ini dari ponsel."
    return "row_invalid", "Baris ini tidak dapat diterapkan."


def records_settle(*, agent=None, import_ids=None) -> list[int]:
    """Settle the open records of finished imports (of one agent, or of the given imports); returns the ids
    of the records that became newly registered (for the back-check sample)."""
    pending = FieldRecord.objects.filter(status=RecordStatus.SUBMITTED, worker_import__status__in=DONE)
    if agent is not None:
        pending = pending.filter(agent=agent)
    if import_ids is not None:
        pending = pending.filter(worker_import_id__in=import_ids)
    imports = list(WorkerImport.objects.filter(pk__in=pending.values("worker_import_id").distinct()))
    registered: list[int] = []
    for record in imports:
        registered += _settle_import(record)
    back_checks_sample(record_ids=registered)
    return registered


@transaction.atomic
def _settle_import(record: WorkerImport) -> list[int]:
    # Locked, and read again: only an import that has truly finished is settled (its check and approval
    # step writes its final status in one transaction).
    record = WorkerImport.objects.select_for_update().get(pk=record.pk)
    if record.status not in DONE:
        return []
    rows = list(
        FieldRecord.objects.select_for_update()
        .filter(worker_import=record, status=RecordStatus.SUBMITTED)
        .order_by("pk")
    )
    if not rows:
        return []
    now = timezone.now()
    workers = {
        worker.nik: worker
        for worker in Worker.objects.filter(nik__in=[row.nik for row in rows]).only("id", "nik", "created_at",
                                                                                   "updated_at")
    }  # fmt: skip
    if record.status in (ImportStatus.APPLIED, ImportStatus.CHECKED):
        errors = _row_errors(record)
        outcome = {row.pk: _row_outcome(record, row, errors, workers) for row in rows}
    else:
        code, message = _refusal(record)
        outcome = {row.pk: (RecordStatus.REJECTED, code, message) for row in rows}
    changes = RowChangeSet()
    changes.before_update(FIELD_RECORD_ROWS, changes.ids_sql([row.pk for row in rows]))
    for row in rows:
        status, code, message = outcome[row.pk]
        # Registered when it entered the registry (the import's apply), whenever this settling runs: the
        # enrolment month of the KPIs and the commission.
        applied = status in (RecordStatus.REGISTERED, RecordStatus.UPDATED) and record.applied_at
        row.status, row.code, row.message = status, code, message
        row.settled_at = record.applied_at if applied else now
        if status == RecordStatus.REGISTERED:
            row.worker_id = workers[row.nik].pk if row.nik in workers else None
    FieldRecord.objects.bulk_update(rows, ["status", "code", "message", "settled_at", "worker"])
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    event = audit_record(
        action=AuditAction.UPDATE,
        object_type="agents.fieldrecord",
        object_repr=f"Hasil impor #{record.pk} untuk {len(rows)} rekaman lapangan",
        region_code=record.area_id,
        metadata={"import": record.pk, **counts},
        actor_username="sistem",
    )
    changes.write(event)
    return [row.pk for row in rows if row.status == RecordStatus.REGISTERED]


def _row_outcome(record: WorkerImport, row: FieldRecord, errors, workers) -> tuple[str, str, str]:
    if errors is None:
        # The report is gone: what the registry holds now says whether this row went in.
        worker = workers.get(row.nik)
        since = record.created_at
        entered = (
            worker is not None
            and (worker.created_at if row.kind == RecordKind.NEW else worker.updated_at) >= since
        )
        if record.status == ImportStatus.APPLIED and entered:
            return (RecordStatus.REGISTERED if row.kind == RecordKind.NEW else RecordStatus.UPDATED, "", "")
        return (
            RecordStatus.REJECTED,
            "row_invalid",
            "Baris ini tidak dapat diterapkan; kirim ulang dari ponsel.",
        )
    if row.row_number in errors:
        code, message = errors[row.row_number]
        if code == CHANGED_ON_SERVER and row.kind == RecordKind.UPDATE:
            # Changed by someone else after her phone read it: hers to settle by version, never lost.
            return (
                RecordStatus.CONFLICT,
                "changed_on_server",
                "Data pekerja ini sudah diubah di server sejak ponsel Anda mengunduhnya. Bandingkan, lalu "
                "pilih data mana yang dipakai.",
            )
        return RecordStatus.REJECTED, "row_refused", message
    if row.kind == RecordKind.UPDATE:
        # An applied import changed her row, or a checked one found nothing to change in it.
        if record.status == ImportStatus.APPLIED:
            return RecordStatus.UPDATED, "", ""
        return RecordStatus.UPDATED, "unchanged", "Tidak ada yang berubah: data di server sudah sama."
    if record.status == ImportStatus.APPLIED:
        return RecordStatus.REGISTERED, "", ""
    return RecordStatus.REJECTED, "row_invalid", "Baris ini tidak dapat diterapkan."


__all__ = ["records_settle"]
