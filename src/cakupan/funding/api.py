"""Funding API (django-ninja): read-only views for funder pages and integrations, mounted by the project's
api.py as `/funding` (router `cakupan.funding.api.router`). DomainError becomes a 4xx with its code."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema

from cakupan.accounts import authorization as authz
from cakupan.accounts.auth import API_AUTH
from cakupan.accounts.authorization import api_require_action
from cakupan.core import params
from cakupan.core.api_params import refuse_nul_characters
from cakupan.core.errors import DomainError
from cakupan.core.scoping import region_within
from cakupan.funding import costs, selectors
from cakupan.funding.candidates import add_months

router = Router(tags=["funding"], auth=API_AUTH)
# Area codes reach the database as typed: a NUL character is refused first (422).
router.add_decorator(refuse_nul_characters, mode="view")


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


# Money in whole rupiah (JSON integers), months as TTTT-BB.
class FunderSideOut(Schema):
    funder_id: int
    name: str
    kind: str
    kind_label: str
    area: str | None
    programs: int
    budget: int
    available: int
    committed: int
    paid: int
    covered: int
    workers_covered: int


class FunderRefOut(Schema):
    id: int
    name: str
    kind: str
    area: str | None


class ProgramStateOut(Schema):
    program_id: int
    name: str
    fiscal_year: int
    start_month: str
    months: int
    status: str
    budget: int
    available: int
    committed: int
    paid: int
    covered: int
    used: int
    workers: int
    worker_months: int
    months_to_date: int


class FunderTotalsOut(Schema):
    budget: int
    available: int
    committed: int
    paid: int
    covered: int
    used: int
    workers: int
    worker_months: int


class FunderOverviewOut(Schema):
    funder: FunderRefOut
    month: str
    programs: list[ProgramStateOut]
    totals: FunderTotalsOut
    renewals_due: int


class FundedWorkerOut(Schema):
    worker_id: int
    nik: str
    name: str
    desa: str
    desa_name: str
    sector: str
    decile: int | None
    program_id: int
    program: str
    first_month: str
    last_month: str
    months: int
    paid_months: int
    cost: int
    membership_status: str


class ReconciliationOut(Schema):
    funder_id: int
    funder: str
    month: str
    invoiced: int
    paid: int
    outstanding: int
    payments: int
    covered_months: int
    covered_cost: int


class RegionWorkersOut(Schema):
    region: str
    name: str
    workers: int


class NextRupiahOut(Schema):
    region: str
    name: str
    decile: int
    workers: int
    cost_full: int
    cost_discounted: int
    per_worker_full: int


class PlanProgramOut(Schema):
    program_id: int
    name: str
    funder: str
    policy: str
    funded: int
    cost: int
    budget_available: int
    left: int


class PlanRegionOut(Schema):
    region: str
    name: str
    funded: int
    cost: int


class PlanOut(Schema):
    plan: int
    kind: str
    status: str
    funded: int
    cost: int
    objective: float
    upper_bound: float
    gap_pct: float
    per_program: list[PlanProgramOut]
    per_region: list[PlanRegionOut]


# Every route reads a month or an id and checks the role: bad month 400, role or area 403, unknown id 404.
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _month(value: str | None, *, required: bool = False) -> dt.date | None:
    """The same months as the funding pages: from the first month the rules price to two years ahead."""
    this_month = timezone.localdate().replace(day=1)
    month = params.parse_month(value, earliest=costs.first_priced_month(), latest=add_months(this_month, 24))
    if month is None and required:
        raise DomainError(
            "month_missing", "Bulan wajib diisi (format TTTT-BB, misalnya 2026-01).", field="month"
        )
    return month


def _funder(request, funder_id: int):
    # Outside the user's funders and non-existent look the same.
    funder = selectors.funders_for_user(user=request.user).filter(pk=funder_id).first()
    if funder is None:
        raise DomainError("funder_not_found", "Pemberi dana tidak ditemukan.")
    return funder


@router.get("/funders", response={200: list[FunderSideOut], **ERRORS})
@api_require_action(authz.STAFF_PAGES)
def funders(request, month: str | None = None):
    """All funders the user may see, side by side: budget, committed, paid, covered, left, workers."""
    return selectors.funders_side_by_side(user=request.user, month=_month(month))


@router.get("/funders/{funder_id}", response={200: FunderOverviewOut, **ERRORS})
@api_require_action(authz.STAFF_PAGES)
def funder(request, funder_id: int, month: str | None = None):
    return selectors.funder_overview(funder=_funder(request, funder_id), month=_month(month))


@router.get("/funders/{funder_id}/workers", response={200: list[FundedWorkerOut], **ERRORS})
@api_require_action(authz.STAFF_PAGES)
def funder_workers(
    request,
    funder_id: int,
    limit: int = Query(100, ge=1, le=1_000_000),
    offset: int = Query(0, ge=0, le=2**31 - 1),
):
    return selectors.funder_workers(
        funder=_funder(request, funder_id), user=request.user, limit=min(limit, 1000), offset=offset
    )


@router.get("/funders/{funder_id}/reconciliation", response={200: list[ReconciliationOut], **ERRORS})
@api_require_action(authz.STAFF_PAGES)
def reconciliation(request, funder_id: int, month: str | None = None):
    return selectors.reconciliation(funder=_funder(request, funder_id), month=_month(month))


@router.get("/funders/{funder_id}/coverage", response={200: list[RegionWorkersOut], **ERRORS})
@api_require_action(authz.STAFF_PAGES)
def coverage(request, funder_id: int, month: str):
    return selectors.coverage_gained(funder=_funder(request, funder_id), month=_month(month, required=True))


@router.get("/next-rupiah", response={200: list[NextRupiahOut], **ERRORS})
@api_require_action(authz.STAFF_PAGES)
def next_rupiah(request, month: str | None = None, area: str | None = None):
    """Uncovered informal workers per kab/kota and decile with the cost of covering them (staff only)."""
    if not request.user.is_superuser and request.user.area_id is None:
        raise DomainError("funding_outside_area", "Wilayah kerja Anda tidak mencakup data ini.")
    area = area or (request.user.area_id or "36")
    if not request.user.is_superuser and not region_within(area, request.user.area_id):
        raise DomainError("funding_outside_area", f"Wilayah {area} di luar wilayah kerja Anda.")
    return selectors.next_rupiah(month=_month(month), area_code=area)


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
@api_require_action(authz.STAFF_PAGES)
def plan(request, plan_id: int):
    record = selectors.plans_for_user(user=request.user).filter(pk=plan_id).first()
    if record is None:
        raise DomainError("plan_not_found", "Rencana alokasi tidak ditemukan.")
    return {
        "plan": record.pk,
        "kind": record.kind,
        "status": record.status,
        "funded": record.funded,
        "cost": record.cost,
        "objective": record.objective,
        "upper_bound": record.upper_bound,
        "gap_pct": record.gap_pct,
        **{k: record.summary.get(k, []) for k in ("per_program", "per_region")},
    }
