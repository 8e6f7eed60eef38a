"""Funding allocation (issue #7): fund each candidate from at most one program, within every budget,
maximising the total weight of the funded candidates (a max-weight multiple-knapsack / generalized
assignment problem).

The LP relaxation is `max Σ w_i x_ij` s.t. `Σ_j x_ij ≤ 1`, `Σ_i c_ij x_ij ≤ B_j`, `x ≥ 0`. Its dual
for program prices λ ≥ 0, with the candidate duals at their best value, is

    UB(λ) = Σ_j λ_j B_j + Σ_i max(0, max_j (w_i − λ_j c_ij)),

so by weak duality UB(λ) bounds the LP optimum, hence the integer optimum, for every λ ≥ 0.

1. Dual prices λ. Exact coordinate descent on UB (with the other prices fixed, UB is convex piecewise
   linear in λ_j; its minimum is the price at which the candidates preferring program j just fill its
   budget) brings λ near; it stalls at kinks, because the discrete costs make many candidates tie between
   programs at the optimum. Then projected Newton on the entropy-smoothed dual f_τ, τ decreasing
   (`_SmoothDual`), which converges where coordinate descent stalls. Above SAMPLE_SIZE candidates the
   prices are first solved on an evenly spaced sample with scaled budgets. The λ of least UB is kept.
2. Primal: deferred acceptance under λ (candidates propose to programs by reduced profit, programs keep
   the largest margin per rupiah that fits), then the leftover budgets are filled greedily by weight per
   rupiah, and on small instances lightest-for-heaviest swaps are tried.
3. The bound UB(λ) is recomputed over all candidates and enlarged by a float64 rounding margin.

Deterministic: no randomness, stable sorts, ties broken by index.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from cakupan.allocation.instance import (
    AllocationInputError,
    Instance,
    instance_from_arrays,
    instance_from_json,
)

# The instance API is re-exported so that `cakupan.allocation.solver` offers the whole public API.
__all__ = [
    "AllocationInputError",
    "Instance",
    "Solution",
    "instance_from_arrays",
    "instance_from_json",
    "solution_to_json",
    "solve",
]

# The dual's work is counted, not timed, so that the same instance always gives the same plan whatever the
# machine's load: Newton iterations over the whole instance may touch at most NEWTON_ENTRY_BUDGET
# (candidate, program) entries in all. That lets the 450,000 entries of a 100,000-candidate benchmark
# instance run the whole smoothing schedule (about 76 iterations) and caps the 4.5 million of 1,000,000
# candidates at 8 iterations after the sample's prices, where the bound is within 0.01%. `max_seconds`
# adds a wall-clock limit on top (then the plan can depend on the load).
NEWTON_ENTRY_BUDGET = 36_000_000
MIN_NEWTON_ITERATIONS = 4
# Larger instances solve the dual on a sample of this many candidates first.
SAMPLE_SIZE = 50_000
# Exact coordinate sweeps before Newton: cheap, and they bring λ close enough for a small τ.
COORDINATE_SWEEPS = 3
# Temperatures of the smoothed dual, as shares of the mean weight.
TAU_START = 2e-3
TAU_END = 1e-5
TAU_FACTOR = 0.1
MAX_LEVEL_ITERATIONS = 20
# Rows whose two best options differ by less than this share of the mean weight are smoothed.
WORKING_WIDTH = 1.0
MAX_FILL_ROUNDS = 10
SWAP_ROUNDS = 5
# Swaps matter where a program funds a handful of candidates; a round costs about a coordinate sweep.
SWAP_MAX_CANDIDATES = 20_000
# The bound is summed in float64; this relative margin covers its rounding error many times over
# (pairwise summation of ≤ 10^8 terms errs by far less than 10^-12 of the sum of absolute values).
BOUND_SAFETY = 1e-9


@dataclass(frozen=True)
class Solution:
    assignment: np.ndarray  # int32 shape (N,), program index or -1
    objective: float
    upper_bound: float
    gap_pct: float
    spent: np.ndarray  # int64 per program
    seconds: float
    iterations: int


class _Layout:
    """The instance's entries by candidate (CSR) and by program (CSC), with float64 copies to compute on."""

    def __init__(self, instance: Instance):
        self.n = instance.n_candidates
        self.p = instance.n_programs
        self.indptr = instance.indptr
        self.programs = instance.programs.astype(np.int64)
        self.costs = instance.costs
        self.costs_f = instance.costs.astype(np.float64)
        self.weights = instance.weights
        self.budgets = instance.budgets
        lengths = np.diff(instance.indptr)
        self.lengths = lengths
        self.rows = np.repeat(np.arange(self.n, dtype=np.int64), lengths)
        self.entry_weights = self.weights[self.rows]
        order = np.argsort(self.programs, kind="stable")
        bounds = np.searchsorted(self.programs[order], np.arange(self.p + 1))
        self.col_entries = [order[bounds[j] : bounds[j + 1]] for j in range(self.p)]
        self.col_rows = [self.rows[entries] for entries in self.col_entries]
        self.col_costs = [self.costs[entries] for entries in self.col_entries]
        self.col_costs_f = [self.costs_f[entries] for entries in self.col_entries]
        self.col_weights = [self.entry_weights[entries] for entries in self.col_entries]


