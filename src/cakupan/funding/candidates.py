"""Who a program could fund: one set-based SQL query per program over the registry, then the price per
distinct sector from the rules engine. No per-row ORM: this runs over the whole province."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import connection

from cakupan.funding import costs
from cakupan.funding.models import (
    AllocationPlan,
    FundedMonth,
    FundingProgram,
    MustahikVerification,
    PlanLine,
    PlanStatus,
)
from cakupan.registry import bulk
from cakupan.registry.models import Membership, Worker

if TYPE_CHECKING:
    import polars as pl

__all__ = ["CANDIDATE_SCHEMA", "add_months", "program_candidates", "years_before"]

# Polars reads int as Int64, str as String and bool as Boolean: the schema needs no Polars import here, and
# this module (its month arithmetic) is loaded at start-up by services that never build a frame.
CANDIDATE_SCHEMA = {
    "worker_id": int,
    "desa_id": str,
    "sector": str,
    "decile": int,
    "renewal": bool,
    "cost": int,
}


def add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _area_sql(codes: list[str]) -> tuple[str, list]:
    parts, params = [], []
    for code in codes:
        parts.append("w.desa_id = %s OR w.desa_id LIKE %s")
        params.extend([code, f"{code}.%"])
    return "(" + " OR ".join(parts) + ")", params


def rules_sql(program: FundingProgram, *, start: dt.date) -> tuple[str, list]:
    """WHERE clauses (over registry_worker AS w) for who the program may fund at all, for a cover that
    starts in `start`: sector, employment, area (own village for Dana Desa), deciles, age, mustahik."""
    clauses = ["w.sector <> 'formal'"]
    params: list = []
    if program.informal_only:
        clauses.append("w.employment = 'informal'")
    areas = list(program.areas) or [program.funder.area_id]
    if program.own_village_only:
        areas = [program.funder.area_id]
    sql, area_params = _area_sql(areas)
    clauses.append(sql)
    params.extend(area_params)
    if program.sectors:
        clauses.append(f"w.sector IN ({', '.join(['%s'] * len(program.sectors))})")
        params.extend(program.sectors)
    if program.decile_min is not None:
        clauses.append("w.decile >= %s")
        params.append(program.decile_min)
    if program.decile_max is not None:
        clauses.append("w.decile <= %s")
        params.append(program.decile_max)
    # Age on the first day of cover.
    if program.age_min is not None:
        clauses.append("w.birth_date <= %s")
        params.append(years_before(start, program.age_min))
    if program.age_max is not None:
        clauses.append("w.birth_date > %s")
        params.append(years_before(start, program.age_max + 1))
    if program.mustahik_only:
        verified = (
            f"EXISTS (SELECT 1 FROM {MustahikVerification._meta.db_table} v WHERE v.worker_id = w.id "
            "AND v.funder_id = %s AND v.revoked_at IS NULL)"
        )
        if program.mustahik_decile_max is not None:
            clauses.append(f"(w.decile <= %s OR {verified})")
            params.extend([program.mustahik_decile_max, program.funder_id])
        else:
            clauses.append(verified)
            params.append(program.funder_id)
    return " AND ".join(clauses), params


def _unfunded_sql(start: dt.date, end: dt.date) -> tuple[str, list]:
    # A worker-month is funded at most once: skip anyone funded in any month of this cover.
    return (
        f"NOT EXISTS (SELECT 1 FROM {FundedMonth._meta.db_table} f WHERE f.worker_id = w.id "
        "AND f.month >= %s AND f.month <= %s)",
        [start, end],
    )


def renewable_workers(program: FundingProgram, worker_ids: list[int], *, start: dt.date) -> set[int]:
    """Of the workers whose cover by `program` ends, those it may still fund from `start`: a renewal
    re-checks the rules (a worker who moved away from the Dana Desa village, or whose mustahik status was
    revoked, is not renewed) and skips anyone already funded in the renewal's months."""
    if not worker_ids:
        return set()
    import polars as pl

    rules, params = rules_sql(program, start=start)
    unfunded, unfunded_params = _unfunded_sql(start, add_months(start, program.months - 1))
    # The ids joined from a staged table: a renewal of a whole province is hundreds of thousands.
    stage = bulk.stage_frame(
        name="renewable",
        frame=pl.DataFrame({"id": worker_ids}, schema={"id": pl.Int64}),
        columns={"id": "BIGINT"},
    )
    eligible = bulk.query_frame(
        f"SELECT w.id FROM {stage} s JOIN {Worker._meta.db_table} w ON w.id = s.id "
        f"WHERE {rules} AND {unfunded}",
        [*params, *unfunded_params],
        {"id": pl.Int64},
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {stage}")
    return set(eligible["id"].to_list())


def eligibility_sql(program: FundingProgram) -> tuple[str, list]:
    """WHERE clauses (over registry_worker AS w) for the program's eligibility and 'not funded already'."""
    start = program.start_month
    end = add_months(start, program.months - 1)
    sql, params = rules_sql(program, start=start)
    clauses = [sql]
    if program.uncovered_only:
        # Not covered in the first month of the program's cover (lapsing members are candidates).
        clauses.append(
            f"NOT EXISTS (SELECT 1 FROM {Membership._meta.db_table} m WHERE m.worker_id = w.id "
            "AND m.paid_through >= %s)"
        )
        params.append(start)
    # Not funded in any month of this cover, nor waiting in a plan not yet decided.
    unfunded, unfunded_params = _unfunded_sql(start, end)
    clauses.append(unfunded)
    params.extend(unfunded_params)
    clauses.append(
        f"NOT EXISTS (SELECT 1 FROM {PlanLine._meta.db_table} l JOIN {AllocationPlan._meta.db_table} p "
        "ON p.id = l.plan_id WHERE l.worker_id = w.id AND p.status = %s)"
    )
    params.append(PlanStatus.PENDING)
    return " AND ".join(clauses), params


def program_candidates(program: FundingProgram, *, also: tuple[str, list] | None = None) -> pl.DataFrame:
    """Eligible, unfunded workers of a program with their price: worker_id, desa_id, sector, decile
    (0 = unknown), renewal (funded by any program in the month before the start), cost (whole rupiah).
    `also` is one more condition over registry_worker AS w with its parameters (a caller's own exclusions,
    kept in the query rather than loaded as a list)."""
    import numpy as np
    import polars as pl

    where, params = eligibility_sql(program)
    if also is not None:
        where, params = f"{where} AND {also[0]}", [*params, *also[1]]
    previous = add_months(program.start_month, -1)
    sql = f"""
        SELECT w.id, w.desa_id, w.sector, COALESCE(w.decile, 0),
               CASE WHEN EXISTS (SELECT 1 FROM {FundedMonth._meta.db_table} r
                                 WHERE r.worker_id = w.id AND r.month = %s) THEN 1 ELSE 0 END
        FROM {Worker._meta.db_table} w
        WHERE {where}
        ORDER BY w.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [previous, *params])
        rows = cursor.fetchall()
    if not rows:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    ids, desa, sectors, deciles, renewal = zip(*rows, strict=True)
    frame = pl.DataFrame(
        {
            "worker_id": np.asarray(ids, dtype=np.int64),
            "desa_id": list(desa),
            "sector": list(sectors),
            "decile": np.asarray(deciles, dtype=np.int64),
            "renewal": np.asarray(renewal, dtype=bool),
        }
    )
    prices = {
        sector: sector_cost(program, sector).total for sector in frame.get_column("sector").unique().to_list()
    }
    return frame.with_columns(
        pl.col("sector").replace_strict(prices, return_dtype=pl.Int64).alias("cost")
    ).select(list(CANDIDATE_SCHEMA))


def sector_cost(
    program: FundingProgram, sector: str, *, start_month: dt.date | None = None
) -> costs.PackageCost:
    return costs.package_cost(
        income_level=program.income_level,
        programs=program.package,
        start_month=start_month or program.start_month,
        months=program.months,
        funding=program.funder.funding_source,
        sector=sector,
    )
