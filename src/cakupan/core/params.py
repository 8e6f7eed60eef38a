"""Query parameters of pages and API routes (months), checked with a Bahasa message for people
and a stable code for machines, so that no value a user can type reaches the code unchecked. No Django.
"""

from __future__ import annotations

import datetime as dt
import re

from cakupan.core.errors import DomainError
from cakupan.core.formatting import month_long

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def parse_month(
    text: str | None, *, earliest: dt.date, latest: dt.date, field: str = "month", label: str = "Bulan"
) -> dt.date | None:
    """'2026-11' → date(2026, 11, 1) when it lies in [earliest, latest] (first days of months); None when
    empty. Refuses other shapes (month_invalid) and months outside the range (month_out_of_range)."""
    if text is None or not text.strip():
        return None
    match = _MONTH.match(text.strip())
    month = None
    if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
        month = dt.date(int(match[1]), int(match[2]), 1)
    if month is None:
        raise DomainError(
            "month_invalid",
            f"{label} '{text}' tidak sah: gunakan format TTTT-BB, misalnya 2026-01.",
            field=field,
        )
    if not earliest <= month <= latest:
        raise DomainError(
            "month_out_of_range",
            f"{label} {month_long(month)} di luar rentang yang tersedia: {month_long(earliest)} sampai "
            f"{month_long(latest)}.",
            field=field,
        )
    return month
