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

The package follows those steps: `layout` holds the instance's entries by candidate and by program,
`dual` finds the prices λ and the bound (steps 1 and 3), `primal` the plan under λ (step 2), and
`solution` runs them in turn (`solve`) and writes the plan as JSON.
"""

from cakupan.allocation.instance import (
    AllocationInputError,
    Instance,
    instance_from_arrays,
    instance_from_json,
)
from cakupan.allocation.solver.solution import Solution, solution_to_json, solve

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
