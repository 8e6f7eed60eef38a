"""Reads for what follows a plan: the plan's own lines, enrolment batches, invoices and payments."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Sum

from cakupan.accounts import authorization as authz
from cakupan.core.masking import mask_nik
from cakupan.core.scoping import area_filter
from cakupan.funding.candidates import add_months
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    EnrolmentBatch,
    EnrolmentRow,
    FundedMonth,
    Funder,
    FunderKind,
    FundingProgram,
    Invoice,
    LedgerAccount,
    PlanLine,
    PlanStatus,
    ProgramStatus,
)
from cakupan.funding.selectors.overview import funders_for_user
from cakupan.regions.models import Region
from cakupan.registry.models import Membership, Worker

PLAN_PREVIEW_ROWS = 100


def plans_for_user(*, user):
    """Allocation plans whose region lies in the user's area (superusers: all)."""
    if user.is_superuser:
        return AllocationPlan.objects.all()
    if user.area_id is None:
        return AllocationPlan.objects.none()
    return AllocationPlan.objects.filter(
        area_filter("region_code", user.area_id)
        | Q(region_code__in=Region.objects.get(code=user.area_id).ancestors_codes())
    )


def plan_lines(*, plan: AllocationPlan, user, limit: int = PLAN_PREVIEW_ROWS) -> list[dict]:
    """Whom the plan funds, highest priority weight first: the rows a checker reads before approving.
    Identifiers are masked for roles that do not work with them."""
    full = authz.sees_identifiers(user)
    rows = (
        plan.lines.order_by("-weight", "worker_id")
        .values_list(
            "worker__nik", "worker__name", "desa__name", "desa_id", "worker__sector", "worker__decile",
            "program__name", "first_month", "months", "cost", "released",
        )[:limit]
    )  # fmt: skip
    return [
        {
            "nik": nik if full else mask_nik(nik),
            "name": name,
            "desa": desa,
            "desa_code": desa_code,
            "sector": sector,
            "decile": decile,
            "program": program,
            "first_month": first,
            "months": months,
            "cost": cost,
            "released": released,
        }
        for nik, name, desa, desa_code, sector, decile, program, first, months, cost, released in rows
    ]


# --- the pipeline after an approved plan: batches, invoices, payments --------------------------------------

BATCH_PREVIEW_ROWS = 50


def batches_for_user(*, user):
    """Enrolment batches of the plans the user may see."""
    return EnrolmentBatch.objects.filter(plan__in=plans_for_user(user=user)).select_related(
        "plan", "created_by", "sent_by"
    )


def batch_preview(*, batch, user, limit: int = BATCH_PREVIEW_ROWS) -> list[dict]:
    """The batch's first rows as the checker and BPJS TK see them; identifiers masked for masked roles."""
    full = authz.sees_identifiers(user)
    rows = (
        EnrolmentRow.objects.filter(batch=batch)
        .order_by("row_number")
        .values_list(
            "row_number", "line__worker__nik", "line__worker__name", "line__worker__desa__name",
            "line__program__name", "line__first_month", "line__months", "line__cost", "status", "kpj",
            "reason",
        )[:limit]
    )  # fmt: skip
    return [
        {
            "number": number,
            "nik": nik if full else mask_nik(nik),
            "name": name,
            "desa": desa,
            "program": program,
            "first_month": first,
            "months": months,
            "cost": cost,
            "status": status,
            "kpj": kpj if full else ("terisi" if kpj else ""),
            "reason": reason,
        }
        for number, nik, name, desa, program, first, months, cost, status, kpj, reason in rows
    ]


def invoices_for_user(*, user):
    """Invoices of the funders the user may see."""
    return Invoice.objects.filter(funder__in=funders_for_user(user=user)).select_related("funder", "plan")


def unpaid_funded_workers(area_code: str, month: dt.date, onward: bool = False) -> int:
    """Workers of the area with a funded month `month` that is not yet cover: its contribution unpaid, or
    paid while BPJS TK has not yet answered (no membership paid through it). "didanai, menunggu
    pembayaran atau tanggapan BPJS TK" on the dashboard (registered in FundingConfig.ready). `onward`: such
    a month in `month` or later, the workers a budget already pays for (the projection)."""
    months = {"month__gte": month} if onward else {"month": month}
    member_through = Membership.objects.filter(
        worker_id=OuterRef("worker_id"), paid_through__gte=OuterRef("month")
    )
    return (
        FundedMonth.objects.filter(area_filter("worker__desa_id", area_code), **months)
        .filter(Q(paid=False) | ~Exists(member_through))
        .values("worker_id")
        .distinct()
        .count()
    )


