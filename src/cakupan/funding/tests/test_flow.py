"""The funding cycle end to end: plan → approval → batch → acknowledgement → invoice → payment → cycle."""

import datetime as dt

import polars as pl
import pytest
from django.db.models import Sum

from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.approvals.services import approval_approve, approval_reject
from cakupan.audit.models import AuditEvent, RowChange
from cakupan.core.errors import DomainError
from cakupan.funding import enrolment, selectors, services
from cakupan.funding.cycle import cycle_run
from cakupan.funding.models import (
    AllocationPlan,
    CycleRun,
    FundedMonth,
    Invoice,
    LedgerAccount,
    LedgerEntry,
    Payment,
    PlanLine,
    PlanStatus,
)
from cakupan.funding.tests.conftest import DESA_A, DESA_B, START, batch_sent
from cakupan.registry.models import Membership

YEAR = 201_600  # 12 months of JKK+JKM at the lowest level, APBD price


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def _balances(program) -> dict[str, int]:
    return dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))


def _approval(plan) -> Approval:
    return Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))


@pytest.fixture
def village(make_worker):
    """Five uncovered workers: deciles 1, 2, 3, 4 and an unknown decile."""
    return [
        make_worker(DESA_A, sector="nelayan", decile=1),
        make_worker(DESA_A, sector="petani", decile=2),
        make_worker(DESA_B, sector="jasa", decile=3),
        make_worker(DESA_B, sector="nelayan", decile=4),
        make_worker(DESA_B, sector="nelayan", decile=None),
    ]


@pytest.fixture
def approved(village, program_factory, people):
    program = program_factory(budget=YEAR * 3 + 1_000)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval_approve(approval=_approval(plan), approver=people["checker"])
    plan.refresh_from_db()
    return program, plan


def test_plan_funds_the_most_vulnerable_within_budget_and_waits_for_approval(
    village, program_factory, people
):
    program = program_factory(budget=YEAR * 3 + 1_000)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    lines = PlanLine.objects.filter(plan=plan).order_by("worker_id")
    assert [line.worker_id for line in lines] == [w.pk for w in village[:3]]
    assert [(line.months, line.cost, line.first_month) for line in lines] == [(12, YEAR, START)] * 3
    assert (plan.status, plan.funded, plan.cost) == (PlanStatus.PENDING, 3, YEAR * 3)
    assert plan.summary["per_program"] == [
        {
            "program_id": program.pk,
            "name": "Program uji",
            "funder": "Pemprov Banten",
            "policy": "rentan_dulu",
            "funded": 3,
            "cost": YEAR * 3,
            "budget_available": YEAR * 3 + 1_000,
            "left": 1_000,
        },
    ]
    assert plan.summary["per_region"] == [
        {"region": "36.02", "name": "Kabupaten Lebak", "funded": 3, "cost": YEAR * 3}
    ]
    assert _approval(plan).status == ApprovalStatus.PENDING
    # Nothing is committed before the checker approves.
    assert _balances(program)["committed"] == 0
    assert FundedMonth.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="funding.allocationplan", object_id=str(plan.pk)).exists()


def _row_changes(event_filter: dict):
    """The (table, operation) pairs under the latest event matching the filter, and its rows."""
    event = AuditEvent.objects.filter(**event_filter).latest("id")
    return sorted(
        {(c.object_type, c.operation) for c in RowChange.objects.filter(event=event)}
    ), RowChange.objects.filter(event=event)


def test_plan_creation_and_approval_record_their_rows(approved):
    program, _ = approved
    kinds, rows = _row_changes({"object_type": "funding.allocationplan", "action": "create"})
    assert kinds == [("funding.planline", "i")] and rows.count() == 3
    kinds, rows = _row_changes({"object_type": "funding.allocationplan", "action": "update"})
    assert kinds == [("funding.fundedmonth", "i")] and rows.count() == 36
    first = rows.order_by("object_id").first()
    month = FundedMonth.objects.get(pk=first.object_id)
    assert first.after_values == {
        "worker_id": str(month.worker_id), "month": "2026-12-01", "program_id": str(program.pk),
        "line_id": str(month.line_id), "cost": "16800", "paid": "false", "paid_on": None,
    }  # fmt: skip
    assert first.region_code == month.worker.desa_id


