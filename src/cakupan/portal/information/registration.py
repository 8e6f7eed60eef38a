"""/cara-daftar/: how to register. No Django import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cakupan.portal.information._words import (
    SELF_PAID,
    _book,
    _bpu_sectors,
    _mandatory,
    _programs_text,
    _programs_words,
)
from cakupan.portal.information.prices import Price, PriceNotice, _price, price_notice
from cakupan.rules.engine import (
    Month,
    RuleBook,
    due_date,
)


@dataclass(frozen=True)
class RegistrationPage:
    month: Month
    cheapest: Price
    due: dt.date
    lowest_income: int
    mandatory: str
    mandatory_words: str
    optional: str
    optional_words: str
    optional_percent: Decimal
    # What the optional program adds at the lowest income level: the least it costs.
    optional_extra: int
    waiting_months: int
    lapse_months: int
    notice: PriceNotice | None


def registration_page(*, today: dt.date, book: RuleBook | None = None) -> RegistrationPage:
    book = _book(book)
    month = Month.of(today)
    ruleset = book.for_month(month)
    mandatory = _mandatory(ruleset)
    optional = tuple(ruleset["programs"]["optional"])
    prices = []
    extras = []
    for code in _bpu_sectors():
        price = _price(month, ruleset, SELF_PAID, code, mandatory, book)
        prices.append(price)
        extras.append(
            _price(month, ruleset, SELF_PAID, code, (*mandatory, *optional), book).total - price.total
        )
    return RegistrationPage(
        month=month,
        cheapest=min(prices, key=lambda price: price.total),
        due=due_date(month, book=book),
        lowest_income=ruleset["income_levels"]["lowest"],
        mandatory=_programs_text(mandatory),
        mandatory_words=_programs_words(mandatory),
        optional=_programs_text(optional),
        optional_words=_programs_words(optional),
        optional_percent=ruleset["jht_percent"].value,
        optional_extra=min(extras),
        waiting_months=ruleset["jkm_reduced"]["within_months"],
        lapse_months=ruleset["lapse_unpaid_months"].value,
        notice=price_notice(month=month, book=book),
    )
