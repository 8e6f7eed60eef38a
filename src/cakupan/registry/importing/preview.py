"""What the checker of a web import sees before approving: the file's rows, each with what applying it
would do (add, update with its before and after, leave unchanged, refuse) and its errors and warnings.

Taken during the check's dry run, from the staging table before anything is applied (so "before" is the
registry as it is), merged with the issues found, cut to the first PREVIEW_ROWS rows and kept beside the
error report. Values are stored in full; `preview_page` masks them for roles that see identifiers masked.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.utils import timezone

from cakupan.core.ages import age_band, age_band_label
from cakupan.core.masking import mask_identifiers_in_text, mask_kpj, mask_nik, mask_phone, national_phone
from cakupan.core.scoping import area_range_sql
from cakupan.registry.importing.staging import STAGE, _fetch, _report_dir, _Staging
from cakupan.registry.models import ImportKind, OnDuplicate, Worker

PREVIEW_ROWS = 1000
PAGE_ROWS = 100
WORKER_FIELDS = ("name", "birth_date", "sex", "desa_id", "sector", "monthly_income", "decile", "phone")
ROSTER_FIELDS = ("kpj", "segment", "jkk", "jkm", "jht", "status", "paid_through")
FIELD_LABELS = {
    "name": "nama",
    "birth_date": "tanggal lahir",
    "sex": "jenis kelamin",
    "desa_id": "desa",
    "sector": "sektor",
    "monthly_income": "penghasilan",
    "decile": "desil",
    "phone": "telepon",
    "kpj": "KPJ",
    "segment": "segmen",
    "jkk": "JKK",
    "jkm": "JKM",
    "jht": "JHT",
    "status": "status",
    "paid_through": "iuran sampai",
}
ACTIONS = {
    "insert": "ditambahkan",
    "update": "diperbarui",
    "unchanged": "tidak berubah",
    "duplicate": "sudah terdaftar, dilewati",
    "error": "ditolak",
}
SCHEMA = {
    "row": pl.Int64,
    "action": pl.String,
    "nik": pl.String,
    "values": pl.String,
    "changes": pl.String,
    "messages": pl.String,
}


def preview_path(import_id: int) -> Path:
    return _report_dir() / f"impor-{import_id}-pratinjau.arrow"


def _text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _row(line: int, action: str, nik: str, values: dict, changes: list) -> dict:
    return {
        "row": line,
        "action": action,
        "nik": nik,
        "values": json.dumps({k: _text(v) for k, v in values.items()}, ensure_ascii=False),
        "changes": json.dumps([[f, _text(b), _text(a)] for f, b, a in changes], ensure_ascii=False),
        "messages": "[]",
    }


def capture(staging: _Staging, *, kind: str, on_duplicate: str) -> pl.DataFrame:
    """The first PREVIEW_ROWS staged rows and what applying them would do, read before the apply."""
    if kind == ImportKind.ROSTER:
        return _capture_roster()
    if staging.direct:
        # Nothing is registered yet: every staged row is an addition.
        rows = []
        for chunk in staging.chunks():
            for item in chunk.head(PREVIEW_ROWS - len(rows)).iter_rows(named=True):
                values = {name: item[name] for name in WORKER_FIELDS}
                rows.append(_row(item["line"], "insert", item["nik"], values, []))
            if len(rows) >= PREVIEW_ROWS:
                break
        return pl.DataFrame(rows, schema=SCHEMA)
    workers = Worker._meta.db_table
    inside, params = area_range_sql("w.desa_id", staging.scope) if staging.scope else ("1 = 1", [])
    staged = ", ".join(f"s.{name}" for name in WORKER_FIELDS)
    registered = ", ".join(f"w.{name}" for name in WORKER_FIELDS)
    found = _fetch(
        f"SELECT s.line, s.nik, {staged}, w.id, CASE WHEN {inside} THEN 1 ELSE 0 END, {registered} "
        f"FROM {STAGE} s LEFT JOIN {workers} w ON w.nik = s.nik ORDER BY s.line LIMIT %s",
        [*params, PREVIEW_ROWS],
    )
    size = len(WORKER_FIELDS)
    rows = []
    for line, nik, *rest in found:
        new = dict(zip(WORKER_FIELDS, rest[:size], strict=True))
        worker_id, in_scope = rest[size], rest[size + 1]
        old = dict(zip(WORKER_FIELDS, rest[size + 2 :], strict=True))
        if worker_id is None:
            rows.append(_row(line, "insert", nik, new, []))
        elif not in_scope or on_duplicate == OnDuplicate.REJECT:
            # Nothing about a worker outside the area; a refused row shows only what the file says.
            rows.append(_row(line, "error", nik, new, []))
        elif on_duplicate == OnDuplicate.KEEP:
            rows.append(_row(line, "duplicate", nik, new, []))
        else:
            changed = [
                (f, _text(old[f]), _text(new[f])) for f in WORKER_FIELDS if _text(old[f]) != _text(new[f])
            ]
            rows.append(_row(line, "update" if changed else "unchanged", nik, new, changed))
    return pl.DataFrame(rows, schema=SCHEMA)


def _capture_roster() -> pl.DataFrame:
    from cakupan.registry.models import Membership

    memberships = Membership._meta.db_table
    staged = ", ".join(f"s.{name}" for name in ROSTER_FIELDS)
    registered = ", ".join(f"m.{name}" for name in ROSTER_FIELDS)
    found = _fetch(
        f"SELECT s.line, s.nik, {staged}, m.id, {registered} FROM {STAGE} s "
        f"LEFT JOIN {memberships} m ON m.kpj = s.kpj ORDER BY s.line LIMIT %s",
        [PREVIEW_ROWS],
    )
    size = len(ROSTER_FIELDS)
    rows = []
    for line, nik, *rest in found:
        new = dict(zip(ROSTER_FIELDS, rest[:size], strict=True))
        if rest[size] is None:
            rows.append(_row(line, "insert", nik, new, []))
            continue
        old = dict(zip(ROSTER_FIELDS, rest[size + 1 :], strict=True))
        changed = [(f, _text(old[f]), _text(new[f])) for f in ROSTER_FIELDS if _text(old[f]) != _text(new[f])]
        rows.append(_row(line, "update" if changed else "unchanged", nik, new, changed))
    return pl.DataFrame(rows, schema=SCHEMA)


def finish(captured: pl.DataFrame, issues: pl.DataFrame) -> pl.DataFrame:
    """The captured rows with their issues inline, plus the rows refused while reading (which were never
    staged), in file order, cut to PREVIEW_ROWS."""
    messages = (
        issues.filter(pl.col("row").is_not_null())
        .sort(["row", "severity", "field"])
        .group_by("row", maintain_order=True)
        .agg(
            pl.concat_list("severity", "message").alias("pairs"),
            (pl.col("severity") == "error").any().alias("has_error"),
        )
        .with_columns(
            pl.col("pairs")
            .map_elements(
                lambda pairs: json.dumps(pairs.to_list(), ensure_ascii=False), return_dtype=pl.String
            )
            .alias("messages")
        )
        .select(pl.col("row").cast(pl.Int64), "messages", "has_error")
    )
    merged = captured.drop("messages").join(messages, on="row", how="full", coalesce=True)
    return (
        merged.with_columns(
            pl.when(pl.col("has_error")).then(pl.lit("error")).otherwise(pl.col("action")).alias("action"),
            pl.col("messages").fill_null("[]"),
            pl.col("values").fill_null("{}"),
            pl.col("changes").fill_null("[]"),
        )
        .drop("has_error")
        .sort("row")
        .head(PREVIEW_ROWS)
        .select(list(SCHEMA))
    )


def write(frame: pl.DataFrame, import_id: int) -> Path:
    path = preview_path(import_id)
    frame.write_ipc(path)
    return path


@dataclass(frozen=True)
class PreviewRow:
    row: int
    action: str
    action_label: str
    nik: str
    values: list[tuple[str, str]]
    changes: list[tuple[str, str, str]]
    messages: list[tuple[str, str]]


def _shown(field: str, value: str | None, *, full: bool, on: dt.date) -> str:
    if value is None or value == "":
        return "–"
    if field == "phone":
        return national_phone(value) if full else mask_phone(value)
    if field == "kpj":
        return value if full else mask_kpj(value)
    if field == "birth_date" and not full:
        return age_band_label(age_band(dt.date.fromisoformat(value), on=on))
    return value


def preview_page(import_id: int, *, page: int, full: bool) -> tuple[list[PreviewRow], int]:
    """One page of the preview as a viewer may see it, and the number of pages (0: no preview)."""
    path = preview_path(import_id)
    if not path.exists():
        return [], 0
    frame = pl.read_ipc(path)
    pages = max(1, -(-frame.height // PAGE_ROWS))
    page = min(max(page, 1), pages)
    today = timezone.localdate()
    rows = []
    for item in frame.slice((page - 1) * PAGE_ROWS, PAGE_ROWS).iter_rows(named=True):
        values = json.loads(item["values"])
        changes = json.loads(item["changes"])
        messages = json.loads(item["messages"])
        nik = item["nik"] or ""
        rows.append(
            PreviewRow(
                row=item["row"],
                action=item["action"],
                action_label=ACTIONS.get(item["action"], item["action"]),
                nik=nik if full else mask_nik(nik),
                values=[
                    (FIELD_LABELS.get(k, k), _shown(k, v, full=full, on=today)) for k, v in values.items()
                ],
                changes=[
                    (
                        FIELD_LABELS.get(f, f),
                        _shown(f, b, full=full, on=today),
                        _shown(f, a, full=full, on=today),
                    )
                    for f, b, a in changes
                ],
                messages=[
                    (severity, message if full else mask_identifiers_in_text(message))
                    for severity, message in messages
                ],
            )
        )
    return rows, pages