def test_approval_commits_budget_and_records_worker_months(approved, village):
    program, plan = approved
    assert plan.status == PlanStatus.APPROVED
    assert _balances(program) == {
        "source": -(YEAR * 3 + 1_000),
        "available": 1_000,
        "committed": YEAR * 3,
        "paid": 0,
        "covered": 0,
    }
    assert FundedMonth.objects.count() == 36
    assert FundedMonth.objects.aggregate(total=Sum("cost"))["total"] == YEAR * 3
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == 0


def test_rejection_commits_nothing_and_frees_the_workers(village, program_factory, people):
    program = program_factory(budget=YEAR * 3)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    # While the plan is pending its workers are not offered again: nobody is left in budget.
    assert _code(services.allocation_plan_create, programs=[program], actor=people["coordinator"]) == (
        "allocation_nothing_funded"
    )
    approval_reject(approval=_approval(plan), approver=people["checker"], reason="Data belum lengkap")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REJECTED
    assert _balances(program)["available"] == YEAR * 3
    assert FundedMonth.objects.count() == 0
    again = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    assert again.funded == 3


def test_budget_is_rechecked_under_lock_at_approval(village, program_factory, people):
    program = program_factory(budget=YEAR * 3)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    services.program_update(program=program, actor=people["officer"], budget=YEAR * 2)
    assert _code(approval_approve, approval=_approval(plan), approver=people["checker"]) == (
        "budget_insufficient"
    )
    assert _approval(plan).status == ApprovalStatus.PENDING
    assert AllocationPlan.objects.get(pk=plan.pk).status == PlanStatus.PENDING
    assert _balances(program) == {
        "source": -YEAR * 2,
        "available": YEAR * 2,
        "committed": 0,
        "paid": 0,
        "covered": 0,
    }


def test_two_programs_never_fund_the_same_worker_month(village, program_factory, people, funders):
    first = program_factory(budget=YEAR * 5)
    second = program_factory(funder="csr", budget=YEAR * 5)
    plan = services.allocation_plan_create(programs=[first, second], actor=people["coordinator"])
    assert plan.funded == 5
    assert PlanLine.objects.filter(plan=plan).values("worker_id").distinct().count() == 5
    approval_approve(approval=_approval(plan), approver=people["checker"])
    assert FundedMonth.objects.count() == 60
    assert _code(services.allocation_plan_create, programs=[first, second], actor=people["coordinator"]) == (
        "allocation_no_candidates"
    )


