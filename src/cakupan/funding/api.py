"""Funding API (django-ninja): read-only views for funder pages and integrations, mounted by the project's
api.py as `/funding` (router `cakupan.funding.api.router`). DomainError becomes a 4xx with its code."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router

from cakupan.accounts import authorization as authz
from cakupan.accounts.auth import API_AUTH
from cakupan.accounts.authorization import api_require_action
from cakupan.core import params
from cakupan.core.errors import DomainError
from cakupan.core.scoping import region_within
from cakupan.funding import costs, selectors
from cakupan.funding.candidates import add_months

router = Router(tags=["funding"], auth=API_AUTH)


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
    return get_object_or_404(selectors.funders_for_user(user=request.user), pk=funder_id)


@router.get("/funders")
@api_require_action(authz.STAFF_PAGES)
def funders(request, month: str | None = None):
    """All funders the user may see, side by side: budget, committed, paid, covered, left, workers."""
    return selectors.funders_side_by_side(user=request.user, month=_month(month))


@router.get("/funders/{funder_id}")
@api_require_action(authz.STAFF_PAGES)
def funder(request, funder_id: int, month: str | None = None):
    return selectors.funder_overview(funder=_funder(request, funder_id), month=_month(month))


@router.get("/funders/{funder_id}/workers")
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


@router.get("/funders/{funder_id}/reconciliation")
@api_require_action(authz.STAFF_PAGES)
def reconciliation(request, funder_id: int, month: str | None = None):
    return selectors.reconciliation(funder=_funder(request, funder_id), month=_month(month))


@router.get("/funders/{funder_id}/coverage")
@api_require_action(authz.STAFF_PAGES)
def coverage(request, funder_id: int, month: str):
    return selectors.coverage_gained(funder=_funder(request, funder_id), month=_month(month, required=True))


@router.get("/next-rupiah")
@api_require_action(authz.STAFF_PAGES)
def next_rupiah(request, month: str | None = None, area: str | None = None):
    """Uncovered informal workers per kab/kota and decile with the cost of covering them (staff only)."""
    if not request.user.is_superuser and request.user.area_id is None:
        raise DomainError("funding_outside_area", "Wilayah kerja Anda tidak mencakup data ini.")
    area = area or (request.user.area_id or "36")
    if not request.user.is_superuser and not region_within(area, request.user.area_id):
        raise DomainError("funding_outside_area", f"Wilayah {area} di luar wilayah kerja Anda.")
    return selectors.next_rupiah(month=_month(month), area_code=area)


@router.get("/plans/{plan_id}")
@api_require_action(authz.STAFF_PAGES)
def plan(request, plan_id: int):
    record = get_object_or_404(selectors.plans_for_user(user=request.user), pk=plan_id)
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
