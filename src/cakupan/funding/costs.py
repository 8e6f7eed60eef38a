"""What a program pays per worker, from the rules engine. Plain Python, no Django.

A program's price for a worker depends only on the package (programs, income level), the months, the
funding source (APBD pays full price, others get the PP 50/2025 discount where it applies) and the
worker's sector (the discount windows differ by sector). So the engine is asked once per distinct sector,
never once per worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS
from cakupan.rules.engine import Month, contribution_period, default_book

__all__ = ["BPU_SECTORS", "PackageCost", "first_priced_month", "package_cost"]

BPU_SECTORS = tuple(code for code in SECTOR_LABELS if code != FORMAL_SECTOR)


@dataclass(frozen=True)
class PackageCost:
    total: int
    per_month: tuple[tuple[dt.date, int], ...]  # (first day of the month, contribution)


@lru_cache(maxsize=4096)
def package_cost(
    *,
    income_level: int,
    programs: tuple[str, ...],
    start_month: dt.date,
    months: int,
    funding: str,
    sector: str,
) -> PackageCost:
    """Cost of `months` months from `start_month` for one worker of `sector`. Raises RulesError."""
    period = contribution_period(
        income=income_level,
        programs=programs,
        first_month=Month.of(start_month),
        months=months,
        funding=funding,
        sector=sector,
    )
    return PackageCost(
        total=period.total, per_month=tuple((c.month.first_day, c.total) for c in period.months)
    )


@lru_cache(maxsize=1)
def first_priced_month() -> dt.date:
    """The first month the recorded rules price in full (PP 82/2019 took effect on 2 December 2019, so
    contributions are known from January 2020): funding pages offer no earlier month."""
    first = min(version.effective_from for version in default_book().versions)
    if first.day == 1:
        return first
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
