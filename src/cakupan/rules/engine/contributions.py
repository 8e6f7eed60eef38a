"""BPU contributions (iuran): one month, or a prepaid run of months.

For a declared income, programs, contribution month, funding source and sector: the income level used,
one line per program in whole rupiah, the discount if any, and the total (always the sum of the lines).

* JKK = `jkk_percent` of the income level, JHT = `jht_percent` of it, each rounded half-up; JKM is flat.
* An income below the lowest level is declared at the lowest, above the highest at the highest; in
  "table" mode an income between levels is declared at the highest level not above it.
* A discount (PP 50/2025) applies when the contribution month and sector fall in one of its windows and
  the funding source is not excluded (APBN, APBD). It is applied to each full line separately and the
  discounted line is rounded half-up (the document's Decision), so 10.000 + 6.800 becomes 5.000 + 3.400.
  It is keyed by the contribution month, so prepaid discounted months keep their discount and arrears
  for months before the policy are due in full.
* Sector `formal` (wage earners) is refused: their contributions are a share of wages paid through the
  employer, not a BPU contribution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from cakupan.core.formatting import month_long, rupiah
from cakupan.rules.engine.calendar import due_date
from cakupan.rules.engine.codes import FUNDING_SOURCES, NON_BPU_SECTORS, PROGRAMS, SECTORS
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import Citation, DiscountRule, RuleBook, RuleSet, default_book
from cakupan.rules.engine.months import Month, percent_of

__all__ = [
    "AppliedDiscount",
    "Contribution",
    "ContributionLine",
    "ContributionPeriod",
    "check_funding",
    "check_income",
    "check_prepayment_months",
    "check_programs",
    "check_sector",
    "contribution",
    "contribution_period",
    "declared_income_level",
    "prepaid_months",
]


@dataclass(frozen=True)
class ContributionLine:
    program: str
    amount: int
    full_amount: int

    def as_dict(self) -> dict[str, Any]:
        return {"program": self.program, "amount": self.amount, "full_amount": self.full_amount}


@dataclass(frozen=True)
class AppliedDiscount:
    id: str
    label: str
    percent_off: Decimal
    programs: tuple[str, ...]
    amount: int
    first_month: Month
    last_month: Month

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "percent_off": str(self.percent_off),
            "programs": list(self.programs),
            "amount": self.amount,
            "first_month": str(self.first_month),
            "last_month": str(self.last_month),
        }


@dataclass(frozen=True)
class Contribution:
    month: Month
    income: int
    income_level: int
    programs: tuple[str, ...]
    funding: str
    sector: str
    lines: tuple[ContributionLine, ...]
    discount: AppliedDiscount | None
    due_date: dt.date
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]
    rules_version: str

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def full_total(self) -> int:
        return sum(line.full_amount for line in self.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": str(self.month),
            "income": self.income,
            "income_level": self.income_level,
            "programs": list(self.programs),
            "funding": self.funding,
            "sector": self.sector,
            "lines": [line.as_dict() for line in self.lines],
            "discount": self.discount.as_dict() if self.discount else None,
            "total": self.total,
            "full_total": self.full_total,
            "due_date": self.due_date.isoformat(),
            "notes": list(self.notes),
            "citations": [c.as_dict() for c in self.citations],
            "rules_version": self.rules_version,
        }


@dataclass(frozen=True)
class ContributionPeriod:
    """Several months paid at once: each month priced under its own rules and discount."""

    months: tuple[Contribution, ...]

    @property
    def total(self) -> int:
        return sum(month.total for month in self.months)

    @property
    def full_total(self) -> int:
        return sum(month.full_total for month in self.months)

    @property
    def first(self) -> Contribution:
        return self.months[0]

    @property
    def last(self) -> Contribution:
        return self.months[-1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_month": str(self.first.month),
            "last_month": str(self.last.month),
            "months": len(self.months),
            "pay_by": self.first.due_date.isoformat(),
            "per_month": [
                {
                    "month": str(c.month),
                    "total": c.total,
                    "full_total": c.full_total,
                    "discount": c.discount.id if c.discount else None,
                }
                for c in self.months
            ],
            "total": self.total,
            "full_total": self.full_total,
        }


# --- validation shared with benefits -----------------------------------------------------------------


def check_income(income: Any, *, field: str = "income") -> int:
    if isinstance(income, bool) or not isinstance(income, int):
        raise RulesError(
            "income_not_integer",
            "Penghasilan harus bilangan bulat rupiah tanpa desimal, misalnya 1000000.",
            field=field,
        )
    if income < 0:
        raise RulesError("income_negative", "Penghasilan tidak boleh negatif.", field=field)
    return income


def declared_income_level(income: int, ruleset: RuleSet) -> tuple[int, str | None]:
    """The income level contributions and benefits are computed from, and a Bahasa note when it differs
    from the income given."""
    levels = ruleset["income_levels"]
    lowest, highest = levels["lowest"], levels["highest"]
    if income < lowest:
        note = (
            f"Penghasilan {rupiah(income)} di bawah tingkat terendah; dihitung pada tingkat terendah "
            f"{rupiah(lowest)}."
        )
        return lowest, note
    if income > highest:
        note = f"Penghasilan {rupiah(income)} di atas tingkat tertinggi; dihitung pada {rupiah(highest)}."
        return highest, note
    if levels["mode"] == "table":
        level = max(candidate for candidate in levels["levels"] if candidate <= income)
        if level != income:
            note = (
                f"Penghasilan {rupiah(income)} dihitung pada tingkat {rupiah(level)} (tingkat di bawahnya)."
            )
            return level, note
    return income, None


def check_programs(programs: Iterable[str], ruleset: RuleSet, *, field: str = "programs") -> tuple[str, ...]:
    """Validated program codes in the data's order (mandatory first), duplicates dropped."""
    figure = ruleset["programs"]
    chosen = []
    for raw in programs:
        code = raw.strip().lower() if isinstance(raw, str) else raw
        if code in figure["unavailable"]:
            raise RulesError(
                "program_not_available",
                f"Program {PROGRAMS[code]} tidak tersedia untuk peserta bukan penerima upah (BPU).",
                field=field,
            )
        if code not in (*figure["mandatory"], *figure["optional"]):
            allowed = ", ".join((*figure["mandatory"], *figure["optional"]))
            raise RulesError(
                "program_unknown",
                f"Program '{raw}' tidak dikenal; pilihan yang sah: {allowed}.",
                field=field,
            )
        chosen.append(code)
    missing = [code for code in figure["mandatory"] if code not in chosen]
    if missing:
        mandatory = " dan ".join(code.upper() for code in figure["mandatory"])
        raise RulesError(
            "programs_missing_mandatory",
            f"Program {mandatory} wajib dipilih; kurang: {', '.join(c.upper() for c in missing)}.",
            field=field,
        )
    order = (*figure["mandatory"], *figure["optional"])
    return tuple(code for code in order if code in chosen)


