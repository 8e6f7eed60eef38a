"""Writes of coverage aggregates, set-based: facts from one GROUP BY over the registry, then per-region
roll-ups level by level. Dashboards read only these tables."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import connection, transaction
from django.utils import timezone

from cakupan.core.ages import AGE_BANDS, OLDEST_BAND, years_before
from cakupan.core.errors import DomainError
from cakupan.core.faults import fault_point
from cakupan.coverage.models import CoverageFact, RegionBreakdown, RegionCoverage
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry.models import Membership, MembershipSource, MembershipStatus, Segment, Worker

# A membership is nonaktif after this many consecutive unpaid months (docs/jamsostek-rules.md §2.4).
UNPAID_MONTHS_BEFORE_LAPSE = 3


def _add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


# Region code lengths from desa up: desa 13, kecamatan 8, kab/kota 5, province 2.
LEVEL_LENGTHS = (13, 8, 5, 2)
DIMENSIONS = ("sector", "sex", "age_band", "decile", "segment")


# RegionCoverage's counts (workers, informal, active, active BPU/PU, in arrears, lapsed) summed over
# fact cells; the roll-ups and the delta refresh must count alike.
COVERAGE_SUMS = """SUM(workers),
    SUM(CASE WHEN sector <> 'formal' THEN workers ELSE 0 END),
    SUM(CASE WHEN status = 'aktif' THEN workers ELSE 0 END),
    SUM(CASE WHEN status = 'aktif' AND segment = 'BPU' THEN workers ELSE 0 END),
    SUM(CASE WHEN status = 'aktif' AND segment = 'PU' THEN workers ELSE 0 END),
    SUM(CASE WHEN status = 'menunggak' THEN workers ELSE 0 END),
    SUM(CASE WHEN status = 'nonaktif' THEN workers ELSE 0 END)"""


def _age_band_sql(month: dt.date) -> tuple[str, list]:
    """A portable CASE over birth dates: the band boundaries are dates computed here, not SQL date maths."""
    cases, params = [], []
    for years, label in AGE_BANDS:
        # Younger than `years` on the first of the month ⇔ born after this date.
        cases.append(f"WHEN w.birth_date > %s THEN '{label}'")
        params.append(years_before(month, years))
    return f"CASE {' '.join(cases)} ELSE '{OLDEST_BAND}' END", params


def _fact_cells_sql(month: dt.date, *, workers_where: str, memberships_where: str) -> str:
    """The fact cells of the workers that `workers_where` keeps, as a SELECT of (desa_id, sector, sex,
    age_band, decile, segment, status, workers); its parameters come from `_fact_cells_params`."""
    age_sql, _ = _age_band_sql(month)
    # A worker counts once: active if any membership has paid the month (PU wins over BPU), otherwise in
    # arrears or lapsed by the latest paid month, otherwise never registered.
    # Grouped in the order of the worker_desa_cell index (desa, sector, sex, decile, birth date), so that
    # SQLite can read the registry through it in order.
    return f"""
        SELECT w.desa_id, w.sector, w.sex, {age_sql} AS age_band, COALESCE(w.decile, 0) AS decile,
               CASE WHEN pw.worker_id IS NULL THEN ''
                    WHEN pw.active_segment = 2 OR (pw.active_segment = 0 AND pw.any_segment = 2) THEN 'PU'
                    ELSE 'BPU' END AS segment,
               CASE WHEN pw.worker_id IS NULL THEN 'none'
                    WHEN pw.active_segment > 0 THEN 'aktif'
                    WHEN pw.last_paid >= %s THEN 'menunggak'
                    ELSE 'nonaktif' END AS status,
               COUNT(*) AS workers
        FROM {Worker._meta.db_table} w
        LEFT JOIN (
            SELECT worker_id,
                   MAX(CASE WHEN paid_through >= %s THEN (CASE WHEN segment = 'PU' THEN 2 ELSE 1 END)
                            ELSE 0 END) AS active_segment,
                   MAX(CASE WHEN segment = 'PU' THEN 2 ELSE 1 END) AS any_segment,
                   MAX(paid_through) AS last_paid
            FROM {Membership._meta.db_table}
            {memberships_where}
            GROUP BY worker_id
        ) pw ON pw.worker_id = w.id
        {workers_where}
        GROUP BY 1, 2, 3, 5, 4, 6, 7
    """


def _fact_cells_params(month: dt.date, *, workers_params: list, memberships_params: list) -> list:
    _, age_params = _age_band_sql(month)
    arrears_floor = _add_months(month, -(UNPAID_MONTHS_BEFORE_LAPSE - 1))
    return [*age_params, arrears_floor, month, *memberships_params, *workers_params]


# The month's cells as the registry gives them now, computed once per refresh: the facts are brought in
# line with this table and the desa roll-ups are summed from it (it is smaller and unindexed).
CELLS = "coverage_refresh_cells"
FACT_KEYS = ("desa_id", "sector", "sex", "age_band", "decile", "segment", "status")


def _build_facts(month: dt.date, desa_codes: list[str] | None) -> None:
    """Bring the month's fact rows (of some desa, or all) in line with a GROUP BY over the registry.

    A month without facts yet is one INSERT. Otherwise only what differs is written: changed counts are
    updated, new cells inserted and vanished cells deleted. A refresh mostly finds the cells it had, and
    rewriting 1.5 million unchanged rows (with their unique index) cost more than computing them.
    """
    facts = CoverageFact._meta.db_table
    where, where_params, members_where = "", [], ""
    if desa_codes is not None:
        placeholders = ", ".join(["%s"] * len(desa_codes))
        where, where_params = f"WHERE w.desa_id IN ({placeholders})", list(desa_codes)
        # Only the members of these desa: otherwise every membership of the province is grouped for a
        # refresh of one desa (1,5 s at a fifth of Banten on SQLite, whatever the number of desa).
        members_where = (
            f"WHERE worker_id IN (SELECT w2.id FROM {Worker._meta.db_table} w2 "
            f"WHERE w2.desa_id IN ({placeholders}))"
        )
    cells = _fact_cells_sql(month, workers_where=where, memberships_where=members_where)
    params = _fact_cells_params(
        month, workers_params=where_params, memberships_params=where_params if members_where else []
    )
    existing = CoverageFact.objects.filter(month=month)
    if desa_codes is not None:
        existing = existing.filter(desa_id__in=desa_codes)
    columns = ", ".join(FACT_KEYS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling this one large query costs seconds and saves less than it costs.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DROP TABLE IF EXISTS {CELLS}")
        cursor.execute(f"CREATE TEMPORARY TABLE {CELLS} AS {cells}", params)
        cursor.execute(f"SELECT COUNT(*) FROM {CELLS}")
        had = existing.count()
        if had * 2 < cursor.fetchone()[0]:
            # Mostly new cells (the month's first full refresh after a few partial ones): replacing the
            # scope's rows and inserting plainly costs half the upsert (8 against 17 s for 1,6 million
            # cells on PostgreSQL).
            if had:
                desa_filter, desa_params = _region_filter("desa_id", desa_codes)
                cursor.execute(f"DELETE FROM {facts} WHERE month = %s {desa_filter}", [month, *desa_params])
            cursor.execute(
                f"INSERT INTO {facts} (month, {columns}, workers) SELECT %s, {columns}, workers FROM {CELLS}",
                [month],
            )
            return
        if connection.vendor == "sqlite":
            # The NOT EXISTS below probes the cells once per existing fact row.
            cursor.execute(f"CREATE INDEX {CELLS}_key ON {CELLS} ({columns})")
        cursor.execute(f"ANALYZE {CELLS}")
        same_cell = " AND ".join(f"c.{key} = {facts}.{key}" for key in FACT_KEYS)
        desa_filter, desa_params = _region_filter(f"{facts}.desa_id", desa_codes)
        cursor.execute(
            f"""DELETE FROM {facts} WHERE month = %s {desa_filter}
                AND NOT EXISTS (SELECT 1 FROM {CELLS} c WHERE {same_cell})""",
            [month, *desa_params],
        )
        # Cells whose count is unchanged are left out before the upsert: one anti-join (a hash join on
        # PostgreSQL) instead of an index probe and a speculative insert per unchanged cell.
        unchanged = " AND ".join(f"f.{key} = c.{key}" for key in (*FACT_KEYS, "workers"))
        cursor.execute(
            f"""INSERT INTO {facts} (month, {columns}, workers)
                SELECT %s, {columns}, workers FROM {CELLS} c
                WHERE NOT EXISTS (SELECT 1 FROM {facts} f WHERE f.month = %s AND {unchanged})
                ON CONFLICT (month, {columns})
                DO UPDATE SET workers = excluded.workers""",
            [month, month],
        )


def _region_filter(column: str, codes: list[str] | None) -> tuple[str, list]:
    if codes is None:
        return "", []
    return f"AND {column} IN ({', '.join(['%s'] * len(codes))})", list(codes)


def _build_rollups(month: dt.date, desa_codes: list[str] | None) -> None:
    """Per-region totals and breakdowns: desa from the refresh's cells (the same rows as the month's facts
    of those desa, see `_build_facts`), each level above from the one below."""
    coverage, breakdown = RegionCoverage._meta.db_table, RegionBreakdown._meta.db_table
    affected = None if desa_codes is None else _with_ancestors(desa_codes)
    for model in (RegionCoverage, RegionBreakdown):
        stale = model.objects.filter(month=month)
        if affected is not None:
            stale = stale.filter(region_id__in=affected)
        stale._raw_delete(stale.db)
    now = timezone.now()
    statements = [
        (
            f"""INSERT INTO {coverage} (month, region_id, workers, informal, active, active_bpu, active_pu,
                    in_arrears, lapsed, refreshed_at)
                SELECT %s, desa_id, {COVERAGE_SUMS}, %s FROM {CELLS} GROUP BY desa_id""",
            [month, now],
        )
    ]
    for dimension in DIMENSIONS:
        value = "CAST(decile AS VARCHAR(14))" if dimension == "decile" else dimension
        statements.append(
            (
                f"""INSERT INTO {breakdown} (month, region_id, dimension, value, workers, active)
                    SELECT %s, desa_id, '{dimension}', {value}, SUM(workers),
                           SUM(CASE WHEN status = 'aktif' THEN workers ELSE 0 END)
                    FROM {CELLS} GROUP BY desa_id, {value}""",
                [month],
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
        if len(desa_codes) * 2 > Region.objects.filter(level=RegionLevel.VILLAGE).count():
            # Rebuilding most desa one by one reads the registry through the desa index, which is slower
            # than one full pass (46 s against 38 s at full scale, docs/benchmarks.md).
            desa_codes = None
    with transaction.atomic():
        _build_facts(month, desa_codes)
        fault_point("coverage.after_facts")
        _build_rollups(month, desa_codes)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {CELLS}")
        fault_point("coverage.before_commit")
    fault_point("coverage.after_commit")
    return RegionCoverage.objects.filter(month=month).count()


DELTA = "coverage_delta_cells"


def coverage_add_workers(*, month: dt.date, worker_ids: tuple[str, list]) -> int:
    """Add newly inserted workers to the month's facts and roll-ups without re-reading anyone else.

    `worker_ids` is a SQL subquery (with its parameters) selecting the ids of the new workers. Valid only
    for workers the month's aggregates do not count yet, so for an insert-only import; anything that
    changes existing workers or memberships goes through `coverage_refresh`. Returns the number of new
    workers counted. The month must have been refreshed before (its aggregates exist), otherwise adding
    to it would leave a partial month.
    """
    month = month.replace(day=1)
    subquery, subquery_params = worker_ids
    cells = _fact_cells_sql(
        month,
        workers_where=f"WHERE w.id IN ({subquery})",
        memberships_where=f"WHERE worker_id IN ({subquery})",
    )
    params = _fact_cells_params(month, workers_params=subquery_params, memberships_params=subquery_params)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {DELTA}")
        cursor.execute(f"CREATE TEMPORARY TABLE {DELTA} AS {cells}", params)
        cursor.execute(f"SELECT COALESCE(SUM(workers), 0) FROM {DELTA}")
        (added,) = cursor.fetchone()
        if added:
            for sql, sql_params in _delta_statements(month, timezone.now()):
                cursor.execute(sql, sql_params)
        cursor.execute(f"DROP TABLE {DELTA}")
    return int(added)


def _delta_statements(month: dt.date, now) -> list[tuple[str, list]]:
    """Upserts that add the delta cells to the facts and to every level's roll-ups.

    Sums add up, so each level is summed straight from the delta cells instead of from the level below;
    "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
    """
    facts, coverage = CoverageFact._meta.db_table, RegionCoverage._meta.db_table
    breakdown = RegionBreakdown._meta.db_table
    statements = [
        (
            f"""INSERT INTO {facts} (month, desa_id, sector, sex, age_band, decile, segment, status, workers)
                SELECT %s, desa_id, sector, sex, age_band, decile, segment, status, workers
                FROM {DELTA} WHERE 1 = 1
                ON CONFLICT (month, desa_id, sector, sex, age_band, decile, segment, status)
                DO UPDATE SET workers = {facts}.workers + excluded.workers""",
            [month],
        )
    ]
    counted = ("workers", "informal", "active", "active_bpu", "active_pu", "in_arrears", "lapsed")
    added = ", ".join(f"{name} = {coverage}.{name} + excluded.{name}" for name in counted)
    for length in LEVEL_LENGTHS:
        region = f"SUBSTR(desa_id, 1, {length})"
        statements.append(
            (
                f"""INSERT INTO {coverage} (month, region_id, workers, informal, active, active_bpu,
                        active_pu, in_arrears, lapsed, refreshed_at)
                    SELECT %s, {region}, {COVERAGE_SUMS}, %s
                    FROM {DELTA} WHERE 1 = 1 GROUP BY {region}
                    ON CONFLICT (month, region_id)
                    DO UPDATE SET {added}, refreshed_at = excluded.refreshed_at""",
                [month, now],
            )
        )
        for dimension in DIMENSIONS:
            value = "CAST(decile AS VARCHAR(14))" if dimension == "decile" else dimension
            statements.append(
                (
                    f"""INSERT INTO {breakdown} (month, region_id, dimension, value, workers, active)
                        SELECT %s, {region}, '{dimension}', {value}, SUM(workers),
                               SUM(CASE WHEN status = 'aktif' THEN workers ELSE 0 END)
                        FROM {DELTA} WHERE 1 = 1 GROUP BY {region}, {value}
                        ON CONFLICT (month, region_id, dimension, value)
                        DO UPDATE SET workers = {breakdown}.workers + excluded.workers,
                                      active = {breakdown}.active + excluded.active""",
                    [month],
                )
            )
    return statements


def membership_record(
    *,
    worker: Worker,
    kpj: str,
    segment: str,
    paid_through: dt.date,
    jht: bool = False,
    status: str = MembershipStatus.AKTIF,
    source: str = MembershipSource.ENROLMENT,
    since: dt.date | None = None,
) -> Membership:
    """Record a worker's BPJS TK membership under a KPJ number (`since`: the month the running membership
    began, when known); raises DomainError on bad input."""
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
        since=since.replace(day=1) if since else None,
        source=source,
    )
    membership.full_clean()
    with transaction.atomic():
        membership.save()
    return membership
