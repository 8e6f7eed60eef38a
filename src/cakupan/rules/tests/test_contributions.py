"""Contributions: the document's golden figures, rounding, the PP 50/2025 windows, and refused input."""

from __future__ import annotations

import pytest

from cakupan.rules.engine import Month, RulesError, contribution, contribution_period
from cakupan.rules.tests.conftest import BASE_FILE

MINIMUM = ("jkk", "jkm")
WITH_JHT = ("jkk", "jkm", "jht")


def quote(income=1_000_000, programs=MINIMUM, month="2025-06", funding="self", sector="nelayan", **kwargs):
    return contribution(
        income=income, programs=programs, month=Month.parse(month), funding=funding, sector=sector, **kwargs
    )


def amounts(result) -> dict[str, int]:
    return {line.program: line.amount for line in result.lines}


# --- golden cases (document section 2) ---------------------------------------------------------------


def test_minimum_package_is_16800():
    result = quote()
    assert amounts(result) == {"jkk": 10_000, "jkm": 6_800}
    assert result.total == 16_800
    assert result.income_level == 1_000_000
    assert result.discount is None


def test_minimum_package_with_jht_is_36800():
    result = quote(programs=WITH_JHT)
    assert amounts(result) == {"jkk": 10_000, "jkm": 6_800, "jht": 20_000}
    assert result.total == 36_800


def test_discounted_minimum_is_8400():
    result = quote(month="2026-05")
    assert amounts(result) == {"jkk": 5_000, "jkm": 3_400}
    assert result.total == 8_400
    assert result.full_total == 16_800
    assert result.discount.id == "pp50_2025"
    assert result.discount.amount == 8_400
    assert (str(result.discount.first_month), str(result.discount.last_month)) == ("2026-04", "2026-12")


def test_jht_is_never_discounted():
    result = quote(month="2026-05", programs=WITH_JHT)
    assert amounts(result) == {"jkk": 5_000, "jkm": 3_400, "jht": 20_000}
    assert result.total == 28_400
    assert result.discount.amount == 8_400


def test_a_year_of_the_minimum_package_is_201600():
    period = contribution_period(
        income=1_000_000,
        programs=MINIMUM,
        first_month=Month(2025, 1),
        months=12,
        funding="sponsor",
        sector="prt",
    )
    assert period.total == 201_600
    assert [c.total for c in period.months] == [16_800] * 12


def test_highest_level():
    result = quote(income=20_700_000, programs=WITH_JHT)
    assert amounts(result) == {"jkk": 207_000, "jkm": 6_800, "jht": 414_000}


# --- income levels and rounding ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("income", "level"),
    [
        (0, 1_000_000),
        (350_000, 1_000_000),
        (999_999, 1_000_000),
        (1_000_000, 1_000_000),
        (2_345_678, 2_345_678),
        (20_700_000, 20_700_000),
        (20_700_001, 20_700_000),
        (95_000_000, 20_700_000),
    ],
)
def test_income_is_declared_within_the_levels(income, level):
    result = quote(income=income)
    assert result.income_level == level
    assert result.income == income
    assert bool(result.notes) == (income != level)


def test_percentages_round_half_up_to_whole_rupiah():
    result = quote(income=1_000_050, programs=WITH_JHT)
    # 1% of 1.000.050 is 10.000,5 and 2% is 20.001,0.
    assert amounts(result) == {"jkk": 10_001, "jkm": 6_800, "jht": 20_001}
    assert quote(income=1_000_049).lines[0].amount == 10_000


def test_discounted_lines_round_half_up_each():
    result = quote(income=1_000_100, month="2026-06")
    # Full JKK 10.001 -> 5.000,5 -> 5.001; JKM 6.800 -> 3.400.
    assert amounts(result) == {"jkk": 5_001, "jkm": 3_400}
    assert result.discount.amount == 10_001 + 6_800 - 5_001 - 3_400


def test_table_mode_declares_the_level_below(book_with):
    book = book_with(
        {
            BASE_FILE: [
                ('mode = "range"', 'mode = "table"'),
                ("levels = []", "levels = [1_000_000, 1_500_000, 2_000_000, 20_700_000]"),
            ]
        }
    )
    result = quote(income=1_999_999, book=book)
    assert result.income_level == 1_500_000
    assert result.lines[0].amount == 15_000
    assert "Rp1.500.000" in result.notes[0]
    assert quote(income=2_000_000, book=book).income_level == 2_000_000


def test_a_corrected_figure_is_a_data_edit(book_with):
    book = book_with({BASE_FILE: [("value = 6_800", "value = 7_000")]})
    assert quote(book=book).total == 17_000
    assert quote(month="2026-05", book=book).total == 5_000 + 3_500


# --- PP 50/2025 windows ------------------------------------------------------------------------------

WINDOW_CASES = [
    # month, transport discounted, other sectors discounted
    ("2025-12", False, False),
    ("2026-01", True, False),
    ("2026-03", True, False),
    ("2026-04", True, True),
    ("2026-12", True, True),
    ("2027-01", True, False),
    ("2027-03", True, False),
    ("2027-04", False, False),
]


