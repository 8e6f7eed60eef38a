"""Benchmark: the funding allocation solver (issue #7) against HiGHS on the LP relaxation.

    .venv/bin/python bench/allocation_bench.py [--candidates 100000] [--programs 50] [--seed 20261129]
                                               [--variant varied|equal|both] [--highs ipm|simplex|both|none]
                                               [--highs-seconds 600] [--skip-highs]

Issue 7: on random instances of 100,000 candidates × 50 programs whose costs vary by program and
discount, the plan's objective is ≥ 99.9% of the LP-relaxation optimum computed by HiGHS in the same run,
and the solver is ≥ 20× faster than HiGHS; at 1,000,000 × 50 it takes < 30 s and reports a proven upper
bound (so the gap is known where HiGHS cannot finish).

Instances (seeded, `generate`): each candidate is eligible for 1–8 programs (uniform count, programs drawn
without replacement with lognormal popularity), a base monthly contribution (Rp16.800 JKK+JKM 60%,
Rp20.000 20%, Rp36.800 with JHT 20%), a priority weight in [1, 10] (1 + 9·Beta(2, 5), three decimals).
A program pays 3, 6 or 12 months; each (candidate, program) gets a discount of 0, 5, 10 or 25%:
cost = round(base × months × (1 − discount)). A program's budget is 20–60% (uniform) of its expected
demand Σ cost / (programs of that candidate). The `equal` variant sets every cost to Rp100.800 (6 × 16.800)
with the same budgets rule.

For each instance: HiGHS on the LP relaxation (columns x_ij ∈ [0, 1], a ≤ 1 row per candidate and a
budget row per program; `--highs` picks interior point (with crossover) and/or simplex, each timed
from passModel to the end of run), then `cakupan.allocation.solve` (timed in full, including its
layout). Prints one line per run and, last, one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time

import numpy as np

from cakupan.allocation import Instance, instance_from_arrays, solve

SEED = 20261129
GOALS = {"ratio_to_lp": 0.999, "speedup": 20.0, "million_s": 30.0}
BASES = np.array([16_800, 20_000, 36_800])
BASE_SHARES = np.array([0.6, 0.2, 0.2])
MONTHS = np.array([3, 6, 12])
DISCOUNTS = np.array([0.0, 0.05, 0.10, 0.25])
EQUAL_COST = 6 * 16_800
CHUNK = 100_000


def log(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(candidates: int, programs: int, seed: int, *, equal_costs: bool = False) -> Instance:
    rng = np.random.default_rng(seed)
    log_popularity = rng.normal(0.0, 0.5, programs)
    counts = rng.integers(1, 9, candidates).clip(max=programs)
    indptr = np.zeros(candidates + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    chosen = np.empty(int(indptr[-1]), dtype=np.int32)
    # Weighted sampling without replacement, per candidate: the top k of log p + Gumbel noise. In chunks so
    # that the candidates × programs key matrix stays small.
    for start in range(0, candidates, CHUNK):
        stop = min(start + CHUNK, candidates)
        keys = log_popularity + rng.gumbel(size=(stop - start, programs))
        ranked = np.argsort(-keys, axis=1, kind="stable")
        take = np.arange(programs) < counts[start:stop, None]
        picked = np.where(take, ranked, programs)
        picked.sort(axis=1)
        chosen[indptr[start] : indptr[stop]] = picked[picked < programs]
    rows = np.repeat(np.arange(candidates), counts)
    if equal_costs:
        costs = np.full(chosen.size, EQUAL_COST, dtype=np.int64)
    else:
        base = rng.choice(BASES, candidates, p=BASE_SHARES)
        months = rng.choice(MONTHS, programs)
        discount = rng.choice(DISCOUNTS, chosen.size)
        costs = np.round(base[rows] * months[chosen] * (1.0 - discount)).astype(np.int64)
    weights = np.round(1.0 + 9.0 * rng.beta(2.0, 5.0, candidates), 3)
    demand = np.bincount(chosen, weights=costs / counts[rows], minlength=programs)
    budgets = np.round(demand * rng.uniform(0.2, 0.6, programs)).astype(np.int64)
    return instance_from_arrays(
        program_ids=[f"P{j + 1:03d}" for j in range(programs)],
        budgets=budgets,
        candidate_ids=[f"K{i + 1:07d}" for i in range(candidates)],
        weights=weights,
        indptr=indptr,
        programs=chosen,
        costs=costs,
    )


def highs_lp(instance: Instance, algorithm: str, time_limit: float) -> dict:
    """The LP relaxation in HiGHS; objective is None if it did not reach optimality."""
    import highspy

    n, p = instance.n_candidates, instance.n_programs
    nnz = instance.costs.size
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(instance.indptr))
    started = time.perf_counter()
    lp = highspy.HighsLp()
    lp.num_col_ = nnz
    lp.num_row_ = n + p
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = instance.weights[rows]
    lp.col_lower_ = np.zeros(nnz)
    lp.col_upper_ = np.ones(nnz)
    lp.row_lower_ = np.full(n + p, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.ones(n), instance.budgets.astype(np.float64)])
    # Column-wise: entry (i, j) has a 1 in candidate row i and its cost in budget row n + j.
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * nnz + 1, 2, dtype=np.int32)
    index = np.empty(2 * nnz, dtype=np.int32)
    index[0::2], index[1::2] = rows, n + instance.programs
    value = np.empty(2 * nnz)
    value[0::2], value[1::2] = 1.0, instance.costs
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit))
    # Interior point with HiGHS' default crossover: without it highspy 1.15 reports the model status
    # as Unknown, not Optimal, even when the interior point method converged.
    highs.setOptionValue("solver", "ipm" if algorithm == "ipm" else "simplex")
    highs.passModel(lp)
    highs.run()
    seconds = time.perf_counter() - started
    status = highs.modelStatusToString(highs.getModelStatus())
    optimal = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    reported = highs.getInfo().objective_function_value
    objective = reported if optimal else None
    return {"algorithm": algorithm, "status": status, "objective": objective, "reported_objective": reported,
            "s": seconds}  # fmt: skip


def run_instance(label: str, instance: Instance, algorithms: list[str], highs_seconds: float) -> dict:
    result: dict = {"label": label, "candidates": instance.n_candidates, "programs": instance.n_programs,
                    "entries": int(instance.costs.size)}  # fmt: skip
    log(f"{label}: solver")
    solution = solve(instance)
    result["ours"] = {
        "objective": solution.objective,
        "upper_bound": solution.upper_bound,
        "gap_pct": solution.gap_pct,
        "s": solution.seconds,
        "sweeps": solution.iterations,
        "funded": int((solution.assignment >= 0).sum()),
        "budget_used_pct": 100.0 * float(solution.spent.sum()) / max(float(instance.budgets.sum()), 1.0),
        "peak_rss_mb": peak_rss_mb(),
    }
    assert np.all(solution.spent <= instance.budgets)
    result["highs"] = []
    for algorithm in algorithms:
        log(f"{label}: HiGHS {algorithm}")
        result["highs"].append(highs_lp(instance, algorithm, highs_seconds))
    solved = [run for run in result["highs"] if run["objective"] is not None]
    if solved:
        fastest = min(solved, key=lambda run: run["s"])
        lp = max(run["objective"] for run in solved)
        result["lp_optimum"] = lp
        result["highs_fastest"] = fastest["algorithm"]
        result["highs_s"] = fastest["s"]
        result["ratio_to_lp"] = solution.objective / lp
        result["speedup"] = fastest["s"] / solution.seconds
        # HiGHS' own tolerances are ~1e-7 relative; the bound must not be below the LP optimum by more.
        result["bound_above_lp"] = solution.upper_bound >= lp * (1 - 1e-7)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def print_result(result: dict) -> None:
    ours = result["ours"]
    print(f"{result['label']}: {result['candidates']:,} candidates × {result['programs']} programs, "
          f"{result['entries']:,} entries")  # fmt: skip
    print(f"  ours   objective {ours['objective']:,.3f}  upper bound {ours['upper_bound']:,.3f}  "
          f"gap {ours['gap_pct']:.4f}%  {ours['s']:.2f} s  sweeps {ours['sweeps']}  "
          f"funded {ours['funded']:,}  budget used {ours['budget_used_pct']:.3f}%")  # fmt: skip
    for run in result["highs"]:
        objective = "—" if run["objective"] is None else f"{run['objective']:,.3f}"
        print(f"  HiGHS {run['algorithm']:<8} {run['status']:<12} LP optimum {objective}  {run['s']:.2f} s")
    if "ratio_to_lp" in result:
        print(f"  ratio ours/LP {result['ratio_to_lp']:.5f}  speed-up {result['speedup']:.1f}× "
              f"(vs HiGHS {result['highs_fastest']})  bound ≥ LP: {result['bound_above_lp']}")  # fmt: skip
    print(f"  peak RSS {result['peak_rss_mb']:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--programs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--variant", choices=["varied", "equal", "both"], default="both")
    parser.add_argument("--highs", choices=["ipm", "simplex", "both", "none"], default="both")
    parser.add_argument("--skip-highs", action="store_true", help="same as --highs none")
    parser.add_argument("--highs-seconds", type=float, default=600.0, help="time limit for each HiGHS run")
    args = parser.parse_args()
    algorithms = [] if args.skip_highs or args.highs == "none" else (
        ["ipm", "simplex"] if args.highs == "both" else [args.highs]
    )  # fmt: skip
    variants = ["varied", "equal"] if args.variant == "both" else [args.variant]
    with open("/proc/loadavg") as handle:
        load_before = handle.read().split()[:3]
    results = []
    for variant in variants:
        label = f"{variant} {args.candidates:,}×{args.programs} seed {args.seed}"
        log(f"{label}: generating")
        started = time.perf_counter()
        instance = generate(args.candidates, args.programs, args.seed, equal_costs=variant == "equal")
        log(f"{label}: generated in {time.perf_counter() - started:.1f} s")
        result = run_instance(label, instance, algorithms, args.highs_seconds)
        result["variant"] = variant
        print_result(result)
        results.append(result)
        del instance
    with open("/proc/loadavg") as handle:
        load_after = handle.read().split()[:3]
    print(f"load average before {' '.join(load_before)}, after {' '.join(load_after)}; "
          f"{os.cpu_count()} CPUs; Python {platform.python_version()}")  # fmt: skip
    print(json.dumps({"seed": args.seed, "load_before": load_before, "load_after": load_after,
                      "goals": GOALS, "results": results}))  # fmt: skip


if __name__ == "__main__":
    main()
