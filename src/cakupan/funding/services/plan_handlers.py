"""What the decision on an allocation plan's approval does to the plan. Registered at app load, so this
module needs only the models: committing the plan (Polars, NumPy, the allocation solver) is imported when
a plan is approved."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import ApprovalKind
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.faults import fault_point
from cakupan.funding.models import AllocationPlan, PlanKind, PlanLine, PlanStatus


def plan_month(plan: AllocationPlan) -> dt.date:
    first = (
        PlanLine.objects.filter(plan=plan)
        .order_by("first_month")
        .values_list("first_month", flat=True)
        .first()
    )
    return first or timezone.localdate().replace(day=1)


def _on_plan_approved(approval) -> None:
    from cakupan.funding.services.plans import plan_commit

    plan = AllocationPlan.objects.select_for_update().get(pk=int(approval.subject_id))
    if plan.status != PlanStatus.PENDING:
        raise DomainError("plan_not_pending", f"Rencana #{plan.pk} tidak menunggu persetujuan.")
    changes = RowChangeSet()
    plan_commit(plan, actor=approval.decided_by, changes=changes)
    plan.status = PlanStatus.APPROVED
    plan.decided_at = timezone.now()
    plan.save(update_fields=["status", "decided_at"])
    if plan.kind == PlanKind.RENEWAL:
        # Renewed workers are enrolled already: no batch, the invoice follows the approval at once.
        from cakupan.funding.services.payments import invoices_create

        invoices_create(plan, month=plan_month(plan))
    event = audit_record(
        action=AuditAction.UPDATE,
        actor=approval.decided_by,
        obj=plan,
        region_code=plan.region_code,
        changes={"status": [PlanStatus.PENDING, PlanStatus.APPROVED]},
    )
    changes.write(event)
    fault_point("plan.before_commit")


def _on_plan_closed(status: str):
    def close(approval) -> None:
        plan = AllocationPlan.objects.select_for_update().get(pk=int(approval.subject_id))
        plan.status = status
        plan.decided_at = timezone.now()
        plan.save(update_fields=["status", "decided_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=approval.decided_by,
            obj=plan,
            region_code=plan.region_code,
            changes={"status": [PlanStatus.PENDING, status]},
        )

    return close


_on_plan_rejected = _on_plan_closed(PlanStatus.REJECTED)
_on_plan_cancelled = _on_plan_closed(PlanStatus.CANCELLED)


def register_handlers() -> None:
    register_approval_handler(
        ApprovalKind.ALLOCATION_PLAN, _on_plan_approved, _on_plan_rejected, on_cancelled=_on_plan_cancelled
    )
