"""Writes of the funding app: funders, programs, allocation plans and their approval, payments.

Enrolment batches and their acknowledgement live in `funding.enrolment`, the monthly cycle in
`funding.cycle`; all of them post money through `funding.ledger`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

import numpy as np
import polars as pl
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cakupan.accounts.models import Role
from cakupan.allocation import solver as allocation_solver
from cakupan.allocation.instance import instance_from_arrays
from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import ApprovalKind
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS
from cakupan.funding import candidates as candidates_module
from cakupan.funding import ledger, priority
from cakupan.funding.models import (
    FUNDING_SOURCE_OF_KIND,
    AccountKind,
    AllocationPlan,
    FundedMonth,
    Funder,
    FunderKind,
    FunderOfficer,
    FundingProgram,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    MustahikVerification,
    Payment,
    PlanKind,
    PlanLine,
    PlanStatus,
    ProgramStatus,
    TransactionKind,
)
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import bulk
from cakupan.registry.models import Worker
from cakupan.rules.engine import RulesError

# --- funders --------------------------------------------------------------------------------------

_AREA_LEVEL_OF_KIND = {
    FunderKind.APBD_PROVINCE: RegionLevel.PROVINCE,
    FunderKind.APBD_REGENCY: RegionLevel.REGENCY,
    FunderKind.DANA_DESA: RegionLevel.VILLAGE,
}
_OFFICER_ROLES = frozenset({Role.FUNDER_OFFICER, Role.SPONSOR})


@transaction.atomic
def funder_create(*, name: str, kind: str, area_code: str, actor=None) -> Funder:
    name = (name or "").strip()
    if not name:
        raise DomainError("funder_name_required", "Nama pemberi dana wajib diisi.", field="name")
    if kind not in FunderKind.values:
        raise DomainError("funder_kind_unknown", f"Jenis pemberi dana '{kind}' tidak dikenal.", field="kind")
    area = Region.objects.filter(code=area_code).first()
    if area is None:
        raise DomainError("region_unknown", f"Kode wilayah '{area_code}' tidak dikenal.", field="area_code")
    level = _AREA_LEVEL_OF_KIND.get(kind)
    if level is not None and area.level != level:
        raise DomainError(
            "funder_area_level",
            f"Wilayah {FunderKind(kind).label} harus berupa {RegionLevel(level).label.lower()}; "
            f"{area.name} adalah {area.get_level_display().lower()}.",
            field="area_code",
        )
    if kind == FunderKind.DANA_DESA and Funder.objects.filter(kind=kind, area=area).exists():
        raise DomainError(
            "dana_desa_duplicate",
            f"Desa {area.name} sudah mempunyai pemberi dana Dana Desa.",
            field="area_code",
        )
    funder = Funder(name=name, kind=kind, funding_source=FUNDING_SOURCE_OF_KIND[kind], area=area)
    funder.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            funder.save()
    except IntegrityError as error:  # a concurrent second Dana Desa for the same desa
        raise DomainError(
            "dana_desa_duplicate",
            f"Desa {area.name} sudah mempunyai pemberi dana Dana Desa.",
            field="area_code",
        ) from error
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=funder,
        region_code=area.code,
        changes={"kind": ["", kind], "name": ["", name]},
    )
    return funder


@transaction.atomic
def funder_officer_add(*, funder: Funder, user, actor=None) -> FunderOfficer:
    if getattr(user, "role", "") not in _OFFICER_ROLES:
        raise DomainError(
            "funder_officer_role",
            "Hanya pengguna berperan petugas pemberi dana atau sponsor yang dapat ditautkan.",
        )
    link, created = FunderOfficer.objects.get_or_create(funder=funder, user=user)
    if created:
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            obj=link,
            region_code=funder.area_id,
            metadata={"funder": funder.pk, "user": user.get_username()},
        )
    return link


@transaction.atomic
def mustahik_verify(
    *, funder: Funder, worker: Worker, asnaf: str, verified_on: dt.date, actor
) -> MustahikVerification:
    """The zakat agency records that a worker is mustahik (re-verifying renews a revoked record)."""
    if funder.kind != FunderKind.ZAKAT:
        raise DomainError("mustahik_not_zakat", "Verifikasi mustahik hanya oleh lembaga zakat (BAZNAS/LAZ).")
    if asnaf not in MustahikVerification.Asnaf.values:
        raise DomainError("mustahik_asnaf_unknown", f"Golongan asnaf '{asnaf}' tidak dikenal.", field="asnaf")
    record, _ = MustahikVerification.objects.update_or_create(
        funder=funder,
        worker=worker,
        defaults={"asnaf": asnaf, "verified_on": verified_on, "verified_by": actor, "revoked_at": None},
    )
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=record,
        region_code=worker.desa_id,
        metadata={"event": "mustahik_verified", "asnaf": asnaf},
    )
    return record


@transaction.atomic
def mustahik_revoke(*, verification: MustahikVerification, actor) -> MustahikVerification:
    verification.revoked_at = timezone.now()
    verification.save(update_fields=["revoked_at"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=verification,
        region_code=verification.worker.desa_id,
        metadata={"event": "mustahik_revoked"},
    )
    return verification


# --- programs -------------------------------------------------------------------------------------

_PROGRAM_FIELDS = (
    "name",
    "budget",
    "fiscal_year",
    "start_month",
    "months",
    "jht",
    "income_level",
    "areas",
    "sectors",
    "decile_min",
    "decile_max",
    "age_min",
    "age_max",
    "informal_only",
    "uncovered_only",
    "mustahik_only",
    "mustahik_decile_max",
    "renew",
    "status",
)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _within(code: str, area: str) -> bool:
    return code == area or code.startswith(f"{area}.")


def _check_program(program: FundingProgram) -> None:
    """Raise DomainError (stable code, Bahasa message) for a program that cannot fund anyone."""
    funder = program.funder
    if not str(program.name or "").strip():
        raise DomainError("program_name_required", "Nama program wajib diisi.", field="name")
    if program.budget is None or (_is_int(program.budget) and program.budget == 0):
        raise DomainError(
            "program_budget_required", "Anggaran program wajib diisi dan lebih dari Rp0.", field="budget"
        )
    if not _is_int(program.budget) or program.budget < 1:
        raise DomainError(
            "program_budget_invalid", "Anggaran harus bilangan bulat rupiah lebih dari 0.", field="budget"
        )
    if not _is_int(program.fiscal_year) or not 2015 <= program.fiscal_year <= 2100:
        raise DomainError("program_fiscal_year_invalid", "Tahun anggaran tidak sah.", field="fiscal_year")
    start = program.start_month
    if not isinstance(start, dt.date) or start.day != 1:
        raise DomainError(
            "program_start_month_invalid", "Bulan mulai harus hari pertama suatu bulan.", field="start_month"
        )
    if start.year != program.fiscal_year:
        raise DomainError(
            "program_start_outside_fiscal_year",
            f"Bulan mulai harus di dalam tahun anggaran {program.fiscal_year}.",
            field="start_month",
        )
    if program.months not in (1, 3, 6, 12):
        raise DomainError(
            "program_months_invalid", "Jumlah bulan perlindungan harus 1, 3, 6 atau 12.", field="months"
        )
    if not _is_int(program.income_level):
        raise DomainError(
            "program_income_invalid", "Tingkat penghasilan harus bilangan bulat rupiah.", field="income_level"
        )
    if not isinstance(program.sectors, list) or not isinstance(program.areas, list):
        raise DomainError("program_eligibility_invalid", "Wilayah dan sektor harus berupa daftar.")
    for sector in program.sectors:
        if sector not in SECTOR_LABELS:
            raise DomainError("program_sector_unknown", f"Sektor '{sector}' tidak dikenal.", field="sectors")
    if program.sectors and all(sector == FORMAL_SECTOR for sector in program.sectors):
        raise DomainError(
            "program_sectors_only_formal",
            "Pekerja formal (penerima upah) tidak dapat didanai sebagai peserta BPU.",
            field="sectors",
        )
    for low, high, label, field in (
        (program.decile_min, program.decile_max, "Desil", "decile_min"),
        (program.age_min, program.age_max, "Umur", "age_min"),
    ):
        if (low is not None and not _is_int(low)) or (high is not None and not _is_int(high)):
            raise DomainError("program_eligibility_invalid", f"{label} harus bilangan bulat.", field=field)
        if low is not None and high is not None and low > high:
            raise DomainError(
                "program_range_empty",
                f"{label} terendah ({low}) lebih besar dari tertinggi ({high}).",
                field=field,
            )
    for decile in (program.decile_min, program.decile_max, program.mustahik_decile_max):
        if decile is not None and not 1 <= decile <= 10:
            raise DomainError("program_decile_invalid", "Desil harus antara 1 dan 10.", field="decile_min")
    if program.age_max is not None and program.age_max < 15:
        raise DomainError(
            "program_age_invalid", "Umur tertinggi di bawah usia kerja (15 tahun).", field="age_max"
        )
    if funder.kind == FunderKind.ZAKAT and not program.mustahik_only:
        raise DomainError(
            "program_zakat_requires_mustahik",
            "Dana zakat hanya untuk mustahik: centang 'hanya mustahik'.",
            field="mustahik_only",
        )
    if funder.kind == FunderKind.DANA_DESA:
        if not program.own_village_only:
            raise DomainError(
                "program_dana_desa_own_village",
                "Dana Desa hanya untuk warga desa sendiri.",
                field="own_village_only",
            )
        if any(code != funder.area_id for code in program.areas):
            raise DomainError(
                "program_area_outside_funder",
                f"Dana Desa {funder.area_id} tidak dapat membiayai warga desa lain.",
                field="areas",
            )
    known = set(Region.objects.filter(code__in=program.areas).values_list("code", flat=True))
    for code in program.areas:
        if code not in known:
            raise DomainError("region_unknown", f"Kode wilayah '{code}' tidak dikenal.", field="areas")
        if not _within(code, funder.area_id):
            raise DomainError(
                "program_area_outside_funder",
                f"Wilayah {code} di luar wilayah pemberi dana ({funder.area_id}).",
                field="areas",
            )
    try:
        cheapest = min(
            candidates_module.sector_cost(program, sector).total
            for sector in (program.sectors or list(SECTOR_LABELS))
            if sector != FORMAL_SECTOR
        )
    except RulesError as error:
        raise DomainError(error.code, error.message, field=error.field) from error
    if program.budget < cheapest:
        raise DomainError(
            "program_budget_too_small",
            f"Anggaran {rupiah(program.budget)} belum cukup untuk satu pekerja ({rupiah(cheapest)} untuk "
            f"{program.months} bulan).",
            field="budget",
        )


def _defaults_for(funder: Funder, values: dict) -> dict:
    if funder.kind == FunderKind.ZAKAT:
        values.setdefault("mustahik_only", True)
    if funder.kind == FunderKind.DANA_DESA:
        values.setdefault("own_village_only", True)
    return values


@transaction.atomic
def program_create(*, funder: Funder, actor, **values) -> FundingProgram:
    """Create a program and grant its budget in the ledger. Raises DomainError, writing nothing."""
    unknown = set(values) - set(_PROGRAM_FIELDS) - {"own_village_only"}
    if unknown:
        raise DomainError("program_field_unknown", f"Isian tidak dikenal: {', '.join(sorted(unknown))}.")
    values = _defaults_for(funder, dict(values))
    values["areas"] = list(values.get("areas") or [])
    values["sectors"] = list(values.get("sectors") or [])
    if "budget" not in values:
        raise DomainError(
            "program_budget_required", "Anggaran program wajib diisi dan lebih dari Rp0.", field="budget"
        )
    program = FundingProgram(funder=funder, created_by=actor, **values)
    _check_program(program)
    program.full_clean(exclude=["created_by"])
    program.save()
    accounts = ledger.accounts_create(program)
    ledger.post(
        kind=TransactionKind.BUDGET,
        funder_id=funder.pk,
        reference=f"budget:program:{program.pk}:0",
        memo=f"Anggaran {program.name}",
        month=program.start_month,
        actor=actor,
        entries=[
            (accounts[AccountKind.SOURCE], -program.budget),
            (accounts[AccountKind.AVAILABLE], program.budget),
        ],
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=program,
        region_code=funder.area_id,
        changes={"budget": [None, program.budget]},
    )
    return program


@transaction.atomic
def program_update(*, program: FundingProgram, actor, **changes) -> FundingProgram:
    """Change a program. A budget change posts the difference; it may not go below what is already
    committed, paid or covered."""
    unknown = set(changes) - set(_PROGRAM_FIELDS)
    if unknown:
        raise DomainError("program_field_unknown", f"Isian tidak dikenal: {', '.join(sorted(unknown))}.")
    program = FundingProgram.objects.select_for_update().select_related("funder").get(pk=program.pk)
    before = {field: getattr(program, field) for field in changes}
    for field, value in changes.items():
        setattr(program, field, list(value) if field in ("areas", "sectors") else value)
    if program.status not in ProgramStatus.values:
        raise DomainError("program_status_invalid", "Status program tidak sah.", field="status")
    _check_program(program)
    program.full_clean(exclude=["created_by"])
    delta = program.budget - before.get("budget", program.budget)
    if delta:
        accounts = ledger.accounts_locked([program.pk])
        available = accounts[(program.pk, AccountKind.AVAILABLE)]
        if available.balance + delta < 0:
            used = before["budget"] - available.balance
            raise DomainError(
                "program_budget_below_used",
                f"Anggaran tidak dapat dikurangi di bawah dana yang sudah terpakai ({rupiah(used)}).",
                field="budget",
            )
        serial = program.accounts.get(kind=AccountKind.SOURCE).entries.count()
        ledger.post(
            kind=TransactionKind.BUDGET,
            funder_id=program.funder_id,
            reference=f"budget:program:{program.pk}:{serial}",
            memo=f"Perubahan anggaran {program.name}",
            month=program.start_month,
            actor=actor,
            entries=[(accounts[(program.pk, AccountKind.SOURCE)], -delta), (available, delta)],
        )
    program.save()
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=program,
        region_code=program.funder.area_id,
        changes={f: [_plain(before[f]), _plain(getattr(program, f))] for f in changes},
    )
    return program


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


# --- allocation → plan ----------------------------------------------------------------------------


def common_region(codes: list[str]) -> str:
    """The deepest region containing all codes (the approval goes to whoever governs all of them)."""
    parts = [code.split(".") for code in codes]
    common = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return ".".join(common) or codes[0].split(".")[0]


def _pending_cost(program_ids: list[int]) -> dict[int, int]:
    from django.db.models import Sum

    rows = (
        PlanLine.objects.filter(program_id__in=program_ids, plan__status=PlanStatus.PENDING)
        .values("program_id")
        .annotate(total=Sum("cost"))
    )
    return {row["program_id"]: int(row["total"]) for row in rows}


def build_instance(programs: list[FundingProgram], *, sector_risk: bool = True, prefer_renewals: bool = True):
    """The solver instance for these programs, and the candidate table (one row per candidate × program)."""
    frames = []
    for index, program in enumerate(programs):
        frame = candidates_module.program_candidates(program)
        frames.append(frame.with_columns(pl.lit(index, dtype=pl.Int32).alias("program_index")))
    table = pl.concat(frames).sort(["worker_id", "program_index"])
    budgets = []
    pending = _pending_cost([p.pk for p in programs])
    available = dict(
        ledger.LedgerAccount.objects.filter(program__in=programs, kind=AccountKind.AVAILABLE).values_list(
            "program_id", "balance"
        )
    )
    for program in programs:
        budgets.append(max(0, available.get(program.pk, 0) - pending.get(program.pk, 0)))
    people = table.group_by("worker_id", maintain_order=True).agg(
        pl.col("desa_id").first(),
        pl.col("sector").first(),
        pl.col("decile").first(),
        pl.col("renewal").any(),
        pl.len().alias("entries"),
    )
    weights = priority.weights(
        deciles=people.get_column("decile").to_numpy(),
        sectors=people.get_column("sector").to_numpy(),
        renewal=people.get_column("renewal").to_numpy(),
        sector_risk=sector_risk,
        prefer_renewals=prefer_renewals,
    )
    indptr = np.zeros(people.height + 1, dtype=np.int64)
    np.cumsum(people.get_column("entries").to_numpy(), out=indptr[1:])
    instance = instance_from_arrays(
        program_ids=tuple(str(p.pk) for p in programs),
        budgets=np.asarray(budgets, dtype=np.int64),
        candidate_ids=tuple(str(i) for i in people.get_column("worker_id").to_list()),
        weights=weights,
        indptr=indptr,
        programs=table.get_column("program_index").to_numpy().astype(np.int32),
        costs=table.get_column("cost").to_numpy().astype(np.int64),
    )
    return instance, table, people.with_columns(pl.Series("weight", weights))


def allocation_plan_create(
    *,
    programs: list[FundingProgram],
    actor,
    sector_risk: bool = True,
    prefer_renewals: bool = True,
    max_seconds: float | None = None,
    title: str = "",
) -> AllocationPlan:
    """Choose whom each program funds (highest total priority within budgets and eligibility, no
    worker-month twice), save the plan and submit it for approval. Commits nothing: the checker's
    approval does. Budgets are what is available minus what pending plans already ask for."""
    started = time.perf_counter()
    programs = list(
        FundingProgram.objects.select_related("funder").filter(pk__in=[p.pk for p in programs]).order_by("pk")
    )
    if not programs:
        raise DomainError("allocation_no_programs", "Pilih minimal satu program pendanaan.", field="programs")
    closed = [p.name for p in programs if p.status != ProgramStatus.ACTIVE]
    if closed:
        raise DomainError("program_closed", f"Program sudah ditutup: {', '.join(closed)}.", field="programs")
    instance, table, people = build_instance(
        programs, sector_risk=sector_risk, prefer_renewals=prefer_renewals
    )
    if instance.n_candidates == 0:
        raise DomainError(
            "allocation_no_candidates",
            "Tidak ada pekerja yang memenuhi syarat dan belum didanai untuk program ini.",
        )
    solution = allocation_solver.solve(instance, max_seconds=max_seconds)
    assignment = np.asarray(solution.assignment, dtype=np.int64)
    chosen = people.with_columns(pl.Series("program_index", assignment)).filter(pl.col("program_index") >= 0)
    if chosen.is_empty():
        raise DomainError(
            "allocation_nothing_funded", "Anggaran yang tersisa tidak cukup untuk mendanai satu pekerja pun."
        )
    chosen = chosen.join(
        table.select("worker_id", pl.col("program_index").cast(pl.Int64), "cost"),
        on=["worker_id", "program_index"],
        how="left",
    )
    region = common_region([p.funder.area_id for p in programs])
    # Selecting and solving above ran outside any transaction (no write lock held while the solver
    # works); only the writes are atomic. A concurrent plan for the same workers is caught at approval.
    with transaction.atomic():
        plan = AllocationPlan.objects.create(
            kind=PlanKind.ALLOCATION,
            status=PlanStatus.PENDING,
            region_code=region,
            funded=chosen.height,
            cost=int(chosen.get_column("cost").sum()),
            objective=float(solution.objective),
            upper_bound=float(solution.upper_bound),
            gap_pct=float(solution.gap_pct),
            created_by=actor,
        )
        plan.programs.set(programs)
        plan_lines_insert(plan, programs, chosen)
        plan.summary = plan_summary(plan, programs, chosen, budgets=instance.budgets)
        plan.seconds = round(time.perf_counter() - started, 3)
        plan.save(update_fields=["summary", "seconds"])
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            obj=plan,
            region_code=region,
            metadata={"funded": plan.funded, "cost": plan.cost, "programs": [p.pk for p in programs]},
        )
        approval_submit(
            kind=ApprovalKind.ALLOCATION_PLAN,
            subject_id=plan.pk,
            title=title or f"Rencana alokasi #{plan.pk}: {plan.funded} pekerja, {rupiah(plan.cost)}",
            submitted_by=actor,
            region_code=region,
            payload={"funded": plan.funded, "cost": plan.cost, "per_program": plan.summary["per_program"]},
        )
    return plan


def plan_lines_insert(
    plan: AllocationPlan,
    programs: list[FundingProgram],
    chosen: pl.DataFrame,
    *,
    first_month: dict[int, dt.date] | None = None,
) -> None:
    """Insert plan lines set-based (COPY on PostgreSQL)."""
    starts = [(first_month or {}).get(p.pk, p.start_month) for p in programs]
    frame = chosen.select(
        pl.lit(plan.pk).alias("plan_id"),
        pl.col("program_index")
        .replace_strict(list(range(len(programs))), [p.pk for p in programs], return_dtype=pl.Int64)
        .alias("program_id"),
        "worker_id",
        "desa_id",
        pl.col("program_index")
        .replace_strict(list(range(len(programs))), starts, return_dtype=pl.Date)
        .alias("first_month"),
        pl.col("program_index")
        .replace_strict(list(range(len(programs))), [p.months for p in programs], return_dtype=pl.Int64)
        .alias("months"),
        "cost",
        "weight",
        pl.lit(False).alias("released"),
    )
    bulk.load_frame(table=PlanLine._meta.db_table, frame=frame)


def plan_summary(plan, programs, chosen: pl.DataFrame, *, budgets) -> dict:
    per_program = []
    totals = chosen.group_by("program_index").agg(
        pl.len().alias("funded"), pl.col("cost").sum().alias("cost")
    )
    by_index = {row["program_index"]: row for row in totals.to_dicts()}
    for index, program in enumerate(programs):
        row = by_index.get(index, {"funded": 0, "cost": 0})
        per_program.append(
            {
                "program_id": program.pk,
                "name": program.name,
                "funder": program.funder.name,
                "funded": int(row["funded"]),
                "cost": int(row["cost"]),
                "budget_available": int(budgets[index]),
                "left": int(budgets[index]) - int(row["cost"]),
            }
        )
    regions = (
        chosen.with_columns(pl.col("desa_id").str.slice(0, 5).alias("region"))
        .group_by("region")
        .agg(pl.len().alias("funded"), pl.col("cost").sum().alias("cost"))
        .sort("region")
    )
    names = dict(
        Region.objects.filter(code__in=regions.get_column("region").to_list()).values_list("code", "name")
    )
    per_region = [
        {
            "region": r["region"],
            "name": names.get(r["region"], ""),
            "funded": int(r["funded"]),
            "cost": int(r["cost"]),
        }
        for r in regions.to_dicts()
    ]
    return {
        "per_program": per_program,
        "per_region": per_region,
        "objective": plan.objective,
        "upper_bound": plan.upper_bound,
        "gap_pct": plan.gap_pct,
    }


def funded_months_insert(plan: AllocationPlan) -> None:
    """One FundedMonth per line and month, with that month's contribution. UNIQUE(worker, month) in the
    database refuses a second funding of the same worker-month, whatever raced with us."""
    lines = pl.DataFrame(
        list(
            PlanLine.objects.filter(plan=plan, released=False).values_list(
                "id", "worker_id", "program_id", "first_month", "worker__sector"
            )
        ),
        schema={
            "line_id": pl.Int64,
            "worker_id": pl.Int64,
            "program_id": pl.Int64,
            "first_month": pl.Date,
            "sector": pl.String,
        },
        orient="row",
    )
    if lines.is_empty():
        return
    program_ids = lines.get_column("program_id").unique().to_list()
    programs = {p.pk: p for p in FundingProgram.objects.select_related("funder").filter(pk__in=program_ids)}
    price_rows = []
    for program_id, first_month, sector in (
        lines.select("program_id", "first_month", "sector").unique().rows()
    ):
        cost = candidates_module.sector_cost(programs[program_id], sector, start_month=first_month)
        for month, amount in cost.per_month:
            price_rows.append((program_id, first_month, sector, month, amount))
    prices = pl.DataFrame(
        price_rows,
        schema={
            "program_id": pl.Int64,
            "first_month": pl.Date,
            "sector": pl.String,
            "month": pl.Date,
            "cost": pl.Int64,
        },
        orient="row",
    )
    frame = lines.join(prices, on=["program_id", "first_month", "sector"]).select(
        "worker_id", "month", "program_id", pl.col("line_id"), "cost"
    )
    try:
        with transaction.atomic():
            bulk.load_frame(table=FundedMonth._meta.db_table, frame=frame)
    except IntegrityError as error:
        raise DomainError(
            "worker_month_already_funded",
            "Sebagian pekerja dalam rencana ini sudah didanai untuk bulan yang sama oleh rencana lain. "
            "Tolak rencana ini lalu buat rencana baru.",
        ) from error


def plan_commit(plan: AllocationPlan, *, actor) -> None:
    """Commit the plan's cost in the ledger and record its funded worker-months. Locks the programs'
    accounts in primary-key order and re-checks every budget under the lock."""
    from django.db.models import Sum

    needed = {
        row["program_id"]: int(row["total"])
        for row in PlanLine.objects.filter(plan=plan, released=False)
        .values("program_id")
        .annotate(total=Sum("cost"))
    }
    accounts = ledger.accounts_locked(sorted(needed))
    funders = dict(FundingProgram.objects.filter(pk__in=needed).values_list("pk", "funder_id"))
    names = dict(FundingProgram.objects.filter(pk__in=needed).values_list("pk", "name"))
    for program_id, cost in sorted(needed.items()):
        available = accounts[(program_id, AccountKind.AVAILABLE)]
        if available.balance < cost:
            raise DomainError(
                "budget_insufficient",
                f"Sisa anggaran {names[program_id]} {rupiah(available.balance)} tidak cukup untuk "
                "rencana ini "
                f"({rupiah(cost)}).",
            )
    funded_months_insert(plan)
    for program_id, cost in sorted(needed.items()):
        ledger.post(
            kind=TransactionKind.COMMIT,
            funder_id=funders[program_id],
            reference=f"commit:plan:{plan.pk}:program:{program_id}",
            memo=f"Rencana #{plan.pk}: dana diikat untuk {names[program_id]}",
            month=plan_month(plan),
            actor=actor,
            entries=[
                (accounts[(program_id, AccountKind.AVAILABLE)], -cost),
                (accounts[(program_id, AccountKind.COMMITTED)], cost),
            ],
        )


def plan_month(plan: AllocationPlan) -> dt.date:
    first = (
        PlanLine.objects.filter(plan=plan)
        .order_by("first_month")
        .values_list("first_month", flat=True)
        .first()
    )
    return first or timezone.localdate().replace(day=1)


def _on_plan_approved(approval) -> None:
    plan = AllocationPlan.objects.select_for_update().get(pk=int(approval.subject_id))
    if plan.status != PlanStatus.PENDING:
        raise DomainError("plan_not_pending", f"Rencana #{plan.pk} tidak menunggu persetujuan.")
    plan_commit(plan, actor=approval.decided_by)
    plan.status = PlanStatus.APPROVED
    plan.decided_at = timezone.now()
    plan.save(update_fields=["status", "decided_at"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=approval.decided_by,
        obj=plan,
        region_code=plan.region_code,
        changes={"status": [PlanStatus.PENDING, PlanStatus.APPROVED]},
    )


def _on_plan_closed(status: str):
    def close(approval) -> None:
        plan = AllocationPlan.objects.select_for_update().get(pk=int(approval.subject_id))
        plan.status = status
        plan.decided_at = timezone.now()
        plan.save(update_fields=["status", "decided_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=approval.decided_by,
            obj=plan,
            region_code=plan.region_code,
            changes={"status": [PlanStatus.PENDING, status]},
        )

    return close


_on_plan_rejected = _on_plan_closed(PlanStatus.REJECTED)
_on_plan_cancelled = _on_plan_closed(PlanStatus.CANCELLED)


def register_handlers() -> None:
    register_approval_handler(
        ApprovalKind.ALLOCATION_PLAN, _on_plan_approved, _on_plan_rejected, on_cancelled=_on_plan_cancelled
    )


# --- payments -------------------------------------------------------------------------------------


def _invoice_status(invoice: Invoice) -> str:
    if invoice.paid >= invoice.amount:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTIAL if invoice.paid else InvoiceStatus.OPEN


@transaction.atomic
def payment_record(
    *, invoice: Invoice, external_reference: str, amount: int, paid_on: dt.date, actor=None
) -> tuple[Payment, bool]:
    """Record a funder's payment to BPJS TK against an invoice. Returns (payment, created): replaying a
    reference already recorded with the same invoice and amount changes nothing and returns it."""
    reference = (external_reference or "").strip()
    if not reference:
        raise DomainError(
            "payment_reference_required", "Referensi pembayaran wajib diisi.", field="external_reference"
        )
    existing = Payment.objects.filter(external_reference=reference).first()
    if existing is not None:
        if existing.invoice_id == invoice.pk and existing.amount == amount:
            return existing, False
        raise DomainError(
            "payment_reference_conflict",
            f"Referensi {reference} sudah tercatat untuk pembayaran lain ({rupiah(existing.amount)}, tagihan "
            f"{existing.invoice.number}).",
            field="external_reference",
        )
    if not _is_int(amount) or amount < 1:
        raise DomainError(
            "payment_amount_invalid",
            "Jumlah pembayaran harus bilangan bulat rupiah lebih dari 0.",
            field="amount",
        )
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    outstanding = invoice.amount - invoice.paid
    if amount > outstanding:
        raise DomainError(
            "payment_amount_mismatch",
            f"Jumlah {rupiah(amount)} tidak sesuai tagihan {invoice.number}: "
            f"sisa tagihan {rupiah(outstanding)}.",
            field="amount",
        )
    lines = list(InvoiceLine.objects.select_for_update().filter(invoice=invoice).order_by("program_id", "pk"))
    accounts = ledger.accounts_locked([line.program_id for line in lines])
    entries, rest = [], amount
    for line in lines:
        part = min(rest, line.amount - line.paid)
        if part <= 0:
            continue
        line.paid += part
        rest -= part
        entries += [
            (accounts[(line.program_id, AccountKind.COMMITTED)], -part),
            (accounts[(line.program_id, AccountKind.PAID)], part),
        ]
    try:
        with transaction.atomic():
            record = ledger.post(
                kind=TransactionKind.PAYMENT,
                funder_id=invoice.funder_id,
                reference=f"payment:{reference}",
                memo=f"Pembayaran {reference} untuk tagihan {invoice.number}",
                month=paid_on.replace(day=1),
                entries=entries,
                actor=actor,
            )
            payment = Payment.objects.create(
                invoice=invoice,
                external_reference=reference,
                amount=amount,
                paid_on=paid_on,
                transaction=record,
                recorded_by=actor,
            )
    except (IntegrityError, DomainError) as error:
        # A concurrent request recorded the same reference first: answer as a replay.
        existing = Payment.objects.filter(external_reference=reference).first()
        if existing is not None and existing.invoice_id == invoice.pk and existing.amount == amount:
            return existing, False
        raise error
    InvoiceLine.objects.bulk_update(lines, ["paid"])
    invoice.paid += amount
    invoice.status = _invoice_status(invoice)
    invoice.save(update_fields=["paid", "status"])
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=payment,
        region_code=invoice.funder.area_id,
        metadata={"invoice": invoice.number, "amount": amount, "reference": reference},
    )
    return payment, True


def invoices_create(plan: AllocationPlan, *, month: dt.date) -> list[Invoice]:
    """One invoice per funder of the plan, one line per program, from the plan's unreleased lines."""
    from django.db.models import Sum

    rows = (
        PlanLine.objects.filter(plan=plan, released=False)
        .values("program_id", "program__funder_id")
        .annotate(total=Sum("cost"))
        .order_by("program__funder_id", "program_id")
    )
    per_funder: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        per_funder[row["program__funder_id"]].append((row["program_id"], int(row["total"])))
    invoices = []
    for funder_id, parts in per_funder.items():
        invoice = Invoice.objects.create(
            number=f"TAG-{plan.pk:06d}-{funder_id:04d}",
            funder_id=funder_id,
            plan=plan,
            month=month,
            amount=sum(total for _, total in parts),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, program_id=p, amount=t) for p, t in parts
        )
        invoices.append(invoice)
    return invoices


