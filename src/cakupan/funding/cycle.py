"""The monthly cycle: renew program-funded workers whose cover ends, mark membership status per the rules
engine, recognise covered months in the ledger, list who is about to lapse, refresh the coverage facts,
queue the renewal reminders (funding.reminders).

One CycleRun row per month (UNIQUE): a second run of the same month returns the first and changes nothing,
except that it finishes the work that follows the first run's commit if that run's process stopped before
it had (tests/test_faults.py kills one there).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import Sum

from cakupan.approvals.models import ApprovalKind
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.faults import fault_point
from cakupan.core.formatting import rupiah
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import candidates as candidates_module
from cakupan.funding import ledger, priority
from cakupan.funding.candidates import add_months
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    CycleRun,
    FundedMonth,
    FundingProgram,
    LedgerAccount,
    PlanKind,
    PlanStatus,
    ProgramStatus,
    TransactionKind,
)
from cakupan.funding.reminders import funder_notices_queue, reminders_queue
from cakupan.funding.rowaudit import PLAN_LINE_ROWS, PLAN_LINES_WHERE
from cakupan.funding.services import (
    common_region,
    invoices_create,
    plan_commit,
    plan_funders,
    plan_lines_insert,
    plan_summary,
)
from cakupan.funding.services.plans import pending_cost
from cakupan.registry import bulk
from cakupan.registry.models import Membership, MembershipStatus, Worker
from cakupan.registry.rowaudit import MEMBERSHIP_ROWS
from cakupan.rules.engine import Month, due_date, membership_status

__all__ = ["cycle_run", "status_by_paid_through"]


def status_by_paid_through(paid_through: list[dt.date], month: dt.date) -> dict[dt.date, str]:
    """Status of a membership paid through each given month, evaluated the day after `month`'s due date
    (when the cycle for `month` decides), from the rules engine: one call per distinct month, not per
    member."""
    on = due_date(Month.of(month)) + dt.timedelta(days=1)
    result = {}
    for paid in paid_through:
        if paid.replace(day=1) > month:
            result[paid] = MembershipStatus.AKTIF
            continue
        result[paid] = membership_status(paid=[Month.of(paid)], start=Month.of(paid), on=on).status
    return result


def _mark_statuses(month: dt.date, changes: RowChangeSet) -> dict[str, int]:
    distinct = list(Membership.objects.values_list("paid_through", flat=True).distinct())
    statuses = status_by_paid_through(distinct, month)
    changed = {}
    for status in MembershipStatus.values:
        # The distinct paid-through months: a few dozen values, however many members.
        months = [paid for paid, value in statuses.items() if value == status]
        if months:
            rows = Membership.objects.filter(paid_through__in=months).exclude(status=status)
            changes.before_update(MEMBERSHIP_ROWS, *_ids_query(rows))
            changed[status] = rows.update(status=status)
    return changed


def _ids_query(queryset) -> tuple[str, list]:
    """The SQL and parameters of a queryset's ids, for the row-level trail's set-based capture."""
    sql, params = queryset.values("id").query.sql_with_params()
    return sql, list(params)


def _renew_candidates(month: dt.date) -> pl.DataFrame | None:
    """Enrolled workers whose program-funded cover ends with `month`, one row per worker and program that
    funded that last month and renews (read as a frame: a province's renewal is hundreds of thousands)."""
    frame = bulk.query_frame(
        f"""SELECT DISTINCT f.worker_id, f.program_id, w.desa_id, w.sector, COALESCE(w.decile, 0)
            FROM {FundedMonth._meta.db_table} f
            JOIN {FundingProgram._meta.db_table} p ON p.id = f.program_id
            JOIN {Worker._meta.db_table} w ON w.id = f.worker_id
            WHERE f.month = %s AND p.renew = %s AND p.status = %s
              AND NOT EXISTS (SELECT 1 FROM {FundedMonth._meta.db_table} g
                              WHERE g.worker_id = f.worker_id AND g.month > %s)
              AND EXISTS (SELECT 1 FROM {Membership._meta.db_table} m WHERE m.worker_id = f.worker_id)
            ORDER BY f.worker_id, f.program_id""",
        [month, True, ProgramStatus.ACTIVE, month],
        {"worker_id": pl.Int64, "program_id": pl.Int64, "desa_id": pl.String, "sector": pl.String,
         "decile": pl.Int64},
    )  # fmt: skip
    if frame.is_empty():
        return None
    frame = frame.with_columns(pl.col("decile").fill_null(0))
    return frame.with_columns(
        pl.Series(
            "weight",
            priority.weights(
                deciles=frame["decile"].to_numpy(),
                sectors=frame["sector"].to_numpy(),
                renewal=[True] * frame.height,
            ),
        )
    )


def _renewal_plan(parts: list[tuple[FundingProgram, pl.DataFrame]], *, following: dt.date, status: str,
                  actor) -> AllocationPlan:  # fmt: skip
    programs = [program for program, _ in parts]
    table = pl.concat(
        [keep.with_columns(pl.lit(index, dtype=pl.Int64).alias("program_index")) for index, (_, keep) in
         enumerate(parts)]
    )  # fmt: skip
    plan = AllocationPlan.objects.create(
        kind=PlanKind.RENEWAL,
        status=status,
        region_code=common_region([p.funder.area_id for p in programs]),
        funded=table.height,
        cost=int(table["cost"].sum()),
        objective=float(table["weight"].sum()),
        upper_bound=float(table["weight"].sum()),
        created_by=actor,
    )
    plan.programs.set(programs)
    plan_lines_insert(plan, programs, table, first_month={p.pk: following for p in programs})
    plan.summary = plan_summary(plan, programs, table, budgets=[keep["cost"].sum() for _, keep in parts])
    plan.save(update_fields=["summary"])
    return plan


def _renew(month: dt.date, actor, changes: RowChangeSet) -> dict:
    """Program-funded workers whose cover ends with `month`, renewed from the next month by the same
    program while its budget lasts and its rules still admit them, highest priority first. Only enrolled
    workers (a KPJ) are renewed.

    A program with a standing approval (`renewal_limit`) whose renewals this month cost no more than it
    has them committed now; every other program's renewals wait as a pending renewal plan, one per
    program, for a checker of its funder: a renewal commits money like any plan."""
    following = add_months(month, 1)
    result = {"renewed": 0, "cost": 0, "plans": [], "waiting": 0, "waiting_cost": 0, "waiting_plans": []}
    frame = _renew_candidates(month)
    if frame is None:
        return result
    programs = list(
        FundingProgram.objects.select_related("funder", "created_by")
        .filter(pk__in=frame["program_id"].unique().to_list())
        .order_by("pk")
    )
    available = dict(
        LedgerAccount.objects.filter(program__in=programs, kind=AccountKind.AVAILABLE).values_list(
            "program_id", "balance"
        )
    )
    asked = pending_cost([p.pk for p in programs])
    automatic, waiting = [], []
    for program in programs:
        group = frame.filter(pl.col("program_id") == program.pk)
        renewable = candidates_module.renewable_workers(
            program, group["worker_id"].to_list(), start=following
        )
        group = group.filter(pl.col("worker_id").is_in(sorted(renewable)))
        prices = {
            s: candidates_module.sector_cost(program, s, start_month=following).total
            for s in group["sector"].unique().to_list()
        }
        group = group.with_columns(
            pl.col("sector").replace_strict(prices, return_dtype=pl.Int64).alias("cost")
        )
        group = group.sort(["weight", "worker_id"], descending=[True, False])
        left = available.get(program.pk, 0) - asked.get(program.pk, 0)
        keep = group.filter(pl.col("cost").cum_sum() <= left)
        if keep.is_empty():
            continue
        standing = program.renewal_limit is not None and int(keep["cost"].sum()) <= program.renewal_limit
        (automatic if standing else waiting).append((program, keep))
    if automatic:
        plan = _renewal_plan(automatic, following=following, status=PlanStatus.APPROVED, actor=actor)
        changes.inserted(PLAN_LINE_ROWS, where=PLAN_LINES_WHERE, params=[plan.pk])
        plan_commit(plan, actor=actor, changes=changes)
        # Enrolled workers keep their KPJ. What they are paid through moves when the renewal's invoice is
        # paid (services.cover), not now: a renewal planned is not yet a month protected.
        invoices_create(plan, month=following)
        result.update(renewed=plan.funded, cost=plan.cost, plans=[plan.pk])
    for program, keep in waiting:
        plan = _renewal_plan([(program, keep)], following=following, status=PlanStatus.PENDING, actor=actor)
        changes.inserted(PLAN_LINE_ROWS, where=PLAN_LINES_WHERE, params=[plan.pk])
        limit = (
            ""
            if program.renewal_limit is None
            else f", di atas batas persetujuan tetap {rupiah(program.renewal_limit)}"
        )
        approval_submit(
            kind=ApprovalKind.ALLOCATION_PLAN,
            subject_id=plan.pk,
            title=f"Perpanjangan {program.name} mulai {following:%m/%Y}: {plan.funded} pekerja, "
            f"{rupiah(plan.cost)}{limit}",
            # The cycle proposes on behalf of whoever made the program (or the person running it).
            submitted_by=actor or program.created_by,
            region_code=plan.region_code,
            payload={
                "funded": plan.funded,
                "cost": plan.cost,
                "per_program": plan.summary["per_program"],
                "funders": plan_funders([program]),
                "renewal": True,
            },
            system=actor is None,
        )
        result["waiting"] += plan.funded
        result["waiting_cost"] += plan.cost
        result["waiting_plans"].append(plan.pk)
    return result


def _recognise(month: dt.date, actor) -> int:
    """Move money from paid to covered for the funded months up to `month`, as far as it has been paid:
    the covered account is min(cost of funded months so far, paid + covered)."""
    due = dict(
        FundedMonth.objects.filter(month__lte=month)
        .values("program_id")
        .annotate(total=Sum("cost"))
        .values_list("program_id", "total")
    )
    if not due:
        return 0
    accounts = ledger.accounts_locked(sorted(due))
    funders = dict(FundingProgram.objects.filter(pk__in=due).values_list("pk", "funder_id"))
    moved = 0
    for program_id in sorted(due):
        paid = accounts[(program_id, AccountKind.PAID)]
        covered = accounts[(program_id, AccountKind.COVERED)]
        target = min(int(due[program_id]), paid.balance + covered.balance)
        delta = target - covered.balance
        if delta > 0:
            ledger.post(
                kind=TransactionKind.RECOGNISE,
                funder_id=funders[program_id],
                reference=f"recognise:{month:%Y-%m}:program:{program_id}",
                memo=f"Bulan terlindungi s.d. {month:%Y-%m}",
                month=month,
                actor=actor,
                entries=[(paid, -delta), (covered, delta)],
            )
            moved += delta
    return moved


def about_to_lapse_count(month: dt.date) -> int:
    """Members one unpaid month away from nonaktif after this month's cycle."""
    threshold_months = [add_months(month, -2)]
    return Membership.objects.filter(paid_through__in=threshold_months).count()


def cycle_run(*, month: dt.date, actor=None, refresh: bool = True) -> tuple[CycleRun, bool]:
    """Run the cycle for `month` once. Returns (run, created); a repeat returns the first run."""
    month = month.replace(day=1)
    existing = CycleRun.objects.filter(month=month).first()
    if existing is not None:
        if FOLLOW_UPS_DONE not in existing.summary:
            # Its transaction committed but its process stopped before the work that follows the commit
            # (killed, the machine went down): that work is done now, so the month is not left without its
            # refresh, reminders and notices. Each step is idempotent.
            _follow_up(existing, month=month, refresh=refresh)
        return existing, False
    try:
        with transaction.atomic():
            run = CycleRun.objects.create(month=month, summary={}, created_by=actor)
            # Every ledger account the cycle may post to, locked once, in primary-key order, before any
            # other write: renewals and recognition later re-read these rows under the lock they hold.
            ledger.accounts_locked(_programs_touched(month))
            changes = RowChangeSet()
            renewals = _renew(month, actor, changes)
            marked = _mark_statuses(month, changes)
            recognised = _recognise(month, actor)
            summary = {
                "month": f"{month:%Y-%m}",
                "renewed": renewals["renewed"],
                "renewal_cost": renewals["cost"],
                "renewal_plans": renewals["plans"],
                "renewals_waiting": renewals["waiting"],
                "renewals_waiting_cost": renewals["waiting_cost"],
                "renewals_waiting_plans": renewals["waiting_plans"],
                "marked": marked,
                "due": Membership.objects.filter(paid_through=add_months(month, -1)).count(),
                "about_to_lapse": about_to_lapse_count(month),
                "recognised": recognised,
            }
            run.summary = summary
            run.save(update_fields=["summary"])
            event = audit_record(
                action=AuditAction.UPDATE,
                actor=actor,
                obj=run,
                region_code="36",
                metadata={"event": "cycle_run", **summary},
            )
            changes.write(event)
            fault_point("cycle.before_commit")
    except IntegrityError:
        # Another process ran the same month at the same moment; its run is the one that counts.
        return CycleRun.objects.get(month=month), False
    fault_point("cycle.after_commit")
    _follow_up(run, month=month, refresh=refresh)
    return run, True


# The summary's key written last, by the work that follows the cycle's commit: its absence means that work
# has not finished.
FOLLOW_UPS_DONE = "funder_notices"


def _follow_up(run: CycleRun, *, month: dt.date, refresh: bool) -> None:
    """What follows the cycle's commit, each step in its own transaction and idempotent (run again by the
    next `cycle_run` of the month if the process stops in between)."""
    if refresh:
        # After the commit: the refresh reads the whole registry and must not hold the ledger locks.
        coverage_refresh(month=month)
    # After the commit too: reminders read the statuses just written and queue set-based, idempotently.
    run.summary["reminders"] = reminders_queue(month=month)
    run.summary[FOLLOW_UPS_DONE] = funder_notices_queue(
        month=month, plan_ids=run.summary["renewals_waiting_plans"], waiting=True
    ) + funder_notices_queue(month=month, plan_ids=run.summary["renewal_plans"], waiting=False)
    run.save(update_fields=["summary"])


def _programs_touched(month: dt.date) -> list[int]:
    """Programs whose accounts this month's cycle may post to: those with funded months up to the month
    (recognition) and up to the month that ends a cover (renewals), in one list."""
    return sorted(
        FundedMonth.objects.filter(month__lte=month).values_list("program_id", flat=True).distinct()
    )
