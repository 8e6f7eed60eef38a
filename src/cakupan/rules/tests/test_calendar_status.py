"""Due dates over weekends and real Indonesian public holidays, working days, and membership status."""

from __future__ import annotations

import datetime as dt

import pytest

from cakupan.rules.engine import Month, RulesError, WorkingCalendar, default_book, due_date, membership_status
from cakupan.rules.tests.conftest import BASE_FILE

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("month", "due"),
    [
        ("2026-01", "2026-01-15"),  # a Thursday
        ("2026-02", "2026-02-16"),  # Sunday 15 -> Monday 16 (cuti bersama that day is not a holiday)
        ("2026-03", "2026-03-16"),  # Sunday
        ("2026-08", "2026-08-18"),  # Saturday 15, Sunday 16, Monday 17 Independence Day
        ("2027-05", "2027-05-18"),  # Saturday 15, Sunday 16, Monday 17 Idul Adha (estimated)
        ("2022-04", "2022-04-18"),  # Friday 15 Good Friday, then the weekend
        ("2029-03", "2029-03-16"),  # Thursday 15 Nyepi
    ],
)
def test_due_date_moves_to_the_next_working_day(month, due):
    assert due_date(Month.parse(month)) == D(due)


def test_holiday_names_come_from_the_holidays_library():
    calendar = WorkingCalendar(default_book().versions[-1])
    assert calendar.holiday_name(D("2026-08-17")) == "Hari Kemerdekaan Republik Indonesia"
    assert calendar.holiday_name(D("2026-02-16")) is None  # cuti bersama: not counted by default


def test_counting_cuti_bersama_is_a_data_edit(book_with):
    book = book_with(
        {BASE_FILE: [('holiday_categories = ["public"]', 'holiday_categories = ["public", "government"]')]}
    )
    # Sunday 15, Monday 16 cuti bersama Imlek, Tuesday 17 Imlek.
    assert due_date(Month(2026, 2), book=book) == D("2026-02-18")


def test_working_days_skip_weekends_and_holidays():
    calendar = WorkingCalendar(default_book().versions[-1])
    # Friday 14 Aug 2026: 17 Aug Independence Day and 25 Aug Maulid are skipped.
    assert calendar.add_working_days(D("2026-08-14"), 7) == D("2026-08-27")
    assert calendar.add_working_days(D("2026-08-14"), 0) == D("2026-08-14")
    assert calendar.next_working_day(D("2026-08-15")) == D("2026-08-18")


# --- status ------------------------------------------------------------------------------------------


def status(paid, on, **kwargs):
    return membership_status(paid=[Month.parse(m) for m in paid], on=D(on), **kwargs)


JAN_FEB = ["2026-01", "2026-02"]


@pytest.mark.parametrize(
    ("on", "expected", "arrears"),
    [
        ("2026-02-20", "aktif", []),
        ("2026-03-16", "aktif", []),  # March is due on Monday 16: not yet overdue that day
        ("2026-03-17", "menunggak", ["2026-03"]),
        ("2026-04-15", "menunggak", ["2026-03"]),
        ("2026-04-16", "menunggak", ["2026-03", "2026-04"]),
        ("2026-05-15", "menunggak", ["2026-03", "2026-04"]),
        ("2026-05-16", "nonaktif", ["2026-03", "2026-04", "2026-05"]),
        ("2026-06-20", "nonaktif", ["2026-03", "2026-04", "2026-05", "2026-06"]),
    ],
)
def test_status_transitions_after_the_last_payment(on, expected, arrears):
    result = status(JAN_FEB, on)
    assert result.status == expected
    assert [str(m) for m in result.arrears] == arrears
    assert result.months_in_arrears == len(arrears)
    assert str(result.paid_through) == "2026-02"


def test_the_issue_example():
    result = status(JAN_FEB, "2026-06-20").as_dict()
    assert result["status"] == "nonaktif"
    assert result["months_in_arrears"] == 4
    assert result["paid_through"] == "2026-02"
    assert result["covered"] is False
    assert result["next_due_month"] == "2026-03"
    assert result["lapses"] == [{"first_month": "2026-03", "last_month": "2026-06"}]


def test_active_but_not_covered_before_paying_the_current_month():
    result = status(JAN_FEB, "2026-03-10")
    assert (result.status, result.covered) == ("aktif", False)
    assert (str(result.next_due_month), result.next_due_date) == ("2026-03", D("2026-03-16"))
    assert result.lapses_after == D("2026-05-15")
    assert "jatuh tempo 16 Maret 2026" in result.notes[0]


def test_prepaid_months_cover_ahead():
    result = status(["2026-11", "2026-12", "2027-01"], "2026-11-23")
    assert (result.status, result.covered, str(result.paid_through)) == ("aktif", True, "2027-01")
    assert (str(result.next_due_month), result.next_due_date) == ("2027-02", D("2027-02-15"))
    assert result.contribution_months == 1  # future months are not yet contributions


def test_a_skipped_month_followed_by_payment_is_a_gap_not_arrears():
    result = status(["2026-01", "2026-03"], "2026-03-20")
    assert result.status == "aktif"
    assert [str(m) for m in result.gaps] == ["2026-02"]
    assert str(result.paid_through) == "2026-03"
    assert result.contribution_months == 2


def test_reentry_policy_decides_where_the_membership_restarts():
    paid = ["2026-01", "2026-02", "2026-06"]
    kept = status(paid, "2026-06-20", policy="continue")
    restarted = status(paid, "2026-06-20")
    assert kept.status == restarted.status == "aktif"
    assert restarted.policy == "reregister"  # the data default (Perdir 22/PERDIR.02/072022)
    assert restarted.citations[3].instrument == "Perdir BPJS TK 22/PERDIR.02/072022"
    assert (str(kept.membership_since), kept.contribution_months) == ("2026-01", 3)
    assert (str(restarted.membership_since), restarted.contribution_months) == ("2026-06", 1)
    assert [(str(a), str(b)) for a, b in kept.lapses] == [("2026-03", "2026-05")]
    assert [str(m) for m in restarted.gaps] == []


def test_an_explicit_start_with_nothing_paid():
    assert status([], "2026-03-10", start=Month(2026, 3)).status == "aktif"
    result = status([], "2026-05-20", start=Month(2026, 3))
    assert (result.status, result.paid_through) == ("nonaktif", None)


@pytest.mark.parametrize(
    ("paid", "on", "kwargs", "code"),
    [
        ([], "2026-03-10", {}, "paid_missing"),
        (["2026-01"], "2026-03-10", {"start": Month(2026, 2)}, "paid_before_start"),
        (["2026-05"], "2026-03-10", {}, "date_before_membership"),
        (["2026-01"], "2026-03-10", {"policy": "forgive"}, "policy_unknown"),
    ],
)
def test_status_refuses_bad_input(paid, on, kwargs, code):
    with pytest.raises(RulesError) as caught:
        status(paid, on, **kwargs)
    assert caught.value.code == code
