"""Benchmark: the money pipeline at Banten scale (issue 14 item 4), on SQLite and PostgreSQL.

    .venv/bin/python bench/pipeline_bench.py [--scale 1.0] [--candidates 500000] [--only sqlite|postgresql]

Goals: a plan over 500,000 candidates end to end (candidates read set-based, solved, saved) < 60 s; a
500,000-row enrolment batch file < 30 s; a 500,000-row acknowledgement < 30 s; `cycle run` over the
province's memberships < 90 s; peak memory < 1 GB for each step.

For each database a fresh database is migrated; one child process generates the synthetic population
(`population_generate`, seed 20251103, as of 2026-11) and its coverage, and creates an APBD provinsi
program for December 2026 (one month, over the kecamatan taken in code order until `--candidates` eligible
workers are reached, by the program's own rules, with a budget for all of them). Then each step runs in
its own child process, so its peak resident memory is its own, through the real services and by the
people the authorization table names: the coordinator's plan (timed from the call to the saved, submitted
plan), a second officer's approval, the batch (created, checked, sent: the timed figure is
`enrolment_batch_create`, which writes the rows and the file), BPJS TK's answer for every row (1%
rejected, timed `enrolment_ack_import`), the payment of the invoice (timed, no goal) and `cycle_run` for
December 2026 (timed).

Floor, same run: reading the batch's CSV back with Polars and writing it again, the least any batch file
path costs; printed as the ratio of each step to it. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "PIPELINE_RESULT "
SEED = 20251103
AS_OF = dt.date(2026, 11, 1)
START = dt.date(2026, 12, 1)
TODAY = dt.date(2026, 12, 3)
GOALS = {"plan": 60.0, "batch": 30.0, "ack": 30.0, "cycle": 90.0}
MEMORY_GOAL_MB = 1024.0
STEPS = ("setup", "plan", "batch", "ack", "payment", "cycle")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    os.environ["CAKUPAN_STATIC_MANIFEST"] = "0"
    django.setup()
    # Every step lives on 3 December 2026, as the funding tests do, whatever the clock says.
    from django.utils import timezone

    real = timezone.localdate
    timezone.localdate = lambda value=None, timezone=None: (
        real(value, timezone) if value is not None else TODAY
    )


def _people():
    from cakupan.accounts.models import Role, User

    def user(username, role, **extra):
        found = User.objects.filter(username=username).first()
        return found or User.objects.create_user(
            username=username, password="x", role=role, area_id="36", **extra
        )

    return {
        "admin": User.objects.filter(is_superuser=True).first()
        or User.objects.create_superuser(username="admin", password="x"),
        "coordinator": user("provinsi", Role.PROVINCIAL_COORDINATOR),
        "checker": user("bendahara", Role.FUNDER_OFFICER),
        "liaison": user("bpjs", Role.BPJS_LIAISON),
    }


def step_setup(scale: float, target: int) -> dict:
    from django.db import connection

    from cakupan.coverage.services import coverage_refresh
    from cakupan.funding import services
    from cakupan.funding.candidates import eligibility_sql
    from cakupan.funding.models import FunderKind
    from cakupan.registry.models import Membership, Worker
    from cakupan.registry.services import population_generate

    population_generate(scale=scale, seed=SEED, as_of=AS_OF)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    coverage_refresh(month=AS_OF)
    people = _people()
    funder = services.funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    services.funder_officer_add(funder=funder, user=people["checker"], actor=people["admin"])
    program = services.program_create(
        funder=funder, actor=people["checker"], name="Bench", budget=16_800, fiscal_year=2026,
        start_month=START, months=1,
    )  # fmt: skip
    # The program's own eligibility rules, counted per kecamatan: it then takes the kecamatan in code
    # order until `target` candidates are reached (a kab/kota has hundreds of thousands), with a budget
    # for all of them.
    where, params = eligibility_sql(program)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT substr(w.desa_id, 1, 8), COUNT(*) FROM {Worker._meta.db_table} w WHERE {where} "
            "GROUP BY 1 ORDER BY 1",
            params,
        )
        eligible = cursor.fetchall()
    areas, total = [], 0
    for code, count in eligible:
        if total >= target:
            break
        areas.append(code)
        total += count
    program = services.program_update(
        program=program, actor=people["checker"], areas=areas, budget=total * 16_800
    )
    return {
        "workers": Worker.objects.count(),
        "memberships": Membership.objects.count(),
        "areas": areas,
        "candidates_in_areas": total,
        "program": program.pk,
    }


def step_plan() -> dict:
    from cakupan.approvals.models import Approval, ApprovalKind
    from cakupan.approvals.services import approval_approve
    from cakupan.funding import services
    from cakupan.funding.candidates import program_candidates
    from cakupan.funding.models import FundingProgram

    people = _people()
    program = FundingProgram.objects.get()
    started = time.perf_counter()
    candidates = program_candidates(program).height
    candidates_s = time.perf_counter() - started
    started = time.perf_counter()
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    seconds = time.perf_counter() - started
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    started = time.perf_counter()
    approval_approve(approval=approval, approver=people["checker"])
    return {
        "seconds": seconds,
        "approve_s": time.perf_counter() - started,
        "candidates": candidates,
        "candidates_read_s": candidates_s,
        "funded": plan.funded,
        "cost": plan.cost,
    }


def step_batch() -> dict:
    from cakupan.approvals.models import Approval, ApprovalKind
    from cakupan.approvals.services import approval_approve
    from cakupan.funding import enrolment
    from cakupan.funding.models import AllocationPlan

    people = _people()
    plan = AllocationPlan.objects.get()
    started = time.perf_counter()
    batch = enrolment.enrolment_batch_create(plan=plan, actor=people["coordinator"])
    seconds = time.perf_counter() - started
    approval = Approval.objects.get(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
    started = time.perf_counter()
    approval_approve(approval=approval, approver=people["liaison"], file_sha256=batch.file_sha256)
    check_s = time.perf_counter() - started
    started = time.perf_counter()
    enrolment.enrolment_batch_send(batch=batch, actor=people["liaison"])
    send_s = time.perf_counter() - started
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_csv(batch.file_path, infer_schema=False)
    frame.write_csv(batch.file_path + ".floor")
    floor_s = time.perf_counter() - started
    return {"seconds": seconds, "check_s": check_s, "send_s": send_s, "rows": batch.rows, "floor_s": floor_s}


def step_ack() -> dict:
    import polars as pl

    from cakupan.funding import enrolment
    from cakupan.funding.models import EnrolmentBatch

    people = _people()
    batch = EnrolmentBatch.objects.get()
    sent = pl.read_csv(batch.file_path, infer_schema=False)
    number = pl.col("no_baris").cast(pl.Int64)
    rejected = (number % 100) == 0
    answer = sent.select(
        "no_baris",
        "nik",
        pl.when(rejected).then(pl.lit("ditolak")).otherwise(pl.lit("diterima")).alias("status"),
        # A leading zero: the synthetic population's KPJ numbers start with 1–9, so none is taken.
        pl.when(rejected)
        .then(pl.lit(""))
        .otherwise(pl.lit("0") + number.cast(pl.Utf8).str.zfill(10))
        .alias("kpj"),
        pl.when(rejected)
        .then(pl.lit("NIK tidak ditemukan di Dukcapil"))
        .otherwise(pl.lit(""))
        .alias("alasan"),
    )
    content = answer.write_csv(separator=";").encode()
    started = time.perf_counter()
    counts = enrolment.enrolment_ack_import(batch=batch, content=content, actor=people["liaison"])
    return {"seconds": time.perf_counter() - started, **counts}


def step_payment() -> dict:
    from cakupan.funding import services
    from cakupan.funding.models import Invoice

    people = _people()
    invoice = Invoice.objects.get()
    started = time.perf_counter()
    services.payment_record(
        invoice=invoice, external_reference="BENCH-1", amount=invoice.amount - invoice.paid, paid_on=TODAY,
        actor=people["checker"],
    )  # fmt: skip
    return {"seconds": time.perf_counter() - started, "amount": invoice.amount}


def step_cycle() -> dict:
    from cakupan.funding.cycle import cycle_run
    from cakupan.registry.models import Membership

    started = time.perf_counter()
    run, _ = cycle_run(month=START)
    return {
        "seconds": time.perf_counter() - started,
        "memberships": Membership.objects.count(),
        "summary": {k: v for k, v in run.summary.items() if isinstance(v, int)},
    }


def child(step: str, scale: float, target: int, profile: bool) -> dict:
    _django()
    load = os.getloadavg()
    run = (lambda: step_setup(scale, target)) if step == "setup" else globals()[f"step_{step}"]
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(run)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        result = run()
    return {**result, "peak_rss_mb": peak_rss_mb(), "load_average": [load[0], os.getloadavg()[0]]}


def measure(label: str, url: str, workdir: Path, args) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "CAKUPAN_VAR_DIR": str(workdir / "var"),
           "CAKUPAN_STATIC_MANIFEST": "0"}  # fmt: skip
    subprocess.run([str(ROOT / ".venv/bin/cakupan"), "migrate", "--no-input", "-v", "0"], env=env, check=True)
    results = {"database": label}
    for step in STEPS:
        command = [sys.executable, __file__, "--child", step, "--scale", str(args.scale),
                   "--candidates", str(args.candidates)]  # fmt: skip
        if step == args.profile:
            command.append("--profile")
        print(f"  {time.strftime('%H:%M:%S')} {label}: {step}", file=sys.stderr, flush=True)
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
        line = next((x for x in done.stdout.splitlines() if x.startswith(RESULT_PREFIX)), None)
        if line is None:
            # The steps after depend on this one; what was measured is still reported.
            results["failed"] = f"{step}: the child failed ({done.returncode})"
            print(
                f"{label} {step}: the child failed ({done.returncode}):\n{done.stdout[-3000:]}",
                file=sys.stderr,
            )
            return results
        results[step] = json.loads(line.removeprefix(RESULT_PREFIX))
    return results


def report(r: dict) -> None:
    if "failed" in r:
        done = {step: round(r[step]["seconds"], 1) for step in STEPS[1:] if step in r}
        print(f"\n{r['database']}: FAILED at {r['failed']}; measured before it: {done}")
        return
    setup = r["setup"]
    print(f"\n{r['database']}: {setup['workers']:,} workers, {setup['memberships']:,} memberships "
          f"before; program over {len(setup['areas'])} kecamatan "
          f"({setup['candidates_in_areas']:,} eligible)")  # fmt: skip
    floor = r["batch"]["floor_s"]
    print(f"  {'step':<10}{'seconds':>9}{'goal s':>8}{'goal/s':>8}{'÷ floor':>9}{'peak MB':>9}{'load':>12}")
    for step in STEPS[1:]:
        figure = r[step]
        goal = GOALS.get(step)
        ratio = f"{goal / figure['seconds']:>7.1f}×" if goal else "       -"
        load = f"{figure['load_average'][0]:.1f}→{figure['load_average'][1]:.1f}"
        over_floor = figure["seconds"] / floor
        print(f"  {step:<10}{figure['seconds']:>9.1f}{goal or 0:>8.0f}{ratio}{over_floor:>8.0f}×"
              f"{figure['peak_rss_mb']:>9.0f}{load:>12}")  # fmt: skip
    plan = r["plan"]
    print(f"  plan: {plan['candidates']:,} candidates (read alone in {plan['candidates_read_s']:.1f} s), "
          f"{plan['funded']:,} funded; batch {r['batch']['rows']:,} rows; "
          f"ack {r['ack']['accepted']:,} accepted, {r['ack']['rejected']:,} rejected; cycle over "
          f"{r['cycle']['memberships']:,} memberships; floor (CSV read + write) {floor:.2f} s")  # fmt: skip
    met = all(r[s]["seconds"] < g for s, g in GOALS.items()) and all(
        r[s]["peak_rss_mb"] < MEMORY_GOAL_MB for s in STEPS[1:]
    )
    print(f"  goals: {'met' if met else 'NOT met'}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--candidates", type=int, default=500_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--profile", nargs="?", const=True, help="print a cProfile of this step to stderr")
    parser.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(
            RESULT_PREFIX
            + json.dumps(child(args.child, args.scale, args.candidates, bool(args.profile)), default=str)
        )
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    from cakupan.devtools.pgcluster import throwaway_cluster

    results = []
    with tempfile.TemporaryDirectory(prefix="cakupan-bench-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "sqlite"):
            results.append(measure("sqlite", f"sqlite:///{workdir / 'main.sqlite3'}", workdir, args))
        if args.only in (None, "postgresql"):
            with throwaway_cluster(tuned_for_bulk=True) as url:
                results.append(measure("postgresql", url, workdir, args))
    for r in results:
        report(r)
    print(json.dumps({"benchmark": "pipeline_bench", "date": dt.datetime.now().astimezone().isoformat(
        timespec="seconds"), "cpus": os.cpu_count(), "platform": platform.platform(), "scale": args.scale,
        "candidates": args.candidates, "results": results}, default=str))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