def _ack(batch, decisions: dict[int, tuple[str, str, str]]) -> bytes:
    lines = ["no_baris;nik;status;kpj;alasan"]
    for row in batch.batch_rows.order_by("row_number").select_related("line__worker"):
        if row.row_number in decisions:
            status, kpj, reason = decisions[row.row_number]
            lines.append(f"{row.row_number};{row.line.worker.nik};{status};{kpj};{reason}")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_batch_ack_invoice_payment_and_cycle(approved, village, people):
    program, plan = approved
    batch = batch_sent(plan, people, xlsx=True)
    assert batch.rows == 3
    assert batch.file_path.endswith(f"batch-{batch.pk:06d}-v1.0.csv")
    sheet = pl.read_excel(batch.file_path.replace(".csv", ".xlsx"), sheet_name="batch")
    assert sheet.columns == list(enrolment.BATCH_COLUMNS)
    assert sheet["nik"].cast(pl.String).to_list() == [w.nik for w in village[:3]]
    with open(batch.file_path, encoding="utf-8") as handle:
        text = handle.read().splitlines()
    assert text[0] == ",".join(enrolment.BATCH_COLUMNS)
    first = village[0]
    assert text[1].split(",")[:4] == ["1.0", "1", first.nik, first.name]
    assert text[1].split(",")[10:15] == ["1000000", "JKK+JKM", "2026-12", "12", str(YEAR)]
    invoice = Invoice.objects.get(plan=plan)
    assert (invoice.amount, invoice.paid, invoice.status) == (YEAR * 3, 0, "open")

    # An unknown row changes nothing.
    bad = _ack(batch, {1: ("diterima", "10000000001", "")}) + b"9;3602010101900009;diterima;10000000009;\n"
    assert _code(enrolment.enrolment_ack_import, batch=batch, content=bad, actor=people["liaison"]) == (
        "ack_rows_invalid"
    )
    assert Membership.objects.count() == 0

    content = _ack(
        batch,
        {
            1: ("diterima", "10000000001", ""),
            2: ("diterima", "10000000002", ""),
            3: ("ditolak", "", "NIK tidak ditemukan di Dukcapil"),
        },
    )
    counts = enrolment.enrolment_ack_import(batch=batch, content=content, actor=people["liaison"])
    assert counts == {"batch": batch.pk, "applied": 3, "accepted": 2, "rejected": 1, "pending": 0}
    # Accepted, not yet paid: members paid through the month before their cover, so not counted covered.
    assert sorted(Membership.objects.values_list("kpj", "segment", "status", "paid_through")) == [
        ("10000000001", "BPU", "menunggak", dt.date(2026, 11, 1)),
        ("10000000002", "BPU", "menunggak", dt.date(2026, 11, 1)),
    ]
    # The rejected row's money goes back to the program and off the invoice; its months are free again.
    assert _balances(program) == {
        "source": -(YEAR * 3 + 1_000),
        "available": YEAR + 1_000,
        "committed": YEAR * 2,
        "paid": 0,
        "covered": 0,
    }
    assert FundedMonth.objects.count() == 24
    invoice.refresh_from_db()
    assert invoice.amount == YEAR * 2
    kinds, rows = _row_changes({"object_type": "funding.enrolmentbatch", "action": "import"})
    assert kinds == [
        ("funding.enrolmentrow", "u"), ("funding.fundedmonth", "d"),
        ("funding.planline", "u"), ("registry.membership", "i"),
    ]  # fmt: skip
    deleted = [r for r in rows if r.operation == "d"]
    assert len(deleted) == 12
    assert all(r.after is None and r.before_values["cost"] == "16800" for r in deleted)
    decided = sorted((r for r in rows if r.object_type == "funding.enrolmentrow"), key=lambda r: r.object_id)
    statuses = [(r.before_values["status"], r.after_values["status"], r.after_values["kpj"]) for r in decided]
    assert statuses == [
        ("sent", "accepted", "10000000001"), ("sent", "accepted", "10000000002"), ("sent", "rejected", ""),
    ]  # fmt: skip
    [released] = [r for r in rows if r.object_type == "funding.planline"]
    assert (released.before_values["released"], released.after_values["released"]) == ("false", "true")
    # Replaying the acknowledgement changes nothing.
    again = enrolment.enrolment_ack_import(batch=batch, content=content, actor=people["liaison"])
    assert again["applied"] == 0
    assert _balances(program)["available"] == YEAR + 1_000

    # Payments: partial, replay, conflicting reference, amount above what is owed.
    payment, created = services.payment_record(
        invoice=invoice,
        external_reference="TRX-1",
        amount=YEAR,
        paid_on=dt.date(2026, 12, 1),
        actor=people["checker"],
    )
    assert created
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (YEAR, "partial")
    # Half the invoice pays everyone's first six months (month by month, not worker by worker).
    assert FundedMonth.objects.filter(paid=True).count() == 12
    assert sorted(FundedMonth.objects.filter(paid=True).values_list("month", flat=True).distinct())[-1] == (
        dt.date(2027, 5, 1)
    )
    # Each on the payment's own date (field agents' commission counts contributions by the day collected).
    paid_days = FundedMonth.objects.filter(paid=True).values_list("paid_on", flat=True)
    assert set(paid_days) == {dt.date(2026, 12, 1)}
    assert not FundedMonth.objects.filter(paid=False, paid_on__isnull=False).exists()
    assert sorted(Membership.objects.values_list("kpj", "status", "paid_through")) == [
        ("10000000001", "aktif", dt.date(2027, 5, 1)),
        ("10000000002", "aktif", dt.date(2027, 5, 1)),
    ]
    kinds, rows = _row_changes({"object_type": "funding.payment", "action": "create"})
    assert kinds == [("funding.fundedmonth", "u"), ("registry.membership", "u")]
    assert sum(1 for r in rows if r.object_type == "funding.fundedmonth") == 12
    replay, created = services.payment_record(
        invoice=invoice,
        external_reference="TRX-1",
        amount=YEAR,
        paid_on=dt.date(2026, 12, 1),
        actor=people["checker"],
    )
    assert (replay.pk, created) == (payment.pk, False)
    assert (
        _code(
            services.payment_record,
            invoice=invoice,
            external_reference="TRX-1",
            amount=5,
            paid_on=dt.date(2026, 12, 1),
        )
        == "payment_reference_conflict"
    )
    assert (
        _code(
            services.payment_record,
            invoice=invoice,
            external_reference="TRX-2",
            amount=YEAR + 1,
            paid_on=dt.date(2026, 12, 2),
        )
        == "payment_amount_mismatch"
    )
    services.payment_record(
        invoice=invoice, external_reference="TRX-2", amount=YEAR, paid_on=dt.date(2026, 12, 2)
    )
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (YEAR * 2, "paid")
    assert Payment.objects.count() == 2
    assert FundedMonth.objects.filter(paid=False).count() == 0
    assert set(Membership.objects.values_list("paid_through", flat=True)) == {dt.date(2027, 11, 1)}
    assert _balances(program) == {
        "source": -(YEAR * 3 + 1_000),
        "available": YEAR + 1_000,
        "committed": 0,
        "paid": YEAR * 2,
        "covered": 0,
    }

    report = selectors.reconciliation(funder=program.funder)
    assert report == [
        {
            "funder_id": program.funder_id,
            "funder": "Pemprov Banten",
            "month": "2026-12",
            "invoiced": YEAR * 2,
            "paid": YEAR * 2,
            "outstanding": 0,
            "payments": 2,
            "covered_months": 2,
            "covered_cost": 33_600,
        },
    ]

    # The monthly cycle: December's two funded months are recognised as covered; a rerun changes nothing.
    run, created = cycle_run(month=dt.date(2026, 12, 1), refresh=False)
    assert created
    assert run.summary["recognised"] == 16_800 * 2
    assert _balances(program)["covered"] == 16_800 * 2
    events = AuditEvent.objects.count()
    rerun, created = cycle_run(month=dt.date(2026, 12, 1), refresh=False)
    assert (rerun.pk, created) == (run.pk, False)
    assert AuditEvent.objects.count() == events
    assert CycleRun.objects.count() == 1
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == 0


