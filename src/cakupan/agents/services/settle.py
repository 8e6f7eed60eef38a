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
from cakupan.registry.models import ImportStatus, Worker, WorkerImport

DONE = (ImportStatus.APPLIED, ImportStatus.CHECKED, ImportStatus.REJECTED, ImportStatus.FAILED)


def _row_errors(record: WorkerImport) -> dict[int, str]:
    """{row: the row's error messages} from the import's kept report (every row of a sync is kept: a sync
    holds at most 1,000 rows and the report keeps the first ten thousand issues)."""
    if not record.errors_file:
        return {}
    import polars as pl

    base = Path(record.errors_file).with_suffix("")
    path = base.with_name(base.name + ".arrow")
    if not path.exists():
        return {}
    issues = pl.read_ipc(path).filter(pl.col("severity") == "error")
    errors: dict[int, list[str]] = {}
    for issue in issues.iter_rows(named=True):
        errors.setdefault(issue["row"], []).append(issue["message"])
    return {row: " ".join(messages) for row, messages in errors.items()}


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
    rows = list(
        FieldRecord.objects.select_for_update()
        .filter(worker_import=record, status=RecordStatus.SUBMITTED)
        .order_by("pk")
    )
    if not rows:
        return []
    now = timezone.now()
    outcome: dict[int, tuple[str, str, str]] = {}
    if record.status in (ImportStatus.APPLIED, ImportStatus.CHECKED):
        errors = _row_errors(record)
        for row in rows:
            if row.row_number in errors:
                outcome[row.pk] = (RecordStatus.REJECTED, "row_refused", errors[row.row_number])
            elif record.status == ImportStatus.APPLIED:
                done = RecordStatus.REGISTERED if row.kind == RecordKind.NEW else RecordStatus.UPDATED
                outcome[row.pk] = (done, "", "")
            else:
                outcome[row.pk] = (RecordStatus.REJECTED, "row_invalid", "Baris ini tidak dapat diterapkan.")
    else:
        code, message = _refusal(record)
        outcome = {row.pk: (RecordStatus.REJECTED, code, message) for row in rows}
    workers = dict(
        Worker.objects.filter(nik__in=[row.nik for row in rows if row.kind == RecordKind.NEW]).values_list(
            "nik", "pk"
        )
    )
    changes = RowChangeSet()
    changes.before_update(FIELD_RECORD_ROWS, changes.ids_sql([row.pk for row in rows]))
    for row in rows:
        status, code, message = outcome[row.pk]
        row.status, row.code, row.message, row.settled_at = status, code, message, now
        if status == RecordStatus.REGISTERED:
            row.worker_id = workers.get(row.nik)
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


__all__ = ["records_settle"]
