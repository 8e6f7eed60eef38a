"""Working days and contribution due dates, with Indonesian public holidays from the `holidays` library.

Which days are not working days is data (`non_working_days`: weekend weekdays and the library's holiday
categories), so moving to, say, counting cuti bersama is a data edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from zoneinfo import ZoneInfo

from cakupan.rules.engine.figures import RuleBook, RuleSet, default_book
from cakupan.rules.engine.months import Month

__all__ = ["WorkingCalendar", "due_date", "today_jakarta"]

JAKARTA = ZoneInfo("Asia/Jakarta")


def today_jakarta() -> dt.date:
    return dt.datetime.now(JAKARTA).date()


@lru_cache(maxsize=256)
def _holidays(year: int, categories: tuple[str, ...]) -> dict[dt.date, str]:
    # Imported on the first date asked about, not at start-up: every command loads the rules engine.
    import holidays

    calendar = holidays.country_holidays("ID", years=year, categories=categories, language="id")
    return dict(calendar.items())


class WorkingCalendar:
    """Working days under one rules version.

    `figure` names which non-working days count: `non_working_days` for contribution due dates,
    `claim_non_working_days` (with cuti bersama) for claim service levels. `changes` corrects the library's
    dates after a later decree: a date mapped to a name becomes a holiday, a date mapped to None stops
    being one (cuti bersama are moved by new decrees more often than the library is released)."""

    def __init__(
        self,
        ruleset: RuleSet,
        *,
        figure: str = "non_working_days",
        changes: Mapping[dt.date, str | None] | None = None,
    ) -> None:
        rule = ruleset[figure]
        self.weekend = frozenset(rule["weekdays"])
        self.categories = tuple(sorted(rule["holiday_categories"]))
        self.citation = rule.citation
        self.changes = dict(changes or {})

    def holiday_name(self, day: dt.date) -> str | None:
        if day in self.changes:
            return self.changes[day]
        return _holidays(day.year, self.categories).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return day.isoweekday() not in self.weekend and self.holiday_name(day) is None

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `start` (`start` itself is not counted)."""
        day = start
        remaining = count
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day


def due_date(month: Month, *, book: RuleBook | None = None) -> dt.date:
    """Last day to pay for a contribution month: the due day (15th) of that month, or the next working
    day when the 15th is a weekend day or a public holiday."""
    ruleset = (book or default_book()).for_month(month)
    return WorkingCalendar(ruleset).next_working_day(month.day(ruleset["due_day"].value))
