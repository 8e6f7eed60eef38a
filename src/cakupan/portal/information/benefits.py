"""/manfaat/: what JKK, JKM and the scholarship pay. No Django import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cakupan.core.formatting import decimal_number, rupiah
from cakupan.portal.information._words import _book
from cakupan.rules.engine import (
    Benefit,
    RuleBook,
    jkk_death_benefit,
    jkk_partial_disability_benefit,
    jkk_total_disability_benefit,
    jkk_transport_benefit,
    jkm_benefit,
    scholarship_benefit,
    scholarship_cap,
    stmb_benefit,
)
from cakupan.rules.engine.figures import RuleSet
from cakupan.rules.engine.months import round_half_up


@dataclass(frozen=True)
class PayoutLine:
    label: str
    amount: int


@dataclass(frozen=True)
class Payout:
    lines: tuple[PayoutLine, ...]
    total: int


@dataclass(frozen=True)
class SchoolLevel:
    label: str
    yearly: int
    years: int

    @property
    def total(self) -> int:
        return self.yearly * self.years


@dataclass(frozen=True)
class DisabilityExample:
    label: str
    percent: Decimal
    amount: int


@dataclass(frozen=True)
class BenefitsPage:
    today: dt.date
    income: int
    income_months: int
    jkm: Payout
    jkm_waiting: Payout
    waiting_months: int
    waiting_provisional: bool
    new_membership_after_lapse: bool
    lapse_months: int
    school_levels: tuple[SchoolLevel, ...]
    scholarship_per_child: int
    scholarship_children: int
    scholarship_all_children: int
    scholarship_min_months: int
    scholarship_min_years: int | None  # the months in whole years, when they are whole years
    scholarship_end_age: int
    jkk_scholarship_children: int
    jkk_scholarship_min_months: int
    home_care_months: int
    home_care_amount: int
    transport: tuple[PayoutLine, ...]
    stmb_full_months: int
    stmb_full_percent: Decimal
    stmb_after_percent: Decimal
    stmb_monthly: int
    jkk_death: Payout
    jkk_death_percent: Decimal
    jkk_death_times: str  # "48": percent × months, the times a month's income
    total_disability: Payout
    total_disability_percent: Decimal
    total_disability_times: str
    partial_disability: tuple[DisabilityExample, ...]


def _whole_years(months: int) -> int | None:
    return months // 12 if months and months % 12 == 0 else None


def _times(percent: Decimal, months: int) -> Decimal:
    """60% × 80 -> 48: how many months of income a benefit is."""
    return Decimal(percent) * months / 100


def _periodic_words(figure) -> str:
    return (
        f"Uang tambahan (santunan berkala): {figure['months']} bulan × {rupiah(figure['monthly'])}, "
        "dibayar sekali"
    )


def _payout(
    benefit: Benefit, ruleset: RuleSet, *, periodic: str = "", times: Decimal | None = None
) -> Payout:
    """The engine's lines in words: what the money is for, a formula as "48 kali penghasilan sebulan".
    `periodic` names the rule figure of the periodic line, `times` the factor of the income line."""
    words = {
        "lump_sum": "Santunan kematian",
        "funeral": "Biaya pemakaman",
        "periodic": _periodic_words(ruleset[periodic]) if periodic else "",
    }
    lines = []
    for line in benefit.lines:
        label = words.get(line.item) or line.label
        if line.item in ("death_lump_sum", "total_disability") and times is not None:
            what = "Santunan kematian" if line.item == "death_lump_sum" else "Santunan cacat"
            expected = round_half_up(times * benefit.income_level)
            # Raised to the JKM lump sum when the income is so low that the formula gives less.
            label = (
                f"{what}: {decimal_number(times)} kali penghasilan sebulan"
                if line.amount == expected
                else f"{what} (paling sedikit)"
            )
        lines.append(PayoutLine(label, line.amount))
    return Payout(lines=tuple(lines), total=benefit.total)


def benefits_page(*, today: dt.date, book: RuleBook | None = None) -> BenefitsPage:
    """JKM, the scholarship and JKK as in force today, with JKK amounts at the lowest income level."""
    book = _book(book)
    ruleset = book.for_date(today)
    income = ruleset["income_levels"]["lowest"]
    income_months = ruleset["jkk_income_months"].value
    jkm_rule = ruleset["jkm_scholarship"]
    jkk_rule = ruleset["jkk_scholarship"]
    schedule = ruleset["scholarship_schedule"]
    stmb = ruleset["jkk_stmb"]
    table = ruleset["jkk_disability_table"]
    death_times = _times(ruleset["jkk_death"]["percent"], income_months)
    disability_times = _times(ruleset["jkk_total_disability"]["percent"], income_months)
    return BenefitsPage(
        today=today,
        income=income,
        income_months=income_months,
        jkm=_payout(jkm_benefit(on=today, book=book), ruleset, periodic="jkm_periodic"),
        # A member who joined today dies today: the reduced benefit of the first months.
        jkm_waiting=_payout(jkm_benefit(member_since=today, on=today, book=book), ruleset),
        waiting_months=ruleset["jkm_reduced"]["within_months"],
        waiting_provisional=ruleset["jkm_reduced"].citation.provisional,
        new_membership_after_lapse=ruleset["reentry_policy"].value == "reregister",
        lapse_months=ruleset["lapse_unpaid_months"].value,
        school_levels=tuple(
            SchoolLevel(level["label"], level["yearly"], level["years"]) for level in schedule["levels"]
        ),
        scholarship_per_child=scholarship_cap(ruleset),
        scholarship_children=jkm_rule["max_children"],
        scholarship_all_children=scholarship_benefit(
            contribution_months=jkm_rule["min_contribution_months"], on=today, book=book
        ).total,
        scholarship_min_months=jkm_rule["min_contribution_months"],
        scholarship_min_years=_whole_years(jkm_rule["min_contribution_months"]),
        scholarship_end_age=schedule["end_age"],
        jkk_scholarship_children=jkk_rule["max_children"],
        jkk_scholarship_min_months=jkk_rule["min_contribution_months"],
        home_care_months=ruleset["jkk_home_care"]["months"],
        home_care_amount=ruleset["jkk_home_care"]["amount"],
        transport=tuple(
            PayoutLine(line.label, line.amount) for line in jkk_transport_benefit(on=today, book=book).lines
        ),
        stmb_full_months=stmb["full_months"],
        stmb_full_percent=stmb["full_percent"],
        stmb_after_percent=stmb["after_percent"],
        stmb_monthly=stmb_benefit(income=income, months=1, on=today, book=book).total,
        jkk_death=_payout(
            jkk_death_benefit(income=income, on=today, book=book),
            ruleset,
            periodic="jkk_periodic",
            times=death_times,
        ),
        jkk_death_percent=ruleset["jkk_death"]["percent"],
        jkk_death_times=decimal_number(death_times),
        total_disability=_payout(
            jkk_total_disability_benefit(income=income, on=today, book=book),
            ruleset,
            periodic="jkk_periodic",
            times=disability_times,
        ),
        total_disability_percent=ruleset["jkk_total_disability"]["percent"],
        total_disability_times=decimal_number(disability_times),
        partial_disability=tuple(
            DisabilityExample(
                row["label"],
                row["percent"],
                jkk_partial_disability_benefit(income=income, part=row["code"], on=today, book=book).total,
            )
            for row in table["rows"]
        ),
    )
