"""The documents a claim needs, generated from the case (no Django here).

Lists follow docs/jamsostek-rules.md section 4 (BPJS TK's published requirements): JKM needs the death
certificate, the family card and the heir statement; a JKK road accident needs a police report; a
scholarship needs proof of enrolment for the school year; the NPWP when the benefit passes the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CaseFacts", "Requirement", "checklist"]


@dataclass(frozen=True)
class CaseFacts:
    kind: str  # jkk, jkm, beasiswa, jht
    jkk_cause: str = ""  # accident, disease
    jkk_outcome: str = ""  # treatment, disability, death
    road_accident: bool = False
    heir_is_spouse: bool = False
    benefit_total: int | None = None
    npwp_threshold: int = 50_000_000


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str
    reason: str


KPJ = Requirement("kpj_card", "Kartu peserta BPJS Ketenagakerjaan (KPJ)", "Bukti kepesertaan")
MEMBER_KTP = Requirement("member_ktp", "e-KTP peserta", "Identitas peserta")
SAVINGS = Requirement("savings_book", "Buku tabungan penerima", "Rekening tujuan pembayaran manfaat")
DEATH_PAPERS = (
    Requirement("death_certificate", "Akta kematian atau surat keterangan kematian", "Peserta meninggal"),
    Requirement("family_card", "Kartu Keluarga", "Menunjukkan hubungan keluarga dengan peserta"),
    Requirement("heir_statement", "Surat keterangan ahli waris", "Menetapkan siapa ahli waris yang berhak"),
    Requirement("heir_ktp", "e-KTP ahli waris", "Identitas ahli waris penerima"),
)
MARRIAGE = Requirement("marriage_book", "Buku nikah", "Ahli waris adalah suami atau istri peserta")


def _npwp(facts: CaseFacts) -> list[Requirement]:
    if facts.benefit_total is not None and facts.benefit_total > facts.npwp_threshold:
        return [Requirement("npwp", "NPWP penerima", "Manfaat lebih dari batas NPWP (pajak)")]
    return []


def _heirs(facts: CaseFacts) -> list[Requirement]:
    return [*DEATH_PAPERS, *([MARRIAGE] if facts.heir_is_spouse else [])]


def checklist(facts: CaseFacts) -> list[Requirement]:
    """The documents for the case, in the order an officer collects them."""
    if facts.kind == "jkm":
        return [KPJ, *_heirs(facts), SAVINGS, *_npwp(facts)]
    if facts.kind == "jkk":
        items = [
            Requirement("form_kk1", "Formulir KK1 (laporan kecelakaan Tahap I)", "Laporan dalam 2 × 24 jam"),
            Requirement("form_kk2", "Formulir KK2 (laporan Tahap II)", "Laporan setelah surat dokter"),
            Requirement(
                "doctor_statement",
                "Surat keterangan dokter (KK3)",
                "Menyatakan akibat kecelakaan atau penyakit akibat kerja",
            ),
            KPJ,
            MEMBER_KTP,
        ]
        if facts.jkk_cause != "disease":
            items.append(
                Requirement(
                    "chronology",
                    "Kronologi kejadian dengan 2 saksi dan e-KTP saksi",
                    "Menunjukkan kecelakaan terjadi karena kerja",
                )
            )
        if facts.road_accident:
            items.append(Requirement("police_report", "Laporan polisi", "Kecelakaan lalu lintas"))
        items.append(Requirement("medical_receipts", "Kuitansi biaya pengobatan", "Penggantian biaya"))
        if facts.jkk_outcome == "death":
            items += _heirs(facts)
        items.append(SAVINGS)
        return [*items, *_npwp(facts)]
    if facts.kind == "beasiswa":
        return [
            KPJ,
            Requirement("family_card", "Kartu Keluarga", "Menunjukkan anak adalah anak peserta"),
            Requirement("birth_certificate", "Akta kelahiran anak", "Umur anak (beasiswa sampai 23 tahun)"),
            Requirement(
                "enrolment_proof",
                "Surat keterangan masih sekolah atau kuliah (tahun ajaran ini)",
                "Beasiswa diklaim setiap tahun ajaran",
            ),
            Requirement("report_card", "Rapor atau kartu hasil studi terakhir", "Jenjang dan kelas anak"),
            SAVINGS,
        ]
    if facts.kind == "jht":
        return [KPJ, MEMBER_KTP, Requirement("family_card", "Kartu Keluarga", "Data keluarga"), SAVINGS]
    raise ValueError(f"unknown claim kind {facts.kind!r}")
