"""Company matching: a CSR program adds cover for another vulnerable worker near the sponsored one, in
proportion to what the sponsor paid, within its caps, dates and budget, through the same ledger."""

from __future__ import annotations

import copy
import datetime as dt

from django.db.models import F, Sum
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.formatting import month_long
from cakupan.funding import candidates as candidates_module
from cakupan.funding import costs, ledger, priority
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    FundedMonth,
    FundingProgram,
    PlanLine,
    ProgramStatus,
    TransactionKind,
)
from cakupan.funding.rowaudit import FUNDED_MONTH_ROWS, PLAN_LINE_ROWS
from cakupan.regions.models import Region
from cakupan.sponsors.models import MatchGrant, MatchingRule
from cakupan.sponsors.services import common


def rules_for(*, sponsor, day: dt.date) -> list[MatchingRule]:
    """The rules that match this sponsor today, locked (in primary-key order)."""
    email = (sponsor.email or "").lower()
    rules = (
        MatchingRule.objects.select_for_update(of=("self",))
        .select_related("program__funder")
        .filter(active=True, starts_on__lte=day, ends_on__gte=day, program__status=ProgramStatus.ACTIVE)
        .order_by("pk")
    )
    return [
        rule for rule in rules if not rule.email_domain or email.endswith("@" + rule.email_domain.lower())
    ]


def _area_near(worker, program: FundingProgram) -> list[str]:
    """The sponsored worker's kecamatan when the company program covers it, otherwise its own areas."""
    kecamatan = Region.objects.filter(pk=worker.desa_id).values_list("parent_id", flat=True).first() or ""
    areas = list(program.areas) or [program.funder.area_id]
    if kecamatan and any(kecamatan == a or kecamatan.startswith(a + ".") for a in areas):
        return [kecamatan]
    return areas


def _candidate(program: FundingProgram, *, areas: list[str], start: dt.date, months: int, plan):
    import numpy as np

    transient = copy.copy(program)
    # Never months a member has paid herself: only workers without cover now.
    transient.uncovered_only = True
    transient.areas = areas
    transient.start_month = start
    transient.months = months
    sponsored, params = common.not_sponsored_sql()
    # A plan holds one line per worker: nobody it already holds (a match of an earlier month).
    in_plan = (
        f"NOT EXISTS (SELECT 1 FROM {PlanLine._meta.db_table} pl "
        "WHERE pl.plan_id = %s AND pl.worker_id = w.id)"
    )
    table = candidates_module.program_candidates(
        transient, also=(f"{sponsored} AND {in_plan}", [*params, plan.pk])
    )
    if table.is_empty():
        return None
    weights = priority.weights(
        deciles=table.get_column("decile").to_numpy(),
        sectors=table.get_column("sector").to_numpy(),
        renewal=table.get_column("renewal").to_numpy(),
    )
    best = int(np.argmax(weights))
    return (
        int(table.get_column("worker_id")[best]),
        str(table.get_column("desa_id")[best]),
        str(table.get_column("sector")[best]),
    )


def match_apply(
    *,
    order,
    sponsorship,
    plan,
    rules: list[MatchingRule],
    accounts: dict,
    month: dt.date,
    changes: RowChangeSet,
) -> None:
    """Each rule's match of this order: months for one more worker, as many of the order's months as the
    match money buys. Nothing when a cap, the dates or the budget leave too little for one month. The
    line and months written join `changes` (the order's booking event); each grant is audited too."""
    sponsor_id = sponsorship.sponsor_id
    for rule in rules:
        program = rule.program
        used = MatchGrant.objects.filter(rule=rule, sponsor_id=sponsor_id).aggregate(total=Sum("amount"))[
            "total"
        ]
        room = min(
            order.contribution * rule.ratio_pct // 100,
            rule.cap_per_sponsor - int(used or 0),
            rule.cap_total - rule.matched_total,
            accounts[(program.pk, AccountKind.AVAILABLE)].balance,
        )
        if room <= 0:
            continue
        chosen = _candidate(
            program,
            areas=_area_near(sponsorship.worker, program),
            start=month,
            months=order.months,
            plan=plan,
        )
        if chosen is None:
            continue
        worker_id, desa_id, sector = chosen
        months, cost = 0, None
        # The rules price 1, 3, 6 or 12 months paid at once.
        for months_try in (m for m in (12, 6, 3, 1) if m <= order.months):
            priced = costs.package_cost(
                income_level=program.income_level,
                programs=program.package,
                start_month=month,
                months=months_try,
                funding=program.funder.funding_source,
                sector=sector,
            )
            if priced.total <= room:
                months, cost = months_try, priced
                break
        if cost is None:
            continue
        line = PlanLine.objects.create(
            plan=plan,
            program=program,
            worker_id=worker_id,
            desa_id=desa_id,
            first_month=month,
            months=months,
            cost=cost.total,
            weight=0,
        )
        FundedMonth.objects.bulk_create(
            FundedMonth(worker_id=worker_id, month=day, program=program, line=line, cost=amount)
            for day, amount in cost.per_month
        )
        plan.programs.add(program)
        ledger.post(
            kind=TransactionKind.COMMIT,
            funder_id=program.funder_id,
            reference=f"sertakan:{order.order_id}:match:{rule.pk}",
            memo=f"Dana pendamping {rule.title} untuk SERTAKAN {order.order_id}: {months} bulan dari "
            f"{month_long(month)}",
            month=month,
            actor=None,
            entries=[
                (accounts[(program.pk, AccountKind.AVAILABLE)], -cost.total),
                (accounts[(program.pk, AccountKind.COMMITTED)], cost.total),
            ],
        )
        changes.inserted(PLAN_LINE_ROWS, where="t.id = %s", params=[line.pk])
        changes.inserted(FUNDED_MONTH_ROWS, where="t.line_id = %s", params=[line.pk])
        AllocationPlan.objects.filter(pk=plan.pk).update(funded=F("funded") + 1, cost=F("cost") + cost.total)
        grant = MatchGrant.objects.create(
            rule=rule, order=order, sponsor_id=sponsor_id, amount=cost.total, months=months
        )
        before = rule.matched_total
        rule.matched_total += cost.total
        rule.save(update_fields=["matched_total"])
        audit_record(
            action=AuditAction.CREATE,
            actor=None,
            obj=grant,
            region_code=desa_id,
            changes={"amount": [None, cost.total], "months": [None, months]},
            metadata={
                "rule": rule.pk,
                "order": order.order_id,
                "worker": worker_id,
                "line": line.pk,
                "matched_total": [before, rule.matched_total],
            },
        )
        order.matched_amount += cost.total
        order.matched_months += months


def today() -> dt.date:
    return timezone.localtime(common.now()).date()
