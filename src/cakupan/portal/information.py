"""What the public information pages say, computed from the rules engine: plain Python, no Django.

Every amount, period and date on `/manfaat/`, `/iuran/`, `/cara-daftar/` and `/klaim/` comes from the
engine's functions or its rule data for the day asked about, so a page can never disagree with the
calculator, the reminders or the allocation; a correction of the rule data changes the pages with it.
What the engine does not hold (documents to bring, the heirs' legal order) is written here once, from
docs/jamsostek-rules.md section 4.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cakupan.core.formatting import MONTH_NAMES, month_long, rupiah
from cakupan.rules.engine import (
    BenefitLine,
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

__all__ = [
    "OFFICES_FILE",
    "BenefitsPage",
    "ClaimsPage",
    "ContributionsPage",
    "Office",
    "RegencyOffices",
    "RegistrationPage",
    "benefits_page",
    "claims_page",
    "contributions_page",
    "load_offices",
    "offices_by_regency",
    "registration_page",
]

OFFICES_FILE = Path(__file__).resolve().parent / "data" / "bpjs_offices_banten.csv"
# The cheapest cover is priced for a worker who pays their own contribution.
SELF_PAID = "self"


def _book(book: RuleBook | None) -> RuleBook:
    return book or default_book()


def _bpu_sectors() -> list[str]:
    return [code for code in SECTORS if code not in NON_BPU_SECTORS]


def _joined(labels: Sequence[str], last: str = "dan") -> str:
    """'A', 'A dan B', 'A, B dan C': how a list is read aloud in Bahasa."""
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} {last} {labels[-1]}"


def _period(first: Month, last: Month) -> str:
    """'April–Desember 2026', 'Januari 2026–Maret 2027' (docs/ux-bahasa.md: months, never full dates)."""
    if first.year == last.year:
        return f"{MONTH_NAMES[first.month - 1]}–{month_long(last)}"
    return f"{month_long(first)}–{month_long(last)}"


def _mandatory(ruleset: RuleSet) -> tuple[str, ...]:
    return tuple(ruleset["programs"]["mandatory"])


def _programs_text(codes: Iterable[str]) -> str:
    return _joined([code.upper() for code in codes])


# --- /iuran/: what cover costs this month ---------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    total: int
    full_total: int

    @property
    def discounted(self) -> bool:
        return self.total < self.full_total


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
    excluded_funding: tuple[str, ...]
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
    optional_programs: str
    optional_percent: Decimal
    prepayment_months: str
    sectors: tuple[SectorPrice, ...]
    # What the optional program adds to every sector's price, or None when it differs between sectors (the
    # page then shows a column per sector instead of one sentence).
    optional_extra: int | None
    funding: tuple[FundingGroup, ...]
    discounts: tuple[DiscountText, ...]
    cheapest: Price


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
    return DiscountText(
        label=rule.label,
        percent_off=rule.percent_off,
        programs=_programs_text(rule.programs),
        not_discounted=_programs_text(code for code in chosen if code not in rule.programs),
        windows=windows,
        included_funding=tuple(
            label for code, label in FUNDING_SOURCES.items() if code not in rule.excluded_funding
        ),
        excluded_funding=tuple(
            label for code, label in FUNDING_SOURCES.items() if code in rule.excluded_funding
        ),
        applies_this_month=any(window.state == "berlaku" for window in windows),
        instrument=rule.citation.instrument,
        instrument_title=ruleset.sources[rule.citation.instrument],
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
                FundingRow(label, price)
                for label, price in zip(FUNDING_SOURCES.values(), prices, strict=True)
            ),
        )
        for index, (prices, codes) in enumerate(groups)
    )
    cheapest = min((row.price for row in sector_rows), key=lambda price: price.total)
    extras = {row.with_optional.total - row.price.total for row in sector_rows}
    return ContributionsPage(
        month=month,
        due=due_date(month, book=book),
        next_due=due_date(month.shift(1), book=book),
        lowest_income=ruleset["income_levels"]["lowest"],
        highest_income=ruleset["income_levels"]["highest"],
        jkk_percent=ruleset["jkk_percent"].value,
        jkm_amount=ruleset["jkm_contribution"].value,
        mandatory_programs=_programs_text(mandatory),
        optional_programs=_programs_text(optional),
        optional_percent=ruleset["jht_percent"].value,
        prepayment_months=_joined([str(count) for count in ruleset["prepayment_months"].value], "atau"),
        sectors=sector_rows,
        optional_extra=extras.pop() if len(extras) == 1 else None,
        funding=funding_groups,
        discounts=tuple(_discount_text(rule, month, ruleset, book) for rule in ruleset.discounts),
        cheapest=cheapest,
    )


# --- /manfaat/: what the cover pays ---------------------------------------------------------------------


@dataclass(frozen=True)
class Payout:
    lines: tuple[BenefitLine, ...]
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
    transport: tuple[BenefitLine, ...]
    stmb_full_months: int
    stmb_full_percent: Decimal
    stmb_after_percent: Decimal
    stmb_monthly: int
    jkk_death: Payout
    jkk_death_percent: Decimal
    total_disability: Payout
    total_disability_percent: Decimal
    partial_disability: tuple[DisabilityExample, ...]


def _whole_years(months: int) -> int | None:
    return months // 12 if months and months % 12 == 0 else None


def _payout(benefit) -> Payout:
    return Payout(lines=benefit.lines, total=benefit.total)


def benefits_page(*, today: dt.date, book: RuleBook | None = None) -> BenefitsPage:
    """JKM, the scholarship and JKK as in force today, with JKK amounts at the lowest income level."""
    book = _book(book)
    ruleset = book.for_date(today)
    income = ruleset["income_levels"]["lowest"]
    jkm_rule = ruleset["jkm_scholarship"]
    jkk_rule = ruleset["jkk_scholarship"]
    schedule = ruleset["scholarship_schedule"]
    stmb = ruleset["jkk_stmb"]
    table = ruleset["jkk_disability_table"]
    return BenefitsPage(
        today=today,
        income=income,
        income_months=ruleset["jkk_income_months"].value,
        jkm=_payout(jkm_benefit(on=today, book=book)),
        # A member who joined today dies today: the reduced benefit of the waiting period.
        jkm_waiting=_payout(jkm_benefit(member_since=today, on=today, book=book)),
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
        transport=jkk_transport_benefit(on=today, book=book).lines,
        stmb_full_months=stmb["full_months"],
        stmb_full_percent=stmb["full_percent"],
        stmb_after_percent=stmb["after_percent"],
        stmb_monthly=stmb_benefit(income=income, months=1, on=today, book=book).total,
        jkk_death=_payout(jkk_death_benefit(income=income, on=today, book=book)),
        jkk_death_percent=ruleset["jkk_death"]["percent"],
        total_disability=_payout(jkk_total_disability_benefit(income=income, on=today, book=book)),
        total_disability_percent=ruleset["jkk_total_disability"]["percent"],
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
    optional: str
    waiting_months: int
    lapse_months: int


def registration_page(*, today: dt.date, book: RuleBook | None = None) -> RegistrationPage:
    book = _book(book)
    month = Month.of(today)
    ruleset = book.for_month(month)
    mandatory = _mandatory(ruleset)
    prices = [_price(month, ruleset, SELF_PAID, code, mandatory, book) for code in _bpu_sectors()]
    return RegistrationPage(
        month=month,
        cheapest=min(prices, key=lambda price: price.total),
        due=due_date(month, book=book),
        lowest_income=ruleset["income_levels"]["lowest"],
        mandatory=_programs_text(mandatory),
        optional=_programs_text(ruleset["programs"]["optional"]),
        waiting_months=ruleset["jkm_reduced"]["within_months"],
        lapse_months=ruleset["lapse_unpaid_months"].value,
    )


# --- /klaim/: how a claim is made ----------------------------------------------------------------------

# docs/jamsostek-rules.md section 4 (PP 44/2015 Pasal 37(5)): who receives JKM, in this order.
HEIRS_IN_ORDER = (
    "Suami atau istri yang ditinggalkan (janda atau duda), atau anak.",
    "Bila tidak ada: keluarga sedarah garis lurus sampai derajat kedua, yaitu orang tua, kakek atau nenek, "
    "dan cucu.",
    "Bila tidak ada: saudara kandung.",
    "Bila tidak ada: mertua.",
    "Bila tidak ada: orang yang ditunjuk dalam surat wasiat peserta.",
)

JKM_DOCUMENTS = (
    "Kartu peserta BPJS Ketenagakerjaan (nomor KPJ) almarhum atau almarhumah.",
    "KTP elektronik ahli waris.",
    "Akta kematian (dari Dinas Kependudukan dan Pencatatan Sipil).",
    "Kartu Keluarga.",
    "Surat keterangan ahli waris (dari kantor desa atau kelurahan).",
    "Buku nikah, bila ahli warisnya suami atau istri.",
    "Buku tabungan atas nama ahli waris.",
)


def _jkk_documents(npwp_threshold: int) -> tuple[str, ...]:
    return (
        "Formulir laporan kecelakaan Tahap I dan Tahap II (diberikan petugas BPJS Ketenagakerjaan).",
        "Surat keterangan dokter tentang luka atau penyakit akibat kerja.",
        "Kartu peserta (nomor KPJ) dan KTP peserta.",
        "Kronologi kejadian, dengan KTP dua orang saksi.",
        "Laporan polisi, bila kecelakaan lalu lintas.",
        "Kuitansi biaya pengobatan dan transportasi, bila ada.",
        "Buku tabungan.",
        f"NPWP, bila jumlah santunan lebih dari {rupiah(npwp_threshold)}.",
    )


@dataclass(frozen=True)
class ClaimsPage:
    today: dt.date
    report_hours: int
    report_by: dt.date
    claim_years: int
    claim_by: dt.date
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
