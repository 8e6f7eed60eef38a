"""Two checkers deciding the same approval at once: the row lock lets exactly one through. Needs a
database with row locks (PostgreSQL: `make test-postgres`); SQLite serialises whole transactions."""

import threading
import time

import pytest
from django.db import connection, connections

from cakupan.accounts.models import Role, User
from cakupan.approvals import handlers
from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve, approval_reject, approval_submit
from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    # Region reference data comes from a migration; restore it after other transactional tests' flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_checkers_cannot_both_decide(monkeypatch):
    monkeypatch.setattr(handlers, "_HANDLERS", {})
    # The winner holds the lock a moment longer, so the other checker is certainly waiting on it.
    register_approval_handler(ApprovalKind.WORKER_IMPORT, on_approved=lambda approval: time.sleep(0.5))
    maker = User.objects.create_user(
        username="pembuat", password="x", role=Role.REGENCY_OFFICER, area_id="36.02"
    )
    checkers = [
        User.objects.create_user(
            username=f"pemeriksa-{n}", password="x", role=Role.REGENCY_OFFICER, area_id="36.02"
        )
        for n in range(2)
    ]
    approval = approval_submit(
        kind=ApprovalKind.WORKER_IMPORT, subject_id="impor-1", title="Impor pekerja Lebak",
        submitted_by=maker, region_code="36.02",
    )  # fmt: skip
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(checker, approve: bool) -> None:
        try:
            start.wait()
            if approve:
                approval_approve(approval=approval, approver=checker)
            else:
                time.sleep(0.1)
                approval_reject(approval=approval, approver=checker, reason="Anggaran berubah")
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(checkers[0], True)),
        threading.Thread(target=decide, args=(checkers[1], False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approval_not_pending", "ok"]
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("approved", checkers[0])
    decisions = AuditEvent.objects.filter(action__in=["approval_approve", "approval_reject"])
    assert list(decisions.values_list("action", flat=True)) == ["approval_approve"]
    assert Approval.objects.count() == 1