def _gather_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entry indices of `rows` (all non-empty), their segment starts and lengths."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    seg_start = np.cumsum(lengths) - lengths
    entries = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - seg_start, lengths)
    return entries, seg_start, lengths


def _top_two(layout: _Layout, lam: np.ndarray, rows: np.ndarray):
    """Best and second-best reduced profit `w_i − λ_j c_ij` of each row (programs only, no floor at 0).

    Returns best value, best program, best entry, second value (−inf if none), second program (−1).
    """
    entries, seg_start, lengths = _gather_rows(layout.indptr, rows)
    values = layout.entry_weights[entries] - lam[layout.programs[entries]] * layout.costs_f[entries]
    best = np.maximum.reduceat(values, seg_start)
    positions = np.arange(entries.size, dtype=np.int64)
    first = np.minimum.reduceat(
        np.where(values == np.repeat(best, lengths), positions, entries.size), seg_start
    )
    values[first] = -np.inf
    second = np.maximum.reduceat(values, seg_start)
    second_first = np.minimum.reduceat(
        np.where((values == np.repeat(second, lengths)) & (values > -np.inf), positions, entries.size),
        seg_start,
    )
    has_second = second_first < entries.size
    second_program = np.full(rows.size, -1, dtype=np.int64)
    second_program[has_second] = layout.programs[entries[second_first[has_second]]]
    best_entry = entries[first]
    return best, layout.programs[best_entry], best_entry, second, second_program


def _price(margins: np.ndarray, costs: np.ndarray, budget: int) -> float:
    """The λ minimising `λ B + Σ max(a_i, w_i − λ c_i)`: the margin at which the budget is first exceeded."""
    positive = np.flatnonzero(margins > 0)
    if positive.size == 0:
        return 0.0
    wanted = costs[positive]
    if int(wanted.sum()) <= budget:
        return 0.0
    chosen = margins[positive]
    order = np.argsort(-chosen, kind="stable")
    crossing = int(np.searchsorted(np.cumsum(wanted[order]), budget, side="right"))
    return float(chosen[order[crossing]])


