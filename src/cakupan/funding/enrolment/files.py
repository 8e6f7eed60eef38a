"""Batch file format v1.0 (docs/enrolment-batch-format.md): the batch's rows as written, and the reading
of BPJS TK's acknowledgement files."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import polars as pl
from django.conf import settings

from cakupan.core.errors import DomainError
from cakupan.funding.models import (
    EnrolmentBatch,
    EnrolmentRow,
)

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


def batch_frame(batch: EnrolmentBatch) -> pl.DataFrame:
    """The batch's rows in file order, as written to the file."""
    rows = (
        EnrolmentRow.objects.filter(batch=batch)
        .order_by("row_number")
        .values_list(
            "row_number",
            "line__worker__nik",
            "line__worker__name",
            "line__worker__birth_date",
            "line__worker__sex",
            "line__worker__desa_id",
            "line__worker__desa__name",
            "line__worker__phone",
            "line__worker__sector",
            "line__program__income_level",
            "line__program__jht",
            "line__first_month",
            "line__months",
            "line__cost",
            "line__program__funder_id",
            "line__program__funder__name",
            "line__program__funder__funding_source",
        )
    )
    data = [
        (
            FORMAT_VERSION,
            number,
            nik,
            name,
            birth.isoformat(),
            sex,
            desa,
            desa_name,
            phone,
            sector,
            level,
            "JKK+JKM+JHT" if jht else "JKK+JKM",
            f"{first:%Y-%m}",
            months,
            cost,
            funder_id,
            funder,
            source,
        )
        for (
            number,
            nik,
            name,
            birth,
            sex,
            desa,
            desa_name,
            phone,
            sector,
            level,
            jht,
            first,
            months,
            cost,
            funder_id,
            funder,
            source,
        ) in rows
    ]
    return pl.DataFrame(data, schema=list(BATCH_COLUMNS), orient="row")


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
