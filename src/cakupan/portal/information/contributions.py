"""/iuran/: what cover costs this month, per kind of work and per payer, and the PP 50/2025 discount.
No Django import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cakupan.core.formatting import month_long
from cakupan.core.formatting import percent as format_percent
from cakupan.portal.information._words import (
    SELF_PAID,
    _book,
    _bpu_sectors,
    _capitalised,
    _funding_words,
    _instrument_words,
    _joined,
    _mandatory,
    _period,
    _programs_text,
    _programs_words,
)
from cakupan.portal.information.prices import Price, PriceNotice, _price, price_notice
from cakupan.rules.engine import (
    Month,
    RuleBook,
    due_date,
)
from cakupan.rules.engine.codes import FUNDING_SOURCES, SECTORS
from cakupan.rules.engine.figures import DiscountRule, RuleSet


@dataclass(frozen=True)
class SectorPrice:
    label: str
    price: Price
    with_optional: Price


@dataclass(frozen=True)
class FundingRow:
    label: str
    price: Price


@dataclass(frozen=True)
class FundingGroup:
    """Sectors whose price agrees for every funding source, and that price per source."""

    label: str
    rows: tuple[FundingRow, ...]


@dataclass(frozen=True)
class DiscountWindowText:
    sectors: str
    period: str
    state: str  # "berlaku", "belum mulai" or "sudah berakhir" for the month shown


@dataclass(frozen=True)
class DiscountText:
    label: str
    percent_off: Decimal
    programs: str
    not_discounted: str
    windows: tuple[DiscountWindowText, ...]
    included_funding: tuple[str, ...]
    excluded_funding: str  # "pemerintah daerah (APBD) atau pemerintah pusat (APBN)", empty when none
    # "Iuran yang telat dari sebelum April 2026 dibayar penuh.", one sentence per window start.
    arrears: tuple[str, ...]
    applies_this_month: bool
    instrument: str
    instrument_title: str
    in_force_from: dt.date


@dataclass(frozen=True)
class ContributionsPage:
    month: Month
    due: dt.date
    next_due: dt.date
    lowest_income: int
    highest_income: int
    jkk_percent: Decimal
    jkm_amount: int
    mandatory_programs: str
    mandatory_words: str
    optional_programs: str
    optional_percent: Decimal
    prepayment_months: str
    sectors: tuple[SectorPrice, ...]
    # The one price of every sector, when they all agree (the page then says one line, not a table).
    same_price: SectorPrice | None
    # What the optional program adds to every sector's price, or None when it differs between sectors (the
    # page then shows a column per sector instead of one sentence).
    optional_extra: int | None
    funding: tuple[FundingGroup, ...]
    discounts: tuple[DiscountText, ...]
    cheapest: Price
    notice: PriceNotice | None


def _group_label(sectors: Sequence[str], groups: int, largest: bool) -> str:
    if groups == 1:
        return "Semua pekerjaan"
    if largest and len(sectors) > 2:
        return "Pekerjaan lain"
    return _joined([SECTORS[code] for code in sectors])


def _window_state(month: Month, first: Month, last: Month) -> str:
    if month < first:
        return "belum mulai"
    if month > last:
        return "sudah berakhir"
    return "berlaku"


def _arrears(rule: DiscountRule, order: Sequence[str]) -> tuple[str, ...]:
    """Months before a window are due in full: one sentence per window start, naming the sectors when the
    windows start in different months."""
    starts: dict[Month, list[str]] = {}
    for window in rule.windows:
        starts.setdefault(window.first_month, []).extend(code for code in order if code in window.sectors)
    if len(starts) == 1:
        return (f"Iuran yang telat dari sebelum {month_long(next(iter(starts)))} dibayar penuh.",)
    largest = max(len(codes) for codes in starts.values())
    sentences = []
    for first, codes in sorted(starts.items()):
        who = (
            "Pekerjaan lain"
            if len(codes) == largest and len(codes) > 2
            else _joined([SECTORS[code] for code in order if code in codes])
        )
        sentences.append(f"{who}: iuran yang telat dari sebelum {month_long(first)} dibayar penuh.")
    return tuple(sentences)


def _discount_text(rule: DiscountRule, month: Month, ruleset: RuleSet, book: RuleBook) -> DiscountText:
    order = _bpu_sectors()
    windows = tuple(
        DiscountWindowText(
            sectors=_joined([SECTORS[code] for code in order if code in window.sectors]),
            period=_period(window.first_month, window.last_month),
            state=_window_state(month, window.first_month, window.last_month),
        )
        for window in rule.windows
    )
    chosen = (*ruleset["programs"]["mandatory"], *ruleset["programs"]["optional"])
    instrument = rule.citation.instrument
    return DiscountText(
        label=(
            f"Potongan {format_percent(rule.percent_off)} iuran {_programs_text(rule.programs)} "
            f"({_instrument_words(instrument)})"
        ),
        percent_off=rule.percent_off,
        programs=_programs_text(rule.programs),
        not_discounted=_programs_text(code for code in chosen if code not in rule.programs),
        windows=windows,
        included_funding=tuple(
            _capitalised(_funding_words(code))
            for code in FUNDING_SOURCES
            if code not in rule.excluded_funding
        ),
        excluded_funding=_joined(
            [_funding_words(code) for code in FUNDING_SOURCES if code in rule.excluded_funding], "atau"
        ),
        arrears=_arrears(rule, order),
        applies_this_month=any(window.state == "berlaku" for window in windows),
        instrument=instrument,
        instrument_title=ruleset.sources[instrument],
        in_force_from=book.version(rule.citation.version).effective_from,
    )


def contributions_page(*, today: dt.date, book: RuleBook | None = None) -> ContributionsPage:
    """This month's price of the cheapest cover per sector and per funding source, and the discounts."""
    book = _book(book)
    month = Month.of(today)
    ruleset = book.for_month(month)
    mandatory = _mandatory(ruleset)
    optional = tuple(ruleset["programs"]["optional"])
    sectors = _bpu_sectors()

    sector_rows = tuple(
        SectorPrice(
            label=SECTORS[code],
            price=_price(month, ruleset, SELF_PAID, code, mandatory, book),
            with_optional=_price(month, ruleset, SELF_PAID, code, (*mandatory, *optional), book),
        )
        for code in sectors
    )

    # Sectors whose prices agree for every funding source share one list, so the page shows one list in
    # most months and a second only while a discount window covers some sectors and not others.
    by_prices: dict[tuple[Price, ...], list[str]] = {}
    for code in sectors:
        prices = tuple(_price(month, ruleset, funding, code, mandatory, book) for funding in FUNDING_SOURCES)
        by_prices.setdefault(prices, []).append(code)
    groups = sorted(by_prices.items(), key=lambda item: len(item[1]))
    largest = len(groups[-1][1])
    funding_groups = tuple(
        FundingGroup(
            label=_group_label(codes, len(groups), len(codes) == largest and index == len(groups) - 1),
            rows=tuple(
                FundingRow(_capitalised(_funding_words(code)), price)
                for code, price in zip(FUNDING_SOURCES, prices, strict=True)
            ),
        )
        for index, (prices, codes) in enumerate(groups)
    )
    cheapest = min((row.price for row in sector_rows), key=lambda price: price.total)
    extras = {row.with_optional.total - row.price.total for row in sector_rows}
    same = {(row.price, row.with_optional) for row in sector_rows}
    return ContributionsPage(
        month=month,
        due=due_date(month, book=book),
        next_due=due_date(month.shift(1), book=book),
        lowest_income=ruleset["income_levels"]["lowest"],
        highest_income=ruleset["income_levels"]["highest"],
        jkk_percent=ruleset["jkk_percent"].value,
        jkm_amount=ruleset["jkm_contribution"].value,
        mandatory_programs=_programs_text(mandatory),
        mandatory_words=_programs_words(mandatory),
        optional_programs=_programs_text(optional),
        optional_percent=ruleset["jht_percent"].value,
        prepayment_months=_joined([str(count) for count in ruleset["prepayment_months"].value], "atau"),
        sectors=sector_rows,
        same_price=sector_rows[0] if len(same) == 1 else None,
        optional_extra=extras.pop() if len(extras) == 1 else None,
        funding=funding_groups,
        discounts=tuple(_discount_text(rule, month, ruleset, book) for rule in ruleset.discounts),
        cheapest=cheapest,
        notice=price_notice(month=month, book=book),
    )
