"""What the information pages share: constants and the words for codes. No Django import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from cakupan.core.formatting import MONTH_NAMES, month_long
from cakupan.rules.engine import (
    Month,
    RuleBook,
    default_book,
)
from cakupan.rules.engine.codes import FUNDING_SOURCES, NON_BPU_SECTORS, SECTORS
from cakupan.rules.engine.figures import RuleSet

OFFICES_FILE = Path(__file__).resolve().parent.parent / "data" / "bpjs_offices_banten.csv"
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
