"""Benchmark: coverage refresh and the coverage API on SQLite and PostgreSQL, against a naive GROUP BY.

    .venv/bin/python bench/coverage_bench.py [--scale 1.0] [--requests 5] [--naive-rounds 3]
                                             [--only sqlite|postgresql]

Issue 6 item 6: with the full-scale synthetic population (5.76 million workers) the coverage API answers
any region in under 50 ms (p95, server side) on SQLite and PostgreSQL; a full refresh takes under 60 s; an
incremental refresh after a 10,000-row import under 2 s.

For each database (SQLite in a temporary file, then PostgreSQL 15 in a throwaway cluster tuned for bulk
loads) a fresh database is migrated and one child process (Django binds the database when its settings
are imported) does, in order:

1. setup: `registry.services.population_generate(scale, seed 20251103, as of 2026-11)` (timed, not a goal);
   on PostgreSQL then `VACUUM (ANALYZE)` (timed, setup), as after any bulk load;
2. full refresh: `coverage.services.coverage_refresh(month=2026-11)`, with the fact GROUP BY and the
   roll-ups timed apart;
3. API: `GET /api/v1/coverage?region=CODE&month=2026-11` through Django's test `Client` in-process with
   the `provinsi` demo account's bearer token. Server-side time is measured around `client.get`, i.e.
   the whole Django request handling (middleware, token lookup, roll-up reads, JSON). Regions: the
   province, all 8 kab/kota, 30 random kecamatan and 100 random desa (seeded); one untimed warm-up
   round, then --requests timed rounds in a shuffled order;
4. naive peer, same run: for the same regions the same numbers (registered, informal, active, active
   BPU/PU, in arrears, lapsed, for the region and its children) computed by a live GROUP BY over
   registry_worker LEFT JOIN registry_membership, --naive-rounds rounds. Only the SQL is timed (no
   request handling, no denominators), so the ratio favours the peer. Its first round is checked
   against the roll-ups;
5. incremental refresh after a 10,000-row import, twice: 10,000 new workers spread over the whole
   province, then 10,000 new workers in one kab/kota (the typical officer's file). The rows come from
   the generator with another seed, NIKs already in the registry dropped, written as a Bahasa CSV
   (nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon) and imported with
   `registry.importing.workers_import`. An insert-only import adds its new workers to the facts and
   roll-ups inside its transaction (`coverage.services.coverage_add_workers`, the delta refresh); that
   call is timed in place. For comparison the touched desa are then rebuilt from the registry
   (`coverage_refresh(desa_codes=…)`, the path of updates and rosters), which must give exactly what the
   delta gave;
6. check: every RegionCoverage and RegionBreakdown row of the month after the two incremental refreshes
   is compared with a full refresh run afterwards (also timed).

Prints a table and, last, one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cakupan.registry.intake.columns import WORKER_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SEED = 20251103
IMPORT_SEED = SEED + 1
AS_OF = dt.date(2026, 11, 1)
RESULT_PREFIX = "BENCH-RESULT "
IMPORT_ROWS = 10_000
SAMPLE = {"province": None, "regency": None, "district": 30, "village": 100}
LEVEL_BY_LENGTH = {2: "province", 5: "regency", 8: "district", 13: "village"}
CHILD_LENGTH = {2: 5, 5: 8, 8: 13}
GOALS = {"api_p95_ms": 50.0, "full_refresh_s": 60.0, "incremental_s": 2.0}
# The import template's header: the same list the validator reads.
WORKER_HEADER = WORKER_COLUMNS


def log(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "max": max(values),
    }


# --- the child: everything against one database ----------------------------------------------------


def sample_regions() -> list[str]:
    from cakupan.regions.models import Region, RegionLevel

    rng = random.Random(SEED)
    codes = []
    for level, count in SAMPLE.items():
        level_codes = sorted(
            Region.objects.filter(level=getattr(RegionLevel, level.upper()), code__startswith="36")
            .values_list("code", flat=True)
        )  # fmt: skip
        codes += level_codes if count is None else sorted(rng.sample(level_codes, count))
    return codes


def timed_full_refresh() -> dict:
    from cakupan.coverage import services

    parts: dict[str, float] = {}
    originals = {name: getattr(services, name) for name in ("_build_facts", "_build_rollups")}

    def timing(name):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return originals[name](*args, **kwargs)
            finally:
                parts[name] = time.perf_counter() - started

        return wrapper

    # coverage_refresh looks both helpers up on the module at call time.
    for name in originals:
        setattr(services, name, timing(name))
    try:
        started = time.perf_counter()
        regions = services.coverage_refresh(month=AS_OF)
        seconds = time.perf_counter() - started
    finally:
        for name, function in originals.items():
            setattr(services, name, function)
    return {"s": seconds, "facts_s": parts["_build_facts"], "rollups_s": parts["_build_rollups"],
            "region_rows": regions}  # fmt: skip


def measure_api(codes: list[str], rounds: int) -> dict:
    from django.test import Client

    from cakupan.accounts.models import User
    from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
    from cakupan.coverage.models import RegionCoverage
    from cakupan.workspace.services import token_create

    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password="Banten-UCJ-2026")
    _, value = token_create(user=User.objects.get(username="provinsi"))
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {value}")
    expected = dict(RegionCoverage.objects.filter(month=AS_OF).values_list("region_id", "workers"))
    url = f"/api/v1/coverage?month={AS_OF:%Y-%m}&region="

    def get(code: str) -> float:
        started = time.perf_counter()
        response = client.get(url + code)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"GET {url}{code}: {response.status_code} {response.content[:300]!r}")
        if response.json()["registered"] != expected[code]:
            raise SystemExit(f"GET {url}{code}: registered {response.json()['registered']} != roll-up")
        return seconds * 1000

    for code in codes:  # warm-up: connections, imports, caches
        get(code)
    rng = random.Random(SEED)
    times: dict[str, list[float]] = {level: [] for level in SAMPLE}
    for _ in range(rounds):
        order = codes[:]
        rng.shuffle(order)
        for code in order:
            times[LEVEL_BY_LENGTH[len(code)]].append(get(code))
    result = {level: stats(values) for level, values in times.items()}
    result["overall"] = stats([v for values in times.values() for v in values])
    return result


def naive_sql(code: str) -> tuple[str, list]:
    """The region's children (or the desa itself) straight from the registry: per worker its best
    membership for the month, then one GROUP BY. Same status rules as coverage.services._build_facts."""
    from cakupan.coverage.services import UNPAID_MONTHS_BEFORE_LAPSE, _add_months
    from cakupan.registry.models import Membership, Worker

    group_length = CHILD_LENGTH.get(len(code), len(code))
    if len(code) == 13:
        where, params = "w.desa_id = %s", [code]
    else:
        # A range on the desa code ('.' < '/') so the (desa_id, sector) index can serve it.
        where, params = "w.desa_id >= %s AND w.desa_id < %s", [code + ".", code + "/"]
    arrears_floor = _add_months(AS_OF, -(UNPAID_MONTHS_BEFORE_LAPSE - 1))
    sql = f"""
        SELECT SUBSTR(desa_id, 1, {group_length}), COUNT(*),
               SUM(CASE WHEN sector <> 'formal' THEN 1 ELSE 0 END),
               SUM(CASE WHEN best > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN best = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN best = 2 THEN 1 ELSE 0 END),
               SUM(CASE WHEN best = 0 AND last_paid >= %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN best = 0 AND last_paid < %s THEN 1 ELSE 0 END)
        FROM (
            SELECT w.id, w.desa_id, w.sector,
                   MAX(CASE WHEN m.paid_through >= %s THEN (CASE WHEN m.segment = 'PU' THEN 2 ELSE 1 END)
                            ELSE 0 END) AS best,
                   MAX(m.paid_through) AS last_paid
            FROM {Worker._meta.db_table} w
            LEFT JOIN {Membership._meta.db_table} m ON m.worker_id = w.id
            WHERE {where}
            GROUP BY w.id, w.desa_id, w.sector
        ) t
        GROUP BY 1
    """
    return sql, [arrears_floor, arrears_floor, AS_OF, *params]


def measure_naive(codes: list[str], rounds: int) -> dict:
    from django.db import connection

    from cakupan.coverage.models import RegionCoverage

    fields = ("workers", "informal", "active", "active_bpu", "active_pu", "in_arrears", "lapsed")
    rollups = {row[0]: tuple(row[1:]) for row in RegionCoverage.objects.filter(month=AS_OF).values_list(
        "region_id", *fields)}  # fmt: skip
    times: dict[str, list[float]] = {level: [] for level in SAMPLE}
    mismatches = []
    rng = random.Random(SEED + 2)
    for round_number in range(rounds):
        order = codes[:]
        rng.shuffle(order)
        for code in order:
            sql, params = naive_sql(code)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            times[LEVEL_BY_LENGTH[len(code)]].append((time.perf_counter() - started) * 1000)
            if round_number == 0:
                for child, *figures in rows:
                    if tuple(int(f) for f in figures) != rollups.get(child):
                        mismatches.append(child)
        log(f"naive round {round_number + 1}/{rounds} done")
    result = {level: stats(values) for level, values in times.items()}
    result["overall"] = stats([v for values in times.values() for v in values])
    result["mismatches"] = mismatches
    return result


def import_frames(scale: float) -> dict:
    """Two sets of 10,000 new workers: spread over the province, and all in the largest kab/kota."""
    import polars as pl

    from cakupan.registry import synthetic
    from cakupan.registry.models import Worker

    # Enough generated rows that the largest kab/kota alone holds 10,000 after dropping known NIKs.
    wanted = max(0.03, 3 * 2 * IMPORT_ROWS / synthetic.employed_total(1.0))
    workers = synthetic.generate_population(scale=min(wanted, 2.0), seed=IMPORT_SEED, as_of=AS_OF).workers
    # The registry already uses the low serials of every (kecamatan, birth date); new people get serials
    # from 9001 up, numbered within their 12-digit prefix, so they are valid, distinct and almost surely
    # new. Any that still exist are dropped below.
    prefix = pl.col("nik").str.slice(0, 12)
    serial = (pl.int_range(pl.len()).over(prefix) + 9001).cast(pl.String)
    workers = workers.with_columns(nik=prefix + serial).filter(pl.col("nik").str.len_chars() == 16)
    existing: set[str] = set()
    niks = workers["nik"].to_list()
    for start in range(0, len(niks), 900):
        existing.update(
            Worker.objects.filter(nik__in=niks[start : start + 900]).values_list("nik", flat=True)
        )
    workers = workers.filter(~pl.col("nik").is_in(list(existing))).sample(
        fraction=1.0, shuffle=True, seed=SEED
    )
    province = workers.head(IMPORT_ROWS)
    rest = workers.slice(IMPORT_ROWS).with_columns(regency=pl.col("desa_id").str.slice(0, 5))
    regency = rest.group_by("regency").len().sort("len", descending=True)["regency"][0]
    in_regency = rest.filter(pl.col("regency") == regency).head(IMPORT_ROWS).drop("regency")
    if in_regency.height < IMPORT_ROWS:
        raise SystemExit(f"only {in_regency.height} new workers in {regency}")
    return {
        "province": (province, "36"),
        "regency": (in_regency, regency),
        "known_niks_dropped": len(existing),
    }


def write_csv(frame, target: Path) -> None:
    import polars as pl

    frame.select(
        nik=pl.col("nik"),
        nama=pl.col("name"),
        tanggal_lahir=pl.col("birth_date").dt.strftime("%Y-%m-%d"),
        jenis_kelamin=pl.col("sex"),
        kode_desa=pl.col("desa_id"),
        sektor=pl.col("sector"),
        penghasilan=pl.col("monthly_income").cast(pl.String),
        desil=pl.col("decile").cast(pl.String),
        telepon=pl.col("phone"),
    ).write_csv(target, separator=";", null_value="")


def measure_incremental(frame, label: str, workdir: Path) -> dict:
    from cakupan.coverage import services
    from cakupan.coverage.models import RegionCoverage
    from cakupan.registry import importing
    from cakupan.registry.models import Worker

    path = workdir / f"impor-{label}.csv"
    write_csv(frame, path)
    from dataclasses import replace

    from cakupan.registry import aggregates

    calls: list[dict] = []
    registered = aggregates.aggregates()
    real_add = registered.add_workers

    def timed_add(**kwargs):
        started = time.perf_counter()
        added = real_add(**kwargs)
        calls.append({"s": time.perf_counter() - started, "added": added, "month": kwargs["month"]})
        return added

    before = Worker.objects.count()
    aggregates.aggregates_register(replace(registered, add_workers=timed_add))
    try:
        started = time.perf_counter()
        result = importing.workers_import(path=path)
        import_s = time.perf_counter() - started
    finally:
        aggregates.aggregates_register(registered)
    if result.inserted != IMPORT_ROWS or result.invalid:
        raise SystemExit(f"import {label}: inserted {result.inserted}, invalid {result.invalid}")
    if len(calls) != 1 or calls[0]["month"] != AS_OF or calls[0]["added"] != IMPORT_ROWS:
        raise SystemExit(f"import {label}: expected one delta of {IMPORT_ROWS} workers, got {calls}")
    assert Worker.objects.count() == before + IMPORT_ROWS
    after_delta = snapshot()
    # The path updates and rosters take, for comparison: rebuild the touched desa from the registry. It
    # must give exactly what the delta gave.
    desa_codes = sorted(set(frame["desa_id"].to_list()))
    started = time.perf_counter()
    services.coverage_refresh(month=AS_OF, desa_codes=desa_codes)
    rebuild_s = time.perf_counter() - started
    affected = services._with_ancestors(desa_codes)
    return {
        "rows": IMPORT_ROWS,
        "import_s": import_s,
        "refresh_s": calls[0]["s"],
        "rebuild_s": rebuild_s,
        "delta_equals_rebuild": after_delta == snapshot(),
        "desa": len(desa_codes),
        "regions": len(affected),
        "regions_month": RegionCoverage.objects.filter(month=AS_OF).count(),
        "affected": affected,
    }


def snapshot() -> tuple[dict, dict]:
    from cakupan.coverage.models import RegionBreakdown, RegionCoverage

    fields = ("workers", "informal", "active", "active_bpu", "active_pu", "in_arrears", "lapsed")
    coverage = {row[0]: row[1:] for row in RegionCoverage.objects.filter(month=AS_OF).values_list(
        "region_id", *fields)}  # fmt: skip
    breakdown = {
        row[:3]: row[3:]
        for row in RegionBreakdown.objects.filter(month=AS_OF).values_list(
            "region_id", "dimension", "value", "workers", "active"
        )
    }
    return coverage, breakdown


def child_run(scale: float, rounds: int, naive_rounds: int, workdir: Path) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    django.setup()
    from django.db import connection

    from cakupan.registry import services as registry_services

    result: dict = {"vendor": connection.vendor, "load_average_start": os.getloadavg()}
    log(f"population_generate(scale={scale}) …")
    started = time.perf_counter()
    run = registry_services.population_generate(scale=scale, seed=SEED, as_of=AS_OF)
    result.update(
        population_s=time.perf_counter() - started, workers=run.workers, memberships=run.memberships
    )
    log(f"{run.workers:,} workers, {run.memberships:,} memberships in {result['population_s']:.1f} s")
    if connection.vendor == "postgresql":
        # What any database that has just taken millions of rows gets, before anyone reads it: otherwise
        # autovacuum works through the new tables on one of the two cores while the API is measured.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        result["vacuum_s"] = time.perf_counter() - started
        log(f"VACUUM (ANALYZE) after the load: {result['vacuum_s']:.1f} s (setup)")

    log("full coverage_refresh …")
    result["full_refresh"] = timed_full_refresh()
    log(f"full refresh {result['full_refresh']['s']:.1f} s")

    codes = sample_regions()
    result["regions_sampled"] = {
        level: sum(LEVEL_BY_LENGTH[len(c)] == level for c in codes) for level in SAMPLE
    }
    log(f"API: {len(codes)} regions × {rounds} rounds …")
    result["api_ms"] = measure_api(codes, rounds)
    result["load_average_api"] = os.getloadavg()
    log(f"API p95 {result['api_ms']['overall']['p95']:.1f} ms; naive peer: {naive_rounds} rounds …")
    result["naive_ms"] = measure_naive(codes, naive_rounds)
    result["ratio_p50"] = result["naive_ms"]["overall"]["p50"] / result["api_ms"]["overall"]["p50"]
    result["ratio_p95"] = result["naive_ms"]["overall"]["p95"] / result["api_ms"]["overall"]["p95"]

    frames = import_frames(scale)
    result["known_niks_dropped"] = frames.pop("known_niks_dropped")
    result["incremental"] = {}
    for label, (frame, region) in frames.items():
        log(f"incremental: import of {IMPORT_ROWS:,} new workers in {region} …")
        figures = measure_incremental(frame, label, workdir)
        figures["region"] = region
        result["incremental"][label] = figures
        log(f"  refresh of {figures['desa']} desa {figures['refresh_s']:.2f} s")

    log("check: incremental result against a full refresh …")
    coverage_inc, breakdown_inc = snapshot()
    result["full_refresh_after"] = timed_full_refresh()
    coverage_full, breakdown_full = snapshot()
    affected = sorted(
        {code for figures in result["incremental"].values() for code in figures.pop("affected")}
    )
    result["check"] = {
        "affected_regions": len(affected),
        "affected_equal": all(coverage_inc.get(c) == coverage_full.get(c) for c in affected),
        "coverage_rows": len(coverage_full),
        "coverage_mismatches": sorted(set(coverage_inc.items()) ^ set(coverage_full.items()))[:10],
        "breakdown_rows": len(breakdown_full),
        "breakdown_mismatches": len(set(breakdown_inc.items()) ^ set(breakdown_full.items())),
    }
    result["check"]["ok"] = (
        all(figures["delta_equals_rebuild"] for figures in result["incremental"].values())
        and result["check"]["affected_equal"]
        and not result["check"]["coverage_mismatches"]
        and not result["check"]["breakdown_mismatches"]
    )
    result["load_average_end"] = os.getloadavg()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# --- the parent: fresh databases, one child per database ---------------------------------------------


def run_child(args: list[str], env: dict[str, str]) -> dict:
    # stderr (progress) goes straight through; stdout carries the result line.
    completed = subprocess.run(
        [sys.executable, __file__, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout)
        raise SystemExit(f"child {args[:2]} failed with exit code {completed.returncode}")
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line.removeprefix(RESULT_PREFIX))
    raise SystemExit(f"child {args[:2]} printed no result:\n{completed.stdout}")


def measure(label: str, url: str, workdir: Path, args) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "CAKUPAN_VAR_DIR": str(workdir / "var")}
    print(f"[{label}] migrating a fresh database …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "cakupan"), "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    migrate_s = time.perf_counter() - started
    child_args = ["--child", "run", "--scale", str(args.scale), "--requests", str(args.requests),
                  "--naive-rounds", str(args.naive_rounds), "--workdir", str(workdir)]  # fmt: skip
    return {"database": label, "migrate_s": migrate_s, **run_child(child_args, env)}


def goals(r: dict) -> dict:
    incremental = max(figures["refresh_s"] for figures in r["incremental"].values())
    return {
        "api_p95_ms": r["api_ms"]["overall"]["p95"] < GOALS["api_p95_ms"],
        "full_refresh_s": r["full_refresh"]["s"] < GOALS["full_refresh_s"],
        "incremental_s": incremental < GOALS["incremental_s"],
    }


def print_tables(results: list[dict], scale: float) -> None:
    print(f"\nCoverage refresh and API, scale {scale} (seed {SEED}, month {AS_OF:%Y-%m})")
    for r in results:
        full, after = r["full_refresh"], r["full_refresh_after"]
        print(f"\n{r['database']}: {r['workers']:,} workers, {r['memberships']:,} memberships "
              f"(generated in {r['population_s']:.0f} s; load average "
              f"{r['load_average_start'][0]:.2f} at start, {r['load_average_api'][0]:.2f} after the API "
              "run)")  # fmt: skip
        print(f"  full refresh          {full['s']:7.2f} s  (facts {full['facts_s']:.2f} s, roll-ups "
              f"{full['rollups_s']:.2f} s; {full['region_rows']:,} regions); again after the imports "
              f"{after['s']:.2f} s")  # fmt: skip
        for label, inc in r["incremental"].items():
            print(f"  incremental ({label:<8}) {inc['refresh_s']:6.2f} s  ({inc['rows']:,} new workers in "
                  f"{inc['region']}, {inc['desa']} desa, {inc['regions']} regions; rebuilding those desa "
                  f"{inc['rebuild_s']:.2f} s, same result: {'yes' if inc['delta_equals_rebuild'] else 'NO'}; "
                  f"whole import {inc['import_s']:.1f} s)")  # fmt: skip
        header = (
            f"  {'level':<10}{'n':>6}{'API p50':>9}{'p95':>8}{'max':>8}{'naive p50':>11}{'p95':>9}{'×p95':>7}"
        )
        print(header)
        print("  " + "-" * (len(header) - 2))
        for level in (*SAMPLE, "overall"):
            api, naive = r["api_ms"][level], r["naive_ms"][level]
            print(f"  {level:<10}{api['n']:>6}{api['p50']:>9.1f}{api['p95']:>8.1f}{api['max']:>8.1f}"
                  f"{naive['p50']:>11.1f}{naive['p95']:>9.1f}{naive['p95'] / api['p95']:>6.0f}×")  # fmt: skip
        check = r["check"]
        naive_ok = not r["naive_ms"]["mismatches"]
        print(f"  incremental = full refresh: {'yes' if check['ok'] else 'NO'} ({check['affected_regions']} "
              f"affected regions, {check['coverage_rows']:,} coverage rows, {check['breakdown_rows']:,} "
              f"breakdown rows); naive = roll-ups: {'yes' if naive_ok else 'NO'}")  # fmt: skip
        met = goals(r)
        print("  goals: " + ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in met.items()))
    print("API times in ms, server side (around the test Client's get); naive = the SQL alone.")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 5,760,000 workers")
    parser.add_argument("--requests", type=int, default=5, help="timed rounds over the sampled regions")
    parser.add_argument("--naive-rounds", type=int, default=3, help="rounds of the naive GROUP BY")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--child", choices=["run"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "run":
        result = child_run(args.scale, args.requests, args.naive_rounds, args.workdir)
        print(RESULT_PREFIX + json.dumps(result, default=str))
        return 0

    sys.path.insert(0, str(ROOT / "src"))
    from cakupan.devtools.pgcluster import throwaway_cluster

    started = time.perf_counter()
    load_start = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="cakupan-bench-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "sqlite"):
            results.append(measure("sqlite", f"sqlite:///{workdir / 'main.sqlite3'}", workdir, args))
        if args.only in (None, "postgresql"):
            with throwaway_cluster(tuned_for_bulk=True) as url:
                results.append(measure("postgresql", url, workdir, args))
    print_tables(results, args.scale)
    for r in results:
        r["goals_met"] = goals(r)
    summary = {
        "benchmark": "coverage_bench",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "scale": args.scale,
        "seed": SEED,
        "month": AS_OF.isoformat(),
        "requests": args.requests,
        "naive_rounds": args.naive_rounds,
        "goals": GOALS,
        "wall_s": time.perf_counter() - started,
        "results": results,
    }
    print(json.dumps(summary, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
