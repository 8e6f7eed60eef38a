"""Benchmark: importing a worker file (or a BPJS TK roster) into SQLite and PostgreSQL, against two peers.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--peer-rows 10000] [--only sqlite]
    .venv/bin/python bench/import_bench.py --rows 3000000 --peer-rows 0     # memory at a larger file
    .venv/bin/python bench/import_bench.py --kind roster --rows 2000000 --peer-rows 0

The file is made once from the synthetic generator (`registry.synthetic.generate_population`) the way an
officer's export looks: the Bahasa template header (nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;
sektor;penghasilan;desil;telepon), dates alternating YYYY-MM-DD and DD/MM/YYYY, every other income
written with thousands dots (1.500.000), 1% of the rows repeating another row's NIK and 0.5% carrying a
malformed NIK, the rows shuffled. With `--kind roster` it is a roster (nik;kpj;segmen;program;status;
bulan_terakhir_dibayar plus the worker columns) imported with `add_missing`, so every row adds a worker
and a membership; no peers are run for rosters.

For each database (SQLite in a temporary file, then PostgreSQL 15 in a throwaway cluster tuned for bulk
loads) a fresh database is migrated and `registry.importing.workers_import` imports the whole file into
the empty registry, in a child process of its own (Django binds the database when its settings are
imported); the child reports the counts, the time, its peak RSS (ru_maxrss) and the time of a second
import of the same file (the SHA-256 short-circuit). Then, each into a freshly migrated database of its
own, on the first --peer-rows rows of the same file:

* careful Django: each row parsed in Python, a `Worker` built, `full_clean()`, in-file duplicate NIKs
  skipped, `bulk_create(batch_size=2000)`;
* django-import-export 4: a ModelResource for Worker with the file's columns mapped (desa through a
  ForeignKeyWidget on the region code), `clean_model_instances`, then
  `resource.import_data(dataset, dry_run=False, use_transactions=True)` on a tablib Dataset.

The floor: after our import, in the same database, the rows it inserted are stored again by the
database alone (`child_floor`: one INSERT … SELECT into the emptied registry, its indexes set aside and
rebuilt as the import does, and the commit), a lower bound for any importer on this machine.

The row-level audit trail (one RowChange per inserted row, `audit.rowchanges`) is timed inside the import
(`audit s`): its share of the import's time (`audit %`, the goal is at most 25%) and what it adds to the
time the import would take without it (`+audit %`).

Every time includes reading the file. Prints a table and, last, one JSON line with every figure.
The peers' code is in bench/_import_peers.py.
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

from cakupan.registry.intake.columns import WORKER_COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _import_peers import child_careful, child_import_export, setup_django

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SEED = 20251103
AS_OF = dt.date(2026, 11, 1)
RESULT_PREFIX = "BENCH-RESULT "
DUPLICATE_SHARE = 0.01
MALFORMED_SHARE = 0.005
# The import template's header: the same list the validator reads.
WORKER_HEADER = WORKER_COLUMNS
ROSTER_HEADER = ("nik", "kpj", "segmen", "program", "status", "bulan_terakhir_dibayar", *WORKER_HEADER[1:])


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    # Other work on this small machine slows the wall-clock figures down: printed beside them.
    with open("/proc/loadavg", encoding="ascii") as handle:
        return " ".join(handle.read().split()[:3])


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the file ----------------------------------------------------------------------------------------


def child_make_file(rows: int, kind: str, target: Path) -> dict:
    setup_django()
    import numpy as np
    import polars as pl

    from cakupan.registry import synthetic

    started = time.perf_counter()
    duplicates = round(rows * DUPLICATE_SHARE)
    malformed = round(rows * MALFORMED_SHARE)
    unique = rows - duplicates
    per_scale = synthetic.employed_total(1.0)
    scale = unique / per_scale * 1.001
    workers = synthetic.generate_population(scale=scale, seed=SEED, as_of=AS_OF).workers.head(unique)
    if workers.height < unique:
        raise SystemExit(f"the generator gave {workers.height} workers, {unique} needed")
    rng = np.random.default_rng(SEED)
    # Malformed NIKs and the rows whose NIK is repeated are disjoint, so the expected counts are exact.
    picked = rng.choice(unique, size=malformed + duplicates, replace=False)
    bad_rows, source_rows = np.sort(picked[:malformed]), np.sort(picked[malformed:])
    bad = pl.DataFrame({"index": bad_rows, "how": rng.integers(0, 3, malformed)})
    workers = workers.with_row_index("index")
    # how: 0 a letter, 1 seventeen digits, 2 fifteen digits.
    workers = workers.join(bad, on="index", how="left").with_columns(
        nik=pl.when(pl.col("how") == 0)
        .then(pl.col("nik").str.slice(0, 15) + "X")
        .when(pl.col("how") == 1)
        .then(pl.col("nik") + "1")
        .when(pl.col("how") == 2)
        .then(pl.col("nik").str.slice(0, 15))
        .otherwise(pl.col("nik"))
    )
    # A repeated NIK comes back with another income, as a second submission of the same person would.
    repeats = workers.filter(pl.col("index").is_in(pl.Series(source_rows))).with_columns(
        monthly_income=pl.col("monthly_income") + 50_000
    )
    frame = pl.concat([workers.drop("how"), repeats.drop("how")])
    frame = frame.with_columns(order=pl.Series(rng.permutation(frame.height))).sort("order")
    frame = frame.with_row_index("line")

    income = pl.col("monthly_income")
    dotted = (
        pl.when(income >= 1_000_000)
        .then(
            pl.concat_str(
                (income // 1_000_000).cast(pl.String),
                pl.lit("."),
                (income // 1000 % 1000).cast(pl.String).str.zfill(3),
                pl.lit("."),
                (income % 1000).cast(pl.String).str.zfill(3),
            )
        )
        .when(income >= 1000)
        .then(
            pl.concat_str(
                (income // 1000).cast(pl.String), pl.lit("."), (income % 1000).cast(pl.String).str.zfill(3)
            )
        )
        .otherwise(income.cast(pl.String))
    )
    even = pl.col("line") % 2 == 0
    columns = {
        "nik": pl.col("nik"),
        "nama": pl.col("name"),
        "tanggal_lahir": pl.when(even)
        .then(pl.col("birth_date").dt.strftime("%Y-%m-%d"))
        .otherwise(pl.col("birth_date").dt.strftime("%d/%m/%Y")),
        "jenis_kelamin": pl.col("sex"),
        "kode_desa": pl.col("desa_id"),
        "sektor": pl.col("sector"),
        "penghasilan": pl.when(even).then(income.cast(pl.String)).otherwise(dotted),
        "desil": pl.col("decile").cast(pl.String),
        "telepon": pl.col("phone"),
    }
    if kind == "roster":
        kpj_space = 90_000_000_000
        columns = {
            "nik": pl.col("nik"),
            # Unique KPJs: an affine bijection of the line number, as the generator does.
            "kpj": (10_000_000_000 + (pl.col("line").cast(pl.Int64) * 7_919_003 + 12_345) % kpj_space).cast(
                pl.String
            ),
            "segmen": pl.when(pl.col("employment") == "formal").then(pl.lit("PU")).otherwise(pl.lit("BPU")),
            "program": pl.lit("JKK, JKM, JHT"),
            "status": pl.lit("aktif"),
            "bulan_terakhir_dibayar": pl.lit("2026-10"),
            **{name: expr for name, expr in columns.items() if name != "nik"},
        }
    frame.select(**columns).write_csv(target, separator=";", null_value="")
    return {
        "rows": frame.height,
        "duplicates": duplicates,
        "malformed": malformed,
        "bytes": target.stat().st_size,
        "seconds": time.perf_counter() - started,
    }


# --- child processes (Django set up against the DATABASE_URL they were given) -----------------------


def child_ours(path: Path, kind: str, profile: Path | None) -> dict:
    setup_django()
    from django.db import connection

    from cakupan.registry import importing
    from cakupan.registry.models import Worker

    assert not Worker.objects.exists(), "the import needs an empty registry"
    run = (
        (lambda: importing.roster_import(path=path, add_missing=True))
        if kind == "roster"
        else (lambda: importing.workers_import(path=path, today=AS_OF))
    )
    rss_before = peak_rss_mb()
    load_before = load_average()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(run)
        profiler.dump_stats(str(profile))
    else:
        result = run()
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    load_after = load_average()
    rss = peak_rss_mb()
    started = time.perf_counter()
    again = run()
    again_seconds = time.perf_counter() - started
    assert again.already_imported, "the second import of the same file was not short-circuited"
    return {
        "vendor": connection.vendor,
        "rows": result.rows,
        "inserted": result.inserted,
        "inserted_workers": result.inserted_workers,
        "duplicates": result.duplicates,
        "invalid": result.invalid,
        "warnings": result.warnings,
        "registry": Worker.objects.count(),
        "seconds": seconds,
        "rows_per_s": result.rows / seconds,
        "peak_rss_mb": rss,
        "rss_before_mb": rss_before,
        "cpu_s": cpu,
        "load_before": load_before,
        "load_after": load_after,
        "second_import_s": again_seconds,
        # The row-level audit trail: one RowChange per inserted row, written in the import's transaction.
        "row_changes": result.row_changes,
        "audit_s": result.audit_seconds,
        "audit_share_pct": 100 * result.audit_seconds / seconds,
        "audit_added_pct": 100 * result.audit_seconds / max(seconds - result.audit_seconds, 1e-9),
    }


def child_floor() -> dict:
    """The database alone storing the rows our import inserted, with no Python per row: a lower bound
    for any importer of this file into this registry, whatever it does before the rows reach the database.

    Runs after `ours` in the same database: the inserted workers are copied to a plain table (untimed),
    the registry is emptied, and then timed: one INSERT … SELECT of those rows into the empty registry
    with its indexes, unique and foreign-key constraints set aside and rebuilt (`bulk._set_aside_indexes`,
    what the import does), and the commit. No reading, parsing, validation, de-duplication or report.
    """
    setup_django()
    from django.db import connection, transaction

    from cakupan.registry import bulk
    from cakupan.registry.models import Worker

    table = Worker._meta.db_table
    columns = ", ".join(field.column for field in Worker._meta.concrete_fields if field.column != "id")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_floor AS SELECT {columns} FROM {table} ORDER BY id")
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
            cursor.execute("ANALYZE bench_floor")
        else:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute("VACUUM")
    load_before = load_average()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        rebuild = bulk._set_aside_indexes(cursor, table)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM bench_floor")
        rows = cursor.rowcount
        for statement in rebuild:
            cursor.execute(statement)
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "cpu_s": cpu_seconds() - cpu_before,
        "load_before": load_before,
        "load_after": load_average(),
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


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(VENV_BIN / "cakupan"), "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(label: str, urls: list[str], workdir: Path, args, data: Path) -> dict:
    base_env = {**os.environ, "CAKUPAN_VAR_DIR": str(workdir / "var")}
    log(f"[{label}] migrating a fresh database, importing {args.rows:,} rows …")
    env = {**base_env, "DATABASE_URL": urls[0]}
    migrate(env)
    child = ["--child", "ours", "--file", str(data), "--kind", args.kind]
    if args.profile:
        child += ["--profile-out", str(Path(args.profile).resolve().with_suffix(f".{label}.prof"))]
    ours = run_child(child, env)
    log(
        f"[{label}] {ours['rows']:,} rows in {ours['seconds']:.1f} s ({ours['rows_per_s']:,.0f} rows/s), "
        f"{ours['cpu_s']:.1f} s CPU in the importing process, peak RSS {ours['peak_rss_mb']:,.0f} MB, "
        f"load {ours['load_before']} → {ours['load_after']}"
    )
    figures = {"database": label, **ours}
    floor = run_child(["--child", "floor"], env)
    log(
        f"[{label}] floor: the database alone stores the {floor['rows']:,} inserted rows in "
        f"{floor['seconds']:.1f} s ({floor['rows_per_s']:,.0f} rows/s), load {floor['load_before']} → "
        f"{floor['load_after']}"
    )
    figures.update({f"floor_{key}": value for key, value in floor.items()})
    # Per row of the file, as the import's own rows/s, so the two compare directly.
    figures["floor_file_rows_per_s"] = ours["rows"] / floor["seconds"]
    if args.peer_rows and args.kind == "workers":
        for peer, url in (("careful", urls[1]), ("import_export", urls[2])):
            log(f"[{label}] peer {peer} on {args.peer_rows:,} rows …")
            env = {**base_env, "DATABASE_URL": url}
            migrate(env)
            result = run_child(
                ["--child", peer, "--file", str(data), "--peer-rows", str(args.peer_rows)], env
            )
            log(f"[{label}] peer {peer}: {result['rows_per_s']:,.0f} rows/s")
            figures[f"{peer}_rows"] = result["rows"]
            figures[f"{peer}_s"] = result["seconds"]
            figures[f"{peer}_rows_per_s"] = result["rows_per_s"]
            figures[f"{peer}_inserted"] = result["inserted"]
            figures[f"ratio_{peer}"] = ours["rows_per_s"] / result["rows_per_s"]
    return figures


def create_database(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def print_table(results: list[dict], args, made: dict) -> None:
    print(
        f"\n{args.kind.capitalize()} file: {made['rows']:,} rows, {made['bytes'] / 2**20:,.0f} MiB, "
        f"{made['duplicates']:,} repeated NIKs, {made['malformed']:,} malformed NIKs (seed {SEED})"
    )
    header = (
        f"{'database':<11}{'rows':>11}{'seconds':>9}{'rows/s':>10}{'floor r/s':>11}{'RSS MB':>8}{'2nd s':>7}"
        f"{'audit s':>9}{'audit %':>9}{'+audit %':>10}"
        f"{'careful r/s':>13}{'ours/careful':>14}{'i-e r/s':>10}{'ours/i-e':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        peers = ""
        if "careful_rows_per_s" in r:
            peers = (
                f"{r['careful_rows_per_s']:>13,.0f}{r['ratio_careful']:>13.0f}×"
                f"{r['import_export_rows_per_s']:>10,.0f}{r['ratio_import_export']:>9.0f}×"
            )
        print(
            f"{r['database']:<11}{r['rows']:>11,}{r['seconds']:>9.1f}{r['rows_per_s']:>10,.0f}"
            f"{r['floor_file_rows_per_s']:>11,.0f}"
            f"{r['peak_rss_mb']:>8,.0f}{r['second_import_s']:>7.2f}"
            f"{r['audit_s']:>9.1f}{r['audit_share_pct']:>8.1f}%{r['audit_added_pct']:>9.1f}%{peers}"
        )
    print(
        "rows/s = file rows / end-to-end import time (read, validate, stage, de-duplicate, insert, report, "
        "commit); floor r/s = file rows / the database's own time to store the inserted rows (INSERT … "
        "SELECT into the empty registry, indexes rebuilt, commit: no Python per row); "
        "RSS = peak RSS of the import's process; 2nd s = the same file imported again (hash "
        "short-circuit); audit s = time of the row-level trail (a RowChange per inserted row), audit % = "
        "that time's share of the import's (goal ≤ 25%), +audit % = that time over the rest of the import; "
        f"peers on the first {args.peer_rows:,} rows, each into an empty database."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the file")
    parser.add_argument("--peer-rows", type=int, default=10_000, help="rows for each peer; 0 skips them")
    parser.add_argument("--kind", choices=["workers", "roster"], default="workers")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--profile", help="write cProfile stats of our import to PROFILE.<database>.prof")
    parser.add_argument(
        "--child", choices=["make-file", "ours", "floor", "careful", "import_export"], help=argparse.SUPPRESS
    )
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    children = {
        "make-file": lambda: child_make_file(args.rows, args.kind, args.file),
        "ours": lambda: child_ours(args.file, args.kind, args.profile_out),
        "floor": child_floor,
        "careful": lambda: child_careful(args.file, args.peer_rows),
        "import_export": lambda: child_import_export(args.file, args.peer_rows),
    }
    if args.child:
        print(RESULT_PREFIX + json.dumps(children[args.child]()))
        return 0

    sys.path.insert(0, str(ROOT / "src"))
    from cakupan.devtools.pgcluster import throwaway_cluster

    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="cakupan-import-bench-") as tmp:
        workdir = Path(tmp)
        data = workdir / f"{args.kind}-{args.rows}.csv"
        log(f"making a {args.rows:,}-row {args.kind} file …")
        scratch = {**os.environ, "CAKUPAN_VAR_DIR": str(workdir / "var"),
                   "DATABASE_URL": f"sqlite:///{workdir / 'scratch.sqlite3'}"}  # fmt: skip
        made = run_child(
            ["--child", "make-file", "--rows", str(args.rows), "--kind", args.kind, "--file", str(data)],
            scratch,
        )
        log(f"file: {made['bytes'] / 2**20:,.0f} MiB in {made['seconds']:.1f} s")
        if args.only in (None, "sqlite"):
            urls = [f"sqlite:///{workdir / name}.sqlite3" for name in ("main", "careful", "import_export")]
            results.append(measure("sqlite", urls, workdir, args, data))
        if args.only in (None, "postgresql"):
            with throwaway_cluster(tuned_for_bulk=True) as url:
                urls = [url, create_database(url, "careful"), create_database(url, "import_export")]
                results.append(measure("postgresql", urls, workdir, args, data))
    print_table(results, args, made)
    summary = {
        "benchmark": "import_bench",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "kind": args.kind,
        "file": made,
        "peer_rows": args.peer_rows,
        "wall_s": time.perf_counter() - started,
        "results": results,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
