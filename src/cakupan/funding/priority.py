"""Priority weights for allocation: who should the next rupiah cover first. Plain Python/NumPy, no Django.

The weight of a candidate is a sum of tiers whose steps never overlap, so a lower tier only breaks ties
of the tier above it:

1. **Welfare decile** (DTSEN): decile 1 gets 10 steps, decile 10 one step, unknown decile none.
   Banten's priority group is deciles 1–5 (docs/jamsostek-rules.md §6). Step = 100.
2. **Sector accident risk** (JKK exposure): fishers and transport workers first. A Cakupan decision, not
   a regulation figure; 0–9 points × 10, always below one decile step.
3. **Renewal**: a worker whose funded cover ends just before the plan starts gets 5 points, because
   keeping someone covered is cheaper than finding and enrolling someone new, and a lapse loses the JKM
   scholarship count (36 months).

Every weight is > 0 (the solver requires it): the smallest is 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DECILE_STEP", "SECTOR_RISK", "weights"]

DECILE_STEP = 100.0
SECTOR_STEP = 10.0
RENEWAL_POINTS = 5.0

SECTOR_RISK: dict[str, int] = {
    "nelayan": 9,
    "transportasi": 8,
    "buruh_harian": 7,
    "pemulung": 7,
    "petani": 6,
    "peternak": 5,
    "pengrajin": 4,
    "prt": 4,
    "pedagang": 3,
    "jasa": 2,
    "lainnya": 1,
}


def weights(
    *,
    deciles: np.ndarray,
    sectors: np.ndarray,
    renewal: np.ndarray,
    sector_risk: bool = True,
    prefer_renewals: bool = True,
) -> np.ndarray:
    """Weights for candidates given as parallel arrays: deciles (int, 0 = unknown), sector codes (str),
    renewal flags (bool)."""
    # NumPy here, not at module level: SERTAKAN's services import this module, and they load at start-up.
    import numpy as np

    deciles = np.asarray(deciles, dtype=np.int64)
    known = (deciles >= 1) & (deciles <= 10)
    result = np.where(known, (11 - deciles) * DECILE_STEP, 0.0)
    if sector_risk:
        codes, inverse = np.unique(np.asarray(sectors, dtype=str), return_inverse=True)
        risk = np.array([SECTOR_RISK.get(str(code), 0) for code in codes], dtype=np.float64)
        result = result + risk[inverse.reshape(-1)] * SECTOR_STEP
    if prefer_renewals:
        result = result + np.where(np.asarray(renewal, dtype=bool), RENEWAL_POINTS, 0.0)
    return result + 1.0
