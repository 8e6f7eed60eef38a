"""Property tests: invariants that must hold for every input, not just the document's examples."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan.rules.engine import (
    Month,
    WorkingCalendar,
    contribution,
    default_book,
    due_date,
    jkk_death_benefit,
    membership_status,
)
from cakupan.rules.engine.codes import FUNDING_SOURCES, SECTORS

# No deadline: the first call loads the holiday calendar (about half a second), later calls are fast.
quick = settings(deadline=None, max_examples=100)
thorough = settings(deadline=None, max_examples=150)

BPU_SECTORS = sorted(set(SECTORS) - {"formal"})
incomes = st.integers(min_value=0, max_value=10**12)
program_sets = st.sampled_from([("jkk", "jkm"), ("jkk", "jkm", "jht")])
months = st.builds(Month, st.integers(2020, 2029), st.integers(1, 12))
fundings = st.sampled_from(sorted(FUNDING_SOURCES))
sectors = st.sampled_from(BPU_SECTORS)


@quick
@given(income=incomes, programs=program_sets, month=months, funding=fundings, sector=sectors)
def test_total_is_the_sum_of_non_negative_lines(income, programs, month, funding, sector):
    result = contribution(income=income, programs=programs, month=month, funding=funding, sector=sector)
    assert result.total == sum(line.amount for line in result.lines)
    assert result.full_total == sum(line.full_amount for line in result.lines)
    assert all(0 <= line.amount <= line.full_amount for line in result.lines)
    assert result.full_total - result.total == (result.discount.amount if result.discount else 0)
    jht = [line for line in result.lines if line.program == "jht"]
    assert all(line.amount == line.full_amount for line in jht)


@quick
@given(low=incomes, high=incomes, programs=program_sets, month=months, funding=fundings, sector=sectors)
def test_monotonic_in_income(low, high, programs, month, funding, sector):
    low, high = sorted((low, high))
    cheaper = contribution(income=low, programs=programs, month=month, funding=funding, sector=sector)
    dearer = contribution(income=high, programs=programs, month=month, funding=funding, sector=sector)
    assert cheaper.total <= dearer.total
    assert cheaper.income_level <= dearer.income_level
    assert all(a.amount <= b.amount for a, b in zip(cheaper.lines, dearer.lines, strict=True))


@quick
@given(
    income=incomes,
    programs=program_sets,
    month=months,
    funding=st.sampled_from(["apbd", "apbn"]),
    sector=sectors,
)
def test_state_budget_money_is_never_discounted(income, programs, month, funding, sector):
    result = contribution(income=income, programs=programs, month=month, funding=funding, sector=sector)
    assert result.discount is None
    assert result.total == result.full_total


@quick
@given(income=incomes, programs=program_sets, month=months, sector=sectors)
def test_state_budget_never_pays_less_than_anyone_else(income, programs, month, sector):
    public = contribution(income=income, programs=programs, month=month, funding="apbd", sector=sector)
    private = contribution(income=income, programs=programs, month=month, funding="self", sector=sector)
    assert public.total == private.full_total >= private.total


@quick
@given(income=incomes)
def test_jkk_death_is_48_times_the_level_plus_fixed_parts(income):
    benefit = jkk_death_benefit(income=income, on=dt.date(2026, 11, 23))
    assert benefit.total == sum(line.amount for line in benefit.lines)
    assert benefit.lines[0].amount == max(48 * benefit.income_level, 20_000_000)


@quick
@given(month=months)
def test_due_date_is_the_first_working_day_from_the_15th(month):
    calendar = WorkingCalendar(default_book().for_month(month))
    due = due_date(month)
    fifteenth = month.day(15)
    assert due >= fifteenth
    assert calendar.is_working_day(due)
    assert all(
        not calendar.is_working_day(fifteenth + dt.timedelta(days=n)) for n in range((due - fifteenth).days)
    )
    assert (due - fifteenth).days <= 9


@quick
@given(start=st.dates(dt.date(2020, 1, 1), dt.date(2029, 12, 31)), count=st.integers(0, 30))
def test_working_days_count_exactly(start, count):
    calendar = WorkingCalendar(default_book().versions[-1])
    end = calendar.add_working_days(start, count)
    between = [start + dt.timedelta(days=n) for n in range(1, (end - start).days + 1)]
    assert sum(1 for day in between if calendar.is_working_day(day)) == count


START = Month(2024, 1)
paid_sets = st.frozensets(st.integers(0, 47).map(START.shift), max_size=48)
dates = st.dates(dt.date(2024, 1, 1), dt.date(2028, 6, 30))


@thorough
@given(paid=paid_sets, on=dates)
def test_status_is_consistent_with_the_months_paid(paid, on):
    result = membership_status(paid=paid, on=on, start=START)
    current = Month.of(on)
    last_due = current if on > due_date(current) else current.shift(-1)
    # Arrears: exactly the unpaid months counting back from the last month already due.
    expected = []
    month = last_due
    while month >= START and month not in paid:
        expected.insert(0, month)
        month = month.shift(-1)
    assert list(result.arrears) == expected
    assert result.status == ("aktif" if not expected else "menunggak" if len(expected) < 3 else "nonaktif")
    assert result.covered == (current in paid)
    assert result.next_due_month not in paid
    if result.paid_through is not None:
        assert result.paid_through in paid
        assert result.paid_through.shift(1) == result.next_due_month
    # Re-entry starts a new membership (the default policy): after the latest run of 3 or more unpaid
    # months that a payment ended, only the months paid since count.
    since, run, month = START, 0, START
    while month <= last_due.shift(-len(expected)):
        if month in paid:
            if run >= 3:
                since = month
            run = 0
        else:
            run += 1
        month = month.shift(1)
    assert result.membership_since == since
    assert result.contribution_months == sum(1 for m in paid if since <= m <= current)
    kept = membership_status(paid=paid, on=on, start=START, policy="continue")
    assert kept.membership_since == START
    assert kept.contribution_months == sum(1 for m in paid if m <= current)


@quick
@given(paid=paid_sets, on=dates, extra=st.integers(0, 47).map(START.shift))
def test_paying_a_month_never_makes_the_status_worse(paid, on, extra):
    before = membership_status(paid=paid, on=on, start=START)
    after = membership_status(paid=paid | {extra}, on=on, start=START)
    assert after.months_in_arrears <= before.months_in_arrears
    order = ("aktif", "menunggak", "nonaktif")
    assert order.index(after.status) <= order.index(before.status)


@quick
@given(paid=paid_sets, on=dates)
def test_paying_every_arrears_month_makes_the_member_active(paid, on):
    before = membership_status(paid=paid, on=on, start=START)
    after = membership_status(paid=paid | set(before.arrears), on=on, start=START)
    assert after.status == "aktif"
    assert after.months_in_arrears == 0
