"""Maker-checker writes. Each transition locks the approval row, checks the rules, calls the kind's
handler and appends an audit event, all in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.accounts.models import Role
from cakupan.approvals.handlers import approval_handler
from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.faults import fault_point
from cakupan.core.scoping import region_within
from cakupan.regions.models import Region

# The action of the authorization table that decides each kind of request.
DECIDE_ACTIONS = {
    ApprovalKind.WORKER_IMPORT: authz.IMPORT_APPROVE,
    ApprovalKind.ALLOCATION_PLAN: authz.PLAN_APPROVE,
    ApprovalKind.ENROLMENT_BATCH: authz.BATCH_APPROVE,
    ApprovalKind.LITERACY_CAMPAIGN: authz.CAMPAIGN_APPROVE,
}
_DECIDER_MESSAGES = {
    ApprovalKind.WORKER_IMPORT: "Impor data disetujui oleh petugas kabupaten/kota atau koordinator provinsi "
    "wilayah itu; peran Anda tidak dapat memutuskannya.",
    ApprovalKind.ALLOCATION_PLAN: "Rencana alokasi disetujui oleh petugas lain dari pemberi dana yang "
    "dananya dipakai (APBD provinsi: koordinator provinsi); Anda tidak dapat memutuskannya.",
    ApprovalKind.ENROLMENT_BATCH: "Batch pendaftaran disetujui oleh petugas lain yang berwenang di wilayah "
    "itu; Anda tidak dapat memutuskannya.",
    ApprovalKind.LITERACY_CAMPAIGN: "Kampanye sosialisasi disetujui oleh petugas kabupaten/kota atau "
    "koordinator provinsi lain di wilayah itu; Anda tidak dapat memutuskannya.",
}


# Roles the table lets submit nothing (analysts, auditors, sponsors) only read; accounts without a role too.
_READ_ONLY = frozenset({*Role.values, ""}) - authz.roles_allowed(authz.APPROVAL_SUBMIT)


def _refuse_outside_or_read_only(*, user, region_code: str) -> None:
    """The two refusals that name their cause: a read-only role, and a region outside the user's area."""
    if not user.is_active:
        raise DomainError("user_inactive", f"Pengguna {user.username} tidak aktif.")
    if user.is_superuser:
        return
    if getattr(user, "role", "") in _READ_ONLY:
        raise DomainError(
            "approval_read_only_role",
            "Peran Anda hanya dapat melihat data; tidak dapat mengajukan atau memutuskan persetujuan.",
        )
    if user.area_id is None or not region_within(region_code, user.area_id):
        raise DomainError(
            "approval_outside_area",
            f"Wilayah {region_code} berada di luar wilayah kerja Anda.",
            field="region_code",
        )


def _check_may_submit(*, user, region_code: str) -> None:
    _refuse_outside_or_read_only(user=user, region_code=region_code)
    if not authz.can(user, authz.APPROVAL_SUBMIT, region_code):
        raise DomainError("approval_not_allowed", "Peran Anda tidak dapat mengajukan persetujuan.")


def _locked(approval: Approval) -> Approval:
    # Re-read under a row lock: a second checker waits here and then sees the first one's decision.
    # Lock order: the approval row first, then whatever the kind's handler locks.
    return Approval.objects.select_for_update().get(pk=approval.pk)


def _check_pending(approval: Approval) -> None:
    if approval.status != ApprovalStatus.PENDING:
        raise DomainError(
            "approval_not_pending",
            f"Pengajuan ini sudah {approval.get_status_display().lower()}; tidak dapat diputuskan lagi.",
        )


def _check_decider(approval: Approval, approver) -> None:
    _check_pending(approval)
    if approver.pk == approval.submitted_by_id:
        raise DomainError(
            "approval_self_decision", "Pengaju tidak dapat menyetujui atau menolak pengajuannya sendiri."
        )
    _refuse_outside_or_read_only(user=approver, region_code=approval.region_code)
    if not authz.can(approver, DECIDE_ACTIONS[approval.kind], approval):
        raise DomainError("approval_not_allowed", _DECIDER_MESSAGES[approval.kind])


def may_decide(approval: Approval | None, user) -> bool:
    """Whether a page should offer this user the decision (the same table the services enforce)."""
    return (
        approval is not None
        and approval.status == ApprovalStatus.PENDING
        and authz.can(user, DECIDE_ACTIONS[approval.kind], approval)
    )


def _close(approval: Approval, *, status: str, user, reason: str) -> None:
    approval.status = status
    approval.decided_by = user
    approval.decided_at = timezone.now()
    approval.reason = reason
    approval.full_clean()
    approval.save()


def _audit(approval: Approval, *, action: str, actor, before: str) -> None:
    audit_record(
        action=action,
        actor=actor,
        obj=approval,
        region_code=approval.region_code,
        changes={"status": [before, approval.status]},
        metadata={
            "kind": approval.kind,
            "subject_id": approval.subject_id,
            **({"reason": approval.reason} if approval.reason else {}),
        },
    )


