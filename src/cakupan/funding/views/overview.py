"""Funding pages: the coordinator's side-by-side view of funders, one funder's page, and an allocation
plan with the checker's decision. Figures come from `selectors`; the views read the query, scope the
funder to the user and turn a DomainError into a Bahasa message."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import can, require_action
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_decide, may_decide
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core import params
from cakupan.core.errors import DomainError
from cakupan.coverage import exports as table_exports
from cakupan.funding import costs, exports, selectors
from cakupan.funding.candidates import add_months
from cakupan.funding.models import AllocationPlan, Funder, PlanKind, PlanStatus

NEXT_RUPIAH_ROWS = 20
WORKER_ROWS = 100
# An export holds every row, not only the page's first ones.
EXPORT_WORKER_ROWS = 1_000_000
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _month(request: HttpRequest) -> tuple[dt.date, DomainError | None]:
    """The month asked for (`?bulan=YYYY-MM`), this month by default. Unlike the dashboard, a coming month
    is allowed: programs start next month and their renewals are planned ahead."""
    this_month = timezone.localdate().replace(day=1)
    try:
        month = params.parse_month(
            request.GET.get("bulan"), earliest=costs.first_priced_month(), latest=add_months(this_month, 24)
        )
    except DomainError as error:
        return this_month, error
    return month or this_month, None


def _coordinates(user) -> bool:
    return can(user, authz.FUNDING_COORDINATE)


def _scoped_funder(request: HttpRequest, funder_id: int) -> Funder:
    funder = selectors.funders_for_user(user=request.user).filter(pk=funder_id).first()
    if funder is None:
        raise Http404("Pemberi dana tidak ditemukan di antara yang boleh Anda lihat.")
    return funder


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def funding_home(request: HttpRequest) -> HttpResponse:
    """Coordinators: every funder side by side and where the next rupiah covers the most vulnerable.
    A funder officer goes straight to the funder's page."""
    funders = selectors.funders_for_user(user=request.user)
    if not _coordinates(request.user):
        if funders.count() == 1:
            return redirect("funding:funder", funder_id=funders.get().pk)
        return render(request, "funding/officer_home.html", {"funders": funders.order_by("name")})
    month, error = _month(request)
    area = "36" if request.user.is_superuser else request.user.area_id
    side_by_side = selectors.funders_side_by_side(user=request.user, month=month)
    totals = {
        key: sum(row[key] for row in side_by_side)
        for key in ("budget", "available", "committed", "paid", "covered", "workers_covered")
    }
    next_rupiah = selectors.next_rupiah(month=month, area_code=area) if area else []
    plans = selectors.plans_for_user(user=request.user).order_by("-created_at")[:20]
    return render(
        request,
        "funding/home.html",
        {
            "month": month,
            "error": error,
            "funders": side_by_side,
            "totals": totals,
            "next_rupiah": next_rupiah[:NEXT_RUPIAH_ROWS],
            "next_rupiah_more": max(0, len(next_rupiah) - NEXT_RUPIAH_ROWS),
            "plans": plans,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def funder_detail(request: HttpRequest, funder_id: int) -> HttpResponse:
    funder = _scoped_funder(request, funder_id)
    month, error = _month(request)
    recipients = can(request.user, authz.FUNDER_RECIPIENTS, funder)
    context = {
        "funder": funder,
        "month": month,
        "error": error,
        "overview": selectors.funder_overview(funder=funder, month=month),
        "recipients_visible": recipients,
        "workers": selectors.funder_workers(funder=funder, user=request.user, limit=WORKER_ROWS)
        if recipients
        else [],
        "renewals": selectors.renewals_due(month=month, funder=funder, user=request.user)
        if recipients
        else [],
        "gained": selectors.coverage_gained(month=month, funder=funder),
        "reconciliation": selectors.reconciliation(funder=funder),
        "invoices": selectors.invoices_for_user(user=request.user).filter(funder=funder).order_by("-pk")[:50],
        "worker_rows": WORKER_ROWS,
        "plans": selectors.plans_of_funder(funder=funder, user=request.user)[:20],
        "may_plan": can(request.user, authz.PLAN_CREATE, funder),
        "standing": [
            {"program": program, "may_set": can(request.user, authz.RENEWAL_LIMIT_SET, program)}
            for program in funder.programs.filter(status="active", renew=True)
            .select_related("renewal_limit_by", "funder")
            .order_by("pk")
        ],
        "may_pay": any(
            can(request.user, authz.PAYMENT_RECORD, invoice)
            for invoice in funder.invoices.exclude(status="paid")[:1]
        ),
    }
    return render(request, "funding/funder.html", context, status=400 if error else 200)


def _plan_approval(plan: AllocationPlan) -> Approval | None:
    return (
        Approval.objects.filter(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
        .order_by("-id")
        .first()
    )


def _scoped_plan(request: HttpRequest, plan_id: int) -> AllocationPlan:
    plan = selectors.plans_for_user(user=request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404("Rencana alokasi tidak ditemukan di wilayah kerja Anda.")
    return plan


def _plan_context(request: HttpRequest, plan: AllocationPlan, error: DomainError | None = None) -> dict:
    approval = _plan_approval(plan)
    return {
        "plan": plan,
        "approval": approval,
        "may_decide": may_decide(approval, request.user),
        "batches": plan.batches.order_by("pk"),
        "may_create_batch": plan.kind == PlanKind.ALLOCATION
        and plan.status == PlanStatus.APPROVED
        and can(request.user, authz.BATCH_CREATE, plan),
        "programs": plan.programs.select_related("funder").order_by("pk"),
        "lines": selectors.plan_lines(plan=plan, user=request.user),
        "line_rows": selectors.PLAN_PREVIEW_ROWS,
        "error": error,
    }


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _scoped_plan(request, plan_id)
    return render(request, "funding/plan.html", _plan_context(request, plan))


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def plan_decide(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _scoped_plan(request, plan_id)
    approval = _plan_approval(plan)
    if approval is None:
        raise Http404("Rencana ini tidak menunggu persetujuan.")
    try:
        approval_decide(
            approval=approval,
            approver=request.user,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        return render(request, "funding/plan.html", _plan_context(request, plan, error), status=400)
    return redirect("funding:plan", plan_id=plan.pk)


def _export_response(request: HttpRequest, table, *, fmt: str, name: str, notes, audit: dict) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("Format ekspor harus xlsx atau csv.")
    body = table_exports.to_xlsx(table, notes) if fmt == "xlsx" else table_exports.to_csv(table)
    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, **audit)
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def funder_export(request: HttpRequest, funder_id: int, table: str, fmt: str) -> HttpResponse:
    funder = _scoped_funder(request, funder_id)
    month, error = _month(request)
    if error is not None:
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    builders = {
        "program": lambda: exports.programs_table(selectors.funder_overview(funder=funder, month=month)),
        "pekerja": lambda: exports.workers_table(
            selectors.funder_workers(funder=funder, user=request.user, limit=EXPORT_WORKER_ROWS)
        ),
        "perpanjangan": lambda: exports.renewals_table(
            selectors.renewals_due(month=month, funder=funder, user=request.user)
        ),
        "cakupan": lambda: exports.gained_table(selectors.coverage_gained(month=month, funder=funder)),
        "rekonsiliasi": lambda: exports.reconciliation_table(selectors.reconciliation(funder=funder)),
    }
    if table not in builders or (
        table in ("pekerja", "perpanjangan") and not can(request.user, authz.FUNDER_RECIPIENTS, funder)
    ):
        raise Http404("Tabel ini tidak dapat diekspor.")
    data = builders[table]()
    notes = [("Pemberi dana", funder.name), ("Bulan", f"{month:%Y-%m}"), ("Tabel", data.title)]
    return _export_response(
        request,
        data,
        fmt=fmt,
        name=f"dana-{funder.pk}-{table}-{month:%Y-%m}",
        notes=notes,
        audit={
            "object_type": "funding.funder",
            "object_id": str(funder.pk),
            "region_code": funder.area_id,
            "metadata": {"table": table, "format": fmt, "month": f"{month:%Y-%m}", "rows": len(data.rows)},
        },
    )


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def funding_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if not _coordinates(request.user):
        raise Http404("Tabel ini hanya untuk koordinator pendanaan.")
    month, error = _month(request)
    if error is not None:
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    area = "36" if request.user.is_superuser else request.user.area_id
    if table == "pemberi-dana":
        data = exports.funders_table(selectors.funders_side_by_side(user=request.user, month=month))
    elif table == "rupiah-berikutnya" and area:
        data = exports.next_rupiah_table(selectors.next_rupiah(month=month, area_code=area))
    else:
        raise Http404("Tabel ini tidak dapat diekspor.")
    return _export_response(
        request,
        data,
        fmt=fmt,
        name=f"pendanaan-{table}-{month:%Y-%m}",
        notes=[("Bulan", f"{month:%Y-%m}"), ("Tabel", data.title)],
        audit={
            "object_type": "funding.overview",
            "object_id": table,
            "region_code": area or "",
            "metadata": {"table": table, "format": fmt, "month": f"{month:%Y-%m}", "rows": len(data.rows)},
        },
    )
