"""Reads for the funder pages, the coordinator's overview and the API. Personal identifiers are masked
unless the user's role works with them (core.masking)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.core.errors import DomainError
from cakupan.core.masking import mask_kpj, mask_nik
from cakupan.core.scoping import area_filter
from cakupan.coverage.models import CoverageFact
from cakupan.funding import costs
from cakupan.funding.candidates import add_months
from cakupan.funding.models import (
    AccountKind,
    FundedMonth,
    Funder,
    FunderOfficer,
    FundingProgram,
    Invoice,
    LedgerAccount,
    Payment,
    PlanLine,
)
from cakupan.regions.models import Region
from cakupan.registry.models import Membership, Worker

__all__ = [
    "BudgetState",
    "coverage_gained",
    "funder_overview",
    "funder_workers",
    "funders_for_user",
    "funders_side_by_side",
    "next_rupiah",
    "program_budget",
    "reconciliation",
    "renewals_due",
    "workers_about_to_lapse",
]

_OFFICER_ROLES = frozenset({"funder_officer", "sponsor"})


def _this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def funders_for_user(*, user):
    """Funders a user may see: a funder officer (or sponsor) only the funders they act for; other staff
    the funders whose area lies in theirs; superusers all."""
    if user is None or not user.is_authenticated:
        return Funder.objects.none()
    if user.is_superuser:
        return Funder.objects.all()
    if getattr(user, "role", "") in _OFFICER_ROLES:
        return Funder.objects.filter(pk__in=FunderOfficer.objects.filter(user=user).values("funder_id"))
    return Funder.objects.for_user(user)


@dataclass(frozen=True)
class BudgetState:
    budget: int
    available: int
    committed: int
    paid: int
    covered: int

    @property
    def used(self) -> int:
        return self.committed + self.paid + self.covered

    def as_dict(self) -> dict:
        return {**asdict(self), "used": self.used}


def _budget_states(program_ids) -> dict[int, BudgetState]:
    rows = defaultdict(dict)
    for program_id, kind, balance in LedgerAccount.objects.filter(program_id__in=program_ids).values_list(
        "program_id", "kind", "balance"
    ):
        rows[program_id][kind] = balance
    return {
        pid: BudgetState(
            budget=-kinds.get(AccountKind.SOURCE, 0),
            available=kinds.get(AccountKind.AVAILABLE, 0),
            committed=kinds.get(AccountKind.COMMITTED, 0),
            paid=kinds.get(AccountKind.PAID, 0),
            covered=kinds.get(AccountKind.COVERED, 0),
        )
        for pid, kinds in rows.items()
    }


def program_budget(*, program: FundingProgram) -> BudgetState:
    """Budget granted and where it is now: available, committed (approved, unpaid), paid, covered."""
    return _budget_states([program.pk])[program.pk]


def funder_overview(*, funder: Funder, month: dt.date | None = None) -> dict:
    """One funder's page: programs with budget committed/paid/left, workers funded, worker-months funded
    and covered so far, renewals due this month."""
    month = (month or _this_month()).replace(day=1)
    programs = list(FundingProgram.objects.filter(funder=funder).order_by("pk"))
    states = _budget_states([p.pk for p in programs])
    funded = {
        row["program_id"]: row
        for row in FundedMonth.objects.filter(program__funder=funder)
        .values("program_id")
        .annotate(
            workers=Count("worker_id", distinct=True),
            worker_months=Count("id"),
            months_to_date=Count("id", filter=Q(month__lte=month)),
            cost=Sum("cost"),
        )
    }
    rows = []
    for program in programs:
        stats = funded.get(program.pk, {})
        rows.append(
            {
                "program_id": program.pk,
                "name": program.name,
                "fiscal_year": program.fiscal_year,
                "start_month": f"{program.start_month:%Y-%m}",
                "months": program.months,
                "status": program.status,
                **states.get(program.pk, BudgetState(program.budget, 0, 0, 0, 0)).as_dict(),
                "workers": stats.get("workers", 0),
                "worker_months": stats.get("worker_months", 0),
                "months_to_date": stats.get("months_to_date", 0),
            }
        )
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("budget", "available", "committed", "paid", "covered", "used", "workers", "worker_months")
    }
    return {
        "funder": {"id": funder.pk, "name": funder.name, "kind": funder.kind, "area": funder.area_id},
        "month": f"{month:%Y-%m}",
        "programs": rows,
        "totals": totals,
        "renewals_due": _renewals(month, funder).count(),
    }


def _mask(user, nik: str) -> str:
    return nik if user is not None and authz.sees_identifiers(user) else mask_nik(nik)


def _mask_kpj(user, kpj: str) -> str:
    return kpj if user is not None and authz.sees_identifiers(user) else mask_kpj(kpj)


def check_recipients_visible(*, user, funder: Funder) -> None:
    """Whom a funder pays for (zakat recipients are mustahik: poverty and faith) is shown only to the
    funder's officers and to the coordinating and auditing staff of its area."""
    if not authz.can(user, authz.FUNDER_RECIPIENTS, funder):
        raise DomainError(
            "funder_recipients_not_allowed",
            "Daftar penerima dana ini hanya untuk petugas pemberi dana serta koordinator dan auditor "
            "wilayahnya.",
        )


