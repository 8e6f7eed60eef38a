"""Reads of approvals, always through the area scope."""

from __future__ import annotations

from cakupan.approvals.models import Approval, ApprovalQuerySet


def approval_list(*, user, status: str | None = None, kind: str | None = None) -> ApprovalQuerySet:
    approvals = Approval.objects.for_user(user).select_related("submitted_by", "decided_by")
    if status:
        approvals = approvals.filter(status=status)
    if kind:
        approvals = approvals.filter(kind=kind)
    return approvals
