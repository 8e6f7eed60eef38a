"""Steps 1 and 3 of the solver: the program prices λ (exact coordinate descent on UB, then Newton on the
entropy-smoothed dual, first on a sample for large instances) and the bound UB(λ) over all candidates."""

from __future__ import annotations

import time

import numpy as np

from cakupan.allocation.instance import Instance
from cakupan.allocation.solver.layout import _gather_rows, _Layout, _top_two

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
# The bound is summed in float64; this relative margin covers its rounding error many times over
# (pairwise summation of ≤ 10^8 terms errs by far less than 10^-12 of the sum of absolute values).
BOUND_SAFETY = 1e-9


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
