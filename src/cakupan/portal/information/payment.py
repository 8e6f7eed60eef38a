"""/cara-bayar/: how to pay, where a renewal reminder leads. No Django import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cakupan.portal.information._words import PAYMENT_SECTOR, SELF_PAID, _book, _mandatory
from cakupan.portal.information.prices import Price, PriceNotice, _price, price_notice
from cakupan.rules.engine import (
    Month,
    RuleBook,
    due_date,
    jkk_death_benefit,
    jkm_benefit,
)


@dataclass(frozen=True)
class PaymentPage:
    month: Month
    price: Price
    due: dt.date
    next_due: dt.date
    income: int
    jkm: int
    jkk_death: int
    lapse_months: int
    waiting_months: int
    new_membership_after_lapse: bool
    notice: PriceNotice | None


def payment_page(*, today: dt.date, book: RuleBook | None = None) -> PaymentPage:
    """This month's price for a self-paying worker at the lowest income level, the due dates, and what a
    death pays (with the work-accident amount at that income)."""
    book = _book(book)
    month = Month.of(today)
    ruleset = book.for_month(month)
    income = ruleset["income_levels"]["lowest"]
    return PaymentPage(
        month=month,
        price=_price(month, ruleset, SELF_PAID, PAYMENT_SECTOR, _mandatory(ruleset), book),
        due=due_date(month, book=book),
        next_due=due_date(month.shift(1), book=book),
        income=income,
        jkm=jkm_benefit(on=today, book=book).total,
        jkk_death=jkk_death_benefit(income=income, on=today, book=book).total,
        lapse_months=ruleset["lapse_unpaid_months"].value,
        waiting_months=ruleset["jkm_reduced"]["within_months"],
        new_membership_after_lapse=ruleset["reentry_policy"].value == "reregister",
        notice=price_notice(month=month, book=book),
    )
