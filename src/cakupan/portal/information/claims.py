"""/klaim/: how a claim is made, by the worker or the heirs. No Django import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cakupan.core.formatting import rupiah
from cakupan.portal.information._words import _book
from cakupan.rules.engine import (
    RuleBook,
    claim_deadlines,
)

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