@transaction.atomic
def approval_submit(
    *,
    kind: str,
    subject_id: str | int,
    title: str,
    submitted_by,
    region_code: str,
    payload: dict[str, Any] | None = None,
    system: bool = False,
) -> Approval:
    """Submit a subject for a second person's decision. `system` marks a submission the monthly cycle
    makes on `submitted_by`'s behalf (a renewal of their program): their own right to submit is not
    what is being exercised, so it is not checked; the checker's right to decide always is."""
    if kind not in ApprovalKind.values:
        raise DomainError("approval_kind_unknown", f"Jenis pengajuan tidak dikenal: {kind}.", field="kind")
    if not str(title).strip():
        raise DomainError("approval_title_required", "Judul pengajuan wajib diisi.", field="title")
    if not region_code or not Region.objects.filter(code=region_code).exists():
        raise DomainError(
            "approval_region_unknown", f"Kode wilayah tidak dikenal: {region_code}.", field="region_code"
        )
    if not system:
        _check_may_submit(user=submitted_by, region_code=region_code)
    subject_id = str(subject_id)
    already = DomainError(
        "approval_already_pending", "Sudah ada pengajuan yang menunggu persetujuan untuk data ini."
    )
    if Approval.objects.pending().filter(kind=kind, subject_id=subject_id).exists():
        raise already
    approval = Approval(
        kind=kind,
        subject_id=subject_id,
        title=str(title).strip(),
        payload=payload or {},
        submitted_by=submitted_by,
        submitted_at=timezone.now(),
        region_code=region_code,
    )
    # The unique constraint is checked by the insert below (it also catches a concurrent submission).
    approval.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            approval.save()
    except IntegrityError as error:
        raise already from error
    _audit(approval, action=AuditAction.APPROVAL_SUBMIT, actor=submitted_by, before="")
    return approval


def _check_confirms_file(approval: Approval, file_sha256: str | None) -> None:
    """A request about a file (an import) is approved for that file only: the checker's page carries the
    SHA-256 of the file they looked at, and it must be the one submitted."""
    expected = (approval.payload or {}).get("file_sha256")
    if expected and (file_sha256 or "").strip().lower() != expected:
        raise DomainError(
            "approval_file_mismatch",
            "Berkas yang Anda periksa bukan berkas yang diajukan (sidik SHA-256 berbeda); muat ulang "
            "halaman dan periksa kembali.",
        )


@transaction.atomic
def approval_approve(
    *, approval: Approval, approver, reason: str = "", file_sha256: str | None = None
) -> Approval:
    """Approve and run the kind's on_approved callback in the same transaction; returns the fresh row.
    For a request about a file, `file_sha256` must name the submitted file."""
    approval = _locked(approval)
    # The first thing after the commit, before any after-commit work of the kind's handler (registered
    # later, so run later): where tests/test_faults.py kills a process that has just approved.
    transaction.on_commit(lambda: fault_point("approval.after_commit"))
    _check_decider(approval, approver)
    _check_confirms_file(approval, file_sha256)
    _close(approval, status=ApprovalStatus.APPROVED, user=approver, reason=(reason or "").strip())
    handler = approval_handler(approval.kind)
    if handler is not None:
        handler.on_approved(approval)
    _audit(approval, action=AuditAction.APPROVAL_APPROVE, actor=approver, before=ApprovalStatus.PENDING)
    return approval


@transaction.atomic
def approval_reject(*, approval: Approval, approver, reason: str) -> Approval:
    approval = _locked(approval)
    _check_decider(approval, approver)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("approval_reason_required", "Alasan penolakan wajib diisi.", field="reason")
    _close(approval, status=ApprovalStatus.REJECTED, user=approver, reason=reason)
    handler = approval_handler(approval.kind)
    if handler is not None and handler.on_rejected is not None:
        handler.on_rejected(approval)
    _audit(approval, action=AuditAction.APPROVAL_REJECT, actor=approver, before=ApprovalStatus.PENDING)
    return approval


def approval_decide(
    *, approval: Approval, approver, decision: str, reason: str = "", file_sha256: str | None = None
) -> Approval:
    """A checker's form: `decision` "approve" approves (confirming the file for a request about one);
    anything else rejects, which needs a reason."""
    if decision == "approve":
        return approval_approve(approval=approval, approver=approver, reason=reason, file_sha256=file_sha256)
    return approval_reject(approval=approval, approver=approver, reason=reason)


@transaction.atomic
def approval_cancel(*, approval: Approval, user) -> Approval:
    """The submitter withdraws a pending request (e.g. to correct it and submit again)."""
    approval = _locked(approval)
    _check_pending(approval)
    if user.pk != approval.submitted_by_id:
        raise DomainError("approval_cancel_not_submitter", "Hanya pengaju yang dapat membatalkan pengajuan.")
    _close(approval, status=ApprovalStatus.CANCELLED, user=user, reason="")
    handler = approval_handler(approval.kind)
    if handler is not None and handler.on_cancelled is not None:
        handler.on_cancelled(approval)
    _audit(approval, action=AuditAction.APPROVAL_CANCEL, actor=user, before=ApprovalStatus.PENDING)
    return approval
