"""Property tests: whatever sequence of funding operations happens, the books balance, no worker-month is
funded twice, no budget goes negative, zakat funds only mustahik and Dana Desa only its residents."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve, approval_reject
from cakupan.core.errors import DomainError
from cakupan.funding import enrolment, services
from cakupan.funding.models import (
    FundedMonth,
    FundingProgram,
    Invoice,
    InvoiceLine,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MustahikVerification,
    PlanLine,
    PlanStatus,
)
from cakupan.funding.tests.conftest import DESA_A, DESA_B, DESA_C, batch_sent
from cakupan.registry.models import Membership

PROPERTY_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check_books() -> None:
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == 0
    unbalanced = LedgerTransaction.objects.annotate(total=Sum("entries__amount")).exclude(total=0)
    assert not unbalanced.exists()
    for account in LedgerAccount.objects.annotate(total=Sum("entries__amount")):
        assert account.balance == (account.total or 0)
        if account.kind != "source":
            assert account.balance >= 0
    for program in FundingProgram.objects.all():
        kinds = dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))
        assert -kinds["source"] == sum(v for k, v in kinds.items() if k != "source")
        funded = FundedMonth.objects.filter(program=program).aggregate(total=Sum("cost"))["total"] or 0
        # Money out of "available" is exactly the worker-months still funded.
        assert kinds["committed"] + kinds["paid"] + kinds["covered"] == funded
    twice = FundedMonth.objects.values("worker_id", "month").annotate(n=Count("id")).filter(n__gt=1)
    assert not twice.exists()
    # Nobody is covered by money not paid: the paid months are exactly what the invoice lines were paid
    # (oldest month first), and an enrolled member is paid through no funded month that is unpaid.
    for line in InvoiceLine.objects.select_related("invoice"):
        paid = (
            FundedMonth.objects.filter(
                line__plan_id=line.invoice.plan_id, program_id=line.program_id, paid=True
            ).aggregate(total=Sum("cost"))["total"]
            or 0
        )
        assert paid <= line.paid
    for membership in Membership.objects.filter(source="enrolment"):
        assert not FundedMonth.objects.filter(
            worker_id=membership.worker_id, paid=False, month__lte=membership.paid_through
        ).exists()


operation = st.one_of(
    st.tuples(st.just("plan"), st.sets(st.integers(0, 3), min_size=1, max_size=4)),
    st.tuples(st.just("approve"), st.integers(0, 5)),
    st.tuples(st.just("reject"), st.integers(0, 5)),
    st.tuples(st.just("budget"), st.integers(0, 3), st.integers(-300_000, 300_000)),
    st.tuples(st.just("enrol"), st.integers(0, 5), st.lists(st.booleans(), min_size=12, max_size=12)),
    st.tuples(st.just("pay"), st.integers(0, 5), st.integers(1, 400_000)),
)


@pytest.fixture
def registry(make_worker):
    return [make_worker(DESA_A if n % 2 else DESA_B, decile=1 + n % 10, sector="nelayan") for n in range(12)]


@PROPERTY_SETTINGS
@given(operations=st.lists(operation, min_size=1, max_size=8))
def test_books_balance_and_budgets_hold_after_any_operations(registry, program_factory, people, operations):
    with transaction.atomic():
        programs = [
            program_factory(budget=500_000),
            program_factory(funder="csr", budget=400_000, months=6),
            program_factory(funder="zakat", budget=300_000, months=3, mustahik_decile_max=5),
            # Overlaps the others' months from March 2027: the same workers must not be funded twice.
            program_factory(
                funder="csr", budget=200_000, months=3, fiscal_year=2027, start_month=dt.date(2027, 3, 1)
            ),
        ]
        plans = []
        for op in operations:
            try:
                with transaction.atomic():
                    _apply(op, programs, plans, people)
            except DomainError:
                pass  # refused operations must leave everything as it was
            _check_books()
        transaction.set_rollback(True)


def _apply(op, programs, plans, people) -> None:
    kind = op[0]
    if kind == "plan":
        chosen = [programs[i] for i in sorted(op[1])]
        plans.append(services.allocation_plan_create(programs=chosen, actor=people["coordinator"]))
    elif kind in ("approve", "reject") and plans:
        plan = plans[op[1] % len(plans)]
        approval = Approval.objects.filter(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk)).first()
        if kind == "approve":
            approval_approve(approval=approval, approver=people["checker"])
        else:
            approval_reject(approval=approval, approver=people["checker"], reason="uji")
    elif kind == "budget":
        program = FundingProgram.objects.get(pk=programs[op[1]].pk)
        services.program_update(
            program=program, actor=people["officer"], budget=max(1, program.budget + op[2])
        )
    elif kind == "enrol" and plans:
        plan = plans[op[1] % len(plans)]
        plan.refresh_from_db()
        if plan.status != PlanStatus.APPROVED:
            return
        batch = batch_sent(plan, people)
        lines = ["no_baris,nik,status,kpj,alasan"]
        for row in batch.batch_rows.select_related("line__worker").order_by("row_number"):
            if op[2][row.row_number % 12]:
                lines.append(f"{row.row_number},{row.line.worker.nik},diterima,{40_000_000_000 + row.pk},")
            else:
                lines.append(f"{row.row_number},{row.line.worker.nik},ditolak,,data tidak cocok")
        enrolment.enrolment_ack_import(
            batch=batch, content="\n".join(lines).encode(), actor=people["liaison"]
        )
    elif kind == "pay":
        invoices = list(Invoice.objects.order_by("pk"))
        if invoices:
            invoice = invoices[op[1] % len(invoices)]
            services.payment_record(
                invoice=invoice,
                external_reference=f"REF-{op[1]}-{op[2]}",
                amount=op[2],
                paid_on=dt.date(2026, 12, 1),
            )


@PROPERTY_SETTINGS
@given(
    workers=st.lists(
        st.tuples(
            st.sampled_from([DESA_A, DESA_B, DESA_C]), st.one_of(st.none(), st.integers(1, 10)), st.booleans()
        ),
        min_size=1,
        max_size=10,
    )
)
def test_zakat_funds_only_mustahik_and_dana_desa_only_residents(
    make_worker, program_factory, funders, people, workers
):
    with transaction.atomic():
        zakat = program_factory(funder="zakat", budget=10_000_000, months=3, mustahik_decile_max=2)
        village = program_factory(funder="desa", budget=10_000_000, months=1)
        for desa, decile, verified in workers:
            worker = make_worker(desa, decile=decile)
            if verified:
                services.mustahik_verify(
                    funder=funders["zakat"],
                    worker=worker,
                    asnaf="miskin",
                    verified_on=dt.date(2026, 11, 1),
                    actor=people["officer"],
                )
        try:
            plan = services.allocation_plan_create(programs=[zakat, village], actor=people["coordinator"])
        except DomainError as error:
            assert error.code in {"allocation_no_candidates", "allocation_nothing_funded"}
            transaction.set_rollback(True)
            return
        verified = set(MustahikVerification.objects.values_list("worker_id", flat=True))
        for line in PlanLine.objects.filter(plan=plan).select_related("worker"):
            if line.program_id == zakat.pk:
                assert (
                    line.worker.decile is not None and line.worker.decile <= 2
                ) or line.worker_id in verified
            else:
                assert line.worker.desa_id == DESA_A
        transaction.set_rollback(True)
