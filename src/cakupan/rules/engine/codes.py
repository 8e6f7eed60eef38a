"""Code lists the engine validates against, with their Bahasa Indonesia labels.

The sector codes are the registry's, from the plain `cakupan.core.sectors` (the engine must not import
Django, so it does not read `registry.models.Sector`, which is built from the same list).
"""

from __future__ import annotations

from cakupan.core.sectors import SECTOR_LABELS

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

SECTORS: dict[str, str] = SECTOR_LABELS

# Wage earners (PU) pay a share of their wage through their employer, not a BPU contribution.
NON_BPU_SECTORS = frozenset({"formal"})
