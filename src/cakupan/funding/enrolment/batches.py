"""An approved plan becomes a batch: made, checked by a second person, then downloaded by BPJS TK's
liaison, which is what "sent" means."""

from __future__ import annotations

import hashlib

from django.db import connection, transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.funding.models import (
    AllocationPlan,
    BatchStatus,
    EnrolmentBatch,
    EnrolmentRow,
    PlanKind,
    PlanLine,
    PlanStatus,
    RowStatus,
)
from cakupan.funding.rowaudit import ENROLMENT_ROW_ROWS
from cakupan.funding.services import invoices_create, plan_month


def _check_batch_action(actor, action: str, obj, code: str, message: str) -> None:
    if not authz.can(actor, action, obj):
        raise DomainError(code, message)


@transaction.atomic
def enrolment_batch_create(*, plan: AllocationPlan, actor, xlsx: bool = False) -> EnrolmentBatch:
    """Turn an approved plan into a batch file (CSV, and XLSX on request) and submit it for checking by a
    second person; the checker's approval makes the invoices and offers the file to BPJS TK."""
    # The file is written with Polars, imported here: the app loads this module at start-up for its
    # approval handlers.
    from cakupan.funding.enrolment.files import FORMAT_VERSION, _batch_dir, batch_frame

    plan = AllocationPlan.objects.select_for_update().get(pk=plan.pk)
    _check_batch_action(
        actor, authz.BATCH_CREATE, plan, "batch_create_not_allowed",
        "Batch pendaftaran dibuat oleh koordinator wilayah rencana atau petugas pemberi dananya; "
        "peran Anda tidak dapat membuatnya.",
    )  # fmt: skip
    if plan.kind != PlanKind.ALLOCATION or plan.status != PlanStatus.APPROVED:
        raise DomainError(
            "plan_not_approved", f"Rencana #{plan.pk} belum disetujui atau sudah mempunyai batch pendaftaran."
        )
    if EnrolmentBatch.objects.filter(plan=plan).exclude(status=BatchStatus.RETURNED).exists():
        raise DomainError("batch_exists", f"Rencana #{plan.pk} sudah mempunyai batch pendaftaran.")
    unreleased = PlanLine.objects.filter(plan=plan, released=False)
    batch = EnrolmentBatch.objects.create(
        plan=plan,
        format_version=FORMAT_VERSION,
        status=BatchStatus.CHECKING,
        rows=unreleased.count(),
        file_path="",
        file_sha256="",
        created_by=actor,
    )
    # One statement for the rows, numbered in plan-line order, however many the plan has.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EnrolmentRow._meta.db_table} (batch_id, row_number, line_id, status, kpj, reason) "
            "SELECT %s, ROW_NUMBER() OVER (ORDER BY l.id), l.id, %s, '', '' "
            f"FROM {PlanLine._meta.db_table} l WHERE l.plan_id = %s AND NOT l.released",
            [batch.pk, RowStatus.SENT, plan.pk],
        )
    frame = batch_frame(batch)
    stem = f"batch-{batch.pk:06d}-v{FORMAT_VERSION}"
    csv_path = _batch_dir() / f"{stem}.csv"
    content = frame.write_csv(separator=",").encode("utf-8")
    csv_path.write_bytes(content)
    if xlsx:
        frame.write_excel(_batch_dir() / f"{stem}.xlsx", worksheet="batch")
    batch.file_path = str(csv_path)
    batch.file_sha256 = hashlib.sha256(content).hexdigest()
    batch.save(update_fields=["file_path", "file_sha256"])
    plan.status = PlanStatus.BATCHED
    plan.save(update_fields=["status"])
    changes = RowChangeSet()
    changes.inserted(
        ENROLMENT_ROW_ROWS, f"SELECT id FROM {EnrolmentRow._meta.db_table} WHERE batch_id = %s", [batch.pk]
    )
    event = audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=batch,
        region_code=plan.region_code,
        changes={"status": [None, batch.status]},
        metadata={"plan": plan.pk, "rows": batch.rows, "sha256": batch.file_sha256},
    )
    changes.write(event)
    approval_submit(
        kind=ApprovalKind.ENROLMENT_BATCH,
        subject_id=batch.pk,
        title=f"Batch pendaftaran #{batch.pk} dari rencana #{plan.pk}: {batch.rows} baris",
        submitted_by=actor,
        region_code=plan.region_code,
        payload={"plan": plan.pk, "rows": batch.rows, "file_sha256": batch.file_sha256},
    )
    return batch


