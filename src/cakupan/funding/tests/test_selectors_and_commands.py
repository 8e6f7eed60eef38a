import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.core.errors import DomainError
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import cli, ledger, selectors, services
from cakupan.funding.models import CycleRun, Funder, FundingProgram, PlanLine
from cakupan.funding.tests.conftest import DESA_A, DESA_B, DESA_C, START
from cakupan.registry.models import Membership

YEAR = 201_600


def _approve(plan, people):
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])


@pytest.fixture
def funded(make_worker, program_factory, people):
    workers = [make_worker(DESA_A, decile=1), make_worker(DESA_B, decile=2), make_worker(DESA_C, decile=3)]
    program = program_factory(budget=YEAR * 2)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    _approve(plan, people)
    return program, workers


def test_funder_overview_and_side_by_side(funded, funders, people):
    program, _workers = funded
    overview = selectors.funder_overview(funder=funders["province"], month=START)
    assert overview["programs"] == [
        {
            "program_id": program.pk,
            "name": "Program uji",
            "fiscal_year": 2026,
            "start_month": "2026-12",
            "months": 12,
            "status": "active",
            "budget": YEAR * 2,
            "available": 0,
            "committed": YEAR * 2,
            "paid": 0,
            "covered": 0,
            "used": YEAR * 2,
            "workers": 2,
            "worker_months": 24,
            "months_to_date": 2,
        }
    ]
    assert overview["renewals_due"] == 0
    rows = selectors.funders_side_by_side(user=people["coordinator"], month=START)
    province = next(row for row in rows if row["funder_id"] == funders["province"].pk)
    assert (province["budget"], province["committed"], province["workers_covered"]) == (YEAR * 2, YEAR * 2, 2)
    assert {row["funder_id"] for row in rows} == {f.pk for f in funders.values()}
    # A funder officer sees only the funders they act for.
    assert selectors.funders_side_by_side(user=people["officer"]) == []
    services.funder_officer_add(funder=funders["zakat"], user=people["officer"])
    assert [row["funder_id"] for row in selectors.funders_side_by_side(user=people["officer"])] == [
        funders["zakat"].pk
    ]


def test_funder_workers_are_masked_and_coverage_gained_per_area(funded, funders, people):
    _, workers = funded
    rows = selectors.funder_workers(funder=funders["province"], user=people["checker"])
    assert sorted(row["worker_id"] for row in rows) == [workers[0].pk, workers[1].pk]
    assert all("*" in row["nik"] and row["last_month"] == "2027-11" for row in rows)
    gained = selectors.coverage_gained(funder=funders["province"], month=START)
    assert gained == [{"region": "36.02", "name": "Kabupaten Lebak", "workers": 2}]
    assert selectors.renewals_due(month=dt.date(2027, 11, 1), funder=funders["province"])[0][
        "last_month"
    ] == ("2027-11")


@pytest.mark.parametrize("facts", [False, True])
def test_next_rupiah_lists_the_uncovered_by_region_and_decile(funded, facts):
    if facts:
        # From the coverage facts, less the two workers funded but not yet enrolled: the same answer.
        coverage_refresh(month=START)
    rows = selectors.next_rupiah(month=START, months=12)
    # Only the Kota Tangerang worker (decile 3, fisher) is still uncovered in December 2026.
    assert rows == [
        {
            "region": "36.71",
            "name": "Kota Tangerang",
            "decile": 3,
            "workers": 1,
            "cost_full": YEAR,
            "cost_discounted": 8_400 + 16_800 * 11,
            "per_worker_full": YEAR,
        },
    ]


def test_about_to_lapse(make_worker):
    worker = make_worker(kpj="50000000001", paid_through=dt.date(2026, 10, 1))
    rows = selectors.workers_about_to_lapse(month=START)
    assert [(r["worker_id"], r["paid_through"], r["lapses_after_month"]) for r in rows] == [
        (worker.pk, "2026-10", "2027-01")
    ]


