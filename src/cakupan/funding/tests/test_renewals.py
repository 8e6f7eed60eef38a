"""The monthly cycle renews funded workers only while the program's rules still admit them."""

import datetime as dt

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.funding import services
from cakupan.funding.cycle import cycle_run
from cakupan.funding.models import FundedMonth, MustahikVerification
from cakupan.funding.tests.conftest import DESA_A, DESA_B
from cakupan.registry import importing
from cakupan.registry.models import Membership, Worker

DECEMBER, JANUARY = dt.date(2026, 12, 1), dt.date(2027, 1, 1)
HEADER = "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon\n"


def _fund_one_month(program, workers, people):
    # These tests are about whom a renewal admits: a standing approval lets the cycle commit it.
    services.program_renewal_limit_set(program=program, limit=10**9, actor=people["checker"])
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])
    assert set(FundedMonth.objects.filter(month=DECEMBER).values_list("worker_id", flat=True)) == {
        worker.pk for worker in workers
    }
    for number, worker in enumerate(workers, 1):
        Membership.objects.create(
            worker=worker, kpj=f"4000000000{number}", segment="BPU", status="aktif", paid_through=DECEMBER,
            source="enrolment",
        )  # fmt: skip


def _renewed():
    return set(FundedMonth.objects.filter(month=JANUARY).values_list("worker_id", flat=True))


def test_dana_desa_does_not_renew_a_worker_who_moved_away(
    make_worker, program_factory, people, settings, tmp_path
):
    stays, leaves = make_worker(DESA_A, decile=1), make_worker(DESA_A, decile=2)
    program = program_factory(funder="desa", budget=16_800 * 4, months=1, own_village_only=True)
    _fund_one_month(program, [stays, leaves], people)
    # The village operator's list moves the second worker to the next desa.
    settings.VAR_DIR = tmp_path / "var"
    moved = tmp_path / "pindah.csv"
    moved.write_text(
        HEADER + f"{leaves.nik};{leaves.name};{leaves.birth_date:%Y-%m-%d};{leaves.sex};{DESA_B};"
        f"{leaves.sector};800000;2;\n",
        encoding="utf-8",
    )
    assert importing.workers_import(path=moved, on_duplicate="update").updated == 1
    assert Worker.objects.get(pk=leaves.pk).desa_id == DESA_B
    run, _ = cycle_run(month=DECEMBER, refresh=False)
    assert run.summary["renewed"] == 1
    assert _renewed() == {stays.pk}


def test_zakat_does_not_renew_a_worker_whose_mustahik_status_was_revoked(
    make_worker, program_factory, people, funders
):
    kept, revoked = make_worker(decile=5), make_worker(decile=5)
    for worker in (kept, revoked):
        services.mustahik_verify(
            funder=funders["zakat"], worker=worker, asnaf="miskin", verified_on=dt.date(2026, 11, 2),
            actor=people["officer"],
        )  # fmt: skip
    program = program_factory(funder="zakat", budget=16_800 * 4, months=1, mustahik_only=True)
    _fund_one_month(program, [kept, revoked], people)
    services.mustahik_revoke(
        verification=MustahikVerification.objects.get(worker=revoked), actor=people["officer"]
    )
    run, _ = cycle_run(month=DECEMBER, refresh=False)
    assert run.summary["renewed"] == 1
    assert _renewed() == {kept.pk}


def test_a_worker_funded_for_the_next_month_elsewhere_is_not_renewed_twice(
    make_worker, program_factory, people
):
    worker = make_worker(decile=1)
    december = program_factory(budget=16_800 * 4, months=1, name="Desember")
    _fund_one_month(december, [worker], people)
    january = program_factory(
        budget=16_800 * 4,
        months=1,
        start_month=JANUARY,
        fiscal_year=2027,
        name="Januari",
        uncovered_only=False,
    )
    plan = services.allocation_plan_create(programs=[january], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])
    run, _ = cycle_run(month=DECEMBER, refresh=False)
    assert run.summary["renewed"] == 0
    assert list(FundedMonth.objects.filter(month=JANUARY).values_list("program_id", flat=True)) == [
        january.pk
    ]