def test_cycle_marks_status_per_rules_engine_and_renews_funded_workers(make_worker, program_factory, people):
    paid_nov = make_worker(kpj="20000000001", paid_through=dt.date(2026, 11, 1))
    paid_sep = make_worker(kpj="20000000002", paid_through=dt.date(2026, 9, 1))
    paid_dec = make_worker(kpj="20000000003", paid_through=dt.date(2026, 12, 1))
    run, _ = cycle_run(month=dt.date(2026, 12, 1), refresh=False)
    status = dict(Membership.objects.values_list("worker_id", "status"))
    # Evaluated the day after December's due date: Nov paid → 1 month in arrears; Sep → 3 → nonaktif.
    assert status == {paid_nov.pk: "menunggak", paid_sep.pk: "nonaktif", paid_dec.pk: "aktif"}
    assert run.summary["renewed"] == 0
    _, rows = _row_changes({"object_type": "funding.cyclerun"})
    changed = {r.after_values["kpj"]: (r.before_values["status"], r.after_values["status"]) for r in rows}
    # make_worker's memberships start "aktif": two of them changed, the third did not.
    assert changed == {"20000000001": ("aktif", "menunggak"), "20000000002": ("aktif", "nonaktif")}


def test_cycle_renews_funded_workers_while_budget_lasts(make_worker, program_factory, people):
    workers = [make_worker(decile=1), make_worker(decile=2)]
    program = program_factory(budget=16_800 * 3, months=1)
    # A standing approval of up to one month's renewal for one worker: the cycle commits it itself.
    services.program_renewal_limit_set(program=program, limit=16_800, actor=people["checker"])
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval_approve(approval=_approval(plan), approver=people["checker"])
    for number, worker in enumerate(workers, 1):
        Membership.objects.create(
            worker=worker,
            kpj=f"3000000000{number}",
            segment="BPU",
            status="aktif",
            paid_through=dt.date(2026, 12, 1),
            source="enrolment",
        )
    assert _balances(program)["available"] == 16_800
    run, _ = cycle_run(month=dt.date(2026, 12, 1), refresh=False)
    # Cover ends in December; budget is left for one January: the lower decile is renewed.
    assert (run.summary["renewed"], run.summary["renewal_cost"]) == (1, 16_800)
    assert list(
        FundedMonth.objects.filter(month=dt.date(2027, 1, 1)).values_list("worker_id", flat=True)
    ) == [workers[0].pk]
    # A renewal planned is not a month protected: paid-through moves only when its invoice is paid.
    assert Membership.objects.get(worker=workers[0]).paid_through == dt.date(2026, 12, 1)
    assert Membership.objects.get(worker=workers[1]).paid_through == dt.date(2026, 12, 1)
    assert _balances(program)["available"] == 0
    invoice = Invoice.objects.filter(plan_id__in=run.summary["renewal_plans"]).get()
    assert invoice.amount == 16_800
    kinds, rows = _row_changes({"object_type": "funding.cyclerun"})
    assert kinds == [("funding.fundedmonth", "i"), ("funding.planline", "i")]
    services.payment_record(
        invoice=invoice, external_reference="TRX-RENEW", amount=16_800, paid_on=dt.date(2026, 12, 1)
    )
    assert Membership.objects.get(worker=workers[0]).paid_through == dt.date(2027, 1, 1)
    assert Membership.objects.get(worker=workers[1]).paid_through == dt.date(2026, 12, 1)
    kinds, rows = _row_changes({"object_type": "funding.payment", "action": "create"})
    assert kinds == [("funding.fundedmonth", "u"), ("registry.membership", "u")]
    [renewed] = [r for r in rows if r.object_type == "registry.membership"]
    assert (renewed.before_values["paid_through"], renewed.after_values["paid_through"]) == (
        "2026-12-01",
        "2027-01-01",
    )
    assert renewed.object_id == Membership.objects.get(worker=workers[0]).pk
    run, _ = cycle_run(month=dt.date(2027, 1, 1), refresh=False)
    assert run.summary["renewed"] == 0


