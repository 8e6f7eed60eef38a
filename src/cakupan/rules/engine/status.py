"""Membership status on a date, from the set of contribution months paid.

Definitions (document section 2.4 and its Decisions, made precise here):

* A month is **overdue** from the day after its due date (the 15th, or the next working day). On the due
  date itself it is not yet overdue, so the current month is never in arrears before its due date.
* **Arrears** are the unpaid overdue months at the end: counting back from the latest overdue month, up
  to the first paid month (or the membership start). `months_in_arrears` is their number.
* Status: `aktif` with no arrears, `menunggak` with 1 or 2, `nonaktif` from 3 (`lapse_unpaid_months`),
  i.e. the day after the due date of the third consecutive unpaid month.
* An unpaid month followed by a paid month is a **gap**: it stays uncovered but is not arrears, because
  the membership continued by paying. A gap of 3 or more months is a **lapse** (the membership was
  nonaktif then).
* **Covered** on a date means the month of that date is paid (the document's Decision): months in
  arrears are shown as at risk, not as covered, and an unpaid current month is not covered even before
  its due date.
* **Paid through** is the last month of the unbroken run of paid months that ends the paid history: the
  month before the arrears, or, without arrears, the month before the next unpaid month.
* Re-entry policy: `reregister` (default, data: BPJS TK Perdir 22/PERDIR.02/072022) starts a new
  membership at the first month paid after the latest lapse; `continue` keeps the start across lapses.
  Either way paying again makes
  the status `aktif`; the policy changes `membership_since` and `contribution_months`, which decide the
  JKM waiting period and the 36-month scholarship threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cakupan.core.formatting import date_long, month_long
from cakupan.rules.engine.calendar import due_date
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import REENTRY_POLICIES, Citation, RuleBook, default_book
from cakupan.rules.engine.months import Month

__all__ = ["ACTIVE", "INACTIVE", "IN_ARREARS", "STATUSES", "MembershipStatus", "membership_status"]

ACTIVE = "aktif"
IN_ARREARS = "menunggak"
INACTIVE = "nonaktif"
STATUSES = (ACTIVE, IN_ARREARS, INACTIVE)


@dataclass(frozen=True)
class MembershipStatus:
    on: dt.date
    status: str
    arrears: tuple[Month, ...]
    paid_through: Month | None
    covered: bool
    next_due_month: Month
    next_due_date: dt.date
    lapses_after: dt.date | None
    membership_start: Month
    membership_since: Month
    contribution_months: int
    gaps: tuple[Month, ...]
    lapses: tuple[tuple[Month, Month], ...]
    policy: str
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]
    rules_version: str

    @property
    def months_in_arrears(self) -> int:
        return len(self.arrears)

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "status": self.status,
            "months_in_arrears": self.months_in_arrears,
            "arrears": [str(m) for m in self.arrears],
            "paid_through": str(self.paid_through) if self.paid_through else None,
            "covered": self.covered,
            "next_due_month": str(self.next_due_month),
            "next_due_date": self.next_due_date.isoformat(),
            "lapses_after": self.lapses_after.isoformat() if self.lapses_after else None,
            "membership_start": str(self.membership_start),
            "membership_since": str(self.membership_since),
            "contribution_months": self.contribution_months,
            "gaps": [str(m) for m in self.gaps],
            "lapses": [{"first_month": str(a), "last_month": str(b)} for a, b in self.lapses],
            "policy": self.policy,
            "notes": list(self.notes),
            "citations": [c.as_dict() for c in self.citations],
            "rules_version": self.rules_version,
        }


def check_policy(policy: Any, *, field: str = "policy") -> str:
    if policy not in REENTRY_POLICIES:
        raise RulesError(
            "policy_unknown",
            f"Kebijakan masuk kembali '{policy}' tidak dikenal; pilihan yang sah: "
            f"{', '.join(REENTRY_POLICIES)}.",
            field=field,
        )
    return policy


def membership_status(
    *,
    paid: Iterable[Month],
    on: dt.date,
    start: Month | None = None,
    policy: str | None = None,
    book: RuleBook | None = None,
) -> MembershipStatus:
    """Status on `on` of a membership that started in `start` (default: the earliest month paid)."""
    book = book or default_book()
    paid_set = frozenset(paid)
    if start is None:
        if not paid_set:
            raise RulesError(
                "paid_missing",
                "Bulan yang sudah dibayar kosong: isi minimal satu bulan (TTTT-BB) atau bulan mulai "
                "kepesertaan.",
                field="paid",
            )
        start = min(paid_set)
    early = sorted(m for m in paid_set if m < start)
    if early:
        raise RulesError(
            "paid_before_start",
            f"Bulan dibayar {early[0]} sebelum bulan mulai kepesertaan {start}.",
            field="paid",
        )
    if on < start.first_day:
        raise RulesError(
            "date_before_membership",
            f"Tanggal {date_long(on)} sebelum kepesertaan dimulai ({month_long(start)}).",
            field="on",
        )
    ruleset = book.for_date(on)
    policy = check_policy(ruleset["reentry_policy"].value if policy is None else policy)
    threshold = ruleset["lapse_unpaid_months"].value

    current = Month.of(on)
    last_due = current if on > due_date(current, book=book) else current.shift(-1)

    arrears: list[Month] = []
    month = last_due
    while month >= start and month not in paid_set:
        arrears.insert(0, month)
        month = month.shift(-1)

    # Runs of unpaid months before the arrears, oldest first.
    lapses: list[tuple[Month, Month]] = []
    history_end = arrears[0].shift(-1) if arrears else last_due
    run: list[Month] = []
    month = start
    while month <= history_end:
        if month in paid_set:
            if len(run) >= threshold:
                lapses.append((run[0], run[-1]))
            run = []
        else:
            run.append(month)
        month = month.shift(1)
    since = start
    if policy == "reregister" and lapses:
        since = lapses[-1][1].shift(1)
    if len(arrears) >= threshold:
        lapses.append((arrears[0], arrears[-1]))

    gaps = []
    month = since
    while month <= history_end:
        if month not in paid_set:
            gaps.append(month)
        month = month.shift(1)

    if arrears:
        next_due = arrears[0]
        paid_through = arrears[0].shift(-1) if arrears[0] > start else None
    else:
        next_due = max(start, last_due.shift(1))
        while next_due in paid_set:
            next_due = next_due.shift(1)
        paid_through = next_due.shift(-1) if next_due > start else None

    if len(arrears) >= threshold:
        status = INACTIVE
    elif arrears:
        status = IN_ARREARS
    else:
        status = ACTIVE

    # The date after which the membership lapses if nothing more is paid (None once lapsed, or when a
    # later paid month already breaks the run).
    lapses_after = None
    if status != INACTIVE:
        deciding = next_due.shift(threshold - 1)
        window = [next_due.shift(offset) for offset in range(threshold)]
        if not any(m in paid_set for m in window):
            lapses_after = due_date(deciding, book=book)

    contribution_months = sum(1 for m in paid_set if since <= m <= current)
    next_due_date = due_date(next_due, book=book)
    covered = current in paid_set
    notes = _notes(
        status=status,
        arrears=arrears,
        covered=covered,
        current=current,
        next_due=next_due,
        next_due_date=next_due_date,
        paid_through=paid_through,
        lapses_after=lapses_after,
        policy=policy,
        on=on,
    )
    return MembershipStatus(
        on=on,
        status=status,
        arrears=tuple(arrears),
        paid_through=paid_through,
        covered=covered,
        next_due_month=next_due,
        next_due_date=next_due_date,
        lapses_after=lapses_after,
        membership_start=start,
        membership_since=since,
        contribution_months=contribution_months,
        gaps=tuple(gaps),
        lapses=tuple(lapses),
        policy=policy,
        notes=notes,
        citations=(
            ruleset.citation("due_day"),
            ruleset.citation("non_working_days"),
            ruleset.citation("lapse_unpaid_months"),
            ruleset.citation("reentry_policy"),
            ruleset.citation("late_fine_percent"),
        ),
        rules_version=ruleset.id,
    )


def _notes(
    *,
    status: str,
    arrears: list[Month],
    covered: bool,
    current: Month,
    next_due: Month,
    next_due_date: dt.date,
    paid_through: Month | None,
    lapses_after: dt.date | None,
    policy: str,
    on: dt.date,
) -> tuple[str, ...]:
    notes = []
    if status == INACTIVE:
        notes.append(
            f"Nonaktif: {len(arrears)} bulan berturut-turut belum dibayar sejak {month_long(arrears[0])}; "
            "tidak terlindungi."
        )
        if policy == "continue":
            notes.append("Kepesertaan dapat dilanjutkan dengan membayar iuran kembali (NIK yang sama).")
        else:
            notes.append(
                "Membayar lagi memulai kepesertaan baru: masa tunggu JKM dan masa iur beasiswa dihitung "
                "dari awal."
            )
    elif status == IN_ARREARS:
        months = ", ".join(month_long(m) for m in arrears)
        notes.append(f"Menunggak {len(arrears)} bulan ({months}); bulan yang menunggak tidak terlindungi.")
    if covered:
        through = (
            f" sampai akhir {month_long(paid_through)}" if paid_through and paid_through >= current else ""
        )
        notes.append(f"Iuran {month_long(current)} sudah dibayar; terlindungi{through}.")
    elif status != INACTIVE and next_due == current and next_due_date >= on:
        notes.append(
            f"Iuran {month_long(current)} belum dibayar; jatuh tempo {date_long(next_due_date)}. "
            "Perlindungan bulan ini berlaku setelah iurannya dibayar."
        )
    if lapses_after is not None:
        notes.append(
            f"Bila tidak ada pembayaran, kepesertaan menjadi nonaktif setelah {date_long(lapses_after)}."
        )
    return tuple(notes)
