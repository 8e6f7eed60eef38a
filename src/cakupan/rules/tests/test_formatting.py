"""Indonesian number and date formats, in Python and in templates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from cakupan.core.formatting import (
    date_long,
    date_short,
    month_long,
    number,
    percent,
    rupiah,
    rupiah_short,
)
from cakupan.rules.engine import Month


@pytest.mark.parametrize(
    ("value", "text"), [(16_800, "Rp16.800"), (0, "Rp0"), (201_600, "Rp201.600"), (-5_000, "-Rp5.000")]
)
def test_rupiah(value, text):
    assert rupiah(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (42_000_000, "Rp42 juta"),
        (174_000_000, "Rp174 juta"),
        (1_200_000_000, "Rp1,2 miliar"),
        (48_550_000, "Rp48,6 juta"),
        (999_960_000, "Rp1 miliar"),
        (2_500_000_000_000, "Rp2,5 triliun"),
        (201_600, "Rp201.600"),
    ],
)
def test_rupiah_short(value, text):
    assert rupiah_short(value) == text


def test_numbers_percentages_and_dates():
    assert number(5_760_000) == "5.760.000"
    assert percent(Decimal("42.9")) == "42,9%"
    assert percent(Decimal("99.5")) == "99,5%"
    assert percent(50) == "50%"
    assert date_long(dt.date(2026, 11, 23)) == "23 November 2026"
    assert date_short(dt.date(2026, 1, 5)) == "05/01/2026"
    assert month_long(Month(2026, 2)) == "Februari 2026"


def test_template_filters():
    template = Template(
        "{% load rules_format %}{{ a|rupiah }} {{ b|rupiah_short }} {{ c|persen }} {{ d|tanggal }} "
        "{{ e|bulan }} {{ f|angka }} {{ g|desimal }} {{ h|keyakinan }} {{ i|rupiah }}"
    )
    rendered = template.render(
        Context(
            {
                "a": 16_800,
                "b": 42_000_000,
                "c": Decimal("42.9"),
                "d": dt.date(2026, 11, 23),
                "e": Month(2026, 11),
                "f": 5_760_000,
                "g": Decimal("48.00"),
                "h": "M",
                "i": "n/a",
            }
        )
    )
    assert (
        rendered
        == "Rp16.800 Rp42 juta 42,9% 23 November 2026 November 2026 5.760.000 48 keyakinan sedang n/a"
    )