# --- demo data ------------------------------------------------------------------------------------


@transaction.atomic
def funding_demo_seed(*, start_month: dt.date | None = None) -> list[FundingProgram]:
    """Demo funders and programs (idempotent: does nothing if funders exist). Links the demo accounts
    `baznas` and `sponsor` to their funders when they exist."""
    if Funder.objects.exists():
        return list(FundingProgram.objects.all())
    User = get_user_model()
    actor = User.objects.filter(is_superuser=True).order_by("pk").first()
    if actor is None:
        raise DomainError("demo_needs_admin", "Buat akun administrator dahulu (cakupan demo).")
    start = start_month or candidates_module.add_months(timezone.localdate().replace(day=1), 1)
    year = start.year
    province = funder_create(name="Pemerintah Provinsi Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    lebak = funder_create(name="Pemerintah Kabupaten Lebak", kind=FunderKind.APBD_REGENCY, area_code="36.02")
    baznas = funder_create(name="BAZNAS Provinsi Banten", kind=FunderKind.ZAKAT, area_code="36")
    csr = funder_create(name="CSR PT Krakatau (contoh)", kind=FunderKind.CSR, area_code="36.72")
    sponsor = funder_create(name="Sponsor SERTAKAN (contoh)", kind=FunderKind.SPONSOR, area_code="36")
    desa = Region.objects.filter(code="36.02.01.2002").first()
    programs = [
        program_create(
            funder=province,
            actor=actor,
            name="Perlindungan nelayan & petani rentan",
            budget=500_000_000,
            fiscal_year=year,
            start_month=start,
            months=12,
            sectors=["nelayan", "petani"],
            decile_max=5,
        ),
        program_create(
            funder=lebak,
            actor=actor,
            name="Pekerja rentan Lebak",
            budget=150_000_000,
            fiscal_year=year,
            start_month=start,
            months=12,
            decile_max=4,
        ),
        program_create(
            funder=baznas,
            actor=actor,
            name="Zakat untuk pekerja mustahik",
            budget=200_000_000,
            fiscal_year=year,
            start_month=start,
            months=6,
            mustahik_decile_max=2,
        ),
        program_create(
            funder=csr,
            actor=actor,
            name="CSR pekerja sekitar pabrik",
            budget=50_000_000,
            fiscal_year=year,
            start_month=start,
            months=12,
        ),
        program_create(
            funder=sponsor,
            actor=actor,
            name="Sponsor pekerja rumah tangga",
            budget=2_016_000,
            fiscal_year=year,
            start_month=start,
            months=12,
            sectors=["prt"],
        ),
    ]
    if desa is not None:
        village = funder_create(name=f"Dana Desa {desa.name}", kind=FunderKind.DANA_DESA, area_code=desa.code)
        programs.append(
            program_create(
                funder=village,
                actor=actor,
                name=f"PKTD {desa.name}",
                budget=20_000_000,
                fiscal_year=year,
                start_month=start,
                months=12,
            )
        )
    for username, funder in (("baznas", baznas), ("sponsor", sponsor)):
        user = User.objects.filter(username=username).first()
        if user is not None:
            funder_officer_add(funder=funder, user=user, actor=actor)
    return programs
