from __future__ import annotations

from decimal import Decimal

from ninja import Router, Schema

from cakupan.accounts.auth import API_AUTH
from cakupan.core.api_params import refuse_nul_characters
from cakupan.coverage import dashboard

router = Router(tags=["coverage"], auth=API_AUTH)
# Region codes reach the database as typed: a NUL character is refused first (422).
router.add_decorator(refuse_nul_characters, mode="view")


class RegionFigureOut(Schema):
    region: str
    name: str
    level: str
    covered: int
    covered_bpu: int
    registered: int
    denominator: int
    # Percent with two decimals, as a JSON number (42.9), not a string ("42.90").
    coverage_pct: float | None
    gap_workers: int


class CoverageOut(RegionFigureOut):
    month: str
    denominator_kind: str
    denominator_source: str
    denominator_url: str
    target_pct: float
    children: list[RegionFigureOut]


class ErrorOut(Schema):
    code: str
    message: str


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _figure(figure: dashboard.RegionFigure) -> dict:
    return {
        "region": figure.code, "name": figure.name, "level": figure.level, "covered": figure.covered,
        "covered_bpu": figure.covered_bpu, "registered": figure.registered, "denominator": figure.denominator,
        "coverage_pct": _number(figure.coverage_pct), "gap_workers": figure.gap_workers,
    }  # fmt: skip


@router.get(
    "",
    response={200: CoverageOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Cakupan UCJ satu wilayah dan wilayah di bawahnya",
)
def coverage(
    request, region: str, month: str | None = None, denominator: str = dashboard.DEFAULT_DENOMINATOR
):
    """Exactly the figures the dashboard shows, read from the roll-ups (never the registry).

    `denominator`: labour_force (angkatan kerja, the default), employed (penduduk bekerja) or registry;
    `denominator_source` names it with its period, `denominator_url` the page it was published on."""
    summary = dashboard.coverage_summary(
        user=request.user, region_code=region, month=dashboard.parse_month(month), denominator=denominator
    )
    return {
        **_figure(summary.region),
        "month": f"{summary.month:%Y-%m}",
        "denominator_kind": summary.denominator,
        "denominator_source": summary.denominator_source,
        "denominator_url": summary.denominator_url,
        "target_pct": _number(summary.target_pct),
        "children": [_figure(child) for child in summary.children],
    }
