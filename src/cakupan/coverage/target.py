"""The Universal Coverage Jamsostek target: a figure of the rules data with its source and year (RPJPN
2025–2045, docs/jamsostek-rules.md §8), not a constant in the code. No Django import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from cakupan.rules.engine import default_book

__all__ = ["Target", "ucj_target"]


@dataclass(frozen=True)
class Target:
    pct: Decimal
    year: int
    source: str

    @property
    def text(self) -> str:
        """ "99,5% pada 2045 (RPJPN 2025-2045)", for pages and exports."""
        pct = f"{self.pct:f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{pct}% pada {self.year} ({self.source})"


@lru_cache(maxsize=1)
def ucj_target() -> Target:
    # Every rules version carries the target; the current one is read once per process.
    figure = default_book().for_date(dt.date.today())["ucj_target_percent"]
    return Target(pct=figure.value, year=int(figure["year"]), source=figure.citation.instrument)
