"""Allocation policies (issue #14 item 3): what a program's money goes to first. Plain NumPy, no Django.

Each program states one of two policies:

- **Most vulnerable first** (`rentan_dulu`, the default). The program's candidates are taken decile by
  decile: decile 1 first, then 2, … 10, and candidates of unknown decile last. Within one decile the
  solver maximises the candidates' priority weight (sector risk, renewals). After each decile every
  remaining candidate of that decile who still fits a program's leftover budget is funded, so a worker of a
  higher decile is funded only when no eligible, affordable worker of a lower decile is left for that
  program.
- **Most people per rupiah** (`terbanyak`). The solver maximises the number of people funded: each counts
  1 plus at most PRIORITY_SHARE for priority, so priority only decides between plans that fund nearly the
  same number of people (fewer than 1 / PRIORITY_SHARE = 1,000 people apart).

A plan whose programs state different policies runs the most-vulnerable-first programs first, decile by
decile, then the most-people programs over the candidates nobody took. Every pass is one call of
`solver.solve` on the pass's candidates with the budgets left by the passes before; the plan's objective
and bound are the sums over the passes (each pass's bound holds for its own sub-problem).
"""

from __future__ import annotations

import time

import numpy as np

from cakupan.allocation.instance import AllocationInputError, Instance
from cakupan.allocation.solver import Solution, solve

__all__ = [
    "MOST_PEOPLE",
    "POLICIES",
    "PRIORITY_SHARE",
    "VULNERABLE_FIRST",
    "count_weights",
    "entry_tiers",
    "solve_with_policies",
]

VULNERABLE_FIRST = "rentan_dulu"
MOST_PEOPLE = "terbanyak"
POLICIES = (VULNERABLE_FIRST, MOST_PEOPLE)
UNKNOWN_DECILE_TIER = 11
MOST_PEOPLE_TIER = 12
PRIORITY_SHARE = 1e-3


def count_weights(priority_weights: np.ndarray) -> np.ndarray:
    """1 per person plus at most PRIORITY_SHARE, in proportion to the priority weight."""
    priority_weights = np.asarray(priority_weights, dtype=np.float64)
    if priority_weights.size == 0:
        return priority_weights.copy()
    return 1.0 + PRIORITY_SHARE * priority_weights / float(priority_weights.max())


def entry_tiers(instance: Instance, *, deciles: np.ndarray, policies: tuple[str, ...]) -> np.ndarray:
    """The pass of every (candidate, program) entry: the candidate's decile (unknown = 11) where the
    program puts the most vulnerable first, MOST_PEOPLE_TIER where it counts people."""
    if len(policies) != instance.n_programs:
        raise AllocationInputError("malformed_instance", "Jumlah kebijakan tidak sama dengan jumlah program.")
    unknown = sorted({p for p in policies if p not in POLICIES})
    if unknown:
        raise AllocationInputError(
            "unknown_policy", f"Kebijakan alokasi tidak dikenal: {', '.join(unknown)}."
        )
    deciles = np.asarray(deciles, dtype=np.int64)
    if deciles.shape != (instance.n_candidates,):
        raise AllocationInputError("malformed_instance", "Jumlah desil tidak sama dengan jumlah kandidat.")
    candidate_tier = np.where((deciles >= 1) & (deciles <= 10), deciles, UNKNOWN_DECILE_TIER)
    rows = np.repeat(np.arange(instance.n_candidates, dtype=np.int64), np.diff(instance.indptr))
    counts_people = np.array([p == MOST_PEOPLE for p in policies], dtype=bool)
    return np.where(counts_people[instance.programs], MOST_PEOPLE_TIER, candidate_tier[rows])


