"""Apportionment: split a whole number in proportion to weights so that the parts add up exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def largest_remainder(total: int, weights) -> np.ndarray:
    """Split `total` in proportion to `weights` into integers that add up to exactly `total`.

    Hamilton's method: everyone gets the floor of their quota, the leftover units go to the largest
    fractional remainders; ties go to the earlier weight so the split is deterministic.
    """
    # Here, not at module level: the coverage selectors, loaded at start-up, call this for a handful of
    # regencies only.
    import numpy as np

    weights = np.asarray(weights, dtype=np.float64)
    if total < 0 or weights.size == 0 or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("largest_remainder needs a non-negative total and positive weights")
    quotas = weights / weights.sum() * total
    floors = np.floor(quotas).astype(np.int64)
    short = total - int(floors.sum())
    if short:
        order = np.argsort(-(quotas - floors), kind="stable")
        floors[order[:short]] += 1
    return floors
