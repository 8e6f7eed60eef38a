"""Step 2 of the solver: the plan under the prices λ. Deferred acceptance, then the leftover budgets filled
greedily by weight per rupiah and, on small instances, lightest-for-heaviest swaps."""

from __future__ import annotations

import numpy as np

from cakupan.allocation.solver.layout import _gather_rows, _Layout, _segmented_cumsum

MAX_FILL_ROUNDS = 10
SWAP_ROUNDS = 5
# Swaps matter where a program funds a handful of candidates; a round costs about a coordinate sweep.
SWAP_MAX_CANDIDATES = 20_000


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