class _Dual:
    def __init__(self, layout: _Layout):
        self.layout = layout
        self.lam = np.zeros(layout.p)
        self.best = np.full(layout.n, -np.inf)
        self.best_program = np.full(layout.n, -1, dtype=np.int64)
        self.second = np.full(layout.n, -np.inf)
        self.second_program = np.full(layout.n, -1, dtype=np.int64)
        self.nonempty = np.flatnonzero(layout.lengths > 0)

    def start(self) -> None:
        # Each program alone: the price that fills its budget if no candidate had an alternative. It is at
        # least the optimal price, so the sweeps move prices down as the programs learn of each other.
        layout = self.layout
        for j in range(layout.p):
            self.lam[j] = _price(layout.col_weights[j] / layout.col_costs_f[j], layout.col_costs[j],
                                 int(layout.budgets[j]))  # fmt: skip
        self.refresh()

    def refresh(self) -> None:
        rows = self.nonempty
        if rows.size:
            best, best_program, _, second, second_program = _top_two(self.layout, self.lam, rows)
            self.best[rows], self.best_program[rows] = best, best_program
            self.second[rows], self.second_program[rows] = second, second_program

    def bound(self) -> float:
        """UB(λ) from the maintained best values (the reported bound is recomputed from scratch)."""
        return float(self.lam @ self.layout.budgets.astype(np.float64) + np.maximum(self.best, 0).sum())

    def update(self, j: int) -> None:
        layout = self.layout
        rows = layout.col_rows[j]
        if rows.size == 0:
            self.lam[j] = 0.0
            return
        costs_f = layout.col_costs_f[j]
        weights = layout.col_weights[j]
        best, best_program = self.best[rows], self.best_program[rows]
        second, second_program = self.second[rows], self.second_program[rows]
        is_best = best_program == j
        is_second = second_program == j
        alternative = np.maximum(np.where(is_best, second, best), 0.0)
        lam = _price((weights - alternative) / costs_f, layout.col_costs[j], int(layout.budgets[j]))
        self.lam[j] = lam
        value = weights - lam * costs_f

        # Incremental top-two update; rows where j falls below a value it held are recomputed in full,
        # since their new second-best is not known here.
        others = ~(is_best | is_second)
        new_best = np.where(is_best, value, best)
        new_best_program = best_program.copy()
        new_second, new_second_program = second.copy(), second_program.copy()
        recompute = is_best & (value < second)
        promoted = (is_second | others) & (value > best)
        new_second[promoted], new_second_program[promoted] = best[promoted], best_program[promoted]
        new_best[promoted], new_best_program[promoted] = value[promoted], j
        stays_second = is_second & ~promoted & (value >= second)
        new_second[stays_second] = value[stays_second]
        recompute |= is_second & (value < second)
        enters_second = others & ~promoted & (value > second)
        new_second[enters_second], new_second_program[enters_second] = value[enters_second], j
        self.best[rows], self.best_program[rows] = new_best, new_best_program
        self.second[rows], self.second_program[rows] = new_second, new_second_program
        if recompute.any():
            stale = rows[recompute]
            best, best_program, _, second, second_program = _top_two(layout, self.lam, stale)
            self.best[stale], self.best_program[stale] = best, best_program
            self.second[stale], self.second_program[stale] = second, second_program


