"""UCJ dashboard pages: one page per region with drill-down, its map, exports and a PDF summary.

Figures come from `dashboard` (the roll-ups); the views only read the query, pick the output and turn a
DomainError into a page with a Bahasa message and the status the API gives for the same error.
"""

from __future__ import annotations

import functools
import json
import logging
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.audit.services import audit_record
from cakupan.claims.selectors import ServiceRow, service_figures
from cakupan.core.errors import DomainError, domain_error_status
from cakupan.core.formatting import decimal_number, month_long, number, percent
from cakupan.coverage import dashboard, exports, mapsvg
from cakupan.coverage.pending import pending_cover
from cakupan.coverage.target import ucj_target
from cakupan.regions.models import Region, RegionLevel

security_log = logging.getLogger("cakupan.security")

PROVINCE = "36"
# The labour force (decision of 2026-12-02); `?penyebut=employed|registry` chooses another.
DEFAULT_DENOMINATOR = dashboard.DEFAULT_DENOMINATOR
DEFAULT_TARGET_YEAR = 2030
TARGET_YEARS = range(2027, 2046)
DENOMINATOR_CHOICES = [(kind, exports.denominator_title(kind)) for kind in dashboard.DENOMINATORS]
BOUNDARIES = Path(__file__).resolve().parent.parent / "regions" / "data" / "boundaries"
# The boundary file that holds the children of a region, by the length of the region's code.
CHILD_BOUNDARIES = {2: "banten_kabkota", 5: "banten_kecamatan", 8: "banten_desa_kelurahan"}
ERROR_TITLES = {400: "Permintaan tidak sah", 403: "Di luar wilayah kerja Anda", 404: "Data tidak ditemukan"}
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def home(request: HttpRequest) -> HttpResponse:
    """The user's own area (the province for administrators), keeping the month and denominator asked."""
    code = PROVINCE if request.user.is_superuser else request.user.area_id
    if code is None:
        return _error_page(
            request,
            DomainError(
                "region_outside_area",
                "Akun Anda tidak memiliki wilayah kerja, jadi tidak ada dasbor cakupan.",
            ),
        )
    url = reverse("coverage:region", args=[code])
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    """The dashboard of one region; `?format=xlsx|csv&table=…` or `?format=pdf` downloads instead."""
    kind = request.GET.get("penyebut") or DEFAULT_DENOMINATOR
    try:
        month = dashboard.parse_month(request.GET.get("bulan"))
        summary = dashboard.coverage_summary(
            user=request.user, region_code=code, month=month, denominator=kind
        )
        output = request.GET.get("format", "")
        if output:
            return _download(request, summary, kind, output)
    except DomainError as error:
        return _error_page(request, error)
    context, error = _page_context(request, summary, kind)
    return render(request, "coverage/region.html", context, status=400 if error else 200)


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def region_map(request: HttpRequest, code: str) -> HttpResponse:
    """GeoJSON of the children of one region (an empty collection below the kecamatan)."""
    region = Region.objects.filter(code=code).first()
    try:
        if region is None:
            raise DomainError("region_unknown", f"Kode wilayah '{code}' tidak dikenal.", field="region")
        dashboard.check_in_area(request.user, region)
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=domain_error_status(error))
    response = HttpResponse(_children_geojson(region.code), content_type="application/geo+json")
    # Boundaries change with a new Kemendagri release, not during a session.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@functools.cache
def _boundary_features(name: str) -> dict[str, list[dict]]:
    """A boundary file's features grouped by parent code; read once per process (the desa file is 2.7 MB)."""
    with (BOUNDARIES / f"{name}.geojson").open(encoding="utf-8") as handle:
        collection = json.load(handle)
    grouped: dict[str, list[dict]] = {}
    for feature in collection["features"]:
        grouped.setdefault(feature["properties"]["parent_code"], []).append(feature)
    return grouped


@functools.lru_cache(maxsize=512)
def _children_geojson(code: str) -> bytes:
    name = CHILD_BOUNDARIES.get(len(code))
    features = _boundary_features(name).get(code, []) if name else []
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()


