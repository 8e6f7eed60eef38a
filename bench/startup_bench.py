"""Benchmark: how long a `cakupan` command takes to start.

    .venv/bin/python bench/startup_bench.py [--runs 9]

Issue 20 item 2: `django.setup()` in < 0.5 s and `cakupan nik parse 3602014708950001` in < 0.8 s wall, on
an idle machine.

Each run starts fresh processes, in turn, so that a change in the machine's load touches every measure
alike:
- setup: a child interpreter times `django.setup()` alone (perf_counter around the call) and reports which
  data libraries (Polars, NumPy, xlsxwriter, PyArrow) it left imported;
- nik parse: the wall time of the console script `cakupan nik parse 3602014708950001`, from spawning it
  to its exit (interpreter, settings, setup, the command and its JSON line);
- floor, same run: the wall time of `python -c "import django"` (a bare interpreter's start-up plus
  Django's package), which no command can beat, and of `python -c pass`, the bare interpreter alone.

The best of the runs is compared with the goals (the least disturbed run: a busy machine only adds time);
the median is shown beside it. The ratio to the floor says how much of a command's start-up is the
project's own. The load average is printed before and after: on a busy machine the figures are indicative
only. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")
CAKUPAN = str(ROOT / ".venv/bin/cakupan")
NIK = "3602014708950001"
GOALS_S = {"setup": 0.5, "nik_parse": 0.8}
HEAVY = ("polars", "numpy", "xlsxwriter", "pyarrow")
SETUP_CHILD = f"""
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
import django
started = time.perf_counter()
django.setup()
seconds = time.perf_counter() - started
print("SETUP", seconds, ",".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def _wall(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds from spawning the command to its exit, and its standard output."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def _setup(env: dict[str, str]) -> tuple[float, list[str]]:
    _, output = _wall([PYTHON, "-c", SETUP_CHILD], env)
    line = next(line for line in output.splitlines() if line.startswith("SETUP "))
    _, seconds, *heavy = line.split(" ")
    return float(seconds), [name for name in "".join(heavy).split(",") if name]


def measure(runs: int, env: dict[str, str]) -> dict:
    samples: dict[str, list[float]] = {"setup": [], "nik_parse": [], "import_django": [], "bare_python": []}
    heavy_after_setup: set[str] = set()
    for _ in range(runs):
        seconds, heavy = _setup(env)
        samples["setup"].append(seconds)
        heavy_after_setup.update(heavy)
        seconds, output = _wall([CAKUPAN, "nik", "parse", NIK], env)
        if f'"nik": "{NIK}"' not in output:
            raise SystemExit(f"cakupan nik parse printed something else:\n{output[-2000:]}")
        samples["nik_parse"].append(seconds)
        samples["import_django"].append(_wall([PYTHON, "-c", "import django"], env)[0])
        samples["bare_python"].append(_wall([PYTHON, "-c", "pass"], env)[0])
    return {"samples": samples, "heavy_after_setup": sorted(heavy_after_setup)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    env = {**os.environ, "CAKUPAN_STATIC_MANIFEST": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # One unmeasured round first: the operating system's file cache then holds the modules and the
    # bytecode for every run alike.
    measure(1, env)
    load_start = os.getloadavg()
    measured = measure(args.runs, env)
    load_end = os.getloadavg()
    samples = measured["samples"]
    floor = min(samples["import_django"])
    rows = {
        key: {"best": min(values), "median": statistics.median(values), "max": max(values)}
        for key, values in samples.items()
    }
    print(f"Start-up, best of {args.runs} runs, load average {load_start[0]:.2f} → {load_end[0]:.2f} "
          f"({os.cpu_count()} CPUs)")  # fmt: skip
    print(f"  {'measure':<16}{'best s':>9}{'median s':>10}{'÷ floor':>9}{'goal s':>8}{'goal ÷ best':>13}")
    for key, row in rows.items():
        goal = GOALS_S.get(key)
        goal_text = f"{goal:>8.2f}{goal / row['best']:>12.2f}×" if goal else f"{'':>21}"
        print(f"  {key:<16}{row['best']:>9.3f}{row['median']:>10.3f}{row['best'] / floor:>8.2f}×{goal_text}")
    print("  floor: `python -c 'import django'` (interpreter start-up plus Django's package); setup is timed "
          "inside its process, the rest from spawn to exit")  # fmt: skip
    heavy = measured["heavy_after_setup"]
    print(f"  data libraries imported by django.setup(): {', '.join(heavy) if heavy else 'none'}")
    met = all(rows[key]["best"] < goal for key, goal in GOALS_S.items())
    print(f"  goals (setup < 0.5 s, nik parse < 0.8 s, best run): {'met' if met else 'NOT met'}")
    print(json.dumps({"benchmark": "startup_bench", "date": dt.datetime.now().astimezone().isoformat(
        timespec="seconds"), "cpus": os.cpu_count(), "platform": platform.platform(), "runs": args.runs,
        "load_average_start": load_start, "load_average_end": load_end, "floor_s": floor, "goals_s": GOALS_S,
        "results": rows, "heavy_after_setup": heavy, "goals_met": met}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