class _SmoothDual:
    """Newton's method on the entropy-smoothed dual, for a decreasing temperature τ.

    f_τ(μ) = μ·b + Σ_i τ log(1 + Σ_j exp((w_i − μ_j c_ij) / τ)) lies between UB and UB + τ Σ_i log(1 + k_i),
    is smooth and convex, so Newton converges where coordinate descent on UB stalls at its kinks (the
    discrete costs make many candidates tie between programs at the optimum). Prices and costs are scaled
    by the mean cost (μ = λ · scale) so that the Newton system is well scaled.

    Only the rows whose two best options (a program or "not funded") are within `width` are smoothed; the
    others are taken as linear in μ (their best option stays best nearby), which is exact up to e^(−width/τ)
    while μ moves little. Each temperature level picks its working rows again, and the bound is always
    evaluated on all rows, so this only speeds up the search for λ.
    """

    def __init__(self, layout: _Layout):
        self.layout = layout
        self.scale = float(layout.costs_f.mean())
        self.c = layout.costs_f / self.scale
        self.b = layout.budgets.astype(np.float64) / self.scale
        self.nonempty = np.flatnonzero(layout.lengths > 0)

    def exact_bound(self, mu: np.ndarray) -> float:
        layout = self.layout
        v = layout.entry_weights - mu[layout.programs] * self.c
        top = np.maximum(np.maximum.reduceat(v, layout.indptr[self.nonempty]), 0.0)
        return float(mu @ self.b + top.sum())

    def restrict(self, mu: np.ndarray, width: float) -> None:
        layout = self.layout
        best, best_program, best_entry, second, _ = _top_two(layout, mu / self.scale, self.nonempty)
        funded = best > 0
        runner_up = np.where(funded, np.maximum(second, 0.0), best)
        top = np.maximum(best, 0.0)
        close = top - runner_up < width
        fixed = funded & ~close
        self.fixed_weight = float(layout.weights[self.nonempty[fixed]].sum())
        self.fixed_cost = np.bincount(best_program[fixed], self.c[best_entry[fixed]], layout.p)
        rows = self.nonempty[close]
        entries, seg_start, lengths = _gather_rows(layout.indptr, rows)
        self.rows = rows
        self.entries = entries
        self.starts = seg_start
        self.lengths = lengths
        self.row_of_entry = np.repeat(np.arange(rows.size), lengths)
        self.programs = layout.programs[entries]
        self.costs = self.c[entries]
        self.weights = layout.entry_weights[entries]

    def value(self, mu: np.ndarray, tau: float):
        """f_τ on the working rows plus the linear rest, and the working rows' exponentials."""
        linear = float(mu @ (self.b - self.fixed_cost)) + self.fixed_weight
        if self.rows.size == 0:
            return linear, None, None, None
        v = self.weights - mu[self.programs] * self.costs
        top = np.maximum(np.maximum.reduceat(v, self.starts), 0.0)
        e = np.exp((v - top[self.row_of_entry]) / tau)
        none = np.exp(-top / tau)
        z = none + np.add.reduceat(e, self.starts)
        return linear + float((top + tau * np.log(z)).sum()), e, z, none

    def newton_direction(self, mu: np.ndarray, tau: float, e, z, none) -> tuple[np.ndarray, np.ndarray]:
        p_count = self.layout.p
        gradient = self.b - self.fixed_cost
        hessian = np.zeros((p_count, p_count))
        if self.rows.size:
            prob = e / z[self.row_of_entry]
            q = self.costs * prob
            gradient = gradient - np.bincount(self.programs, q, p_count)
            hessian += np.diag(np.bincount(self.programs, q * self.costs * (1.0 - prob), p_count) / tau)
            # Off-diagonal terms come only from rows split between programs; a row whose choice is
            # certain to 1e-10 contributes nothing measurable.
            certainty = np.maximum(np.maximum.reduceat(prob, self.starts), none / z)
            split = np.flatnonzero(certainty < 1 - 1e-10)
            if split.size:
                seg_start, lengths = self.starts[split], self.lengths[split]
                repeats = np.repeat(lengths, lengths)
                base = np.repeat(seg_start, lengths)
                packed_start = np.cumsum(lengths) - lengths
                entries = np.arange(int(lengths.sum())) + np.repeat(seg_start - packed_start, lengths)
                left = np.repeat(entries, repeats)
                offsets = np.cumsum(repeats) - repeats
                right = np.arange(left.size) - np.repeat(offsets, repeats) + np.repeat(base, repeats)
                distinct = left != right
                left, right = left[distinct], right[distinct]
                pair = self.programs[left] * p_count + self.programs[right]
                hessian -= (
                    np.bincount(pair, q[left] * q[right], p_count * p_count).reshape(p_count, p_count) / tau
                )
        # Programs at price 0 with money to spare stay there (the projection onto μ ≥ 0).
        free = ~((mu <= 0) & (gradient > 0))
        step = np.zeros(p_count)
        if free.any():
            block = hessian[np.ix_(free, free)]
            ridge = 1e-9 * max(float(np.trace(block)) / int(free.sum()), 1e-300) + 1e-12
            try:
                step[free] = np.linalg.solve(block + ridge * np.eye(int(free.sum())), -gradient[free])
            except np.linalg.LinAlgError:
                step[free] = -gradient[free] / np.maximum(np.diag(block), ridge)
        return step, gradient


