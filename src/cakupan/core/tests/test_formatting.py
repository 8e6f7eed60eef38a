from decimal import Decimal

import pytest

from cakupan.core import formatting


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (5_760_000, 0, "5.760.000"),
        (0, 0, "0"),
        (999, 0, "999"),
        (Decimal("42.857"), 1, "42,9"),
        (Decimal("99.5"), 1, "99,5"),
        (Decimal("0.05"), 1, "0,1"),  # half-up, not banker's rounding
        (-1234567, 0, "-1.234.567"),
    ],
)
def test_number_id(value, decimals, expected):
    assert formatting.number_id(value, decimals) == expected


def test_percent_and_money():
    assert formatting.percent_id(Decimal("42.9")) == "42,9%"
    assert formatting.percent_id(None) == "–"
    assert formatting.rupiah(16_800) == "Rp16.800"
    assert formatting.rupiah(201_600) == "Rp201.600"
    assert formatting.rupiah_short(1_200_000_000) == "Rp1,2 miliar"
    assert formatting.rupiah_short(42_000_000) == "Rp42 juta"
    assert formatting.rupiah_short(3_500_000_000_000) == "Rp3,5 triliun"
    assert formatting.rupiah_short(750) == "Rp750"
    assert formatting.month_id(2026, 11) == "November 2026"
