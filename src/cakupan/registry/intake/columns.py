"""Canonical column names, header aliases and the sector vocabulary of registry imports.

Header matching: a header cell is reduced to a key (ASCII-folded, lower case, every run of characters
other than a-z and 0-9 collapsed to "_", "_" trimmed), so "Tgl. Lahir", " TGL LAHIR " and "tgl_lahir"
are the same key; the key is then looked up in HEADER_ALIASES. Header cells that match nothing are
ignored and listed in the reader's notes.
"""

from __future__ import annotations

import re
import unicodedata

# One list of sectors for the models, this validator and the rules engine (re-exported here).
from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS  # noqa: F401

WORKER_COLUMNS = (
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "kode_desa",
    "sektor",
    "penghasilan",
    "desil",
    "telepon",
)
WORKER_REQUIRED = ("nik", "nama", "tanggal_lahir", "jenis_kelamin", "kode_desa", "sektor", "penghasilan")

ROSTER_COLUMNS = ("nik", "kpj", "segmen", "program", "status", "bulan_terakhir_dibayar")
# Worker fields a roster may carry so that workers unknown to the registry can be added.
ROSTER_OPTIONAL_COLUMNS = (
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "kode_desa",
    "sektor",
    "penghasilan",
    "desil",
    "telepon",
)
ROSTER_REQUIRED = ROSTER_COLUMNS

KINDS = ("workers", "roster")

# Every canonical column's own name is an alias of itself (added below); these are the other spellings.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("No KTP", "Nomor KTP", "No. NIK", "Nomor NIK", "Nomor Induk Kependudukan", "KTP"),
    "nama": ("Nama Lengkap", "Nama Pekerja", "Nama Peserta", "Name"),
    "tanggal_lahir": ("Tgl Lahir", "Tgl. Lahir", "Tanggal Lahir", "Tgl Lhr", "Birth Date"),
    "jenis_kelamin": ("JK", "L/P", "Jenis Kelamin", "Kelamin", "Sex"),
    "kode_desa": (
        "Kode Desa",
        "Kode Desa/Kelurahan",
        "Kode Kelurahan",
        "Kode Kelurahan/Desa",
        "Kode Desa Domisili",
        "Desa ID",
    ),
    "sektor": ("Pekerjaan", "Sektor Pekerjaan", "Jenis Pekerjaan", "Sector"),
    "penghasilan": (
        "Pendapatan",
        "Penghasilan per Bulan",
        "Pendapatan per Bulan",
        "Penghasilan Bulanan",
        "Penghasilan (Rp)",
        "Monthly Income",
    ),
    "desil": ("Desil DTSEN", "Decile"),
    "telepon": (
        "No HP",
        "No. HP",
        "Nomor HP",
        "HP",
        "Telepon",
        "Nomor Telepon",
        "No Telepon",
        "No Telp",
        "Phone",
    ),
    "kpj": ("No KPJ", "Nomor KPJ", "No. KPJ"),
    "segmen": ("Segment",),
    "program": ("Programs", "Program BPJS"),
    "status": ("Status Kepesertaan",),
    "bulan_terakhir_dibayar": ("Bulan Terakhir Dibayar", "Lunas Sampai", "Iuran Terakhir", "Paid Through"),
}

# Bahasa names of the columns, for messages and the template's instructions.
COLUMN_LABELS = {
    "nik": "NIK",
    "nama": "Nama",
    "tanggal_lahir": "Tanggal lahir",
    "jenis_kelamin": "Jenis kelamin",
    "kode_desa": "Kode desa/kelurahan",
    "sektor": "Sektor",
    "penghasilan": "Penghasilan",
    "desil": "Desil",
    "telepon": "Telepon",
    "kpj": "KPJ",
    "segmen": "Segmen",
    "program": "Program",
    "status": "Status",
    "bulan_terakhir_dibayar": "Bulan terakhir dibayar",
}


# Everyday words officers write instead of a code or label.
SECTOR_SYNONYMS = {
    "ojek": "transportasi",
    "ojol": "transportasi",
    "ojek online": "transportasi",
    "sopir": "transportasi",
    "supir": "transportasi",
    "kurir": "transportasi",
    "buruh harian": "buruh_harian",
    "buruh lepas": "buruh_harian",
    "pembantu rumah tangga": "prt",
    "asisten rumah tangga": "prt",
    "art": "prt",
    "perajin": "pengrajin",
    "penerima upah": "formal",
    "pekerja formal": "formal",
    "karyawan": "formal",
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def ascii_fold(text: str) -> str:
    """Drop accents (é → e); characters without an ASCII base are dropped too."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def header_key(text: str) -> str:
    return _NON_ALNUM.sub("_", ascii_fold(text).lower()).strip("_")


def sector_key(text: str) -> str:
    """Sector values compare like headers, but with spaces: "Buruh harian-lepas" → "buruh harian lepas"."""
    return _NON_ALNUM.sub(" ", ascii_fold(text).lower()).strip()


def _build_header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, aliases in HEADER_ALIASES.items():
        for alias in (canonical, *aliases):
            key = header_key(alias)
            assert lookup.get(key, canonical) == canonical, f"alias {alias!r} is ambiguous"
            lookup[key] = canonical
    return lookup


def _build_sector_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, label in SECTOR_LABELS.items():
        lookup[sector_key(code)] = code
        lookup[sector_key(label)] = code
    for word, code in SECTOR_SYNONYMS.items():
        lookup[sector_key(word)] = code
    return lookup


HEADER_LOOKUP = _build_header_lookup()
SECTOR_LOOKUP = _build_sector_lookup()


def columns_of(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(all canonical columns in output order, required columns) of an import kind."""
    if kind == "workers":
        return WORKER_COLUMNS, WORKER_REQUIRED
    if kind == "roster":
        return ROSTER_COLUMNS + ROSTER_OPTIONAL_COLUMNS, ROSTER_REQUIRED
    raise ValueError(f"unknown import kind {kind!r}; expected one of {KINDS}")