@pytest.mark.parametrize(("month", "transport", "other"), WINDOW_CASES)
def test_discount_windows_at_their_boundaries(month, transport, other):
    assert quote(month=month, sector="transportasi").total == (8_400 if transport else 16_800)
    for sector in ("nelayan", "petani", "pedagang", "prt", "lainnya"):
        assert quote(month=month, sector=sector).total == (8_400 if other else 16_800), sector


@pytest.mark.parametrize(("month", "transport", "other"), WINDOW_CASES)
@pytest.mark.parametrize("funding", ["apbd", "apbn"])
def test_state_budget_money_is_never_discounted(month, transport, other, funding):
    for sector in ("transportasi", "nelayan"):
        result = quote(month=month, sector=sector, funding=funding)
        assert result.total == 16_800
        assert result.discount is None
    if transport:
        assert "tidak berlaku" in quote(month=month, sector="transportasi", funding=funding).notes[-1]


@pytest.mark.parametrize("funding", ["self", "sponsor", "baznas", "dana_desa", "csr"])
def test_other_funding_sources_get_the_discount(funding):
    assert quote(month="2026-07", funding=funding).total == 8_400


def test_discount_citation_carries_the_window_confidence():
    transport = quote(month="2026-05", sector="transportasi").citations[-1]
    other = quote(month="2026-05", sector="nelayan").citations[-1]
    assert (transport.instrument, transport.confidence) == ("PP 50/2025", "H")
    assert (other.instrument, other.confidence) == ("PP 50/2025", "M")


def test_outside_the_window_the_note_says_when_it_applies():
    result = quote(month="2027-02", sector="nelayan")
    assert result.notes == (
        "Potongan 50% iuran JKK dan JKM (PP 50/2025) untuk sektor ini hanya untuk bulan iuran "
        "April 2026–Desember 2026.",
    )


def test_prepaid_months_cross_the_end_of_the_window():
    period = contribution_period(
        income=0, programs=MINIMUM, first_month=Month(2026, 11), months=3, funding="self", sector="pedagang"
    )
    assert [(str(c.month), c.total) for c in period.months] == [
        ("2026-11", 8_400),
        ("2026-12", 8_400),
        ("2027-01", 16_800),
    ]
    assert period.total == 33_600
    assert period.as_dict()["pay_by"] == "2026-11-16"


def test_result_dict_shape():
    data = quote(month="2026-05").as_dict()
    assert data["income_level"] == 1_000_000
    assert data["lines"] == [
        {"program": "jkk", "amount": 5_000, "full_amount": 10_000},
        {"program": "jkm", "amount": 3_400, "full_amount": 6_800},
    ]
    assert data["discount"]["amount"] == 8_400
    assert data["total"] == 8_400
    assert data["due_date"] == "2026-05-15"
    assert {c["figure"] for c in data["citations"]} == {
        "income_levels",
        "jkk_percent",
        "jkm_contribution",
        "discount:pp50_2025",
    }
    assert data["rules_version"] == "pp50-2025"


# --- refused input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"income": -1}, "income_negative", "income"),
        ({"income": 1_000_000.0}, "income_not_integer", "income"),
        ({"income": "1000000"}, "income_not_integer", "income"),
        ({"income": True}, "income_not_integer", "income"),
        ({"programs": ("jkk", "jkm", "xyz")}, "program_unknown", "programs"),
        ({"programs": ("jkk", "jkm", "jp")}, "program_not_available", "programs"),
        ({"programs": ("jkk", "jht")}, "programs_missing_mandatory", "programs"),
        ({"programs": ()}, "programs_missing_mandatory", "programs"),
        ({"funding": "bank"}, "funding_unknown", "funding"),
        ({"sector": "astronaut"}, "sector_unknown", "sector"),
        ({"sector": "formal"}, "sector_not_bpu", "sector"),
        ({"month": "2019-11"}, "rules_not_in_force", "month"),
    ],
)
def test_bad_input_is_refused_with_a_code(kwargs, code, field):
    with pytest.raises(RulesError) as caught:
        quote(**kwargs)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert caught.value.message


def test_programs_are_normalised_and_ordered():
    assert quote(programs=("JHT", " jkm", "jkk", "jkk")).programs == ("jkk", "jkm", "jht")


@pytest.mark.parametrize("months", [0, 2, 4, 24])
def test_prepayment_is_1_3_6_or_12_months(months):
    with pytest.raises(RulesError) as caught:
        contribution_period(
            income=0,
            programs=MINIMUM,
            first_month=Month(2026, 1),
            months=months,
            funding="self",
            sector="jasa",
        )
    assert caught.value.code == "prepayment_months_invalid"


def test_formal_sector_message_explains_why():
    with pytest.raises(RulesError) as caught:
        quote(sector="formal")
    assert caught.value.message.startswith("Sektor formal (penerima upah) tidak membayar iuran BPU")
