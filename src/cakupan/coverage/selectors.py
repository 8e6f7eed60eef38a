"""Reads of coverage figures. Pages read RegionCoverage rows, never the registry."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from cakupan.core.apportion import largest_remainder
from cakupan.core.formatting import month_long
from cakupan.core.scoping import area_filter
from cakupan.coverage.models import RegionCoverage
from cakupan.coverage.services import UNPAID_MONTHS_BEFORE_LAPSE
from cakupan.coverage.target import ucj_target
from cakupan.regions.models import LabourStat, Region, RegionLevel
from cakupan.registry.models import SyntheticRun, Worker

TARGET_PCT = ucj_target().pct
# The public headline's denominator: the labour force (angkatan kerja), as the dashboard's default
# (decision of 2026-12-02, docs/jamsostek-rules.md §8).
LABOUR_FORCE_INDICATOR = "angkatan_kerja"
EMPLOYED_INDICATOR = "penduduk_bekerja"
INDICATOR_LABELS = {LABOUR_FORCE_INDICATOR: "angkatan kerja", EMPLOYED_INDICATOR: "penduduk bekerja"}


@dataclass(frozen=True)
class Denominator:
    persons: int
    source: str


@dataclass(frozen=True)
class CoverageLine:
    code: str
    name: str
    covered: int
    covered_bpu: int
    registered: int
    denominator: int
    coverage_pct: Decimal | None
    gap_workers: int


@dataclass(frozen=True)
class CoverageHeadline:
    month: dt.date | None
    denominator_source: str
    total: CoverageLine
    children: list[CoverageLine]
    target_pct: Decimal = TARGET_PCT
    denominator_title: str = "Angkatan kerja"
    denominator_url: str = ""


def _pct(covered: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(covered) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


def gap_to_target(covered: int, denominator: int) -> int:
    """Workers still to cover for the UCJ target (never negative)."""
    return max(0, math.ceil(denominator * TARGET_PCT / 100) - covered)


def official_denominators(
    province_code: str = "36", indicator: str = LABOUR_FORCE_INDICATOR
) -> tuple[dict[str, int], str, str]:
    """The labour force (or the employed) of the province and its kab/kota, the source label and the page
    the province figure was published on.

    Sakernas gives the province only, for both; kab/kota are split by Dukcapil population with largest-
    remainder rounding (an estimate, labelled so). For a synthetic demo registry, both scale with the demo.
    """
    label = INDICATOR_LABELS[indicator]
    stat = (
        LabourStat.objects.filter(region_id=province_code, indicator=indicator, persons__isnull=False)
        .order_by("-period")
        .first()
    )
    if stat is None:
        return {}, f"tidak ada data {label}", ""
    persons = stat.persons
    source = f"BPS Sakernas {month_long(stat.period)}, {label}"
    run = SyntheticRun.objects.first()
    if run is not None:
        persons = round(Decimal(persons) * run.scale)
        source += f" × skala demo {format(run.scale.normalize(), 'f').replace('.', ',')}"
    regencies = list(
        Region.objects.filter(parent_id=province_code, level=RegionLevel.REGENCY, population__isnull=False)
    )
    result = {province_code: persons}
    if regencies:
        split = largest_remainder(persons, [region.population for region in regencies])
        result.update({region.code: int(count) for region, count in zip(regencies, split, strict=True)})
        source += "; kab/kota dibagi menurut proporsi penduduk Dukcapil (estimasi)"
    return result, source, stat.source_url


def latest_month() -> dt.date | None:
    return RegionCoverage.objects.order_by("-month").values_list("month", flat=True).first()


def province_headline(province_code: str = "36", indicator: str = LABOUR_FORCE_INDICATOR) -> CoverageHeadline:
    month = latest_month()
    denominators, source, url = official_denominators(province_code, indicator)
    rows = {
        row.region_id: row
        for row in RegionCoverage.objects.filter(area_filter("region_id", province_code), month=month)
        .filter(region__level__in=[RegionLevel.PROVINCE, RegionLevel.REGENCY])
        .select_related("region")
    }
    regions = Region.objects.filter(code=province_code) | Region.objects.filter(
        parent_id=province_code, level=RegionLevel.REGENCY
    )

    def line(region: Region) -> CoverageLine:
        row = rows.get(region.code)
        covered = row.active if row else 0
        denominator = denominators.get(region.code, 0)
        return CoverageLine(
            code=region.code,
            name=region.name,
            covered=covered,
            covered_bpu=row.active_bpu if row else 0,
            registered=row.workers if row else 0,
            denominator=denominator,
            coverage_pct=_pct(covered, denominator),
            gap_workers=gap_to_target(covered, denominator),
        )

    by_code = {region.code: region for region in regions.order_by("code")}
    total = line(by_code.pop(province_code))
    label = INDICATOR_LABELS[indicator]
    return CoverageHeadline(
        month,
        source,
        total,
        [line(region) for region in by_code.values()],
        denominator_title=label[0].upper() + label[1:],
        denominator_url=url,
    )


# --- one worker's state: the one rule that says covered means paid -----------------------------------------


def add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class WorkerState:
    status: str  # aktif, menunggak, nonaktif, none
    label: str
    last_paid: dt.date | None
    months_due: int  # unpaid months up to and including the list month (0 when active)


STATUS_LABELS = {
    "aktif": "Aktif",
    "menunggak": "Menunggak",
    "nonaktif": "Nonaktif",
    "none": "Belum pernah terdaftar",
}


def worker_state(worker: Worker, *, month: dt.date) -> WorkerState:
    """The worker's state in the month, from the list's `last_paid` annotation when the worker has one
    (one query for the page, not one per row)."""
    if hasattr(worker, "last_paid"):
        last_paid = worker.last_paid
    else:
        last_paid = worker.memberships.aggregate(last=Max("paid_through"))["last"]
    return state_of(last_paid, month=month)


def state_of(last_paid: dt.date | None, *, month: dt.date) -> WorkerState:
    """The state in the month of a worker whose memberships are paid through `last_paid`: the staff pages,
    the lists and the public status check all decide it here."""
    if last_paid is None:
        status = "none"
    elif last_paid >= month:
        status = "aktif"
    elif last_paid >= add_months(month, -(UNPAID_MONTHS_BEFORE_LAPSE - 1)):
        status = "menunggak"
    else:
        status = "nonaktif"
    due = 0
    if status in ("menunggak", "nonaktif"):
        due = (month.year - last_paid.year) * 12 + month.month - last_paid.month
    return WorkerState(status=status, label=STATUS_LABELS[status], last_paid=last_paid, months_due=due)
