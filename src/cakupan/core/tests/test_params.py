"""Months from query strings: exact values in range, a Bahasa message and a code out of it."""

import datetime as dt

import pytest

from cakupan.core.errors import DomainError
from cakupan.core.params import parse_month

EARLIEST, LATEST = dt.date(2020, 1, 1), dt.date(2028, 12, 1)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2020-01", EARLIEST),
        (" 2026-11 ", dt.date(2026, 11, 1)),
        ("2028-12", LATEST),
        ("", None),
        (None, None),
    ],
)
def test_months_in_range(text, month):
    assert parse_month(text, earliest=EARLIEST, latest=LATEST) == month


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("2026-13", "month_invalid", "Bulan '2026-13' tidak sah: gunakan format TTTT-BB, misalnya 2026-01."),
        ("0000-05", "month_invalid", "Bulan '0000-05' tidak sah: gunakan format TTTT-BB, misalnya 2026-01."),
        ("26-01", "month_invalid", "Bulan '26-01' tidak sah: gunakan format TTTT-BB, misalnya 2026-01."),
        ("2026-1", "month_invalid", "Bulan '2026-1' tidak sah: gunakan format TTTT-BB, misalnya 2026-01."),
        (
            "2019-12",
            "month_out_of_range",
            "Bulan Desember 2019 di luar rentang yang tersedia: Januari 2020 sampai Desember 2028.",
        ),
        (
            "9999-12",
            "month_out_of_range",
            "Bulan Desember 9999 di luar rentang yang tersedia: Januari 2020 sampai Desember 2028.",
        ),
    ],
)
def test_months_refused(text, code, message):
    with pytest.raises(DomainError) as refused:
        parse_month(text, earliest=EARLIEST, latest=LATEST, field="bulan")
    assert (refused.value.code, refused.value.message, refused.value.field) == (code, message, "bulan")
