"""Applying a BPJS TK membership roster: memberships by KPJ, matched to workers by NIK."""

from __future__ import annotations

import polars as pl
from django.utils import timezone

from cakupan.audit.rowchanges import RowChangeSet
from cakupan.core.scoping import area_range_sql
from cakupan.registry.importing.staging import (
    STAGE,
    UPDATABLE,
    ImportResult,
    Issues,
    _execute,
    _fetch,
    _fetch_frames,
    _issue_frame,
    _update_from_stage,
)
from cakupan.registry.models import Membership, Worker
from cakupan.registry.rowaudit import MEMBERSHIP_ROWS, WORKER_ROWS

MEMBERSHIP_FIELDS = ("segment", "jkk", "jkm", "jht", "status", "paid_through")
ROSTER_STAGE = {
    "line": "BIGINT",
    "nik": "VARCHAR(16)",
    "kpj": "VARCHAR(11)",
    "segment": "VARCHAR(3)",
    "jkk": "BOOLEAN",
    "jkm": "BOOLEAN",
    "jht": "BOOLEAN",
    "status": "VARCHAR(10)",
    "paid_through": "DATE",
    "name": "VARCHAR(150)",
    "birth_date": "DATE",
    "sex": "VARCHAR(1)",
    "desa_id": "VARCHAR(13)",
    "employment": "VARCHAR(8)",
    "sector": "VARCHAR(14)",
    "monthly_income": "BIGINT",
    "decile": "SMALLINT",
    "phone": "VARCHAR(16)",
}


def _apply_roster_stage(
    result: ImportResult, found: Issues, *, add_missing: bool, scope: str | None, changes: RowChangeSet | None
) -> None:
    """Memberships from the stage (which holds only the first row of each KPJ in the file). With a scope,
    only workers living in it are matched: any other NIK reads as not found, wherever it is registered."""
    workers, memberships = Worker._meta.db_table, Membership._meta.db_table
    inside, inside_params = area_range_sql("w.desa_id", scope) if scope is not None else ("1 = 1", [])
    link = (
        f"UPDATE {STAGE} SET worker_id = (SELECT w.id FROM {workers} w WHERE w.nik = {STAGE}.nik "
        f"AND {inside})"
    )
    _execute(link, inside_params)
    if add_missing:
        now = timezone.now()
        complete = " AND ".join(
            f"s.{name} IS NOT NULL"
            for name in ("name", "birth_date", "sex", "desa_id", "sector", "monthly_income")
        )
        columns = ", ".join(UPDATABLE)
        last_id = _fetch(f"SELECT COALESCE(MAX(id), 0) FROM {workers}")[0][0]
        result.inserted_workers = _execute(
            f"INSERT INTO {workers} (nik, {columns}, source, created_at, updated_at) "
            f"SELECT s.nik, {', '.join('s.' + c for c in UPDATABLE)}, 'roster', %s, %s FROM {STAGE} s "
            f"WHERE s.worker_id IS NULL AND {complete} "
            f"AND s.line = (SELECT MIN(t.line) FROM {STAGE} t WHERE t.nik = s.nik) "
            # A NIK registered outside the scope is not added again (it is taken) and stays not found.
            f"AND NOT EXISTS (SELECT 1 FROM {workers} w WHERE w.nik = s.nik)",
            [now, now],
        )
        if changes is not None:
            # This statement's rows: newer than the last id, stamped with its own time.
            changes.inserted(
                WORKER_ROWS,
                f"SELECT id FROM {workers} WHERE id > %s AND source = 'roster' AND created_at = %s",
                [last_id, now],
            )
        _execute(link, inside_params)
    hint = "" if add_missing else " Gunakan --add-missing untuk menambahkannya dari data kepesertaan."
    where = "di registri pekerja wilayah kerja Anda" if scope is not None else "di registri pekerja"
    for frame in _fetch_frames(
        f"SELECT line, nik FROM {STAGE} WHERE worker_id IS NULL", {"row": pl.Int64, "nik": pl.Utf8}
    ):
        message = pl.format(f"NIK {{}} tidak ditemukan {where}.{hint}", "nik")
        found.append(_issue_frame(frame, "nik", "nik_not_in_registry", message, "error", "nik"))
    _execute(f"DELETE FROM {STAGE} WHERE worker_id IS NULL")
    for frame in _fetch_frames(
        f"SELECT s.line, s.kpj FROM {STAGE} s JOIN {memberships} m ON m.kpj = s.kpj "
        f"WHERE m.worker_id <> s.worker_id",
        {"row": pl.Int64, "kpj": pl.Utf8},
    ):
        message = pl.format("KPJ {} sudah tercatat untuk pekerja lain.", "kpj")
        found.append(_issue_frame(frame, "kpj", "kpj_other_worker", message, "error", "kpj"))
    _execute(
        f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {memberships} m WHERE m.kpj = {STAGE}.kpj "
        f"AND m.worker_id <> {STAGE}.worker_id)"
    )
    matched = _fetch(f"SELECT COUNT(*) FROM {STAGE} s JOIN {memberships} m ON m.kpj = s.kpj")[0][0]
    changed = " OR ".join(f"NOT ({memberships}.{name} = s.{name})" for name in MEMBERSHIP_FIELDS)
    assignments = ", ".join(f"{name} = s.{name}" for name in MEMBERSHIP_FIELDS)
    result.updated = _update_from_stage(
        tracked=MEMBERSHIP_ROWS,
        table=memberships,
        key="kpj",
        assignments=f"{assignments}, source = 'roster'",
        changed=changed,
        changes=changes,
    )
    result.unchanged = matched - result.updated
    _execute(f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {memberships} m WHERE m.kpj = {STAGE}.kpj)")
    fields, now = ", ".join(MEMBERSHIP_FIELDS), timezone.now()
    result.inserted = _execute(
        f"INSERT INTO {memberships} (worker_id, kpj, {fields}, source, created_at, updated_at) "
        f"SELECT worker_id, kpj, {fields}, 'roster', %s, %s FROM {STAGE} ORDER BY line",
        [now, now],
    )
    if changes is not None:
        # The stage now holds exactly the inserted memberships' rows, and is not changed again.
        changes.inserted(MEMBERSHIP_ROWS, f"SELECT m.id FROM {memberships} m JOIN {STAGE} s ON s.kpj = m.kpj")
