"""Reads for the UCJ dashboard and its API: indicator, drill-down, breakdowns, trend and projection.

Every figure comes from the roll-up tables (RegionCoverage, RegionBreakdown) and the denominators in
LabourStat; nothing here scans the registry.

Denominators. The default is the labour force (angkatan kerja, decision of 2026-12-02 in
docs/jamsostek-rules.md §8: Banten's 42,9% is active members ÷ the labour force); the employed (penduduk
bekerja) and the registry's own workers stay choices. BPS Sakernas gives the province only, for the labour
force as for the employed. The province figure is split to kab/kota by Dukcapil population, and further
down (kecamatan, desa) by the registry's worker counts, each split with largest-remainder rounding, so
every level adds up exactly to its parent. Everything below the province is an estimate and is labelled
so. For a synthetic demo registry the province figure scales with the demo. The source shown names the
indicator, its period and the page the figure was taken from.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from cakupan.core import params
from cakupan.core.apportion import largest_remainder
from cakupan.core.errors import DomainError
from cakupan.core.formatting import month_long
from cakupan.coverage.models import BreakdownDimension, RegionBreakdown, RegionCoverage
from cakupan.coverage.target import ucj_target
from cakupan.regions.models import LabourStat, Region, RegionLevel
from cakupan.registry.models import Sector, SyntheticRun

TARGET_PCT = ucj_target().pct
DENOMINATORS = {
    "employed": ("penduduk_bekerja", "penduduk bekerja"),
    "labour_force": ("angkatan_kerja", "angkatan kerja"),
    "registry": (None, "pekerja terdaftar di registri Cakupan"),
}
DEFAULT_DENOMINATOR = "labour_force"
EMPLOYED = "employed"
INFORMAL_SHARE_INDICATOR = "persen_pekerja_informal"


@dataclass(frozen=True)
class RegionFigure:
    code: str
    name: str
    level: str
    covered: int
    covered_bpu: int
    registered: int
    informal_registered: int
    in_arrears: int
    lapsed: int
    denominator: int
    coverage_pct: Decimal | None
    gap_workers: int
    # The employed persons of the region (split as the denominator is), the base of the BPU indicator's
    # informal estimate; None for the registry denominator or when no employed figure is published.
    employed: int | None = None


@dataclass(frozen=True)
class CoverageSummary:
    region: RegionFigure
    month: dt.date
    denominator_source: str
    children: list[RegionFigure]
    ancestors: list[tuple[str, str]]
    target_pct: Decimal = TARGET_PCT
    notes: list[str] = field(default_factory=list)
    denominator: str = DEFAULT_DENOMINATOR
    # Where the province figure was published (LabourStat.source_url); empty for the registry.
    denominator_url: str = ""


# The dashboard's months: from the first month of the registry's history to the current one.
EARLIEST_MONTH = dt.date(2000, 1, 1)


def parse_month(text: str | None) -> dt.date | None:
    """'2026-11' → date(2026, 11, 1) through the shared month check (`core.params`); a month after the
    current one (Asia/Jakarta) is month_future, one before 2000 month_out_of_range."""
    month = params.parse_month(text, earliest=EARLIEST_MONTH, latest=dt.date(9999, 12, 1), field="month")
    if month is not None and month > timezone.localdate().replace(day=1):
        raise DomainError("month_future", f"Bulan {text.strip()} belum terjadi.", field="month")
    return month


def pct(covered: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(covered) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


def gap_to_target(covered: int, denominator: int) -> int:
    return max(0, math.ceil(denominator * TARGET_PCT / 100) - covered)


def check_in_area(user, region: Region) -> None:
    if user.is_superuser:
        return
    area = getattr(user, "area_id", None)
    if area is None or not (region.code == area or region.code.startswith(f"{area}.")):
        raise DomainError(
            "region_outside_area", f"Wilayah {region.code} di luar wilayah kerja Anda.", field="region"
        )


def _province_total(
    province: str, indicator: str | None, month: dt.date, registered: int
) -> tuple[int, str, str]:
    """The province's denominator, its source text and the page it was published on."""
    label = DENOMINATORS_LABEL[indicator]
    if indicator is None:
        return registered, f"{label} ({month_long(month)})", ""
    stat = (
        LabourStat.objects.filter(
            region_id=province, indicator=indicator, persons__isnull=False, period__lte=month
        )
        .order_by("-period")
        .first()
    )
    if stat is None:
        raise DomainError(
            "denominator_missing",
            f"Tidak ada data {label} untuk {month_long(month)} atau sebelumnya.",
            field="denominator",
        )
    persons, source = stat.persons, f"BPS Sakernas {month_long(stat.period)}, {label}"
    run = SyntheticRun.objects.first()
    if run is not None:
        persons = round(Decimal(persons) * run.scale)
        source += f" × skala demo {format(run.scale.normalize(), 'f').replace('.', ',')}"
    return persons, source, stat.source_url