def _smooth_prices(layout: _Layout, lam: np.ndarray, deadline: float) -> tuple[np.ndarray, int]:
    """Refine λ by Newton on f_τ from τ = TAU_START to TAU_END (× mean weight); keep the λ of least UB.
    Stops early after the iterations NEWTON_ENTRY_BUDGET allows for this size, or at the deadline."""
    max_iterations = max(MIN_NEWTON_ITERATIONS, NEWTON_ENTRY_BUDGET // max(1, layout.rows.size))
    dual = _SmoothDual(layout)
    mu = lam * dual.scale
    mean_weight = float(layout.weights[dual.nonempty].mean())
    tau = TAU_START * mean_weight
    best_exact, best_mu = dual.exact_bound(mu), mu.copy()
    iterations = 0
    while time.perf_counter() < deadline and iterations < max_iterations:
        dual.restrict(mu, max(WORKING_WIDTH * mean_weight, 60 * tau))
        smooth, e, z, none = dual.value(mu, tau)
        for _ in range(MAX_LEVEL_ITERATIONS):
            if time.perf_counter() >= deadline or iterations >= max_iterations:
                break
            step, gradient = dual.newton_direction(mu, tau, e, z, none)
            iterations += 1
            # A price moves by at most a tenth of a mean weight per step (in scaled units).
            largest = float(np.abs(step).max()) if step.size else 0.0
            if largest > 0.1 * mean_weight:
                step *= 0.1 * mean_weight / largest
            alpha = 1.0
            while True:
                trial = np.maximum(mu + alpha * step, 0.0)
                trial_smooth, trial_e, trial_z, trial_none = dual.value(trial, tau)
                if trial_smooth <= smooth + 1e-4 * float(gradient @ (trial - mu)) or alpha < 1e-3:
                    break
                alpha *= 0.25
            decrease = smooth - trial_smooth
            if trial_smooth <= smooth:
                mu, smooth, e, z, none = trial, trial_smooth, trial_e, trial_z, trial_none
            if decrease <= 1e-9 * abs(smooth) or alpha < 1e-3:
                break
        exact = dual.exact_bound(mu)
        if exact < best_exact:
            best_exact, best_mu = exact, mu.copy()
        if tau <= TAU_END * mean_weight * 1.0000001:
            break
        tau = max(tau * TAU_FACTOR, TAU_END * mean_weight)
    return best_mu / dual.scale, iterations


def _upper_bound(layout: _Layout, lam: np.ndarray) -> tuple[float, float]:
    """UB(λ) recomputed from scratch and enlarged by a margin for float64 rounding; returns both.

    Each candidate's term `max(0, w_i − λ_j c_ij)` errs by at most a few ulps of w_i (a positive term has
    λ_j c_ij ≤ w_i), each price term by an ulp of itself, and the pairwise sums by far less than 10^-12 of
    the sum of magnitudes, so BOUND_SAFETY × (Σ λ_j B_j + Σ w_i) covers the rounding with room to spare.
    """
    terms = np.zeros(layout.n)
    nonempty = np.flatnonzero(layout.lengths > 0)
    if nonempty.size:
        values = layout.entry_weights - lam[layout.programs] * layout.costs_f
        terms[nonempty] = np.maximum(np.maximum.reduceat(values, layout.indptr[nonempty]), 0.0)
    price_terms = lam * layout.budgets.astype(np.float64)
    margin = BOUND_SAFETY * float(price_terms.sum() + layout.weights[nonempty].sum())
    return float(price_terms.sum() + terms.sum()) + margin, margin


def _segmented_cumsum(values: np.ndarray, segment: np.ndarray, n_segments: int) -> np.ndarray:
    """Running sum of `values` within runs of equal `segment` (sorted)."""
    total = np.cumsum(values)
    starts = np.searchsorted(segment, np.arange(n_segments))
    ends = np.searchsorted(segment, np.arange(n_segments), side="right")
    before = np.zeros(n_segments, dtype=total.dtype)
    has = ends > starts
    before[has] = total[starts[has]] - values[starts[has]]
    return total - before[segment]


def _primal(layout: _Layout, lam: np.ndarray) -> np.ndarray:
    assignment = _deferred_acceptance(layout, lam)
    remaining = layout.budgets - _spent(layout, assignment)
    _fill(layout, assignment, remaining)
    for _ in range(SWAP_ROUNDS if layout.n <= SWAP_MAX_CANDIDATES else 0):
        if not _swap(layout, assignment, remaining):
            break
        _fill(layout, assignment, remaining)
    return assignment


def _swap(layout: _Layout, assignment: np.ndarray, remaining: np.ndarray) -> bool:
    """In each program, replace its lightest funded candidate by the heaviest unfunded one that fits in the
    room it leaves, if heavier. Matters on small instances (a program choosing between one big candidate
    and small ones); on large ones the leftover budgets are small and few swaps apply.
    """
    funded = np.flatnonzero(assignment >= 0)
    unfunded = np.flatnonzero((assignment < 0) & (layout.lengths > 0))
    if funded.size == 0 or unfunded.size == 0:
        return False
    entries, _, lengths = _gather_rows(layout.indptr, funded)
    held = entries[layout.programs[entries] == np.repeat(assignment[funded], lengths)]
    held_program = layout.programs[held]
    # Lightest per program (the most expensive among equals frees the most room).
    order = np.lexsort((held, -layout.costs[held], layout.entry_weights[held], held_program))
    first = np.ones(order.size, dtype=bool)
    first[1:] = held_program[order][1:] != held_program[order][:-1]
    lightest = np.full(layout.p, -1, dtype=np.int64)
    lightest[held_program[order[first]]] = held[order[first]]
    has = lightest >= 0
    room = remaining.copy()
    room[has] += layout.costs[lightest[has]]
    candidates, _, _ = _gather_rows(layout.indptr, unfunded)
    program = layout.programs[candidates]
    heavier = np.full(layout.p, np.inf)
    heavier[has] = layout.entry_weights[lightest[has]]
    useful = (layout.costs[candidates] <= room[program]) & (
        layout.entry_weights[candidates] > heavier[program]
    )
    candidates, program = candidates[useful], program[useful]
    if candidates.size == 0:
        return False
    order = np.lexsort((candidates, -layout.entry_weights[candidates], program))
    first = np.ones(order.size, dtype=bool)
    first[1:] = program[order][1:] != program[order][:-1]
    incoming = candidates[order[first]]
    # A candidate chosen by several programs enters the first of them only.
    _, once = np.unique(layout.rows[incoming], return_index=True)
    incoming = incoming[np.sort(once)]
    outgoing = lightest[layout.programs[incoming]]
    assignment[layout.rows[outgoing]] = -1
    assignment[layout.rows[incoming]] = layout.programs[incoming]
    np.add.at(remaining, layout.programs[outgoing], layout.costs[outgoing])
    np.subtract.at(remaining, layout.programs[incoming], layout.costs[incoming])
    return True


def _deferred_acceptance(layout: _Layout, lam: np.ndarray) -> np.ndarray:
    """Candidates propose to programs in order of reduced profit under λ (only where it is ≥ 0); a program
    holds the proposals with the largest margin per rupiah over the candidate's next option while they fit
    its budget and rejects the rest, who propose to their next program. At the LP optimum many candidates
    tie between programs; this splits each tied group by budget, where assigning all to their argmax
    program overfills some programs by ~10% and leaves others short.
    """
    assignment = np.full(layout.n, -1, dtype=np.int64)
    value = layout.entry_weights - lam[layout.programs] * layout.costs_f
    open_entry = value >= 0
    held = np.zeros(0, dtype=np.int64)
    held_key = np.zeros(0)
    proposing = np.flatnonzero(layout.lengths > 0)
    priority_scale = (
        float(np.mean(layout.weights[proposing] / layout.costs_f[layout.indptr[proposing]]))
        if proposing.size
        else 1.0
    )
    while proposing.size:
        entries, seg_start, lengths = _gather_rows(layout.indptr, proposing)
        values = np.where(open_entry[entries], value[entries], -np.inf)
        best = np.maximum.reduceat(values, seg_start)
        has_offer = best > -np.inf
        if not has_offer.any():
            break
        positions = np.arange(entries.size, dtype=np.int64)
        first = np.minimum.reduceat(np.where(values == np.repeat(best, lengths), positions, entries.size),
                                    seg_start)[has_offer]  # fmt: skip
        values[first] = -np.inf
        next_best = np.maximum(np.maximum.reduceat(values, seg_start)[has_offer], 0.0)
        offers = entries[first]
        priority = (layout.entry_weights[offers] - next_best) / layout.costs_f[offers]
        # Sort key (program, priority descending) as one float: the priority (≥ 0) is mapped into (0, 0.5]
        # decreasingly and added to the program index. The held pool stays sorted; offers are merged in.
        offer_key = layout.programs[offers] + 0.5 / (1.0 + priority / priority_scale)
        order = np.argsort(offer_key, kind="stable")
        offers, offer_key = offers[order], offer_key[order]
        at = np.searchsorted(held_key, offer_key, side="right")
        pool, pool_key = np.insert(held, at, offers), np.insert(held_key, at, offer_key)
        pool_program = layout.programs[pool]
        fits = _segmented_cumsum(layout.costs[pool], pool_program, layout.p) <= layout.budgets[pool_program]
        rejected = pool[~fits]
        open_entry[rejected] = False
        held, held_key = pool[fits], pool_key[fits]
        proposing = np.unique(layout.rows[rejected])
    assignment[layout.rows[held]] = layout.programs[held]
    return assignment


def _fill(layout: _Layout, assignment: np.ndarray, remaining: np.ndarray) -> None:
    unfunded = np.flatnonzero((assignment < 0) & (layout.lengths > 0))
    if unfunded.size == 0:
        return
    entries, _, _ = _gather_rows(layout.indptr, unfunded)
    entries = entries[layout.costs[entries] <= remaining[layout.programs[entries]]]
    score = layout.entry_weights[entries] / layout.costs_f[entries]
    entries = entries[np.lexsort((entries, -score, layout.programs[entries]))]
    for _ in range(MAX_FILL_ROUNDS):
        programs = layout.programs[entries]
        alive = (assignment[layout.rows[entries]] < 0) & (layout.costs[entries] <= remaining[programs])
        entries = entries[alive]
        if entries.size == 0:
            return
        programs = programs[alive]
        costs = layout.costs[entries]
        taken = entries[_segmented_cumsum(costs, programs, layout.p) <= remaining[programs]]
        # One program per candidate: the claim with the best score, then the lowest entry index.
        claim_rows = layout.rows[taken]
        claim_score = layout.entry_weights[taken] / layout.costs_f[taken]
        order = np.lexsort((taken, -claim_score, claim_rows))
        first = np.ones(order.size, dtype=bool)
        first[1:] = claim_rows[order][1:] != claim_rows[order][:-1]
        won = taken[order[first]]
        assignment[layout.rows[won]] = layout.programs[won]
        np.subtract.at(remaining, layout.programs[won], layout.costs[won])


def _spent(layout: _Layout, assignment: np.ndarray) -> np.ndarray:
    funded = np.flatnonzero(assignment >= 0)
    if funded.size == 0:
        return np.zeros(layout.p, dtype=np.int64)
    entries, _, lengths = _gather_rows(layout.indptr, funded)
    match = layout.programs[entries] == np.repeat(assignment[funded], lengths)
    chosen = entries[match]
    if chosen.size != funded.size:
        raise AssertionError("a candidate is funded by a program it is not eligible for")
    spent = np.zeros(layout.p, dtype=np.int64)
    np.add.at(spent, layout.programs[chosen], layout.costs[chosen])
    return spent


def _sample(instance: Instance) -> Instance:
    """Every k-th candidate, with each budget scaled to the sample's share of the candidates."""
    step = -(-instance.n_candidates // SAMPLE_SIZE)
    rows = np.arange(0, instance.n_candidates, step)
    entries, _, lengths = _gather_rows(instance.indptr, rows)
    indptr = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return Instance(
        program_ids=instance.program_ids,
        budgets=(instance.budgets * (rows.size / instance.n_candidates)).astype(np.int64),
        candidate_ids=tuple(str(i) for i in rows.tolist()),
        weights=instance.weights[rows],
        indptr=indptr,
        programs=instance.programs[entries],
        costs=instance.costs[entries],
    )


def _prices(instance: Instance, layout: _Layout, deadline: float) -> tuple[np.ndarray, int]:
    """Dual prices λ: coordinate sweeps, then Newton on the smoothed dual.

    Above SAMPLE_SIZE candidates the prices are first solved on an evenly spaced sample with budgets
    scaled down (a program's price is a property of the distribution of its candidates, which the sample
    keeps); Newton on the whole instance then starts from them.
    """
    if layout.rows.size == 0 or layout.p == 0:
        return np.zeros(layout.p), 0
    if instance.n_candidates > SAMPLE_SIZE:
        sample = _sample(instance)
        lam, iterations = _prices(sample, _Layout(sample), deadline)
        lam, newton_iterations = _smooth_prices(layout, lam, deadline)
        return lam, iterations + newton_iterations
    dual = _Dual(layout)
    dual.start()
    iterations = 0
    for sweep in range(COORDINATE_SWEEPS):
        if sweep and time.perf_counter() >= deadline:
            break
        for j in range(layout.p):
            dual.update(j)
        iterations += 1
    lam, newton_iterations = _smooth_prices(layout, dual.lam.copy(), deadline)
    return lam, iterations + newton_iterations


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
