"""Benefits and claim deadlines: the document's golden amounts and the edges of each rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cakupan.rules.engine import (
    ChildSchooling,
    RulesError,
    claim_deadlines,
    jkk_death_benefit,
    jkk_partial_disability_benefit,
    jkk_total_disability_benefit,
    jkk_transport_benefit,
    jkm_benefit,
    scholarship_benefit,
    stmb_benefit,
)
from cakupan.rules.tests.conftest import BASE_FILE

D = dt.date.fromisoformat
ON = D("2026-11-23")


def lines(benefit) -> dict[str, int]:
    return {line.item: line.amount for line in benefit.lines}


# --- JKM ---------------------------------------------------------------------------------------------


def test_jkm_is_42_million_in_three_parts():
    benefit = jkm_benefit(on=ON)
    assert lines(benefit) == {"lump_sum": 20_000_000, "periodic": 12_000_000, "funeral": 10_000_000}
    assert benefit.total == 42_000_000
    assert [c.instrument for c in benefit.citations[:3]] == ["PP 82/2019"] * 3


@pytest.mark.parametrize(
    ("member_since", "died", "total"),
    [
        ("2026-09-10", "2026-09-10", 10_000_000),
        ("2026-09-10", "2026-12-09", 10_000_000),
        ("2026-09-10", "2026-12-10", 42_000_000),
        ("2026-11-30", "2027-02-27", 10_000_000),
        ("2026-11-30", "2027-02-28", 42_000_000),  # 30 Feb does not exist: the period ends on the 28th
    ],
)
def test_reduced_jkm_within_the_first_three_months(member_since, died, total):
    benefit = jkm_benefit(member_since=D(member_since), on=D(died))
    assert benefit.total == total
    if total == 10_000_000:
        assert lines(benefit) == {"lump_sum": 8_000_000, "funeral": 2_000_000}
        assert benefit.citations[0].provisional


def test_reduced_jkm_is_configurable(book_with):
    book = book_with({BASE_FILE: [("lump_sum = 8_000_000", "lump_sum = 0")]})
    assert jkm_benefit(member_since=D("2026-09-10"), on=D("2026-10-01"), book=book).total == 2_000_000


def test_death_before_membership_is_refused():
    with pytest.raises(RulesError) as caught:
        jkm_benefit(member_since=D("2026-09-10"), on=D("2026-09-09"))
    assert caught.value.code == "date_order"


# --- scholarships ------------------------------------------------------------------------------------


def test_scholarship_is_174_million_for_two_children():
    benefit = scholarship_benefit(children=2, contribution_months=36, on=ON)
    assert lines(benefit) == {"child_1": 87_000_000, "child_2": 87_000_000}
    assert benefit.total == 174_000_000


def test_scholarship_counts_at_most_two_children():
    benefit = scholarship_benefit(children=4, contribution_months=120, on=ON)
    assert benefit.total == 174_000_000
    assert "2 anak lainnya tidak dihitung" in benefit.notes[0]
    assert scholarship_benefit(children=1, contribution_months=36, on=ON).total == 87_000_000
    assert scholarship_benefit(children=0, contribution_months=36, on=ON).total == 0


def test_jkm_scholarship_needs_36_months():
    benefit = scholarship_benefit(children=2, contribution_months=35, on=ON)
    assert (benefit.eligible, benefit.total, benefit.lines) == (False, 0, ())
    assert "36 bulan" in benefit.notes[0]


def test_jkk_scholarship_has_no_minimum_period():
    assert scholarship_benefit(children=2, contribution_months=0, cause="jkk", on=ON).total == 174_000_000
    assert scholarship_benefit(children=2, cause="jkk", on=ON).total == 174_000_000


def test_scholarship_schedule_stops_at_23():
    benefit = scholarship_benefit(
        children_detail=[ChildSchooling("sd", 1, 7), ChildSchooling("pt", 3, 21)],
        contribution_months=40,
        on=ON,
    )
    # Child 1: SD 6 × 1,5 + SMP 3 × 2 + SMA 3 × 3 + 4 years of higher education (ages 19-22) × 12 juta.
    assert lines(benefit) == {"child_1": 72_000_000, "child_2": 24_000_000}
    assert [(y.level, y.year, y.age) for y in benefit.schedule if y.child == 2] == [
        ("pt", 3, 21),
        ("pt", 4, 22),
    ]
    single = scholarship_benefit(children_detail=[ChildSchooling("pt", 1, 23)], cause="jkk", on=ON)
    assert single.total == 0


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"children": 2}, "contribution_months_missing"),
        ({"children": -1, "contribution_months": 40}, "number_negative"),
        (
            {"children_detail": [ChildSchooling("kuliah", 1, 19)], "contribution_months": 40},
            "scholarship_level_unknown",
        ),
        (
            {"children_detail": [ChildSchooling("smp", 4, 15)], "contribution_months": 40},
            "scholarship_child_format",
        ),
        (
            {"children": 1, "children_detail": [ChildSchooling("sd", 1, 7)] * 2, "contribution_months": 40},
            "scholarship_children_mismatch",
        ),
        ({"children": 2, "cause": "flood"}, "benefit_kind_unknown"),
    ],
)
def test_scholarship_bad_input(kwargs, code):
    with pytest.raises(RulesError) as caught:
        scholarship_benefit(on=ON, **kwargs)
    assert caught.value.code == code


# --- JKK ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("income", "lump_sum"),
    [(1_000_000, 48_000_000), (500_000, 48_000_000), (3_250_000, 156_000_000), (90_000_000, 993_600_000)],
)
def test_jkk_death_is_48_times_the_declared_income(income, lump_sum):
    benefit = jkk_death_benefit(income=income, on=ON)
    assert lines(benefit) == {"death_lump_sum": lump_sum, "funeral": 10_000_000, "periodic": 12_000_000}
    assert benefit.total == lump_sum + 22_000_000


def test_jkk_death_is_at_least_the_jkm_lump_sum(book_with):
    book = book_with({BASE_FILE: [('percent = "60"', 'percent = "10"')]})
    benefit = jkk_death_benefit(income=1_000_000, on=ON, book=book)
    assert lines(benefit)["death_lump_sum"] == 20_000_000
    assert "batas bawah" in benefit.notes[0]


def test_total_permanent_disability_is_56_times():
    benefit = jkk_total_disability_benefit(income=1_000_000, on=ON)
    assert lines(benefit) == {"total_disability": 56_000_000, "periodic": 12_000_000}
    assert "NPWP" in benefit.notes[-1]


@pytest.mark.parametrize(
    ("kwargs", "amount"),
    [
        ({"part": "one_eye"}, 28_000_000),
        ({"part": "right_arm_shoulder"}, 32_000_000),
        ({"percent": Decimal("12.5")}, 10_000_000),
        ({"part": "one_eye", "function_loss": Decimal("50")}, 14_000_000),
        ({"percent": Decimal("0.001")}, 800),
    ],
)
def test_partial_disability(kwargs, amount):
    benefit = jkk_partial_disability_benefit(income=1_000_000, on=ON, **kwargs)
    assert benefit.total == amount


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "disability_input_missing"),
        ({"part": "one_eye", "percent": Decimal(10)}, "disability_input_conflict"),
        ({"part": "tail"}, "disability_part_unknown"),
        ({"percent": Decimal(0)}, "percent_out_of_range"),
        ({"percent": Decimal(101)}, "percent_out_of_range"),
        ({"part": "one_eye", "function_loss": Decimal(-5)}, "percent_out_of_range"),
    ],
)
def test_partial_disability_bad_input(kwargs, code):
    with pytest.raises(RulesError) as caught:
        jkk_partial_disability_benefit(income=1_000_000, on=ON, **kwargs)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (0, {"stmb_full": 0}),
        (12, {"stmb_full": 24_000_000}),
        (15, {"stmb_full": 24_000_000, "stmb_after": 3_000_000}),
    ],
)
def test_stmb_full_for_12_months_then_half(months, expected):
    assert lines(stmb_benefit(income=2_000_000, months=months, on=ON)) == expected


def test_transport_caps():
    assert lines(jkk_transport_benefit(on=ON)) == {"land": 5_000_000, "sea": 2_000_000, "air": 10_000_000}
    benefit = jkk_transport_benefit(costs={"land": 6_500_000, "air": 1_250_000, "sea": None}, on=ON)
    assert lines(benefit) == {"land": 5_000_000, "air": 1_250_000}
    assert benefit.notes == (
        "Biaya transportasi darat/sungai/danau Rp6.500.000 melebihi batas; diganti Rp5.000.000.",
    )


# --- claims ------------------------------------------------------------------------------------------


def test_claim_deadlines_for_an_accident():
    result = claim_deadlines(
        kind="jkk",
        event=D("2026-08-14"),
        event_time=dt.time(10, 30),
        doctor_statement=D("2026-08-20"),
        complete=D("2026-08-14"),
    )
    assert result.report_by == dt.datetime(2026, 8, 16, 10, 30)
    assert result.stage2_report_by == D("2026-08-22")
    assert result.claim_by == D("2031-08-14")
    assert result.payment_by == D("2026-08-27")  # 7 working days, skipping 17 and 25 August
    assert result.late_payment_percent_per_day == Decimal(1)


def test_claim_deadlines_for_a_death_and_a_leap_day():
    result = claim_deadlines(kind="jkm", event=D("2028-02-29"))
    assert (result.report_by, result.claim_by, result.payment_by) == (None, D("2033-02-28"), None)


def test_a_death_claim_is_paid_within_3_working_days_an_accident_within_7():
    # Documents complete on Friday 14 August 2026; Monday 17 August is a holiday.
    jkm = claim_deadlines(kind="jkm", event=D("2026-08-10"), complete=D("2026-08-14"))
    jkk = claim_deadlines(kind="jkk", event=D("2026-08-10"), complete=D("2026-08-14"))
    assert (jkm.payment_by, jkk.payment_by) == (D("2026-08-20"), D("2026-08-27"))
    assert "3 hari kerja" in " ".join(jkm.notes)
    assert "jkm_claim_payment_working_days" in [c.figure for c in jkm.citations]


def test_claim_deadlines_without_the_hour_name_the_day():
    result = claim_deadlines(kind="jkk", event=D("2026-03-10"))
    assert result.report_by == D("2026-03-12")
    assert "Jam kecelakaan tidak diisi" in result.notes[0]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"kind": "jht"}, "claim_kind_unknown"), ({"complete": D("2026-03-01")}, "date_order")],
)
def test_claim_bad_input(kwargs, code):
    with pytest.raises(RulesError) as caught:
        claim_deadlines(**{"kind": "jkk", "event": D("2026-03-10"), **kwargs})
    assert caught.value.code == code
