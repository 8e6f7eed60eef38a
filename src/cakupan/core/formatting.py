"""Indonesian number, money and date formats (docs/ux-bahasa.md): `Rp16.800`, `42,9%`, `23 November 2026`.

Plain functions (no Django import) so that the rules engine's messages, the CLIs, the pages and exports
all write numbers the same way; the template filters in `core/templatetags/format_id.py` and
`rules/templatetags/rules_format.py` wrap these.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "MONTH_NAMES",
    "date_long",
    "date_short",
    "decimal_number",
    "month_long",
    "number",
    "percent",
    "rupiah",
    "rupiah_short",
]

MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# Headline units, largest first. Below a million, headlines show the exact amount.
_UNITS = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"))


def number(value: int) -> str:
    """5760000 -> '5.760.000'."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")


def rupiah(value: int) -> str:
    """16800 -> 'Rp16.800'; the exact amount, for tables."""
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{number(abs(value))}"


def _decimal_text(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole_text = number(int(whole.lstrip("-") or "0"))
    return sign + whole_text + ("," + fraction if fraction else "")


def rupiah_short(value: int) -> str:
    """42000000 -> 'Rp42 juta', 1200000000 -> 'Rp1,2 miliar': for headlines, one decimal at most."""
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    for index, (size, unit) in enumerate(_UNITS):
        if magnitude >= size:
            scaled = (Decimal(magnitude) / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            # 999,96 juta rounds to 1.000,0 juta: say 1 miliar instead.
            if index > 0 and scaled >= 1000:
                size, unit = _UNITS[index - 1]
                scaled = (Decimal(magnitude) / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            return f"{sign}Rp{_decimal_text(scaled, 1)} {unit}"
    return rupiah(value)


def decimal_number(value: Decimal | int, places: int = 1) -> str:
    """Decimal('1234.5') -> '1.234,5'; trailing zeros dropped (Decimal('48.00') -> '48')."""
    return _decimal_text(Decimal(value), places)


def percent(value: Decimal | int, places: int = 1) -> str:
    """Decimal('42.9') -> '42,9%'; trailing zeros dropped (50 -> '50%')."""
    return _decimal_text(Decimal(value), places) + "%"


def date_long(day: dt.date) -> str:
    """'23 November 2026', for running text."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def date_short(day: dt.date) -> str:
    """'23/11/2026', for tables and forms."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def month_long(month) -> str:
    """'November 2026', for anything with `year` and `month` (a date, the rules engine's Month)."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"