DENOMINATORS_LABEL = {indicator: label for indicator, label in DENOMINATORS.values()}


@dataclass(frozen=True)
class BpuIndicator:
    """Beside the UCJ figure (docs/jamsostek-rules.md §8): active BPU members ÷ the informal workers, the
    informal workers estimated as the region's employed persons × Sakernas' informal share of the employed
    (whichever denominator UCJ uses: the informal share is a share of the employed, not of the labour
    force); with the registry denominator, the region's registered workers × that share."""

    pct: Decimal | None
    covered_bpu: int
    informal: int
    share_pct: Decimal
    source: str


def bpu_indicator(
    *, figure: RegionFigure, province: str, month: dt.date, kind: str = DEFAULT_DENOMINATOR
) -> BpuIndicator | None:
    """None when no informal share is published for the month or before, or (for the labour force or
    the employed denominator) no employed figure to apply it to. `kind` is the UCJ denominator shown."""
    stat = (
        LabourStat.objects.filter(region_id=province, indicator=INFORMAL_SHARE_INDICATOR, period__lte=month)
        .order_by("-period")
        .first()
    )
    if stat is None:
        return None
    share = Decimal(stat.value)
    if DENOMINATORS[kind][0] is None:
        base, base_label = figure.denominator, DENOMINATORS[kind][1]
    elif figure.employed is None:
        return None
    else:
        base, base_label = figure.employed, DENOMINATORS[EMPLOYED][1]
    informal = int((Decimal(base) * share / 100).to_integral_value())
    pct = (Decimal(figure.covered_bpu) * 100 / informal).quantize(Decimal("0.1")) if informal else None
    share_text = f"{share.normalize():f}".replace(".", ",")
    return BpuIndicator(
        pct=pct,
        covered_bpu=figure.covered_bpu,
        informal=informal,
        share_pct=share,
        source=f"BPS Sakernas {month_long(stat.period)}, pekerja informal {share_text}% dari {base_label}",
    )


def _split(total: int, codes: list[str], weights: list[int]) -> dict[str, int]:
    if not codes:
        return {}
    if sum(weights) <= 0:
        weights = [1] * len(codes)
    return dict(zip(codes, (int(v) for v in largest_remainder(total, weights)), strict=True))


def _denominators(
    path: list[Region],
    family: dict[str, list[Region]],
    rows: dict[str, RegionCoverage],
    month: dt.date,
    kind: str,
) -> tuple[dict, str, str]:
    """Denominators of every region on the path from the province and of the target's children, their
    source text and the page the province figure was published on.

    `family` maps each region of the path to its children (so every level's siblings); `rows` holds the
    month's roll-ups of all of them. The labour force and the employed are split alike."""
    indicator = DENOMINATORS[kind][0]
    province = path[0]
    children = family.get(path[-1].code, [])
    registered = rows[province.code].workers if province.code in rows else 0
    total, source, url = _province_total(province.code, indicator, month, registered)
    values = {province.code: total}
    for parent, regions in _split_chain(path, children):
        if indicator is None:
            values.update({r.code: (rows[r.code].workers if r.code in rows else 0) for r in regions})
            continue
        siblings = family[parent.code]
        if parent.level == RegionLevel.PROVINCE:
            weights = [r.population or 0 for r in siblings]
        else:
            weights = [rows[s.code].workers if s.code in rows else 0 for s in siblings]
        values.update(_split(values[parent.code], [s.code for s in siblings], weights))
    if indicator is not None and len(path) > 1:
        source += (
            "; kab/kota dibagi menurut proporsi penduduk Dukcapil, kecamatan dan desa menurut jumlah pekerja "
            "terdaftar (estimasi)"
        )
    elif indicator is not None and children:
        source += "; kab/kota dibagi menurut proporsi penduduk Dukcapil (estimasi)"
    return values, source, url