def funder_workers(*, funder: Funder, user, limit: int = 500, offset: int = 0) -> list[dict]:
    """Whom the funder covers (masked NIK), one row per plan line still funded, newest first."""
    check_recipients_visible(user=user, funder=funder)
    lines = (
        PlanLine.objects.filter(
            program__funder=funder, released=False, plan__status__in=["approved", "batched"]
        )
        .order_by("-first_month", "worker_id")
        .annotate(paid_months=Count("funded_months", filter=Q(funded_months__paid=True)))
        .values(
            "paid_months",
            "worker_id",
            "worker__nik",
            "worker__name",
            "desa_id",
            "desa__name",
            "worker__sector",
            "worker__decile",
            "program_id",
            "program__name",
            "first_month",
            "months",
            "cost",
        )[offset : offset + limit]
    )
    memberships = dict(
        Membership.objects.filter(worker_id__in=[row["worker_id"] for row in lines]).values_list(
            "worker_id", "status"
        )
    )
    return [
        {
            "worker_id": row["worker_id"],
            "nik": _mask(user, row["worker__nik"]),
            "name": row["worker__name"],
            "desa": row["desa_id"],
            "desa_name": row["desa__name"],
            "sector": row["worker__sector"],
            "decile": row["worker__decile"],
            "program_id": row["program_id"],
            "program": row["program__name"],
            "first_month": f"{row['first_month']:%Y-%m}",
            "last_month": f"{add_months(row['first_month'], row['months'] - 1):%Y-%m}",
            "months": row["months"],
            # Months whose contribution has reached BPJS TK; the rest are funded, awaiting payment.
            "paid_months": row["paid_months"],
            "cost": row["cost"],
            "membership_status": memberships.get(row["worker_id"], ""),
        }
        for row in lines
    ]


def _renewals(month: dt.date, funder: Funder | None):
    last = FundedMonth.objects.values("worker_id").annotate(last=Max("month")).filter(last=month)
    rows = FundedMonth.objects.filter(month=month, worker_id__in=last.values("worker_id"))
    return rows.filter(program__funder=funder) if funder is not None else rows


def renewals_due(
    *, month: dt.date, funder: Funder | None = None, user=None, limit: int | None = None
) -> list[dict]:
    """Workers whose funded cover ends with `month` (the cycle renews them while budget remains)."""
    if funder is not None and user is not None:
        check_recipients_visible(user=user, funder=funder)
    month = month.replace(day=1)
    rows = _renewals(month, funder).order_by("worker_id")
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "worker_id": worker_id,
            "nik": _mask(user, nik),
            "name": name,
            "desa": desa,
            "program_id": program_id,
            "program": program,
            "renew": renew,
            "last_month": f"{month:%Y-%m}",
        }
        for worker_id, nik, name, desa, program_id, program, renew in rows.values_list(
            "worker_id",
            "worker__nik",
            "worker__name",
            "worker__desa_id",
            "program_id",
            "program__name",
            "program__renew",
        )
    ]


def coverage_gained(*, month: dt.date, funder: Funder | None = None, level: int = 5) -> list[dict]:
    """Workers whose `month` is paid by the funder (or by any funder), per region at `level` (code
    length: 5 kab/kota, 8 kecamatan, 13 desa)."""
    rows = FundedMonth.objects.filter(month=month.replace(day=1))
    if funder is not None:
        rows = rows.filter(program__funder=funder)
    counts: dict[str, int] = defaultdict(int)
    for desa, workers in (
        rows.values("worker__desa_id").annotate(n=Count("worker_id")).values_list("worker__desa_id", "n")
    ):
        counts[desa[:level]] += workers
    names = dict(Region.objects.filter(code__in=counts).values_list("code", "name"))
    return [{"region": code, "name": names.get(code, ""), "workers": counts[code]} for code in sorted(counts)]


