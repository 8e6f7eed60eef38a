"""Claim deadlines and the payment service level (document sections 3.2 and 4).

* Accident report (Tahap I): within 2 × 24 hours of the accident. With only the date known, the
  deadline is given as the date two days later and flagged, since the hour decides it.
* Tahap II: within 2 × 24 hours of the doctor's statement (same rule, from that date).
* Claim period: 5 years from the accident or death; the last day is the same calendar date 5 years
  later (28 February when the event was on 29 February).
* Payment: within 7 working days (JKM 3) after the requirements are complete; day 1 is the first working day
  after completion, counting cuti bersama as holidays. Late payment earns 1% of the benefit per day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cakupan.core.formatting import date_long
from cakupan.rules.engine.calendar import WorkingCalendar
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import Citation, RuleBook, default_book

__all__ = [
    "CLAIM_KINDS",
    "PAYMENT_KINDS",
    "ClaimDeadlines",
    "PaymentDue",
    "claim_calendar",
    "claim_deadlines",
    "payment_due",
]

CLAIM_KINDS = ("jkk", "jkm")
# The service level of each claim kind that has one: JKM is paid faster than JKK (document section 8), and a
# scholarship, a cash benefit of either, follows the general 7 working days of PP 44/2015 Pasal 37.
PAYMENT_KINDS = {
    "jkk": "claim_payment_working_days",
    "jkm": "jkm_claim_payment_working_days",
    "beasiswa": "scholarship_claim_payment_working_days",
}


@dataclass(frozen=True)
class PaymentDue:
    kind: str
    complete: dt.date
    working_days: int
    due: dt.date
    citations: tuple[Citation, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "complete": self.complete.isoformat(),
            "working_days": self.working_days,
            "due": self.due.isoformat(),
        }


def claim_calendar(
    on: dt.date, *, changes: Mapping[dt.date, str | None] | None = None, book: RuleBook | None = None
) -> WorkingCalendar:
    """The working days of claim service levels (with cuti bersama) under the rules in force on `on`."""
    ruleset = (book or default_book()).for_date(on, field="complete")
    return WorkingCalendar(ruleset, figure="claim_non_working_days", changes=changes)


def payment_working_days(kind: str, on: dt.date, *, book: RuleBook | None = None) -> tuple[int, Citation]:
    if kind not in PAYMENT_KINDS:
        raise RulesError(
            "claim_kind_unknown",
            f"Jenis klaim '{str(kind)[:20]}' tidak dikenal; pilihan yang sah: {', '.join(PAYMENT_KINDS)}.",
            field="kind",
        )
    ruleset = (book or default_book()).for_date(on, field="complete")
    figure = ruleset[PAYMENT_KINDS[kind]]
    return figure.value, figure.citation


def payment_due(
    *,
    kind: str,
    complete: dt.date,
    changes: Mapping[dt.date, str | None] | None = None,
    book: RuleBook | None = None,
) -> PaymentDue:
    """The last day to pay a claim whose documents were complete on `complete`: the N-th working day after
    it (N from the rules data for the kind; the day of completion is not counted)."""
    days, citation = payment_working_days(kind, complete, book=book)
    calendar = claim_calendar(complete, changes=changes, book=book)
    return PaymentDue(
        kind=kind,
        complete=complete,
        working_days=days,
        due=calendar.add_working_days(complete, days),
        citations=(citation, calendar.citation),
    )


@dataclass(frozen=True)
class ClaimDeadlines:
    kind: str
    event: dt.date
    event_time: dt.time | None
    report_by: dt.datetime | dt.date | None
    stage2_report_by: dt.datetime | dt.date | None
    claim_by: dt.date
    payment_by: dt.date | None
    late_payment_percent_per_day: Decimal
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]
    rules_version: str

    def as_dict(self) -> dict[str, Any]:
        def iso(value: dt.date | None) -> str | None:
            return (
                value.isoformat(timespec="minutes")
                if isinstance(value, dt.datetime)
                else (value.isoformat() if value else None)
            )

        return {
            "kind": self.kind,
            "event": self.event.isoformat(),
            "event_time": self.event_time.isoformat(timespec="minutes") if self.event_time else None,
            "report_by": iso(self.report_by),
            "stage2_report_by": iso(self.stage2_report_by),
            "claim_by": self.claim_by.isoformat(),
            "payment_by": iso(self.payment_by),
            "late_payment_percent_per_day": str(self.late_payment_percent_per_day),
            "notes": list(self.notes),
            "citations": [c.as_dict() for c in self.citations],
            "rules_version": self.rules_version,
        }


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def claim_deadlines(
    *,
    kind: str,
    event: dt.date,
    event_time: dt.time | None = None,
    doctor_statement: dt.date | None = None,
    complete: dt.date | None = None,
    book: RuleBook | None = None,
) -> ClaimDeadlines:
    """Deadlines for a JKK accident or a JKM death on `event`."""
    if kind not in CLAIM_KINDS:
        raise RulesError(
            "claim_kind_unknown",
            f"Jenis klaim '{kind}' tidak dikenal; pilihan yang sah: {', '.join(CLAIM_KINDS)}.",
            field="kind",
        )
    ruleset = (book or default_book()).for_date(event, field="event")
    for later, name, label in (
        (doctor_statement, "doctor_statement", "Tanggal surat dokter"),
        (complete, "complete", "Tanggal berkas lengkap"),
    ):
        if later is not None and later < event:
            raise RulesError(
                "date_order",
                f"{label} ({date_long(later)}) sebelum tanggal kejadian ({date_long(event)}).",
                field=name,
            )
    hours = ruleset["claim_report_hours"].value
    notes = []
    payment_days = PAYMENT_KINDS[kind]
    citations = [ruleset.citation("claim_period_years"), ruleset.citation(payment_days)]
    report_by: dt.datetime | dt.date | None = None
    stage2: dt.datetime | dt.date | None = None
    if kind == "jkk":
        citations.insert(0, ruleset.citation("claim_report_hours"))
        if event_time is None:
            # Without the hour, name the day the deadline falls on (rounding partial days up).
            report_by = event + dt.timedelta(days=-(-hours // 24))
            notes.append(
                f"Jam kecelakaan tidak diisi: laporan Tahap I paling lambat {hours} jam setelah jam "
                f"kejadian, yaitu pada {date_long(report_by)}."
            )
        else:
            report_by = dt.datetime.combine(event, event_time) + dt.timedelta(hours=hours)
        if doctor_statement is not None:
            stage2 = doctor_statement + dt.timedelta(days=-(-hours // 24))
            notes.append(
                f"Laporan Tahap II paling lambat {hours} jam setelah surat keterangan dokter "
                f"({date_long(stage2)}, pada jam surat diterbitkan)."
            )
    claim_by = _years_later(event, ruleset["claim_period_years"].value)
    notes.append(f"Hak klaim berakhir setelah {date_long(claim_by)}.")
    payment_by = None
    if complete is not None:
        due = payment_due(kind=kind, complete=complete, book=book)
        payment_by = due.due
        notes.append(
            f"Manfaat dibayar paling lambat {date_long(payment_by)} ({due.working_days} hari kerja setelah "
            "berkas lengkap, tidak termasuk akhir pekan, hari libur nasional, dan cuti bersama)."
        )
        citations.append(due.citations[1])
    late = ruleset["claim_late_payment_percent"]
    citations.append(late.citation)
    return ClaimDeadlines(
        kind=kind,
        event=event,
        event_time=event_time,
        report_by=report_by,
        stage2_report_by=stage2,
        claim_by=claim_by,
        payment_by=payment_by,
        late_payment_percent_per_day=late.value,
        notes=tuple(notes),
        citations=tuple(citations),
        rules_version=ruleset.id,
    )