def plan_builder_programs(*, funder) -> list[dict]:
    """The funder's active programs as the plan builder offers them: their window and policy, and the
    budget a new plan may still use (available minus what pending plans already ask for)."""
    programs = list(funder.programs.filter(status=ProgramStatus.ACTIVE).order_by("start_month", "pk"))
    ids = [p.pk for p in programs]
    available = dict(
        LedgerAccount.objects.filter(program_id__in=ids, kind=AccountKind.AVAILABLE).values_list(
            "program_id", "balance"
        )
    )
    pending = dict(
        PlanLine.objects.filter(program_id__in=ids, plan__status=PlanStatus.PENDING)
        .values("program_id")
        .annotate(total=Sum("cost"))
        .values_list("program_id", "total")
    )
    return [
        {
            "program": program,
            "first_month": program.start_month,
            "last_month": add_months(program.start_month, program.months - 1),
            "available": available.get(program.pk, 0),
            "pending": int(pending.get(program.pk) or 0),
            "usable": max(0, available.get(program.pk, 0) - int(pending.get(program.pk) or 0)),
        }
        for program in programs
    ]


def plans_of_funder(*, funder, user):
    """The plans (allocation and renewal) that use one of the funder's programs, newest first."""
    return (
        plans_for_user(user=user)
        .filter(programs__funder=funder)
        .distinct()
        .select_related("created_by")
        .order_by("-created_at")
    )


# --- one worker ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundedSpan:
    program: str
    funder: str
    first: dt.date
    last: dt.date
    months: int
    # Paid to BPJS TK (cover) or funded and still waiting for the funder's payment.
    paid: bool


def funded_spans(worker: Worker) -> list[FundedSpan]:
    """Who funds which months: consecutive months of one program, paid or not yet paid, as one span."""
    months = (
        FundedMonth.objects.filter(worker=worker)
        .select_related("program__funder")
        .order_by("program_id", "month")
    )
    spans: list[FundedSpan] = []
    current = None
    for funded in months:
        if (
            current
            and current["program_id"] == funded.program_id
            and current["paid"] == funded.paid
            and add_months(current["last"], 1) == funded.month
        ):
            current["last"] = funded.month
            current["months"] += 1
            continue
        if current:
            spans.append(FundedSpan(**{k: v for k, v in current.items() if k != "program_id"}))
        current = {
            "program_id": funded.program_id,
            "program": funded.program.name,
            "funder": funded.program.funder.name,
            "first": funded.month,
            "last": funded.month,
            "months": 1,
            "paid": funded.paid,
        }
    if current:
        spans.append(FundedSpan(**{k: v for k, v in current.items() if k != "program_id"}))
    return sorted(spans, key=lambda span: span.first)


@dataclass(frozen=True)
class VillageProgram:
    funder: str
    kind: str  # the kind of funder, in words
    kind_code: str  # FunderKind
    program: str
    mustahik_only: bool


@dataclass(frozen=True)
class ProgramArea:
    program: VillageProgram
    areas: tuple[str, ...]  # region codes it funds in (its funder's whole area when it names none)


def programs_started_by(month: dt.date) -> list[ProgramArea]:
    """Every active program that has started by the month, with the areas it funds in. One plain
    statement: the public status check asks on every look-up."""
    program, funder = FundingProgram._meta.db_table, Funder._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT f.name, f.kind, p.name, p.mustahik_only, p.areas, f.area_id FROM {program} p "
            f"JOIN {funder} f ON f.id = p.funder_id WHERE p.status = %s AND p.start_month <= %s "
            "ORDER BY f.name, p.name, p.id",
            [ProgramStatus.ACTIVE, month],
        )
        rows = cursor.fetchall()
    kinds = dict(FunderKind.choices)
    found = []
    for funder_name, kind, program_name, mustahik_only, areas, funder_area in rows:
        # SQLite returns the JSON list as text, PostgreSQL as a list.
        areas = (json.loads(areas) if isinstance(areas, str) else areas) or [funder_area]
        found.append(
            ProgramArea(
                program=VillageProgram(
                    funder=funder_name, kind=str(kinds.get(kind, kind)), kind_code=kind, program=program_name,
                    mustahik_only=bool(mustahik_only),
                ),
                areas=tuple(areas),
            )
        )  # fmt: skip
    return found


def village_programs(
    region_code: str, *, month: dt.date, programs: list[ProgramArea] | None = None
) -> list[VillageProgram]:
    """Active programs whose target area holds the region (a desa, or a kecamatan for the public check of a
    NIK not registered), that have started by the month: who may pay for cover there. `programs`: the
    month's `programs_started_by`, when the caller already has it."""
    if programs is None:
        programs = programs_started_by(month)
    return [
        item.program
        for item in programs
        if any(region_code == area or region_code.startswith(f"{area}.") for area in item.areas)
    ]