@functools.lru_cache(maxsize=512)
def _children_outline(code: str) -> mapsvg.Outline:
    name = CHILD_BOUNDARIES.get(len(code))
    return mapsvg.outline(_boundary_features(name).get(code, []) if name else [])


def _map_svg(code: str, children: list[dict]) -> dict:
    """The map drawn on the server: each child's outline, coloured on the observed range, a link to its
    page and a tooltip (<title>) with its figures."""
    outline = _children_outline(code)
    low, high = mapsvg.colour_range(
        float(child["coverage_pct"]) if child["coverage_pct"] is not None else None for child in children
    )
    by_code = {child["code"]: child for child in children}
    shapes = []
    for shape in outline.shapes:
        child = by_code.get(shape.code)
        if child is None:
            continue
        pct = float(child["coverage_pct"]) if child["coverage_pct"] is not None else None
        shapes.append(
            {
                "code": shape.code,
                "path": shape.path,
                "fill": mapsvg.colour(pct, low, high),
                "url": child["url"],
                "title": f"{child['name']}: cakupan "
                f"{percent(child['coverage_pct']) if pct is not None else 'belum ada angka'}, "
                f"{number(child['covered'])} dari {number(child['denominator'])} pekerja",
            }
        )
    return {
        "width": outline.width,
        "height": outline.height,
        "shapes": shapes,
        "low": low,
        "high": high,
        "stops": [
            {"offset": index * 100 // (len(mapsvg.STOPS) - 1), "colour": colour}
            for index, colour in enumerate(mapsvg.STOPS)
        ],
    }


def _error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = domain_error_status(error)
    if status == 403:
        security_log.warning("%s user=%s path=%s", error.code, request.user.username, request.get_full_path())
    context = {"error": error, "status": status, "heading": ERROR_TITLES[status]}
    return render(request, "coverage/error.html", context, status=status)


def _query(kind: str, month_text: str | None, **extra) -> str:
    """The query that keeps the chosen month and denominator on links (defaults left out)."""
    params = {}
    if month_text:
        params["bulan"] = month_text
    if kind != DEFAULT_DENOMINATOR:
        params["penyebut"] = kind
    params.update(extra)
    return f"?{urlencode(params)}" if params else ""


def _region_title(region: Region) -> str:
    if region.level == RegionLevel.PROVINCE:
        return f"Provinsi {region.name}"
    if region.level == RegionLevel.DISTRICT:
        return f"Kecamatan {region.name}"
    if region.level == RegionLevel.VILLAGE:
        return f"{(region.kind or 'desa/kelurahan').capitalize()} {region.name}"
    return region.name


def _in_area(user, code: str) -> bool:
    area = getattr(user, "area_id", None)
    return user.is_superuser or (area is not None and (code == area or code.startswith(f"{area}.")))


def _target_year(text: str | None) -> int:
    if text in (None, ""):
        return DEFAULT_TARGET_YEAR
    if not text.isdigit() or int(text) not in TARGET_YEARS:
        raise DomainError(
            "target_year_invalid",
            f"Tahun target harus antara {TARGET_YEARS[0]} dan {TARGET_YEARS[-1]}.",
            field="tahun",
        )
    return int(text)


def _page_context(request: HttpRequest, summary: dashboard.CoverageSummary, kind: str) -> tuple[dict, bool]:
    region = Region.objects.get(code=summary.region.code)
    month_text = f"{summary.month:%Y-%m}"
    query = _query(kind, request.GET.get("bulan"))
    figure = summary.region
    crumbs = [
        {"code": code, "name": name, "url": reverse("coverage:region", args=[code]) + query}
        if _in_area(request.user, code)
        else {"code": code, "name": name, "url": None}
        for code, name in summary.ancestors
    ]
    children = [
        {
            "code": child.code,
            "name": child.name,
            "covered": child.covered,
            "denominator": child.denominator,
            "coverage_pct": child.coverage_pct,
            "gap_workers": child.gap_workers,
            "url": reverse("coverage:region", args=[child.code]) + query,
        }
        for child in summary.children
    ]
    breakdown_rows = _breakdowns(request, summary)
    breakdowns = [
        {
            "dimension": dimension,
            "title": title,
            "rows": breakdown_rows.get(dimension, []),
            "chart": {
                "title": title,
                "labels": [row["label"] for row in breakdown_rows.get(dimension, [])],
                "workers": [row["workers"] for row in breakdown_rows.get(dimension, [])],
                "active": [row["active"] for row in breakdown_rows.get(dimension, [])],
            },
            "chart_id": f"data-{dimension}",
            "export": _query(kind, month_text, table=dimension),
        }
        for dimension, title in exports.BREAKDOWN_TITLES.items()
    ]
    history = dashboard.trend(region_code=figure.code)
    trend_chart = {
        "months": [month_long(row["month"]) for row in history],
        "covered": [row["covered"] for row in history],
        "registered": [row["registered"] for row in history],
    }
    projection, year_error = _projection(request, summary)
    gap_points = max(Decimal(0), summary.target_pct - (figure.coverage_pct or Decimal(0)))
    context = {
        "summary": summary,
        "target": ucj_target(),
        "figure": figure,
        "bpu": dashboard.bpu_indicator(
            figure=figure, province=PROVINCE, month=summary.month, kind=summary.denominator
        ),
        "pending": pending_cover(area_code=figure.code, month=summary.month),
        "title": _region_title(region),
        "crumbs": crumbs,
        "children": children,
        "child_level": exports.CHILD_LEVEL_TITLES[figure.level],
        "map_svg": _map_svg(figure.code, children),
        "breakdowns": breakdowns,
        "trend": history,
        "trend_chart": trend_chart,
        "projection": projection,
        "year_error": year_error,
        "gap_points": decimal_number(gap_points),
        "kind": kind,
        "denominator_title": exports.denominator_title(kind),
        "denominator_host": urlsplit(summary.denominator_url).hostname or "",
        "denominator_choices": DENOMINATOR_CHOICES,
        "months": [(f"{m:%Y-%m}", month_long(m)) for m in reversed(dashboard.available_months(figure.code))],
        "month_text": month_text,
        "query": query,
        "claims": _claim_rows(service_figures(area_code=figure.code)),
        "export_query": {
            name: _query(kind, month_text, table=name) for name in ("children", "trend", "klaim")
        },
        # Downloads name the month, so a refresh between viewing and clicking cannot change what is saved.
        "pdf_query": _query(kind, month_text, format="pdf"),
    }
    return context, year_error is not None


def _claim_rows(rows: list[ServiceRow]) -> list[dict]:
    """The service figures as the page shows them: shares and the median in Indonesian number format."""

    def share(value: float | None) -> str:
        return "–" if value is None else percent(Decimal(str(value)))

    return [
        {
            "region_code": row.region_code,
            "region_name": row.region_name,
            "kind": row.kind,
            "kind_label": row.kind_label,
            "cases": row.cases,
            "open": row.open,
            "paid": row.paid,
            "on_time": share(row.on_time_percent),
            "median_days": "–"
            if row.median_days_to_payment is None
            else decimal_number(Decimal(str(row.median_days_to_payment))),
            "first_time_complete": share(row.first_time_complete_percent),
        }
        for row in rows
    ]


def _breakdowns(request: HttpRequest, summary: dashboard.CoverageSummary) -> dict[str, list[dict]]:
    rows = dashboard.breakdowns(user=request.user, region_code=summary.region.code, month=summary.month)
    for row in rows.get("age_band", []):
        row["label"] = _age_label(row["value"])
    return rows


def _age_label(band: str) -> str:
    """'15-24' → '15–24 tahun', '65+' → '65 tahun ke atas'."""
    if band.endswith("+"):
        return f"{band[:-1]} tahun ke atas"
    return f"{band.replace('-', '–')} tahun"


def _projection(request: HttpRequest, summary: dashboard.CoverageSummary) -> tuple[dict, DomainError | None]:
    """When 99.5% is reached at the current pace, and the yearly budget to close the gap by `tahun`."""
    year_text = request.GET.get("tahun")
    try:
        year = _target_year(year_text)
    except DomainError as error:
        return {"year_text": year_text, "plan": None}, error
    notes = []
    try:
        cost = dashboard.minimum_yearly_cost(summary.month)
    except DomainError as error:
        cost = 0
        notes.append(f"Biaya paket minimum tidak dapat dihitung: {error.message}")
    result = dashboard.projection(
        summary=summary,
        target_year=year,
        yearly_cost_per_worker=cost,
        funded_pending=pending_cover(area_code=summary.region.code, month=summary.month, onward=True) or 0,
    )
    history = dashboard.trend(region_code=summary.region.code)
    why = None
    if result.reach_month is None:
        if len(history) < 2:
            why = (
                f"baru ada data cakupan satu bulan ({month_long(summary.month)}); "
                "proyeksi membutuhkan data sedikitnya dua bulan."
            )
        else:
            growth = result.monthly_growth or 0
            span = min(12, len(history) - 1)
            change = (
                f"berkurang rata-rata {number(-growth)} pekerja per bulan"
                if growth < 0
                else "tidak bertambah"
            )
            why = (
                f"jumlah peserta aktif {change} selama {span} bulan terakhir, "
                "sehingga target tidak tercapai pada laju ini."
            )
    return {
        "year": year,
        "year_text": year_text or str(year),
        "result": result,
        "why": why,
        "notes": notes,
        "plan": result.budget_plan if cost else None,
        "total": sum(row["budget"] for row in result.budget_plan) if cost else 0,
    }, None


def _download(
    request: HttpRequest, summary: dashboard.CoverageSummary, kind: str, output: str
) -> HttpResponse:
    code = summary.region.code
    stem = f"cakupan-{code.replace('.', '-')}-{summary.month:%Y-%m}"
    if output == "pdf":
        region = Region.objects.get(code=code)
        content = exports.summary_pdf(
            summary=summary, title=_region_title(region), kind=kind, generated_by=request.user.username
        )
        _audit_export(request, summary, kind, {"format": "pdf", "rows": len(summary.children)})
        return _attachment(content, "application/pdf", f"{stem}.pdf")
    if output not in EXPORT_TYPES:
        raise DomainError("export_format_unknown", "Format unduhan harus xlsx, csv atau pdf.", field="format")
    name = request.GET.get("table", "children")
    if name not in exports.TABLES:
        raise DomainError(
            "export_table_unknown",
            f"Tabel unduhan harus {', '.join(exports.TABLES[:-1])} atau {exports.TABLES[-1]}.",
            field="table",
        )
    if name == "children":
        table = exports.children_table(summary, kind)
    elif name == "trend":
        table = exports.trend_table(dashboard.trend(region_code=code))
    elif name == "klaim":
        table = exports.claims_table(service_figures(area_code=code))
    else:
        table = exports.breakdown_table(name, _breakdowns(request, summary).get(name, []))
    if output == "xlsx" and name == "klaim":
        notes = [
            ("Wilayah", f"{code} {summary.region.name}"),
            ("Tabel", table.title),
            ("Periode", "Semua kasus klaim yang tercatat di Cakupan, per kab/kota tempat kasus dicatat."),
            ("Catatan", exports.CLAIMS_NOTE),
        ]
        content = exports.to_xlsx(table, notes)
    elif output == "xlsx":
        notes = [
            ("Wilayah", f"{code} {summary.region.name}"),
            ("Bulan", month_long(summary.month)),
            ("Tabel", table.title),
            ("Sumber penyebut", summary.denominator_source),
            *([("Rujukan penyebut", summary.denominator_url)] if summary.denominator_url else []),
            ("Target", f"Universal Coverage Jamsostek {ucj_target().text}"),
            ("Catatan", "Peserta aktif: iuran bulan berjalan sudah dibayar. Persentase dalam satuan persen."),
        ]
        content = exports.to_xlsx(table, notes)
    else:
        content = exports.to_csv(table)
    _audit_export(request, summary, kind, {"format": output, "table": name, "rows": len(table.rows)})
    return _attachment(content, EXPORT_TYPES[output], f"{stem}-{name}.{output}")


def _audit_export(request: HttpRequest, summary: dashboard.CoverageSummary, kind: str, details: dict) -> None:
    code = summary.region.code
    audit_record(
        action="export",
        actor=request.user,
        object_type="coverage.region",
        object_id=code,
        region_code=code,
        request=request,
        metadata={"month": f"{summary.month:%Y-%m}", "denominator": kind, **details},
    )


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
