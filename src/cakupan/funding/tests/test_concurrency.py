"""Two checkers approving two plans on the same program at once, with budget for only one: the account
row locks make the second wait and re-check, so the budget never goes below zero. Needs PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.core.errors import DomainError
from cakupan.funding import services
from cakupan.funding.models import FundedMonth, LedgerAccount, PlanStatus
from cakupan.funding.tests.conftest import DESA_A

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

YEAR = 201_600


def test_concurrent_approvals_cannot_overspend(make_worker, program_factory, people):
    make_worker(DESA_A, decile=1)
    make_worker(DESA_A, decile=2)
    program = program_factory(budget=YEAR)
    first = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    # Room for a second pending plan, then the budget goes back down: only one of them can be approved.
    services.program_update(program=program, actor=people["officer"], budget=YEAR * 2)
    second = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    services.program_update(program=program, actor=people["officer"], budget=YEAR)
    assert (first.funded, second.funded) == (1, 1)
    approvals = [
        Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
        for plan in (first, second)
    ]
    checkers = [people["checker"], people["admin"]]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(approval, checker) -> None:
        try:
            start.wait()
            approval_approve(approval=approval, approver=checker)
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=pair) for pair in zip(approvals, checkers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["budget_insufficient", "ok"]
    balances = dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))
    assert balances == {"source": -YEAR, "available": 0, "committed": YEAR, "paid": 0, "covered": 0}
    assert FundedMonth.objects.count() == 12
    statuses = sorted(
        type(first).objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses == sorted([PlanStatus.APPROVED, PlanStatus.PENDING])
