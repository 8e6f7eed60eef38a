"""`solve`: prices, plan and bound in turn, each checked against the others; and the plan as JSON."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from cakupan.allocation.instance import Instance
from cakupan.allocation.solver.dual import _prices, _upper_bound
from cakupan.allocation.solver.layout import _Layout
from cakupan.allocation.solver.primal import _primal, _spent


@dataclass(frozen=True)
class Solution:
    assignment: np.ndarray  # int32 shape (N,), program index or -1
    objective: float
    upper_bound: float
    gap_pct: float
    spent: np.ndarray  # int64 per program
    seconds: float
    iterations: int


def solve(instance: Instance, *, max_seconds: float | None = None) -> Solution:
    """Plan the allocation; the same instance gives the same plan. `max_seconds` also limits the dual by
    the clock (the primal and the bound always run once after it)."""
    started = time.perf_counter()
    layout = _Layout(instance)
    deadline = math.inf if max_seconds is None else started + max_seconds
    lam, iterations = _prices(instance, layout, deadline)
    assignment = _primal(layout, lam)
    spent = _spent(layout, assignment)
    if np.any(spent > layout.budgets):
        raise AssertionError("a budget is exceeded")
    objective = float(layout.weights[assignment >= 0].sum())
    upper_bound, margin = _upper_bound(layout, lam)
    if upper_bound < objective:
        raise AssertionError("the dual bound is below a feasible objective")
    # Within the rounding margin the plan is optimal as far as float64 can tell.
    gap_pct = 0.0 if upper_bound - objective <= margin else 100.0 * (upper_bound - objective) / upper_bound
    return Solution(
        assignment=assignment.astype(np.int32),
        objective=objective,
        upper_bound=upper_bound,
        gap_pct=gap_pct,
        spent=spent,
        seconds=time.perf_counter() - started,
        iterations=iterations,
    )


def solution_to_json(instance: Instance, solution: Solution) -> dict:
    funded = np.flatnonzero(solution.assignment >= 0)
    return {
        "assignments": {
            instance.candidate_ids[i]: instance.program_ids[solution.assignment[i]] for i in funded.tolist()
        },
        "objective": solution.objective,
        "upper_bound": solution.upper_bound,
        "gap_pct": solution.gap_pct,
        "spent": {
            program_id: int(amount)
            for program_id, amount in zip(instance.program_ids, solution.spent.tolist(), strict=True)
        },
        "seconds": solution.seconds,
        "iterations": solution.iterations,
    }
