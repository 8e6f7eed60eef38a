"""What the public information pages say, computed from the rules engine: plain Python, no Django.

Every amount, period and date on `/manfaat/`, `/iuran/`, `/cara-daftar/`, `/cara-bayar/` and `/klaim/`
comes from the engine's functions or its rule data for the day asked about, so a page can never disagree
with the calculator, the reminders or the allocation; a correction of the rule data changes the pages with
it. What the engine does not hold (documents to bring, the heirs' legal order) is written here once, from
docs/jamsostek-rules.md section 4.

The words are for a worker who reads at primary-school level (docs/ux-bahasa.md): program and funding
codes are said in words with the code beside them, formulas as "48 kali penghasilan sebulan". The engine's
own labels stay as they are for the calculator and the API.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cakupan.core.formatting import MONTH_NAMES, decimal_number, month_long, rupiah
from cakupan.core.formatting import percent as format_percent
from cakupan.rules.engine import (
    Benefit,
    Month,
    RuleBook,
    claim_deadlines,
    contribution,
    default_book,
    due_date,
    jkk_death_benefit,
    jkk_partial_disability_benefit,
    jkk_total_disability_benefit,
    jkk_transport_benefit,
    jkm_benefit,
    scholarship_benefit,
    scholarship_cap,
    stmb_benefit,
)
from cakupan.rules.engine.codes import FUNDING_SOURCES, NON_BPU_SECTORS, SECTORS
from cakupan.rules.engine.figures import DiscountRule, RuleSet
from cakupan.rules.engine.months import round_half_up

__all__ = [
    "OFFICES_FILE",
    "BenefitsPage",
    "ClaimsPage",
    "ContributionsPage",
    "Office",
    "PaymentPage",
    "PriceNotice",
    "RegencyOffices",
    "RegistrationPage",
    "benefits_page",
    "claims_page",
    "contributions_page",
    "load_offices",
    "offices_by_regency",
    "payment_page",
    "price_notice",
    "registration_page",
]

OFFICES_FILE = Path(__file__).resolve().parent / "data" / "bpjs_offices_banten.csv"
# The cheapest cover is priced for a worker who pays their own contribution.
SELF_PAID = "self"
# The sector a renewal reminder's reader is priced in on /cara-bayar/ (the reminder does not say which).
PAYMENT_SECTOR = "lainnya"
# A price change this many months ahead, or nearer, is announced on the pages that show a price; a worker
# paying 3 months at once sees it before paying.
NOTICE_MONTHS = 3
# How far ahead to look for the end of a discount that does not end within NOTICE_MONTHS.
LOOKAHEAD_MONTHS = 24

# Programs and funding sources in words a worker knows, the code beside it (docs/ux-bahasa.md).
PROGRAM_WORDS = {
    "jkk": "kecelakaan kerja (JKK)",
    "jkm": "kematian (JKM)",
    "jht": "tabungan hari tua (JHT)",
    "jp": "pensiun (JP)",
}
FUNDING_WORDS = {
    "self": "Anda sendiri",
    "sponsor": "orang lain yang membayari Anda (SERTAKAN)",
    "apbd": "pemerintah daerah (APBD)",
    "apbn": "pemerintah pusat (APBN)",
    "baznas": "lembaga zakat (BAZNAS/LAZ)",
    "dana_desa": "Dana Desa",
    "csr": "perusahaan (CSR)",
}


def _book(book: RuleBook | None) -> RuleBook:
    return book or default_book()


def _bpu_sectors() -> list[str]:
    return [code for code in SECTORS if code not in NON_BPU_SECTORS]


def _joined(labels: Sequence[str], last: str = "dan") -> str:
    """'A', 'A dan B', 'A, B dan C': how a list is read aloud in Bahasa."""
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} {last} {labels[-1]}"


def _capitalised(text: str) -> str:
    """The first letter upper case, the rest as written ('pemerintah daerah (APBD)' keeps its APBD)."""
    return text[:1].upper() + text[1:]


def _period(first: Month, last: Month) -> str:
    """'April–Desember 2026', 'Januari 2026–Maret 2027' (docs/ux-bahasa.md: months, never full dates)."""
    if first.year == last.year:
        return f"{MONTH_NAMES[first.month - 1]}–{month_long(last)}"
    return f"{month_long(first)}–{month_long(last)}"


def _mandatory(ruleset: RuleSet) -> tuple[str, ...]:
    return tuple(ruleset["programs"]["mandatory"])


def _programs_text(codes: Iterable[str]) -> str:
    return _joined([code.upper() for code in codes])


def _programs_words(codes: Iterable[str]) -> str:
    """'kecelakaan kerja (JKK) dan kematian (JKM)'."""
    return _joined([PROGRAM_WORDS.get(code, code.upper()) for code in codes])


def _funding_words(code: str) -> str:
    return FUNDING_WORDS.get(code, FUNDING_SOURCES[code])


def _instrument_words(instrument: str) -> str:
    """'PP 50/2025' -> 'aturan pemerintah PP 50/2025': a reader does not know what PP stands for."""
    return f"aturan pemerintah {instrument}" if instrument.startswith("PP ") else f"aturan {instrument}"


# --- prices: this month and the months ahead ------------------------------------------------------------


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


# --- /iuran/: what cover costs this month ---------------------------------------------------------------


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


# --- /manfaat/: what the cover pays ---------------------------------------------------------------------


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


# --- /cara-daftar/: how to register ---------------------------------------------------------------------


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


# --- /cara-bayar/: how to pay, where a renewal reminder leads --------------------------------------------


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


# --- /klaim/: how a claim is made ----------------------------------------------------------------------

# docs/jamsostek-rules.md section 4 (PP 44/2015 Pasal 37(5)): who receives JKM, in this order. The second
# line is the law's "keluarga sedarah garis lurus sampai derajat kedua", said as the people it means.
HEIRS_IN_ORDER = (
    "Suami atau istri yang ditinggalkan (janda atau duda), atau anak.",
    "Bila tidak ada: orang tua, kakek-nenek, atau cucu.",
    "Bila tidak ada: saudara kandung.",
    "Bila tidak ada: mertua.",
    "Bila tidak ada: orang yang ditunjuk dalam surat wasiat peserta.",
)

JKM_DOCUMENTS = (
    "Kartu peserta BPJS Ketenagakerjaan (nomor KPJ) almarhum atau almarhumah.",
    "KTP elektronik ahli waris.",
    "Akta kematian (dari Dinas Kependudukan dan Pencatatan Sipil, Dukcapil).",
    "Kartu Keluarga.",
    "Surat keterangan ahli waris (dari kantor desa atau kelurahan).",
    "Buku nikah, bila ahli warisnya suami atau istri.",
    "Buku tabungan atas nama ahli waris.",
)


def _jkk_documents(npwp_threshold: int) -> tuple[str, ...]:
    return (
        "Formulir laporan pertama dan laporan kedua (diberikan petugas BPJS Ketenagakerjaan).",
        "Surat keterangan dokter tentang luka atau penyakit karena pekerjaan.",
        "Kartu peserta (nomor KPJ) dan KTP peserta.",
        "Cerita tertulis bagaimana kecelakaan terjadi, dengan KTP dua orang saksi.",
        "Laporan polisi, bila kecelakaan lalu lintas.",
        "Kuitansi (bukti bayar) biaya berobat dan transportasi, bila ada.",
        "Buku tabungan.",
        f"NPWP (nomor pajak), bila jumlah santunan lebih dari {rupiah(npwp_threshold)}.",
    )


@dataclass(frozen=True)
class ClaimsPage:
    today: dt.date
    report_hours: int
    report_by: dt.date
    claim_years: int
    claim_by: dt.date
    jkm_claim_by: dt.date
    jkk_payment_days: int
    jkk_payment_by: dt.date
    jkm_payment_days: int
    jkm_payment_by: dt.date
    late_percent: Decimal
    npwp_threshold: int
    heirs: tuple[str, ...]
    jkm_documents: tuple[str, ...]
    jkk_documents: tuple[str, ...]
    scholarship_children: int
    scholarship_min_months: int


def claims_page(*, today: dt.date, book: RuleBook | None = None) -> ClaimsPage:
    """Deadlines for an accident (or a death) today whose documents are complete today."""
    book = _book(book)
    ruleset = book.for_date(today)
    jkk = claim_deadlines(kind="jkk", event=today, complete=today, book=book)
    jkm = claim_deadlines(kind="jkm", event=today, complete=today, book=book)
    hours = ruleset["claim_report_hours"].value
    return ClaimsPage(
        today=today,
        report_hours=hours,
        # Without the hour of the accident the engine names the day the deadline falls on.
        report_by=jkk.report_by,
        claim_years=ruleset["claim_period_years"].value,
        claim_by=jkk.claim_by,
        jkm_claim_by=jkm.claim_by,
        jkk_payment_days=ruleset["claim_payment_working_days"].value,
        jkk_payment_by=jkk.payment_by,
        jkm_payment_days=ruleset["jkm_claim_payment_working_days"].value,
        jkm_payment_by=jkm.payment_by,
        late_percent=jkk.late_payment_percent_per_day,
        npwp_threshold=ruleset["claim_npwp_threshold"].value,
        heirs=HEIRS_IN_ORDER,
        jkm_documents=JKM_DOCUMENTS,
        jkk_documents=_jkk_documents(ruleset["claim_npwp_threshold"].value),
        scholarship_children=ruleset["jkm_scholarship"]["max_children"],
        scholarship_min_months=ruleset["jkm_scholarship"]["min_contribution_months"],
    )


# --- /kantor/: BPJS Ketenagakerjaan offices -------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    regency_code: str
    name: str
    address: str
    source_url: str
    source: str
    accessed: dt.date


@dataclass(frozen=True)
class RegencyOffices:
    code: str
    name: str
    offices: tuple[Office, ...]


OFFICE_COLUMNS = ("kabkota_code", "office", "address", "source_url", "source", "accessed")


def load_offices(path: Path = OFFICES_FILE) -> tuple[Office, ...]:
    """The offices a public source names; a row without a source is refused, not shown."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != OFFICE_COLUMNS:
            raise ValueError(f"{path.name}: columns must be {', '.join(OFFICE_COLUMNS)}")
        offices = []
        for number, row in enumerate(reader, start=2):
            if not row["office"].strip() or not row["source_url"].startswith("https://"):
                raise ValueError(f"{path.name} line {number}: an office needs a name and an https source")
            offices.append(
                Office(
                    regency_code=row["kabkota_code"].strip(),
                    name=row["office"].strip(),
                    address=row["address"].strip(),
                    source_url=row["source_url"].strip(),
                    source=row["source"].strip(),
                    accessed=dt.date.fromisoformat(row["accessed"].strip()),
                )
            )
    return tuple(offices)


def offices_by_regency(
    regencies: Iterable[tuple[str, str]], offices: Sequence[Office] | None = None
) -> tuple[RegencyOffices, ...]:
    """Every kab/kota (code, name) with the offices recorded in it, none where no source names one."""
    offices = load_offices() if offices is None else offices
    return tuple(
        RegencyOffices(code, name, tuple(office for office in offices if office.regency_code == code))
        for code, name in regencies
    )
