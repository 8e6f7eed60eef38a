"""The service-level clock of a claim, computed from its event log (no Django here).

The clock starts on the day the documents are complete and runs on working days of the claim calendar
(Mon–Fri without national holidays and cuti bersama, rules figure `claim_non_working_days`). Day 1 is the
first working day after completion; the case is due on the N-th (rules data: JKK 7, JKM 3).

A pause ("waiting for the heirs' documents", with a reason) from day P to the resume on day R removes the
working days from P up to the day before R: the day the clock stopped does not count, the day it started
again does. The due date moves by the paused working days, as a Zendesk or ServiceNow SLA does, also when
the pause comes on the due day itself. An open pause counts up to today and moves the due date each day,
so a paused case is never breached.

Thresholds, as fractions of N working days counted so far: 50% escalates to the village operator (level
1), 75% to the kab/kota labour office (level 2); a day past the due date unpaid is a breach (level 3, the
BPJS TK branch liaison). A paid or rejected case stops the clock: met when decided by the due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

__all__ = ["AT_RISK", "BREACH", "Clock", "ClockEvent", "clock_compute"]

STARTS = "complete"
PAUSES = "paused"
RESUMES = "resumed"
STOPS = ("paid", "rejected")

AT_RISK = Fraction(1, 2)
ESCALATE_REGENCY = Fraction(3, 4)
BREACH = 3


class Calendar(Protocol):
    def is_working_day(self, day: dt.date) -> bool: ...


@dataclass(frozen=True)
class ClockEvent:
    on: dt.date
    kind: str


@dataclass(frozen=True)
class Clock:
    state: str  # not_started, on_track, at_risk, breached, paused, met, missed, none
    started_on: dt.date | None
    due: dt.date | None
    working_days: int | None
    elapsed: int  # working days counted (pauses excluded) up to today or the decision
    paused_days: int  # working days removed by pauses so far
    level: int  # escalation level the clock has reached: 0–3
    stopped_on: dt.date | None

    @property
    def percent(self) -> int:
        if not self.working_days:
            return 0
        return min(100, self.elapsed * 100 // self.working_days)


def _paused_spans(
    events: Sequence[ClockEvent], start: dt.date, until: dt.date
) -> tuple[list[tuple[dt.date, dt.date]], bool]:
    """(paused from, resumed on) pairs after the start, the resume day not paused, and whether the last is
    still open (it then runs through `until`)."""
    spans = []
    paused_from = None
    for event in events:
        if event.on < start:
            continue
        if event.kind == PAUSES and paused_from is None:
            paused_from = event.on
        elif event.kind == RESUMES and paused_from is not None:
            spans.append((paused_from, event.on))
            paused_from = None
    if paused_from is not None:
        spans.append((paused_from, max(until, paused_from) + dt.timedelta(days=1)))
    return spans, paused_from is not None


def _is_paused(day: dt.date, spans: Iterable[tuple[dt.date, dt.date]]) -> bool:
    return any(start <= day < end for start, end in spans)


def clock_compute(
    *, working_days: int | None, events: Sequence[ClockEvent], today: dt.date, calendar: Calendar
) -> Clock:
    """The clock on `today` from the case's events (in the order they happened)."""
    ordered = sorted(events, key=lambda event: event.on)
    start = next((event.on for event in ordered if event.kind == STARTS), None)
    stopped = next((event.on for event in ordered if event.kind in STOPS), None)
    if working_days is None:
        return Clock("none", start, None, None, 0, 0, 0, stopped)
    if start is None:
        return Clock("not_started", None, None, working_days, 0, 0, 0, stopped)
    end = min(today, stopped) if stopped is not None else today
    spans, open_pause = _paused_spans(ordered, start, end)
    elapsed = paused = 0
    due = start if working_days <= 0 else None
    day = start
    counted = 0
    # Walk forward until both the due date is known and today (or the decision) is passed.
    while due is None or day < end:
        day += dt.timedelta(days=1)
        if not calendar.is_working_day(day):
            continue
        if _is_paused(day, spans):
            if day <= end:
                paused += 1
            continue
        counted += 1
        if day <= end:
            elapsed = counted
        if counted == working_days:
            due = day
    if stopped is not None:
        return Clock(
            "met" if stopped <= due else "missed", start, due, working_days, elapsed, paused, 0, stopped
        )
    fraction = Fraction(elapsed, working_days) if working_days else Fraction(1)
    if today > due:
        level = BREACH
    elif fraction >= ESCALATE_REGENCY:
        level = 2
    elif fraction >= AT_RISK:
        level = 1
    else:
        level = 0
    if open_pause:
        state = "paused"
    elif level == BREACH:
        state = "breached"
    elif level:
        state = "at_risk"
    else:
        state = "on_track"
    return Clock(state, start, due, working_days, elapsed, paused, level, None)
