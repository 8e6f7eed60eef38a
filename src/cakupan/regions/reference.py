"""Vendored reference data (regions, population, labour statistics) read with the standard library.

No Django import: the NIK validator and the synthetic population generator use this too.
Sources and licences: data/SOURCES.md and data/LICENSES/.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
BANTEN_CODE = "36"

# Level names as the source files write them → our identifiers.
LEVEL_BY_SOURCE = {
    "provinsi": "province",
    "kabupaten/kota": "regency",
    "kecamatan": "district",
    "desa/kelurahan": "village",
}
LEVEL_BY_DEPTH = {1: "province", 2: "regency", 3: "district", 4: "village"}

# Units used by the labour statistics file → multiplier to persons.
PERSON_UNITS = {"juta orang": 1_000_000, "ribu orang": 1_000, "orang": 1}


@dataclass(frozen=True, slots=True)
class RegionRecord:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None

    @property
    def nik_prefix(self) -> str:
        return self.code.replace(".", "")


@dataclass(frozen=True, slots=True)
class PopulationRecord:
    code: str
    male: int
    female: int
    total: int
    area_km2: Decimal


@dataclass(frozen=True, slots=True)
class LabourStatRecord:
    period: str  # YYYY-MM
    region_code: str
    indicator: str
    value: Decimal
    unit: str
    value_type: str
    source_url: str
    source_note: str

    @property
    def persons(self) -> int | None:
        """The value in persons for head-count indicators, None for percentages."""
        multiplier = PERSON_UNITS.get(self.unit)
        if multiplier is None:
            return None
        return int((self.value * multiplier).to_integral_value())


def _read(*parts: str) -> list[dict[str, str]]:
    with open(DATA_DIR.joinpath(*parts), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def level_of(code: str) -> str:
    return LEVEL_BY_DEPTH[code.count(".") + 1]


@functools.cache
def load_regions() -> tuple[RegionRecord, ...]:
    """Indonesia's provinces, kab/kota and kecamatan, plus Banten's desa/kelurahan, sorted by code."""
    records: dict[str, RegionRecord] = {}
    for row in _read("regions", "indonesia_prov_kabkota.csv"):
        records[row["code"]] = RegionRecord(
            row["code"], row["name"], LEVEL_BY_SOURCE[row["level"]], row["type"], row["parent_code"] or None
        )
    for row in _read("regions", "indonesia_kecamatan.csv"):
        records[row["code"]] = RegionRecord(row["code"], row["name"], "district", "", row["parent_code"])
    for row in _read("regions", "banten_regions.csv"):
        records[row["code"]] = RegionRecord(
            row["code"], row["name"], LEVEL_BY_SOURCE[row["level"]], row["type"], row["parent_code"] or None
        )
    return tuple(sorted(records.values(), key=lambda record: record.code))


@dataclass(frozen=True, slots=True)
class NikPrefixes:
    provinces: frozenset[str]
    regencies: frozenset[str]
    districts: frozenset[str]


@functools.cache
def nik_prefixes() -> NikPrefixes:
    """The 2-, 4- and 6-digit NIK prefixes of the regions in force (current Kemendagri codes)."""
    by_level: dict[str, set[str]] = {"province": set(), "regency": set(), "district": set()}
    for record in load_regions():
        if record.level in by_level:
            by_level[record.level].add(record.nik_prefix)
    return NikPrefixes(
        frozenset(by_level["province"]), frozenset(by_level["regency"]), frozenset(by_level["district"])
    )


@functools.cache
def load_population() -> tuple[PopulationRecord, ...]:
    """Dukcapil population (Semester II 2024) and BIG area of Banten and its kab/kota."""
    return tuple(
        PopulationRecord(
            row["code"],
            int(row["population_male"]),
            int(row["population_female"]),
            int(row["population_total"]),
            Decimal(row["area_km2"]),
        )
        for row in _read("regions", "banten_kabkota_population_area.csv")
    )


@functools.cache
def load_labour_stats() -> tuple[LabourStatRecord, ...]:
    return tuple(
        LabourStatRecord(
            row["period"],
            row["region_code"],
            row["indicator"],
            Decimal(row["value"]),
            row["unit"],
            row["value_type"],
            row["source_url"],
            row["source_note"],
        )
        for row in _read("labour", "banten_sakernas_headline.csv")
    )


def labour_stat(indicator: str, period: str, region_code: str = BANTEN_CODE) -> LabourStatRecord:
    for record in load_labour_stats():
        if (record.indicator, record.period, record.region_code) == (indicator, period, region_code):
            return record
    raise LookupError(f"no labour statistic {indicator} for {region_code} in {period}")
