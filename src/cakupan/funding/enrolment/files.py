"""Batch file format v1.0 (docs/enrolment-batch-format.md): the batch's rows as written, and the
template of BPJS TK's acknowledgement files (read by `answer`)."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import polars as pl
from django.conf import settings

from cakupan.core.errors import DomainError
from cakupan.funding.models import EnrolmentBatch, EnrolmentRow, Funder, FundingProgram, PlanLine
from cakupan.regions.models import Region
from cakupan.registry.bulk import query_frame
from cakupan.registry.models import Worker

FORMAT_VERSION = "1.0"
BATCH_COLUMNS = (
    "versi_format",
    "no_baris",
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "kode_desa",
    "nama_desa",
    "telepon",
    "sektor",
    "tingkat_penghasilan",
    "program",
    "bulan_mulai",
    "jumlah_bulan",
    "iuran",
    "kode_pemberi_dana",
    "pemberi_dana",
    "sumber_dana",
)
ACK_COLUMNS = ("no_baris", "nik", "status", "kpj", "alasan")


def _batch_dir() -> Path:
    path = Path(settings.VAR_DIR) / "enrolment"
    path.mkdir(parents=True, exist_ok=True)
    return path


_BATCH_FILE_SQL = (
    # Dates cast to text: on SQLite a DATE column is otherwise parsed by a Python converter per row.
    "SELECT r.row_number, w.nik, w.name, CAST(w.birth_date AS TEXT), w.sex, w.desa_id, d.name, w.phone, "
    "w.sector, p.income_level, p.jht, CAST(l.first_month AS TEXT), l.months, l.cost, p.funder_id, f.name, "
    "f.funding_source "
    f"FROM {EnrolmentRow._meta.db_table} r JOIN {PlanLine._meta.db_table} l ON l.id = r.line_id "
    f"JOIN {Worker._meta.db_table} w ON w.id = l.worker_id "
    f"JOIN {Region._meta.db_table} d ON d.code = w.desa_id "
    f"JOIN {FundingProgram._meta.db_table} p ON p.id = l.program_id "
    f"JOIN {Funder._meta.db_table} f ON f.id = p.funder_id WHERE r.batch_id = %s ORDER BY r.row_number"
)
_BATCH_FILE_SCHEMA = {
    "no_baris": pl.Int64, "nik": pl.String, "nama": pl.String, "birth_date": pl.Date,
    "jenis_kelamin": pl.String, "kode_desa": pl.String, "nama_desa": pl.String, "telepon": pl.String,
    "sektor": pl.String, "tingkat_penghasilan": pl.Int64, "jht": pl.Boolean, "first_month": pl.Date,
    "jumlah_bulan": pl.Int64, "iuran": pl.Int64, "kode_pemberi_dana": pl.Int64, "pemberi_dana": pl.String,
    "sumber_dana": pl.String,
}  # fmt: skip


def batch_frame(batch: EnrolmentBatch) -> pl.DataFrame:
    """The batch's rows in file order, as written to the file (read as a frame, not a tuple per row)."""
    rows = query_frame(_BATCH_FILE_SQL, [batch.pk], _BATCH_FILE_SCHEMA)
    return rows.select(
        pl.lit(FORMAT_VERSION).alias("versi_format"),
        "no_baris", "nik", "nama",
        pl.col("birth_date").dt.strftime("%Y-%m-%d").alias("tanggal_lahir"),
        "jenis_kelamin", "kode_desa", "nama_desa", "telepon", "sektor", "tingkat_penghasilan",
        pl.when(pl.col("jht")).then(pl.lit("JKK+JKM+JHT")).otherwise(pl.lit("JKK+JKM")).alias("program"),
        pl.col("first_month").dt.strftime("%Y-%m").alias("bulan_mulai"),
        "jumlah_bulan", "iuran", "kode_pemberi_dana", "pemberi_dana", "sumber_dana",
    )  # fmt: skip


def ack_template(batch: EnrolmentBatch) -> str:
    """An acknowledgement file with every row still 'dikirim', for BPJS TK (and tests) to fill in."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ACK_COLUMNS)
    for number, nik in (
        EnrolmentRow.objects.filter(batch=batch)
        .order_by("row_number")
        .values_list("row_number", "line__worker__nik")
    ):
        writer.writerow([number, nik, "", "", ""])
    return out.getvalue()


def batch_file_content(batch: EnrolmentBatch, fmt: str) -> bytes:
    """The checked file itself, as BPJS TK receives it: the stored CSV (its SHA-256 verified) or the same
    rows as XLSX, every cell as text so that NIK and telephone keep their leading digits. Never rebuilt
    from the registry, which may have changed since the check."""
    try:
        content = Path(batch.file_path).read_bytes()
    except OSError as error:
        raise DomainError(
            "batch_file_missing", f"Berkas batch #{batch.pk} tidak ada di server; hubungi administrator."
        ) from error
    if hashlib.sha256(content).hexdigest() != batch.file_sha256:
        raise DomainError(
            "batch_file_changed",
            f"Berkas batch #{batch.pk} di server berbeda dari yang diperiksa; hubungi administrator.",
        )
    if fmt == "csv":
        return content
    buffer = io.BytesIO()
    pl.read_csv(content, infer_schema=False).write_excel(buffer, worksheet="batch")
    return buffer.getvalue()