def test_batch_and_ack_failure_paths(approved, village, people, make_worker):
    program, plan = approved
    batch = batch_sent(plan, people)
    assert (
        _code(enrolment.enrolment_batch_create, plan=plan, actor=people["coordinator"]) == "plan_not_approved"
    )
    make_worker(kpj="10000000099", paid_through=dt.date(2026, 1, 1))
    cases = {
        "kpj of another worker": _ack(batch, {1: ("diterima", "10000000099", "")}),
        "kpj malformed": _ack(batch, {1: ("diterima", "123", "")}),
        "no reason": _ack(batch, {1: ("ditolak", "", "")}),
        "unknown status": _ack(batch, {1: ("mungkin", "", "")}),
        "same kpj twice": _ack(
            batch, {1: ("diterima", "10000000005", ""), 2: ("diterima", "10000000005", "")}
        ),
    }
    for content in cases.values():
        assert _code(
            enrolment.enrolment_ack_import, batch=batch, content=content, actor=people["liaison"]
        ) == ("ack_rows_invalid")
    assert (
        _code(enrolment.enrolment_ack_import, batch=batch, content=b"", actor=people["liaison"])
        == "ack_empty"
    )
    assert _code(
        enrolment.enrolment_ack_import, batch=batch, content=b"nik;kpj\n1;2\n", actor=people["liaison"]
    ) == ("ack_column_missing")
    assert list(Membership.objects.values_list("kpj", flat=True)) == ["10000000099"]
    assert _balances(program)["committed"] == YEAR * 3

    # Once the invoice is paid in full, a rejection would need a refund first.
    invoice = Invoice.objects.get(plan=plan)
    services.payment_record(invoice=invoice, external_reference="LUNAS-1", amount=YEAR * 3, paid_on=START)
    content = _ack(batch, {1: ("ditolak", "", "meninggal dunia")})
    assert _code(enrolment.enrolment_ack_import, batch=batch, content=content, actor=people["liaison"]) == (
        "ack_after_payment"
    )
    assert FundedMonth.objects.count() == 36
    assert _balances(program) == {
        "source": -(YEAR * 3 + 1_000),
        "available": 1_000,
        "committed": 0,
        "paid": YEAR * 3,
        "covered": 0,
    }
    assert (
        _code(services.payment_record, invoice=invoice, external_reference="LUNAS-2", amount=1, paid_on=START)
        == "payment_amount_mismatch"
    )
    assert _code(
        services.payment_record, invoice=invoice, external_reference=" ", amount=1, paid_on=START
    ) == ("payment_reference_required")


def test_closed_programs_and_empty_selection_are_refused(program_factory, people):
    program = program_factory()
    assert (
        _code(services.allocation_plan_create, programs=[], actor=people["coordinator"])
        == "allocation_no_programs"
    )
    assert _code(services.allocation_plan_create, programs=[program], actor=people["coordinator"]) == (
        "allocation_no_candidates"
    )
    services.program_update(program=program, actor=people["officer"], status="closed")
    assert (
        _code(services.allocation_plan_create, programs=[program], actor=people["coordinator"])
        == "program_closed"
    )
    assert AllocationPlan.objects.count() == 0
