"""The service clock on the real Indonesian calendar of 2026 (holidays and cuti bersama from the `holidays`
library, categories public and government)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan.claims.clock import ClockEvent, clock_compute
from cakupan.rules.engine.claims import claim_calendar, payment_due

D = dt.date.fromisoformat


def clock(working_days, events, today, changes=None):
    start = next((on for on, kind in events if kind == "complete"), D("2026-01-01"))
    calendar = claim_calendar(start, changes=changes)
    return clock_compute(
        working_days=working_days,
        events=[ClockEvent(on, kind) for on, kind in events],
        today=today,
        calendar=calendar,
    )


@pytest.mark.parametrize(
    ("kind", "complete", "due"),
    [
        # Friday → Monday…: 21, 22, 23 Dec count; 24 (cuti bersama Natal), 25 (Natal), 26–27 (weekend) do not.
        ("jkk", "2026-12-18", "2026-12-31"),
        # Nyepi, cuti bersama, Idul Fitri on a weekend and two more days of cuti bersama: 25, 26, 27 March.
        ("jkm", "2026-03-19", "2026-03-27"),
        # Kenaikan Yesus Kristus on Thursday and its cuti bersama on Friday.
        ("beasiswa", "2026-05-08", "2026-05-21"),
        # A plain week: Monday complete, day 3 is Thursday.
        ("jkm", "2026-11-02", "2026-11-05"),
        # Complete on a Saturday: day 1 is Monday.
        ("jkm", "2026-11-07", "2026-11-11"),
    ],
)
def test_payment_due_on_the_claim_calendar(kind, complete, due):
    assert payment_due(kind=kind, complete=D(complete)).due == D(due)


def test_cuti_bersama_counts_for_claims_but_not_for_contribution_due_dates():
    from cakupan.rules.engine.calendar import WorkingCalendar
    from cakupan.rules.engine.figures import default_book

    ruleset = default_book().for_date(D("2026-12-24"))
    assert WorkingCalendar(ruleset).is_working_day(D("2026-12-24")) is True
    assert claim_calendar(D("2026-12-24")).is_working_day(D("2026-12-24")) is False


def test_a_later_decree_moves_the_due_date():
    # A new cuti bersama on Thursday 5 November 2026 pushes day 3 to Friday; removing Christmas Eve's pulls
    # the December deadline back a day.
    assert payment_due(kind="jkm", complete=D("2026-11-02"), changes={D("2026-11-05"): "Cuti"}).due == D(
        "2026-11-06"
    )
    assert payment_due(kind="jkk", complete=D("2026-12-18"), changes={D("2026-12-24"): None}).due == D(
        "2026-12-30"
    )


def test_not_started_until_the_documents_are_complete():
    result = clock(3, [(D("2026-11-02"), "reported")], D("2026-11-20"))
    assert (result.state, result.due, result.level, result.elapsed) == ("not_started", None, 0, 0)


@pytest.mark.parametrize(
    ("today", "state", "level", "elapsed"),
    [
        ("2026-11-02", "on_track", 0, 0),
        ("2026-11-04", "on_track", 0, 2),  # 2 of 7 = 28%
        ("2026-11-05", "on_track", 0, 3),  # 42%
        ("2026-11-06", "at_risk", 1, 4),  # 57%: the village operator
        ("2026-11-08", "at_risk", 1, 4),  # Sunday: still 4
        ("2026-11-10", "at_risk", 2, 6),  # 85%: the kab/kota labour office
        ("2026-11-11", "at_risk", 2, 7),  # the due date itself is not late
        ("2026-11-12", "breached", 3, 8),  # the day after: BPJS TK's liaison
    ],
)
def test_thresholds_of_a_jkk_claim(today, state, level, elapsed):
    result = clock(7, [(D("2026-11-02"), "complete")], D(today))
    assert result.due == D("2026-11-11")
    assert (result.state, result.level, result.elapsed) == (state, level, elapsed)


def test_a_pause_moves_the_due_date_by_the_paused_working_days():
    events = [(D("2026-12-07"), "complete"), (D("2026-12-08"), "paused"), (D("2026-12-10"), "resumed")]
    result = clock(3, events, D("2026-12-11"))
    # Day 1 Tuesday 8th; 9th and 10th paused; day 2 Friday 11th; day 3 Monday 14th.
    assert (result.due, result.paused_days, result.elapsed, result.state) == (
        D("2026-12-14"),
        2,
        2,
        "at_risk",
    )


def test_an_open_pause_counts_up_to_today():
    events = [(D("2026-12-07"), "complete"), (D("2026-12-08"), "paused")]
    result = clock(3, events, D("2026-12-09"))
    # Paused on Tuesday 8th: the 8th and 9th do not count; from tomorrow day 1 is Thursday 10th.
    assert (result.state, result.due, result.paused_days, result.elapsed, result.level) == (
        "paused",
        D("2026-12-14"),
        2,
        0,
        0,
    )
    # A week later the due date has moved with it and nothing is late while paused.
    later = clock(3, events, D("2026-12-16"))
    assert (later.state, later.due, later.paused_days, later.level) == ("paused", D("2026-12-21"), 7, 0)


def test_a_pause_on_the_due_day_moves_the_due_date():
    events = [(D("2026-12-07"), "complete"), (D("2026-12-10"), "paused"), (D("2026-12-15"), "resumed")]
    # Due Thursday 10th; paused that day, so the 10th, 11th and 14th do not count: day 3 is Tuesday 15th.
    paused = clock(3, events[:2], D("2026-12-11"))
    assert (paused.state, paused.level, paused.due) == ("paused", 1, D("2026-12-14"))
    resumed = clock(3, events, D("2026-12-15"))
    assert (resumed.state, resumed.due, resumed.elapsed, resumed.paused_days) == (
        "at_risk",
        D("2026-12-15"),
        3,
        3,
    )


def test_a_paused_day_over_a_holiday_does_not_count_twice():
    # Paused from Wednesday 23 to Tuesday 29 December: only 28 and 29 were working days.
    events = [(D("2026-12-21"), "complete"), (D("2026-12-23"), "paused"), (D("2026-12-29"), "resumed")]
    result = clock(7, events, D("2026-12-29"))
    assert (result.paused_days, result.elapsed) == (2, 2)


@pytest.mark.parametrize(
    ("paid", "state", "elapsed"), [("2026-11-11", "met", 7), ("2026-11-12", "missed", 8)]
)
def test_a_decision_stops_the_clock(paid, state, elapsed):
    events = [(D("2026-11-02"), "complete"), (D(paid), "paid")]
    result = clock(7, events, D("2026-12-20"))
    assert (result.state, result.level, result.stopped_on, result.elapsed) == (state, 0, D(paid), elapsed)


def test_kinds_without_a_service_level_have_no_clock():
    result = clock(None, [(D("2026-11-02"), "complete")], D("2026-12-20"))
    assert (result.state, result.due, result.level) == ("none", None, 0)


@settings(deadline=None, max_examples=200)
@given(
    complete=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 11, 30)),
    kind=st.sampled_from(["jkk", "jkm", "beasiswa"]),
)
def test_the_due_date_is_the_nth_working_day(complete, kind):
    due = payment_due(kind=kind, complete=complete)
    calendar = claim_calendar(complete)
    days = [complete + dt.timedelta(days=n) for n in range(1, (due.due - complete).days + 1)]
    assert calendar.is_working_day(due.due)
    assert sum(calendar.is_working_day(day) for day in days) == due.working_days
