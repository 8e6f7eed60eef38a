"""What an officer's decision on an import's approval does to the import. Registered at app load, so this
module needs only the models and the task queue, not the import machinery (Polars, xlsxwriter)."""

from __future__ import annotations

from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import ApprovalKind
from cakupan.core.queueing import enqueue_with_commit
from cakupan.registry import tasks
from cakupan.registry.models import ImportStatus, WorkerImport


def _on_import_approved(approval) -> None:
    record = WorkerImport.objects.select_for_update().get(pk=int(approval.subject_id))
    record.status = ImportStatus.APPLYING
    record.save(update_fields=["status"])
    enqueue_with_commit(tasks.import_apply_task, record.pk)


def _on_import_rejected(approval) -> None:
    WorkerImport.objects.filter(pk=int(approval.subject_id)).update(
        status=ImportStatus.REJECTED, message=f"Ditolak: {approval.reason}"
    )


def register_handlers() -> None:
    register_approval_handler(
        ApprovalKind.WORKER_IMPORT, _on_import_approved, _on_import_rejected, on_cancelled=_on_import_rejected
    )
