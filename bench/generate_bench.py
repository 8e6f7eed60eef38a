"""Benchmark: synthetic population generation into SQLite and PostgreSQL, against the careful Django path.

    .venv/bin/python bench/generate_bench.py [--scale 1.0] [--peer-rows 50000]

For each database (SQLite in a temporary file, then PostgreSQL 15 in a throwaway cluster tuned for bulk
loads) the script migrates a fresh database and runs `registry.services.population_generate` in a child
process of its own: Django binds the database when its settings are imported, so one process cannot
switch. Generation (NumPy/Polars) is timed inside the service call, so generation + load is exactly the
service's own work.

The peer is the careful Django path on the same database engine and server: the first --peer-rows
generated workers become `Worker` objects, each is `full_clean()`ed, then
`Worker.objects.bulk_create(batch_size=2000)` writes them into a second, freshly migrated, empty
database. Ours/peer compares end-to-end rows/s (our generation time included, the peer's not), so the
ratio is conservative.

Prints a table and, last, one JSON line with every figure.
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

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SEED = 20251103
AS_OF = dt.date(2026, 11, 1)
RESULT_PREFIX = "BENCH-RESULT "


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- child processes (Django set up against the DATABASE_URL they were given) -----------------------


def child_population(scale: float, peer_rows: int, peer_file: Path) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    django.setup()
    from django.db import connection

    from cakupan.registry import services, synthetic

    real_generate = synthetic.generate_population
    generated: dict = {}

    def timed_generate(**kwargs):
        started = time.perf_counter()
        population = real_generate(**kwargs)
        generated["seconds"] = time.perf_counter() - started
        generated["population"] = population
        return population

    # The service looks the generator up on the module at call time, so the timing wrapper sees the
    # service's own call: generation and load are split without running either twice.
    synthetic.generate_population = timed_generate
    try:
        started = time.perf_counter()
        run = services.population_generate(scale=scale, seed=SEED, as_of=AS_OF)
        total_seconds = time.perf_counter() - started
    finally:
        synthetic.generate_population = real_generate
    rss = peak_rss_mb()
    population = generated["population"]
    population.workers.head(peer_rows).write_parquet(peer_file)
    rows = run.workers + run.memberships
    return {
        "vendor": connection.vendor,
        "workers": run.workers,
        "memberships": run.memberships,
        "rows": rows,
        "generation_s": generated["seconds"],
        "load_s": total_seconds - generated["seconds"],
        "total_s": total_seconds,
        "rows_per_s": rows / total_seconds,
        "load_rows_per_s": rows / (total_seconds - generated["seconds"]),
        "peak_rss_mb": rss,
    }


def child_peer(peer_file: Path) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    django.setup()
    import polars as pl
    from django.db import connection, transaction

    from cakupan.registry.models import Worker, WorkerSource

    frame = pl.read_parquet(peer_file)
    assert not Worker.objects.exists(), "the peer needs an empty worker table"
    started = time.perf_counter()
    with transaction.atomic():
        workers = []
        for row in frame.iter_rows(named=True):
            worker = Worker(**row, source=WorkerSource.SYNTHETIC)
            # full_clean checks choices and validators, the desa's existence, the NIK's uniqueness and
            # (Django 5.2) each CheckConstraint: seven queries per worker, as a careful import does.
            worker.full_clean()
            workers.append(worker)
        Worker.objects.bulk_create(workers, batch_size=2000)
    seconds = time.perf_counter() - started
    assert Worker.objects.count() == frame.height
    return {
        "vendor": connection.vendor,
        "rows": frame.height,
        "seconds": seconds,
        "rows_per_s": frame.height / seconds,
    }


# --- the parent: fresh databases, one child per measurement -------------------------------------------


def run_child(args: list[str], env: dict[str, str]) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"child {args[:2]} failed with exit code {completed.returncode}")
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line.removeprefix(RESULT_PREFIX))
    raise SystemExit(f"child {args[:2]} printed no result:\n{completed.stdout}{completed.stderr}")


def migrate(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "cakupan"), "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    return time.perf_counter() - started


def measure(label: str, urls: tuple[str, str], workdir: Path, scale: float, peer_rows: int) -> dict:
    main_url, peer_url = urls
    peer_file = workdir / f"peer-{label}.parquet"
    base_env = {**os.environ, "CAKUPAN_VAR_DIR": str(workdir / "var")}
    print(f"[{label}] migrating a fresh database …", file=sys.stderr, flush=True)
    migrate_s = migrate({**base_env, "DATABASE_URL": main_url})
    print(f"[{label}] population_generate(scale={scale}) …", file=sys.stderr, flush=True)
    ours = run_child(
        ["--child", "population", "--scale", str(scale), "--peer-rows", str(peer_rows), "--peer-file",
         str(peer_file)],
        {**base_env, "DATABASE_URL": main_url},
    )  # fmt: skip
    print(f"[{label}] peer: full_clean + bulk_create of {peer_rows} workers …", file=sys.stderr, flush=True)
    migrate({**base_env, "DATABASE_URL": peer_url})
    peer = run_child(
        ["--child", "peer", "--peer-file", str(peer_file)], {**base_env, "DATABASE_URL": peer_url}
    )
    return {
        "database": label,
        "migrate_s": migrate_s,
        **ours,
        "peer_rows": peer["rows"],
        "peer_s": peer["seconds"],
        "peer_rows_per_s": peer["rows_per_s"],
        "ratio": ours["rows_per_s"] / peer["rows_per_s"],
        "load_ratio": ours["load_rows_per_s"] / peer["rows_per_s"],
    }


def create_database(url: str, name: str) -> str:
    """A second database in the same cluster, for the peer."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def print_table(results: list[dict], scale: float) -> None:
    header = (
        f"{'database':<11}{'rows':>11}{'gen s':>8}{'load s':>8}{'total s':>9}{'rows/s':>10}"
        f"{'RSS MB':>8}{'peer rows/s':>13}{'ours/peer':>11}"
    )
    print(f"\nSynthetic population, scale {scale} (seed {SEED}, as of {AS_OF:%Y-%m})")
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['database']:<11}{r['rows']:>11,}{r['generation_s']:>8.1f}{r['load_s']:>8.1f}"
            f"{r['total_s']:>9.1f}{r['rows_per_s']:>10,.0f}{r['peak_rss_mb']:>8,.0f}"
            f"{r['peer_rows_per_s']:>13,.0f}{r['ratio']:>10.0f}×"
        )
    print(
        "rows = workers + memberships; rows/s = rows / (generation + load); peer = full_clean + "
        "bulk_create of the first workers; ours/peer compares those rows/s."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 5,760,000 workers")
    parser.add_argument("--peer-rows", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--child", choices=["population", "peer"], help=argparse.SUPPRESS)
    parser.add_argument("--peer-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "population":
        print(RESULT_PREFIX + json.dumps(child_population(args.scale, args.peer_rows, args.peer_file)))
        return 0
    if args.child == "peer":
        print(RESULT_PREFIX + json.dumps(child_peer(args.peer_file)))
        return 0

    sys.path.insert(0, str(ROOT / "src"))
    from cakupan.devtools.pgcluster import throwaway_cluster

    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="cakupan-bench-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "sqlite"):
            urls = (f"sqlite:///{workdir / 'main.sqlite3'}", f"sqlite:///{workdir / 'peer.sqlite3'}")
            results.append(measure("sqlite", urls, workdir, args.scale, args.peer_rows))
        if args.only in (None, "postgresql"):
            with throwaway_cluster(tuned_for_bulk=True) as url:
                urls = (url, create_database(url, "cakupan_peer"))
                results.append(measure("postgresql", urls, workdir, args.scale, args.peer_rows))
    print_table(results, args.scale)
    summary = {
        "benchmark": "generate_bench",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "scale": args.scale,
        "seed": SEED,
        "as_of": AS_OF.isoformat(),
        "peer_rows": args.peer_rows,
        "wall_s": time.perf_counter() - started,
        "results": results,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