def funders_side_by_side(*, user, month: dt.date | None = None) -> list[dict]:
    """The coordinator's view: every visible funder with its budget state and workers covered in `month`."""
    month = (month or _this_month()).replace(day=1)
    funders = list(funders_for_user(user=user).order_by("kind", "name"))
    programs = defaultdict(list)
    for pid, fid in FundingProgram.objects.filter(funder__in=funders).values_list("pk", "funder_id"):
        programs[fid].append(pid)
    states = _budget_states([pid for pids in programs.values() for pid in pids])
    covered = dict(
        FundedMonth.objects.filter(month=month, program__funder__in=funders)
        .values("program__funder_id")
        .annotate(n=Count("worker_id"))
        .values_list("program__funder_id", "n")
    )
    rows = []
    for funder in funders:
        parts = [states[pid] for pid in programs[funder.pk] if pid in states]
        rows.append(
            {
                "funder_id": funder.pk,
                "name": funder.name,
                "kind": funder.kind,
                "kind_label": funder.get_kind_display(),
                "area": funder.area_id,
                "programs": len(programs[funder.pk]),
                **{
                    k: sum(getattr(s, k) for s in parts)
                    for k in ("budget", "available", "committed", "paid", "covered")
                },
                "workers_covered": covered.get(funder.pk, 0),
            }
        )
    return rows


def _area_where(column: str) -> str:
    return f"({column} = %s OR {column} LIKE %s)"