def _split_chain(path: list[Region], children: list[Region]):
    """(parent, regions) pairs to split, top-down: each step of the path, then the target's children."""
    for parent, child in itertools.pairwise(path):
        yield parent, [child]
    if children:
        yield path[-1], children


def _coverage_rows(month: dt.date, codes: list[str]) -> dict[str, RegionCoverage]:
    return {row.region_id: row for row in RegionCoverage.objects.filter(month=month, region_id__in=codes)}


def available_months(region_code: str) -> list[dt.date]:
    return list(
        RegionCoverage.objects.filter(region_id=region_code).order_by("month").values_list("month", flat=True)
    )


def coverage_summary(
    *, user, region_code: str, month: dt.date | None = None, denominator: str = DEFAULT_DENOMINATOR
):
    if denominator not in DENOMINATORS:
        raise DomainError(
            "denominator_unknown", "Penyebut harus employed, labour_force atau registry.", field="denominator"
        )
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError("region_unknown", f"Kode wilayah '{region_code}' tidak dikenal.", field="region")
    check_in_area(user, region)
    months = available_months(region.code)
    if not months:
        raise DomainError("coverage_empty", f"Belum ada data cakupan untuk {region.name}.", field="region")
    month = month or months[-1]
    if month not in months:
        raise DomainError(
            "coverage_month_missing", f"Belum ada data cakupan {month_long(month)} untuk {region.name}.",
            field="month",
        )  # fmt: skip
    # One query for the path and every level's children (the siblings the denominators are split among),
    # one for their roll-ups: a dashboard call is a handful of queries whatever its depth.
    path_codes = region.ancestors_codes()
    related = list(
        Region.objects.filter(Q(code__in=path_codes) | Q(parent_id__in=path_codes)).order_by("code")
    )
    path = [r for r in related if r.code in path_codes]
    family: dict[str, list[Region]] = {code: [] for code in path_codes}
    for item in related:
        if item.parent_id in family:
            family[item.parent_id].append(item)
    children = family[region.code]
    rows = _coverage_rows(month, [r.code for r in related])
    values, source, url = _denominators(path, family, rows, month, denominator)
    employed = _employed(path, family, rows, month, denominator, values)

    def figure(item: Region) -> RegionFigure:
        row = rows.get(item.code)
        covered = row.active if row else 0
        denominator_value = values.get(item.code, 0)
        return RegionFigure(
            code=item.code, name=item.name, level=item.level, covered=covered,
            covered_bpu=row.active_bpu if row else 0, registered=row.workers if row else 0,
            informal_registered=row.informal if row else 0, in_arrears=row.in_arrears if row else 0,
            lapsed=row.lapsed if row else 0, denominator=denominator_value,
            coverage_pct=pct(covered, denominator_value),
            gap_workers=gap_to_target(covered, denominator_value),
            employed=employed.get(item.code) if employed is not None else None,
        )  # fmt: skip

    return CoverageSummary(
        region=figure(region),
        month=month,
        denominator_source=source,
        children=[figure(child) for child in children],
        ancestors=[(r.code, r.name) for r in path[:-1]],
        denominator=denominator,
        denominator_url=url,
    )


def _employed(path, family, rows, month: dt.date, kind: str, values: dict) -> dict[str, int] | None:
    """The employed persons of the same regions, for the BPU indicator: the denominator itself when it is
    the employed, None for the registry or when no employed figure is published for the month."""
    if kind == EMPLOYED:
        return values
    if DENOMINATORS[kind][0] is None:
        return None
    try:
        return _denominators(path, family, rows, month, EMPLOYED)[0]
    except DomainError:
        return None