def check_funding(funding: Any, *, field: str = "funding") -> str:
    if funding not in FUNDING_SOURCES:
        raise RulesError(
            "funding_unknown",
            f"Sumber dana '{funding}' tidak dikenal; pilihan yang sah: {', '.join(FUNDING_SOURCES)}.",
            field=field,
        )
    return funding


def check_sector(sector: Any, *, field: str = "sector") -> str:
    if sector not in SECTORS:
        raise RulesError(
            "sector_unknown",
            f"Sektor '{sector}' tidak dikenal; pilihan yang sah: {', '.join(SECTORS)}.",
            field=field,
        )
    if sector in NON_BPU_SECTORS:
        raise RulesError(
            "sector_not_bpu",
            "Sektor formal (penerima upah) tidak membayar iuran BPU: iurannya dihitung dari upah dan dibayar "
            "melalui pemberi kerja.",
            field=field,
        )
    return sector


def check_prepayment_months(count: Any, ruleset: RuleSet, *, field: str = "months") -> int:
    """How many months may be paid at once: 1, 3, 6 or 12 (data)."""
    allowed = ruleset["prepayment_months"].value
    if isinstance(count, bool) or count not in allowed:
        raise RulesError(
            "prepayment_months_invalid",
            f"Jumlah bulan yang dibayar sekaligus harus salah satu dari {', '.join(map(str, allowed))}.",
            field=field,
        )
    return count


