"""Writes of coverage aggregates. Set-based: one GROUP BY over the registry, rolled up in memory."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from cakupan.core.errors import DomainError
from cakupan.coverage.models import (
    Membership,
    MembershipSource,
    MembershipStatus,
    RegionCoverage,
    Segment,
)
from cakupan.registry.models import Worker

# A membership is nonaktif after this many consecutive unpaid months (docs/jamsostek-rules.md §2.4).
UNPAID_MONTHS_BEFORE_LAPSE = 3
COUNT_FIELDS = ("workers", "informal", "active", "active_bpu", "active_pu", "in_arrears", "lapsed")


def _add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def _desa_counts(month: dt.date) -> list[tuple]:
    """Per desa: workers, informal, active (by segment), in arrears, lapsed — as of `month`.

    A worker counts once: active if any membership has paid `month` (PU wins over BPU when both are),
    otherwise in arrears or lapsed by the latest paid month, otherwise not a member.
    """
    arrears_floor = _add_months(month, -(UNPAID_MONTHS_BEFORE_LAPSE - 1))
    sql = f"""
        WITH per_worker AS (
            SELECT worker_id,
                   MAX(CASE WHEN paid_through >= %s THEN (CASE WHEN segment = 'PU' THEN 2 ELSE 1 END)
                            ELSE 0 END) AS active_segment,
                   MAX(paid_through) AS last_paid
            FROM {Membership._meta.db_table}
            GROUP BY worker_id
        )
        SELECT w.desa_id,
               COUNT(*),
               SUM(CASE WHEN w.employment = 'informal' THEN 1 ELSE 0 END),
               SUM(CASE WHEN pw.active_segment = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN pw.active_segment = 2 THEN 1 ELSE 0 END),
               SUM(CASE WHEN pw.active_segment = 0 AND pw.last_paid >= %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN pw.active_segment = 0 AND pw.last_paid < %s THEN 1 ELSE 0 END)
        FROM {Worker._meta.db_table} w
        LEFT JOIN per_worker pw ON pw.worker_id = w.id
        GROUP BY w.desa_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [month, arrears_floor, arrears_floor])
        return cursor.fetchall()


def coverage_refresh(*, month: dt.date | None = None) -> int:
    """Rebuild every region's coverage for `month` (default: this month); returns the rows written."""
    month = (month or timezone.localdate()).replace(day=1)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_FIELDS, 0))
    for desa_code, workers, informal, active_bpu, active_pu, in_arrears, lapsed in _desa_counts(month):
        parts = desa_code.split(".")
        # Roll the desa up to its kecamatan, kab/kota and province: every level adds up exactly.
        for depth in range(1, len(parts) + 1):
            row = totals[".".join(parts[:depth])]
            row["workers"] += workers
            row["informal"] += informal or 0
            row["active_bpu"] += active_bpu or 0
            row["active_pu"] += active_pu or 0
            row["active"] += (active_bpu or 0) + (active_pu or 0)
            row["in_arrears"] += in_arrears or 0
            row["lapsed"] += lapsed or 0
    now = timezone.now()
    rows = [
        RegionCoverage(month=month, region_id=code, refreshed_at=now, **counts)
        for code, counts in totals.items()
    ]
    with transaction.atomic():
        RegionCoverage.objects.filter(month=month).delete()
        RegionCoverage.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


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