def breakdowns(*, user, region_code: str, month: dt.date) -> dict[str, list[dict]]:
    """Registered workers and active members by sector, sex, age band, decile and segment."""
    region = Region.objects.get(code=region_code)
    check_in_area(user, region)
    labels = {
        "sector": dict(Sector.choices),
        "sex": {"L": "Laki-laki", "P": "Perempuan"},
        "segment": {"PU": "Penerima upah (PU)", "BPU": "Bukan penerima upah (BPU)", "": "Belum terdaftar"},
        "decile": {"0": "Tidak diketahui", **{str(d): f"Desil {d}" for d in range(1, 11)}},
    }
    result: dict[str, list[dict]] = {d: [] for d in BreakdownDimension.values}
    rows = RegionBreakdown.objects.filter(month=month, region_id=region.code)
    for row in sorted(rows, key=lambda r: (r.dimension, _sort_key(r.dimension, r.value))):
        result[row.dimension].append(
            {
                "value": row.value,
                "label": str(labels.get(row.dimension, {}).get(row.value, row.value)),
                "workers": row.workers,
                "active": row.active,
                "coverage_pct": pct(row.active, row.workers),
            }
        )
    return result


def _sort_key(dimension: str, value: str):
    if dimension == "decile":
        return (int(value) == 0, int(value))
    return (0, value)


@dataclass(frozen=True)
class Projection:
    monthly_growth: int | None
    months_to_target: int | None
    reach_month: dt.date | None
    yearly_cost_per_worker: int
    budget_plan: list[dict]
    # Workers a funder has already committed money for (funded, awaiting payment): not covered yet, and
    # not to be budgeted again. The budget plan covers the rest of the gap.
    funded_pending: int = 0
    gap_to_fund: int = 0


def trend(*, region_code: str) -> list[dict]:
    return [
        {"month": row.month, "covered": row.active, "registered": row.workers}
        for row in RegionCoverage.objects.filter(region_id=region_code).order_by("month")
    ]


def projection(
    *, summary: CoverageSummary, target_year: int, yearly_cost_per_worker: int, funded_pending: int = 0
) -> Projection:
    """At the net monthly growth of the last twelve months (or as many as there are), when is 99.5%
    reached, and what yearly budget covers the gap by `target_year` if the gap is closed evenly. Workers
    already funded but not yet paid (`funded_pending`) are part of the gap until paid, but their money
    is committed: the budget plan is for the rest."""
    # Growth as it was seen in the month on the page: an older month is never projected with later data.
    history = [row for row in trend(region_code=summary.region.code) if row["month"] <= summary.month]
    growth = None
    if len(history) >= 2:
        first, last = history[max(0, len(history) - 13)], history[-1]
        months = (last["month"].year - first["month"].year) * 12 + last["month"].month - first["month"].month
        growth = round((last["covered"] - first["covered"]) / months) if months else None
    gap = summary.region.gap_workers
    months_to_target = reach = None
    if gap == 0:
        months_to_target, reach = 0, summary.month
    elif growth and growth > 0:
        months_to_target = math.ceil(gap / growth)
        index = summary.month.year * 12 + summary.month.month - 1 + months_to_target
        reach = dt.date(index // 12, index % 12 + 1, 1)
    funded_pending = max(0, min(funded_pending, gap))
    to_fund = gap - funded_pending
    years = max(1, target_year - summary.month.year)
    plan = []
    for step in range(1, years + 1):
        workers = math.ceil(to_fund * step / years)
        plan.append(
            {
                "year": summary.month.year + step,
                "workers": workers,
                "budget": workers * yearly_cost_per_worker,
            }
        )
    return Projection(
        growth, months_to_target, reach, yearly_cost_per_worker, plan, funded_pending=funded_pending,
        gap_to_fund=to_fund,
    )  # fmt: skip


def minimum_yearly_cost(month: dt.date) -> int:
    """A year of the minimum package (JKK+JKM at the lowest level) paid from the APBD: no discount."""
    from cakupan.rules.engine import Month, contribution

    return (
        12
        * contribution(
            income=0,
            programs=["jkk", "jkm"],
            month=Month(month.year, month.month),
            funding="apbd",
            sector="lainnya",
        ).total
    )