def test_cycle_command_runs_once_per_month(make_worker, capsys):
    make_worker(kpj="60000000001", paid_through=dt.date(2026, 8, 1))
    call_command("cycle", "run", "--month", "2026-12", "--json")
    first = json.loads(capsys.readouterr().out)
    assert (first["created"], first["marked"]) == (True, {"nonaktif": 1})
    assert Membership.objects.get().status == "nonaktif"
    call_command("cycle", "run", "--month", "2026-12", "--json")
    second = json.loads(capsys.readouterr().out)
    assert second["created"] is False
    assert {k: v for k, v in second.items() if k != "created"} == {
        k: v for k, v in first.items() if k != "created"
    }
    assert CycleRun.objects.count() == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="month_format"):
        call_command("cycle", "run", "--month", "12-2026")


def test_plan_command_saves_a_plan_and_prints_json(make_worker, program_factory, people):
    make_worker(decile=1)
    program = program_factory(budget=YEAR)
    output = json.loads(cli.plan_command(program_ids=[program.pk], as_json=True))
    assert (output["funded"], output["cost"], output["status"]) == (1, YEAR, "pending")
    assert output["per_program"][0]["left"] == 0
    assert output["gap_pct"] >= 0 and output["upper_bound"] >= output["objective"]
    with pytest.raises(DomainError) as caught:
        cli.plan_command(program_ids=[999])
    assert caught.value.code == "program_unknown"


def test_demo_seed_creates_funders_and_programs_once(people):
    programs = services.funding_demo_seed()
    assert len(programs) == 5
    assert Funder.objects.filter(kind="dana_desa", area_id=DESA_A).count() == 1
    assert FundingProgram.objects.get(funder__kind="zakat").mustahik_only
    assert services.funding_demo_seed() and FundingProgram.objects.count() == 5
    assert Funder.objects.get(kind="zakat").officers.filter(username="baznas").exists()


@pytest.mark.slow
def test_allocation_over_the_synthetic_population(small_population, funders, people):
    provinsi = services.program_create(
        funder=funders["province"],
        actor=people["officer"],
        name="Nelayan",
        budget=50_000_000,
        fiscal_year=2026,
        start_month=START,
        months=12,
        decile_max=5,
    )
    zakat = services.program_create(
        funder=funders["zakat"],
        actor=people["officer"],
        name="Zakat",
        budget=20_000_000,
        fiscal_year=2026,
        start_month=START,
        months=6,
        mustahik_decile_max=2,
    )
    plan = services.allocation_plan_create(programs=[provinsi, zakat], actor=people["coordinator"])
    per_program = {row["program_id"]: row for row in plan.summary["per_program"]}
    assert per_program[provinsi.pk]["cost"] <= 50_000_000
    assert per_program[zakat.pk]["cost"] <= 20_000_000
    assert plan.funded == PlanLine.objects.filter(plan=plan).count() > 0
    assert plan.gap_pct < 1.0
    # Funded workers are uncovered in the first month and nobody is planned twice.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM funding_planline l JOIN registry_membership m ON m.worker_id = l.worker_id "
            "WHERE l.plan_id = %s AND m.paid_through >= %s",
            [plan.pk, START],
        )
        assert cursor.fetchone()[0] == 0
    _approve(plan, people)
    assert ledger.balances(provinsi)["committed"] == per_program[provinsi.pk]["cost"]


def test_allocate_command_database_mode(make_worker, program_factory, people, capsys):
    make_worker(decile=1)
    make_worker(decile=2)
    program = program_factory(budget=YEAR)
    call_command("allocate", "--program", str(program.pk), "--json")
    output = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (output["funded"], output["cost"]) == (1, YEAR)
    assert set(output) >= {"funded", "cost", "objective", "upper_bound", "gap_pct", "per_program"}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="program_unknown"):
        call_command("allocate", "--program", "12345")
