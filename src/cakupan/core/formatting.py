"""Indonesian number formats (dot for thousands, comma for decimals). No Django import."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember")  # fmt: skip
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))


def number_id(value: int | Decimal | float, decimals: int = 0) -> str:
    """5760000 → '5.760.000'; 42.857 with 1 decimal → '42,9'."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if decimals else f"{sign}{grouped}"


def percent_id(value: Decimal | float | None, decimals: int = 1) -> str:
    return "–" if value is None else f"{number_id(value, decimals)}%"


def rupiah(value: int) -> str:
    """Exact amount for tables: Rp16.800."""
    return f"Rp{number_id(value)}"


def rupiah_short(value: int) -> str:
    """Headline amount: Rp1,2 miliar; below a thousand the exact figure."""
    for size, word in _SCALES:
        if abs(value) >= size:
            amount = number_id(Decimal(value) / size, 1).removesuffix(",0")
            return f"Rp{amount} {word}"
    return rupiah(value)


def month_id(year: int, month: int) -> str:
    return f"{MONTHS_ID[month - 1]} {year}"