def _uncovered_live(month: dt.date, area_code: str, level: int) -> list[tuple]:
    """Straight from the registry: informal workers neither paid nor funded for `month`."""
    sql = f"""
        SELECT SUBSTR(w.desa_id, 1, {int(level)}), COALESCE(w.decile, 0), w.sector, COUNT(*)
        FROM {Worker._meta.db_table} w
        WHERE w.sector <> 'formal' AND {_area_where("w.desa_id")}
          AND NOT EXISTS (SELECT 1 FROM {Membership._meta.db_table} m
                          WHERE m.worker_id = w.id AND m.paid_through >= %s)
          AND NOT EXISTS (SELECT 1 FROM {FundedMonth._meta.db_table} f
                          WHERE f.worker_id = w.id AND f.month = %s)
        GROUP BY 1, 2, 3
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [area_code, f"{area_code}.%", month, month])
        return cursor.fetchall()


def _uncovered_from_facts(month: dt.date, area_code: str, level: int) -> list[tuple] | None:
    """From the month's coverage facts (what dashboards read; no scan of the registry), minus the workers
    already funded for the month but not yet active (awaiting BPJS TK's acknowledgement). None when the
    month has no facts yet."""
    if not CoverageFact.objects.filter(month=month).exists():
        return None
    facts_sql = f"""
        SELECT SUBSTR(desa_id, 1, {int(level)}), decile, sector, SUM(workers)
        FROM {CoverageFact._meta.db_table}
        WHERE month = %s AND status <> 'aktif' AND sector <> 'formal' AND {_area_where("desa_id")}
        GROUP BY 1, 2, 3
    """
    funded_sql = f"""
        SELECT SUBSTR(w.desa_id, 1, {int(level)}), COALESCE(w.decile, 0), w.sector, COUNT(*)
        FROM {FundedMonth._meta.db_table} f JOIN {Worker._meta.db_table} w ON w.id = f.worker_id
        WHERE f.month = %s AND {_area_where("w.desa_id")}
          AND NOT EXISTS (SELECT 1 FROM {Membership._meta.db_table} m
                          WHERE m.worker_id = w.id AND m.paid_through >= %s)
        GROUP BY 1, 2, 3
    """
    with connection.cursor() as cursor:
        cursor.execute(facts_sql, [month, area_code, f"{area_code}.%"])
        counts = {(r, d, s): int(n) for r, d, s, n in cursor.fetchall()}
        cursor.execute(funded_sql, [month, area_code, f"{area_code}.%", month])
        for region, decile, sector, funded in cursor.fetchall():
            key = (region, decile, sector)
            counts[key] = counts.get(key, 0) - int(funded)
    return [(*key, n) for key, n in counts.items() if n > 0]


def next_rupiah(
    *, month: dt.date | None = None, area_code: str = "36", level: int = 5, months: int = 12
) -> list[dict]:
    """Where the next rupiah covers the most vulnerable: uncovered informal workers (not paid and not
    funded for `month`) per region and decile, with the cost of covering all of them for `months` months
    at the minimum package — at full price (APBD) and at the price other funders pay (PP 50/2025 discount
    where it applies). Lowest deciles first, then the most people. Reads the month's coverage facts when
    they exist (fast at province scale), else the registry."""
    month = (month or _this_month()).replace(day=1)
    groups = _uncovered_from_facts(month, area_code, level)
    if groups is None:
        groups = _uncovered_live(month, area_code, level)
    cells: dict[tuple[str, int], dict] = {}
    for region, decile, sector, workers in groups:
        full = costs.package_cost(
            income_level=1_000_000,
            programs=("jkk", "jkm"),
            start_month=month,
            months=months,
            funding="apbd",
            sector=sector,
        ).total
        discounted = costs.package_cost(
            income_level=1_000_000,
            programs=("jkk", "jkm"),
            start_month=month,
            months=months,
            funding="csr",
            sector=sector,
        ).total
        cell = cells.setdefault((region, decile), {"workers": 0, "cost_full": 0, "cost_discounted": 0})
        cell["workers"] += workers
        cell["cost_full"] += workers * full
        cell["cost_discounted"] += workers * discounted
    names = dict(Region.objects.filter(code__in={r for r, _ in cells}).values_list("code", "name"))
    rows = [
        {
            "region": region,
            "name": names.get(region, ""),
            "decile": decile,
            **cell,
            "per_worker_full": cell["cost_full"] // cell["workers"],
        }
        for (region, decile), cell in cells.items()
    ]
    # Unknown decile (0) goes last: without DTSEN data the need is unproven.
    rows.sort(key=lambda r: (r["decile"] == 0, r["decile"], -r["workers"], r["region"]))
    return rows


def reconciliation(*, funder: Funder | None = None, month: dt.date | None = None) -> list[dict]:
    """Per funder and invoice month: invoiced, paid, outstanding, payments, and the worker-months of that
    month the funder's programs pay for (count and contribution)."""
    invoices = Invoice.objects.all()
    if funder is not None:
        invoices = invoices.filter(funder=funder)
    if month is not None:
        invoices = invoices.filter(month=month.replace(day=1))
    totals = (
        invoices.values("funder_id", "funder__name", "month")
        .annotate(invoiced=Sum("amount"), paid=Sum("paid"))
        .order_by("funder_id", "month")
    )
    payments = {
        (funder_id, invoice_month): n
        for funder_id, invoice_month, n in Payment.objects.filter(invoice__in=invoices)
        .values("invoice__funder_id", "invoice__month")
        .annotate(n=Count("id"))
        .values_list("invoice__funder_id", "invoice__month", "n")
    }
    result = []
    for row in totals:
        covered = FundedMonth.objects.filter(
            program__funder_id=row["funder_id"], month=row["month"]
        ).aggregate(n=Count("id"), cost=Sum("cost"))
        result.append(
            {
                "funder_id": row["funder_id"],
                "funder": row["funder__name"],
                "month": f"{row['month']:%Y-%m}",
                "invoiced": int(row["invoiced"]),
                "paid": int(row["paid"]),
                "outstanding": int(row["invoiced"]) - int(row["paid"]),
                "payments": payments.get((row["funder_id"], row["month"]), 0),
                "covered_months": covered["n"],
                "covered_cost": int(covered["cost"] or 0),
            }
        )
    return result


def workers_about_to_lapse(
    *, month: dt.date, user=None, area_code: str | None = None, limit: int = 500
) -> list[dict]:
    """Members two months behind after `month`'s due date: one more unpaid month and they are nonaktif.
    For follow-up by field agents, funders and sponsors."""
    paid_through = add_months(month.replace(day=1), -2)
    rows = Membership.objects.filter(paid_through=paid_through).select_related("worker")
    if area_code:
        rows = rows.filter(area_filter("worker__desa_id", area_code))
    return [
        {
            "worker_id": m.worker_id,
            "nik": _mask(user, m.worker.nik),
            "name": m.worker.name,
            "desa": m.worker.desa_id,
            "kpj": _mask_kpj(user, m.kpj),
            "paid_through": f"{m.paid_through:%Y-%m}",
            "status": m.status,
            "lapses_after_month": f"{add_months(month.replace(day=1), 1):%Y-%m}",
        }
        for m in rows.order_by("worker__desa_id", "worker_id")[:limit]
    ]
