"""The instance's entries by candidate (CSR) and by program (CSC), and the operations on segments of
entries that the dual and the primal share."""

from __future__ import annotations

import numpy as np

from cakupan.allocation.instance import Instance


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


def _segmented_cumsum(values: np.ndarray, segment: np.ndarray, n_segments: int) -> np.ndarray:
    """Running sum of `values` within runs of equal `segment` (sorted)."""
    total = np.cumsum(values)
    starts = np.searchsorted(segment, np.arange(n_segments))
    ends = np.searchsorted(segment, np.arange(n_segments), side="right")
    before = np.zeros(n_segments, dtype=total.dtype)
    has = ends > starts
    before[has] = total[starts[has]] - values[starts[has]]
    return total - before[segment]
