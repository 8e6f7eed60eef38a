"""Writes of coverage aggregates, set-based: facts from one GROUP BY over the registry, then per-region
roll-ups level by level. Dashboards read only these tables."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import connection, transaction
from django.utils import timezone

from cakupan.core.errors import DomainError
from cakupan.coverage.models import (
    CoverageFact,
    Membership,
    MembershipSource,
    MembershipStatus,
    RegionBreakdown,
    RegionCoverage,
    Segment,
)
from cakupan.registry.models import Worker

# A membership is nonaktif after this many consecutive unpaid months (docs/jamsostek-rules.md §2.4).
UNPAID_MONTHS_BEFORE_LAPSE = 3


def _add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


# Region code lengths from desa up: desa 13, kecamatan 8, kab/kota 5, province 2.
LEVEL_LENGTHS = (13, 8, 5, 2)
DIMENSIONS = ("sector", "sex", "age_band", "decile", "segment")


def _age_band_sql(month: dt.date) -> tuple[str, list]:
    """A portable CASE over birth dates: the band boundaries are dates computed here, not SQL date maths."""
    bounds = [(25, "15-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64")]
    cases, params = [], []
    for years, label in bounds:
        # Younger than `years` on the first of the month ⇔ born after this date.
        try:
            cutoff = month.replace(year=month.year - years)
        except ValueError:  # 29 February
            cutoff = month.replace(year=month.year - years, day=28)
        cases.append(f"WHEN w.birth_date > %s THEN '{label}'")
        params.append(cutoff)
    return f"CASE {' '.join(cases)} ELSE '65+' END", params


def _build_facts(month: dt.date, desa_codes: list[str] | None) -> None:
    """Replace the month's fact rows (of some desa, or all) with a GROUP BY over the registry."""
    facts = CoverageFact._meta.db_table
    arrears_floor = _add_months(month, -(UNPAID_MONTHS_BEFORE_LAPSE - 1))
    age_sql, age_params = _age_band_sql(month)
    where, where_params = "", []
    delete = CoverageFact.objects.filter(month=month)
    if desa_codes is not None:
        placeholders = ", ".join(["%s"] * len(desa_codes))
        where, where_params = f"WHERE w.desa_id IN ({placeholders})", list(desa_codes)
        delete = delete.filter(desa_id__in=desa_codes)
    delete._raw_delete(delete.db)
    # A worker counts once: active if any membership has paid the month (PU wins over BPU), otherwise in
    # arrears or lapsed by the latest paid month, otherwise never registered.
    sql = f"""
        INSERT INTO {facts} (month, desa_id, sector, sex, age_band, decile, segment, status, workers)
        SELECT %s, w.desa_id, w.sector, w.sex, {age_sql}, COALESCE(w.decile, 0),
               CASE WHEN pw.worker_id IS NULL THEN ''
                    WHEN pw.active_segment = 2 OR (pw.active_segment = 0 AND pw.any_segment = 2) THEN 'PU'
                    ELSE 'BPU' END,
               CASE WHEN pw.worker_id IS NULL THEN 'none'
                    WHEN pw.active_segment > 0 THEN 'aktif'
                    WHEN pw.last_paid >= %s THEN 'menunggak'
                    ELSE 'nonaktif' END,
               COUNT(*)
        FROM {Worker._meta.db_table} w
        LEFT JOIN (
            SELECT worker_id,
                   MAX(CASE WHEN paid_through >= %s THEN (CASE WHEN segment = 'PU' THEN 2 ELSE 1 END)
                            ELSE 0 END) AS active_segment,
                   MAX(CASE WHEN segment = 'PU' THEN 2 ELSE 1 END) AS any_segment,
                   MAX(paid_through) AS last_paid
            FROM {Membership._meta.db_table}
            GROUP BY worker_id
        ) pw ON pw.worker_id = w.id
        {where}
        GROUP BY 2, 3, 4, 5, 6, 7, 8
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [month, *age_params, arrears_floor, month, *where_params])


def _region_filter(column: str, codes: list[str] | None) -> tuple[str, list]:
    if codes is None:
        return "", []
    return f"AND {column} IN ({', '.join(['%s'] * len(codes))})", list(codes)


def _build_rollups(month: dt.date, desa_codes: list[str] | None) -> None:
    """Per-region totals and breakdowns: desa from the facts, each level above from the one below."""
    coverage, breakdown = RegionCoverage._meta.db_table, RegionBreakdown._meta.db_table
    facts = CoverageFact._meta.db_table
    affected = None if desa_codes is None else _with_ancestors(desa_codes)
    for model in (RegionCoverage, RegionBreakdown):
        stale = model.objects.filter(month=month)
        if affected is not None:
            stale = stale.filter(region_id__in=affected)
        stale._raw_delete(stale.db)
    now = timezone.now()
    desa_filter, desa_params = _region_filter("desa_id", desa_codes)
    statements = [
        (
            f"""INSERT INTO {coverage} (month, region_id, workers, informal, active, active_bpu, active_pu,
                    in_arrears, lapsed, refreshed_at)
                SELECT month, desa_id, SUM(workers),
                       SUM(CASE WHEN sector <> 'formal' THEN workers ELSE 0 END),
                       SUM(CASE WHEN status = 'aktif' THEN workers ELSE 0 END),
                       SUM(CASE WHEN status = 'aktif' AND segment = 'BPU' THEN workers ELSE 0 END),
                       SUM(CASE WHEN status = 'aktif' AND segment = 'PU' THEN workers ELSE 0 END),
                       SUM(CASE WHEN status = 'menunggak' THEN workers ELSE 0 END),
                       SUM(CASE WHEN status = 'nonaktif' THEN workers ELSE 0 END), %s
                FROM {facts} WHERE month = %s {desa_filter} GROUP BY month, desa_id""",
            [now, month, *desa_params],
        )
    ]
    for dimension in DIMENSIONS:
        value = "CAST(decile AS VARCHAR(14))" if dimension == "decile" else dimension
        statements.append(
            (
                f"""INSERT INTO {breakdown} (month, region_id, dimension, value, workers, active)
                    SELECT month, desa_id, '{dimension}', {value}, SUM(workers),
                           SUM(CASE WHEN status = 'aktif' THEN workers ELSE 0 END)
                    FROM {facts} WHERE month = %s {desa_filter} GROUP BY month, desa_id, {value}""",
                [month, *desa_params],
            )
        )
    for child, parent in itertools.pairwise(LEVEL_LENGTHS):
        parents = None if affected is None else sorted(code for code in affected if len(code) == parent)
        parent_filter, parent_params = _region_filter(f"SUBSTR(region_id, 1, {parent})", parents)
        statements.append(
            (
                f"""INSERT INTO {coverage} (month, region_id, workers, informal, active, active_bpu,
                        active_pu, in_arrears, lapsed, refreshed_at)
                    SELECT month, SUBSTR(region_id, 1, {parent}), SUM(workers), SUM(informal), SUM(active),
                           SUM(active_bpu), SUM(active_pu), SUM(in_arrears), SUM(lapsed), %s
                    FROM {coverage} WHERE month = %s AND LENGTH(region_id) = {child} {parent_filter}
                    GROUP BY month, SUBSTR(region_id, 1, {parent})""",
                [now, month, *parent_params],
            )
        )
        statements.append(
            (
                f"""INSERT INTO {breakdown} (month, region_id, dimension, value, workers, active)
                    SELECT month, SUBSTR(region_id, 1, {parent}), dimension, value,
                           SUM(workers), SUM(active)
                    FROM {breakdown} WHERE month = %s AND LENGTH(region_id) = {child} {parent_filter}
                    GROUP BY month, SUBSTR(region_id, 1, {parent}), dimension, value""",
                [month, *parent_params],
            )
        )
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def _with_ancestors(desa_codes: list[str]) -> list[str]:
    codes = set()
    for code in desa_codes:
        parts = code.split(".")
        codes.update(".".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return sorted(codes)


def coverage_refresh(*, month: dt.date | None = None, desa_codes: list[str] | None = None) -> int:
    """Rebuild the month's facts and roll-ups (default: this month) from the registry; returns the number
    of per-region rows of the month. With `desa_codes`, only those desa and their ancestors are rebuilt
    (the incremental refresh after an import or a payment batch)."""
    month = (month or timezone.localdate()).replace(day=1)
    if desa_codes is not None:
        desa_codes = sorted(set(desa_codes))
        if not desa_codes:
            return RegionCoverage.objects.filter(month=month).count()
    with transaction.atomic():
        _build_facts(month, desa_codes)
        _build_rollups(month, desa_codes)
    return RegionCoverage.objects.filter(month=month).count()


def membership_record(
    *,
    worker: Worker,
    kpj: str,
    segment: str,
    paid_through: dt.date,
    jht: bool = False,
    status: str = MembershipStatus.AKTIF,
    source: str = MembershipSource.ENROLMENT,
) -> Membership:
    """Record a worker's BPJS TK membership under a KPJ number; raises DomainError on bad input."""
    if not (kpj.isdigit() and len(kpj) == 11):
        raise DomainError("kpj_invalid", f"Nomor KPJ '{kpj}' tidak sah: harus 11 digit angka.", field="kpj")
    if segment not in Segment.values:
        raise DomainError("segment_invalid", "Segmen harus PU atau BPU.", field="segment")
    if Membership.objects.filter(kpj=kpj).exists():
        raise DomainError("kpj_duplicate", f"Nomor KPJ {kpj} sudah terdaftar.", field="kpj")
    membership = Membership(
        worker=worker,
        kpj=kpj,
        segment=segment,
        jht=jht,
        status=status,
        paid_through=paid_through.replace(day=1),
        source=source,
    )
    membership.full_clean()
    with transaction.atomic():
        membership.save()
    return membership
