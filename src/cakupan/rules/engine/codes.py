"""Code lists the engine validates against, with their Bahasa Indonesia labels.

The sector codes are the registry's (`cakupan.registry.models.Sector`); they are repeated here because the
engine must not import Django. A test keeps the two lists equal.
"""

from __future__ import annotations

__all__ = ["FUNDING_SOURCES", "NON_BPU_SECTORS", "PROGRAMS", "SECTORS"]

PROGRAMS: dict[str, str] = {
    "jkk": "Jaminan Kecelakaan Kerja (JKK)",
    "jkm": "Jaminan Kematian (JKM)",
    "jht": "Jaminan Hari Tua (JHT)",
    "jp": "Jaminan Pensiun (JP)",
}

FUNDING_SOURCES: dict[str, str] = {
    "self": "Dibayar sendiri",
    "sponsor": "Sponsor perorangan (SERTAKAN)",
    "apbd": "APBD (pemerintah daerah)",
    "apbn": "APBN (pemerintah pusat)",
    "baznas": "Zakat, infak, sedekah (BAZNAS/LAZ)",
    "dana_desa": "Dana Desa",
    "csr": "CSR perusahaan",
}

SECTORS: dict[str, str] = {
    "nelayan": "Nelayan",
    "petani": "Petani",
    "peternak": "Peternak",
    "pedagang": "Pedagang",
    "transportasi": "Transportasi (ojek, sopir, kurir)",
    "buruh_harian": "Buruh harian lepas",
    "prt": "Pekerja rumah tangga",
    "pengrajin": "Pengrajin",
    "pemulung": "Pemulung",
    "jasa": "Jasa",
    "lainnya": "Lainnya",
    "formal": "Pekerja formal (penerima upah)",
}

# Wage earners (PU) pay a share of their wage through their employer, not a BPU contribution.
NON_BPU_SECTORS = frozenset({"formal"})
