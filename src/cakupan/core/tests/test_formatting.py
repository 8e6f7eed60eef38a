"""The landing page's filters over the shared Indonesian formats (the formats themselves are tested in
rules/tests/test_formatting.py)."""

import datetime as dt
from decimal import Decimal

from cakupan.core.templatetags.format_id import angka, bulan, persen


def test_filters():
    assert angka(5_760_000) == "5.760.000"
    assert angka(None) == "–"
    assert persen(Decimal("42.86")) == "42,9%"
    assert persen(Decimal("99.50")) == "99,5%"
    assert persen(None) == "–"
    assert bulan(dt.date(2026, 11, 1)) == "November 2026"
    assert bulan(None) == "–"