def prepaid_months(first: Month, count: int, ruleset: RuleSet, *, field: str = "months") -> tuple[Month, ...]:
    """The months covered by paying `count` months at once from `first`."""
    count = check_prepayment_months(count, ruleset, field=field)
    return tuple(first.shift(offset) for offset in range(count))


# --- computation -------------------------------------------------------------------------------------


def _find_discount(
    ruleset: RuleSet, month: Month, funding: str, sector: str
) -> tuple[DiscountRule, Citation, Month, Month] | str | None:
    """The discount that applies, or a Bahasa note saying why none does (None when nothing to say)."""
    for rule in ruleset.discounts:
        window = rule.window_for(month, sector)
        if window is None:
            sector_windows = [w for w in rule.windows if sector in w.sectors]
            if sector_windows:
                spans = "; ".join(
                    f"{month_long(w.first_month)}–{month_long(w.last_month)}" for w in sector_windows
                )
                return f"{rule.label} untuk sektor ini hanya untuk bulan iuran {spans}."
            continue
        if funding in rule.excluded_funding:
            return (
                f"{rule.label} tidak berlaku: iuran yang dibayar dari {FUNDING_SOURCES[funding]} "
                "dikecualikan."
            )
        # The window's own confidence (transport H, other sectors M) is what a reader needs to see.
        citation = replace(rule.citation, confidence=window.confidence)
        return rule, citation, window.first_month, window.last_month
    return None


def contribution(
    *,
    income: int,
    programs: Iterable[str],
    month: Month,
    funding: str,
    sector: str,
    book: RuleBook | None = None,
) -> Contribution:
    """The contribution for one month."""
    income = check_income(income)
    funding = check_funding(funding)
    sector = check_sector(sector)
    ruleset = (book or default_book()).for_month(month)
    chosen = check_programs(programs, ruleset)
    level, level_note = declared_income_level(income, ruleset)
    notes = [level_note] if level_note else []
    citations = [ruleset.citation("income_levels")]

    full: dict[str, int] = {}
    for program in chosen:
        if program == "jkk":
            full[program] = percent_of(level, ruleset["jkk_percent"].value)
            citations.append(ruleset.citation("jkk_percent"))
        elif program == "jkm":
            full[program] = ruleset["jkm_contribution"].value
            citations.append(ruleset.citation("jkm_contribution"))
        elif program == "jht":
            full[program] = percent_of(level, ruleset["jht_percent"].value)
            citations.append(ruleset.citation("jht_percent"))

    found = _find_discount(ruleset, month, funding, sector)
    applied = None
    amounts = dict(full)
    if isinstance(found, str):
        notes.append(found)
    elif found is not None:
        rule, citation, first, last = found
        for program in rule.programs:
            if program in amounts:
                amounts[program] = percent_of(full[program], 100 - rule.percent_off)
        saving = sum(full.values()) - sum(amounts.values())
        applied = AppliedDiscount(rule.id, rule.label, rule.percent_off, rule.programs, saving, first, last)
        citations.append(citation)
        untouched = [p.upper() for p in chosen if p not in rule.programs]
        notes.append(
            f"{rule.label}: hemat {rupiah(saving)} per bulan"
            + (f"; {', '.join(untouched)} tidak dipotong." if untouched else ".")
        )
    lines = tuple(ContributionLine(p, amounts[p], full[p]) for p in chosen)
    return Contribution(
        month=month,
        income=income,
        income_level=level,
        programs=chosen,
        funding=funding,
        sector=sector,
        lines=lines,
        discount=applied,
        due_date=due_date(month, book=book),
        notes=tuple(notes),
        citations=tuple(citations),
        rules_version=ruleset.id,
    )


def contribution_period(
    *,
    income: int,
    programs: Iterable[str],
    first_month: Month,
    months: int,
    funding: str,
    sector: str,
    book: RuleBook | None = None,
) -> ContributionPeriod:
    """`months` months paid at once (1, 3, 6 or 12), due by the first month's due date."""
    ruleset = (book or default_book()).for_month(first_month)
    programs = tuple(programs)
    covered = prepaid_months(first_month, months, ruleset)
    return ContributionPeriod(
        tuple(
            contribution(income=income, programs=programs, month=m, funding=funding, sector=sector, book=book)
            for m in covered
        )
    )