def _batch_status_set(batch: EnrolmentBatch, status: str, *, actor, metadata: dict | None = None) -> None:
    before = batch.status
    batch.status = status
    batch.save(update_fields=["status"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=batch,
        region_code=batch.plan.region_code,
        changes={"status": [before, status]},
        metadata=metadata or {},
    )


def _on_batch_checked(approval: Approval) -> None:
    """The checker approved the file: invoices per funder (due by the 15th of the first month paid for),
    and the batch is offered to BPJS TK's liaison."""
    batch = EnrolmentBatch.objects.select_for_update().select_related("plan").get(pk=int(approval.subject_id))
    if batch.status != BatchStatus.CHECKING:
        raise DomainError("batch_not_checking", f"Batch #{batch.pk} tidak sedang menunggu pemeriksaan.")
    invoices_create(batch.plan, month=plan_month(batch.plan))
    _batch_status_set(batch, BatchStatus.READY, actor=approval.decided_by)


def _on_batch_returned(approval: Approval) -> None:
    """Rejected by the checker (or withdrawn by its maker): the batch stays as history without rows, and
    the plan is approved again, ready for a corrected batch."""
    batch = EnrolmentBatch.objects.select_for_update().select_related("plan").get(pk=int(approval.subject_id))
    if batch.status != BatchStatus.CHECKING:
        raise DomainError("batch_not_checking", f"Batch #{batch.pk} tidak sedang menunggu pemeriksaan.")
    changes = RowChangeSet()
    changes.before_delete(
        ENROLMENT_ROW_ROWS, f"SELECT id FROM {EnrolmentRow._meta.db_table} WHERE batch_id = %s", [batch.pk]
    )
    EnrolmentRow.objects.filter(batch=batch).delete()
    plan = AllocationPlan.objects.select_for_update().get(pk=batch.plan_id)
    plan.status = PlanStatus.APPROVED
    plan.save(update_fields=["status"])
    actor = approval.decided_by
    _batch_status_set(batch, BatchStatus.RETURNED, actor=actor, metadata={"reason": approval.reason})
    event = audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=plan,
        region_code=plan.region_code,
        changes={"status": [PlanStatus.BATCHED, PlanStatus.APPROVED]},
        metadata={"batch_returned": batch.pk},
    )
    changes.write(event)


def register_batch_handlers() -> None:
    register_approval_handler(
        ApprovalKind.ENROLMENT_BATCH, _on_batch_checked, _on_batch_returned, on_cancelled=_on_batch_returned
    )


@transaction.atomic
def enrolment_batch_send(*, batch: EnrolmentBatch, actor) -> EnrolmentBatch:
    """BPJS TK's liaison takes the checked file: the first download marks the batch sent, with who and
    when; later downloads change nothing (each is audited by the view as an export)."""
    batch = EnrolmentBatch.objects.select_for_update().select_related("plan").get(pk=batch.pk)
    _check_batch_action(
        actor, authz.BATCH_SEND, batch, "batch_send_not_allowed",
        "Berkas batch diunduh oleh petugas penghubung BPJS TK di wilayah itu.",
    )  # fmt: skip
    if batch.status in (BatchStatus.CHECKING, BatchStatus.RETURNED):
        raise DomainError(
            "batch_not_checked", f"Batch #{batch.pk} belum diperiksa; berkasnya belum dapat diunduh."
        )
    if batch.status == BatchStatus.READY:
        batch.sent_by, batch.sent_at = actor, timezone.now()
        batch.save(update_fields=["sent_by", "sent_at"])
        _batch_status_set(batch, BatchStatus.SENT, actor=actor, metadata={"sha256": batch.file_sha256})
    return batch
