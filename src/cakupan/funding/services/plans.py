"""Allocation plans: the solver's choice of whom each program funds, submitted for approval and committed
in the ledger (funded worker-months) when another officer approves."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import polars as pl
from django.db import IntegrityError, transaction

from cakupan.accounts import authorization as authz
from cakupan.allocation import policy as allocation_policy
from cakupan.allocation.instance import instance_from_arrays
from cakupan.approvals.models import ApprovalKind
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.faults import fault_point
from cakupan.core.formatting import rupiah
from cakupan.funding import candidates as candidates_module
from cakupan.funding import ledger, priority
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    FundedMonth,
    FundingProgram,
    PlanKind,
    PlanLine,
    PlanStatus,
    ProgramStatus,
    TransactionKind,
)
from cakupan.funding.rowaudit import (
    FUNDED_MONTH_ROWS,
    PLAN_FUNDED_MONTHS_WHERE,
    PLAN_LINE_ROWS,
    PLAN_LINES_WHERE,
)
from cakupan.funding.services.plan_handlers import plan_month
from cakupan.regions.models import Region
from cakupan.registry import bulk

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


def pending_cost(program_ids: list[int]) -> dict[int, int]:
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
    pending = pending_cost([p.pk for p in programs])
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
    """Choose whom each program funds (by each program's allocation policy, within budgets and
    eligibility, no worker-month twice), save the plan and submit it for approval. Commits nothing: the
    checker's approval does. Budgets are what is available minus what pending plans already ask for."""
    started = time.perf_counter()
    programs = list(
        FundingProgram.objects.select_related("funder").filter(pk__in=[p.pk for p in programs]).order_by("pk")
    )
    if not programs:
        raise DomainError("allocation_no_programs", "Pilih minimal satu program pendanaan.", field="programs")
    refused = sorted({p.funder.name for p in programs if not authz.can(actor, authz.PLAN_CREATE, p.funder)})
    if refused:
        raise DomainError(
            "plan_create_not_allowed",
            f"Anda tidak dapat menyusun rencana untuk dana {', '.join(refused)}.",
            field="programs",
        )
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
    solution = allocation_policy.solve_with_policies(
        instance,
        deciles=people.get_column("decile").fill_null(0).to_numpy(),
        policies=tuple(p.policy for p in programs),
        max_seconds=max_seconds,
    )
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
        changes = RowChangeSet()
        changes.inserted(PLAN_LINE_ROWS, where=PLAN_LINES_WHERE, params=[plan.pk])
        plan.summary = plan_summary(plan, programs, chosen, budgets=instance.budgets)
        plan.seconds = round(time.perf_counter() - started, 3)
        plan.save(update_fields=["summary", "seconds"])
        event = audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            obj=plan,
            region_code=region,
            metadata={"funded": plan.funded, "cost": plan.cost, "programs": [p.pk for p in programs]},
        )
        changes.write(event)
        approval_submit(
            kind=ApprovalKind.ALLOCATION_PLAN,
            subject_id=plan.pk,
            title=title or f"Rencana alokasi #{plan.pk}: {plan.funded} pekerja, {rupiah(plan.cost)}",
            submitted_by=actor,
            region_code=region,
            payload={
                "funded": plan.funded,
                "cost": plan.cost,
                "per_program": plan.summary["per_program"],
                # Whose money the plan commits: the authorization table decides who may approve from it.
                "funders": plan_funders(programs),
            },
        )
    return plan


def plan_funders(programs: list[FundingProgram]) -> list[dict]:
    funders = {p.funder_id: p.funder for p in programs}
    return [
        {"id": funder.pk, "kind": funder.kind, "area": funder.area_id}
        for _, funder in sorted(funders.items())
    ]


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
    # Appended with the indexes in place: setting them aside (load_frame, for an empty table) would alter
    # the plan table that PostgreSQL's pending foreign-key checks of this transaction still hold.
    bulk.append_frame(table=PlanLine._meta.db_table, frame=frame)


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
                "policy": program.policy,
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
            bulk.append_frame(table=FundedMonth._meta.db_table, frame=frame)
    except IntegrityError as error:
        raise DomainError(
            "worker_month_already_funded",
            "Sebagian pekerja dalam rencana ini sudah didanai untuk bulan yang sama oleh rencana lain. "
            "Tolak rencana ini lalu buat rencana baru.",
        ) from error


def plan_commit(plan: AllocationPlan, *, actor, changes: RowChangeSet) -> None:
    """Commit the plan's cost in the ledger and record its funded worker-months. Locks the programs'
    accounts in primary-key order and re-checks every budget under the lock. The funded months go into
    `changes`, which the caller writes under its audit event."""
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
    fault_point("plan.after_funded_months")
    changes.inserted(FUNDED_MONTH_ROWS, where=PLAN_FUNDED_MONTHS_WHERE, params=[plan.pk])
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
