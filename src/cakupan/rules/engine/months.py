"""Contribution months (`2026-01`) and whole-rupiah rounding: the two primitives every rule uses."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from cakupan.rules.engine.errors import RulesError

__all__ = ["Month", "percent_of", "round_half_up"]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# The holiday calendar covers 1946-2100; nothing in the rules is older than 2015.
MIN_YEAR = 1946
MAX_YEAR = 2100


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, the unit contributions are due and paid in."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and MIN_YEAR <= self.year <= MAX_YEAR):
            raise ValueError(f"invalid month {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str, *, field: str = "month", label: str = "Bulan") -> Month:
        match = _MONTH_RE.match(text.strip()) if isinstance(text, str) else None
        if match:
            year, month = int(match[1]), int(match[2])
            # The last year is kept free so that a year of months from any parsed month stays in range.
            if 1 <= month <= 12 and MIN_YEAR <= year < MAX_YEAR:
                return cls(year, month)
        raise RulesError(
            "month_format",
            f"{label} harus berformat TTTT-BB (tahun-bulan), misalnya 2026-01; '{text}' tidak dikenali.",
            field=field,
        )

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def months_until(self, other: Month) -> int:
        """How many months from self to other (negative when other is earlier)."""
        return (other.year - self.year) * 12 + (other.month - self.month)

    def day(self, number: int) -> dt.date:
        return dt.date(self.year, self.month, number)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def round_half_up(value: Decimal) -> int:
    """Whole rupiah, halves away from zero: the document's rounding Decision (sections 2.2 and 2.3)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(amount: int, percent: Decimal) -> int:
    return round_half_up(Decimal(amount) * percent / 100)