def _sub_instance(instance: Instance, entries: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                  budgets: np.ndarray) -> tuple[Instance, np.ndarray]:  # fmt: skip
    """The instance restricted to `entries` (sorted, so grouped by candidate), and its candidates."""
    candidates, lengths = np.unique(rows[entries], return_counts=True)
    indptr = np.zeros(candidates.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    # Built directly: every array is a slice of an instance that was validated when it was made.
    sub = Instance(
        program_ids=instance.program_ids,
        budgets=budgets.copy(),
        candidate_ids=tuple(instance.candidate_ids[i] for i in candidates.tolist()),
        weights=np.ascontiguousarray(weights[candidates]),
        indptr=indptr,
        programs=np.ascontiguousarray(instance.programs[entries]),
        costs=np.ascontiguousarray(instance.costs[entries]),
    )
    return sub, candidates


def _fill_exhaustively(instance: Instance, entries: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                       assignment: np.ndarray, remaining: np.ndarray) -> None:  # fmt: skip
    """Fund, among `entries`, every unfunded candidate that still fits a program's leftover budget:
    heaviest first, then cheapest. Ends when no such entry is left, which is what makes "most vulnerable
    first" hold after each decile (the solver's own fill stops after a fixed number of rounds)."""
    programs = instance.programs.astype(np.int64)
    costs = instance.costs
    while True:
        alive = entries[(assignment[rows[entries]] < 0) & (costs[entries] <= remaining[programs[entries]])]
        if alive.size == 0:
            return
        alive = alive[np.lexsort((alive, costs[alive], -weights[rows[alive]]))]
        _, first = np.unique(rows[alive], return_index=True)
        claims = alive[np.sort(first)]
        by_program = claims[np.argsort(programs[claims], kind="stable")]
        program = programs[by_program]
        total = np.cumsum(costs[by_program])
        starts = np.searchsorted(program, program, side="left")
        before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0)
        # The first claim of each program fits (it is alive), so every round funds someone.
        taken = by_program[total - before <= remaining[program]]
        assignment[rows[taken]] = programs[taken]
        np.subtract.at(remaining, programs[taken], costs[taken])


def solve_with_policies(
    instance: Instance,
    *,
    deciles: np.ndarray,
    policies: tuple[str, ...],
    max_seconds: float | None = None,
) -> Solution:
    """Plan the allocation with each program's policy (see the module's text). `instance.weights` are the
    priority weights; `deciles` is each candidate's welfare decile (0 = unknown); `policies` one per
    program. Deterministic, like `solve`."""
    started = time.perf_counter()
    tiers = entry_tiers(instance, deciles=deciles, policies=policies)
    rows = np.repeat(np.arange(instance.n_candidates, dtype=np.int64), np.diff(instance.indptr))
    priority = instance.weights
    people = count_weights(priority)
    assignment = np.full(instance.n_candidates, -1, dtype=np.int64)
    remaining = instance.budgets.astype(np.int64).copy()
    objective = upper_bound = 0.0
    iterations = 0
    for tier in np.unique(tiers).tolist():
        weights = people if tier == MOST_PEOPLE_TIER else priority
        entries = np.flatnonzero((tiers == tier) & (assignment[rows] < 0))
        if entries.size == 0:
            continue
        sub, candidates = _sub_instance(instance, entries, rows, weights, remaining)
        left = None if max_seconds is None else max(0.0, max_seconds - (time.perf_counter() - started))
        solution = solve(sub, max_seconds=left)
        funded = solution.assignment >= 0
        assignment[candidates[funded]] = solution.assignment[funded]
        remaining -= solution.spent
        before = float(weights[assignment >= 0].sum())
        _fill_exhaustively(instance, entries, rows, weights, assignment, remaining)
        gained = float(weights[assignment >= 0].sum()) - before
        objective += solution.objective + gained
        upper_bound += max(solution.upper_bound, solution.objective + gained)
        iterations += solution.iterations
    if np.any(remaining < 0):
        raise AssertionError("a budget is exceeded")
    spent = instance.budgets.astype(np.int64) - remaining
    gap_pct = 0.0 if upper_bound <= objective else 100.0 * (upper_bound - objective) / upper_bound
    return Solution(
        assignment=assignment.astype(np.int32),
        objective=objective,
        upper_bound=upper_bound,
        gap_pct=gap_pct,
        spent=spent,
        seconds=time.perf_counter() - started,
        iterations=iterations,
    )
