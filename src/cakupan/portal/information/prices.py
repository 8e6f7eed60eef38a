"""The price a self-paying worker pays this month and in the months ahead, and the notice before it
changes. No Django import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cakupan.portal.information._words import (
    LOOKAHEAD_MONTHS,
    NOTICE_MONTHS,
    PAYMENT_SECTOR,
    SELF_PAID,
    _book,
    _bpu_sectors,
    _joined,
    _mandatory,
)
from cakupan.rules.engine import (
    Month,
    RuleBook,
    contribution,
)
from cakupan.rules.engine.codes import SECTORS
from cakupan.rules.engine.figures import RuleSet


@dataclass(frozen=True)
class Price:
    total: int
    full_total: int

    @property
    def discounted(self) -> bool:
        return self.total < self.full_total


def _price(month: Month, ruleset: RuleSet, funding: str, sector: str, programs, book) -> Price:
    quote = contribution(
        income=ruleset["income_levels"]["lowest"],
        programs=programs,
        month=month,
        funding=funding,
        sector=sector,
        book=book,
    )
    return Price(quote.total, quote.full_total)


def _cheapest_price(month: Month, funding: str, sector: str, book: RuleBook) -> Price:
    """The mandatory programs at the lowest income level, under the rules of that month."""
    ruleset = book.for_month(month)
    return _price(month, ruleset, funding, sector, _mandatory(ruleset), book)


def lowest_price(month: Month, *, funding: str = SELF_PAID, sector: str = PAYMENT_SECTOR) -> Price:
    """What "from Rp… a month" means: the mandatory programs at the lowest income level, self-paid."""
    return _cheapest_price(month, funding, sector, _book(None))


@dataclass(frozen=True)
class PriceChange:
    """From `first_month` the monthly price of `sectors` (empty: every sector) becomes `price`."""

    sectors: str
    first_month: Month
    price: int
    back_to_normal: bool  # the discount ends and the normal price returns
    higher: bool


@dataclass(frozen=True)
class PriceHold:
    """A discounted price that does not change soon: `price` until `until` (None: not within two years)."""

    sectors: str
    price: int
    until: Month | None


@dataclass(frozen=True)
class PriceNotice:
    """The warning shown beside a price when it changes within NOTICE_MONTHS (for a worker paying
    themselves, at the lowest income level), and the discounted prices that stay longer."""

    changes: tuple[PriceChange, ...]
    holds: tuple[PriceHold, ...]

    @property
    def headline(self) -> str:
        if all(change.back_to_normal for change in self.changes):
            return "Potongan iuran segera berakhir."
        if any(change.higher for change in self.changes):
            return "Iuran akan naik."
        return "Iuran akan turun."


def _next_change(month: Month, now: Price, sector: str, months: int, book: RuleBook):
    """The first month after `month`, at most `months` ahead, whose price differs, and that price."""
    for offset in range(1, months + 1):
        later = month.shift(offset)
        price = _cheapest_price(later, SELF_PAID, sector, book)
        if price.total != now.total:
            return later, price.total
    return None


def price_notice(*, month: Month, book: RuleBook | None = None) -> PriceNotice | None:
    """None when no sector's price changes within NOTICE_MONTHS after `month`; otherwise when and to what
    it changes, grouped by sector, with the sectors whose discount lasts longer and until when."""
    book = _book(book)
    sectors = _bpu_sectors()
    now = {code: _cheapest_price(month, SELF_PAID, code, book) for code in sectors}
    soon = {}
    for code in sectors:
        change = _next_change(month, now[code], code, NOTICE_MONTHS, book)
        if change is not None:
            soon[code] = change
    if not soon:
        return None
    holds: dict[tuple[int, Month | None], list[str]] = {}
    for code in sectors:
        if code in soon or not now[code].discounted:
            continue
        later = _next_change(month, now[code], code, LOOKAHEAD_MONTHS, book)
        until = later[0].shift(-1) if later else None
        holds.setdefault((now[code].total, until), []).append(code)
    groups: dict[tuple[Month, int], list[str]] = {}
    for code, change in soon.items():
        groups.setdefault(change, []).append(code)
    # One group that, with the sectors named as holding their price, covers every sector is said for
    # everyone ("Mulai Januari 2027 …"); otherwise each group names its sectors.
    named = [code for codes in holds.values() for code in codes]
    for_everyone = len(groups) == 1 and len(soon) + len(named) == len(sectors)

    def labels(codes: Sequence[str]) -> str:
        return _joined([SECTORS[code] for code in sectors if code in codes])

    changes = tuple(
        PriceChange(
            sectors="" if for_everyone else labels(codes),
            first_month=first,
            price=price,
            back_to_normal=all(now[code].discounted and price == now[code].full_total for code in codes),
            higher=price > max(now[code].total for code in codes),
        )
        for (first, price), codes in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1]))
    )
    return PriceNotice(
        changes=changes,
        holds=tuple(PriceHold(labels(codes), price, until) for (price, until), codes in holds.items()),
    )
