"""Issue reports and the downloadable import template, as CSV and XLSX.

CSV files written here use ";" as separator and UTF-8 with a BOM: Excel with Indonesian regional
settings (decimal comma) splits CSV on ";" and recognises UTF-8 only with the BOM. The reader accepts
both "," and ";", so the template can be filled in and uploaded as it is.

Formula injection: XLSX cells are always written as strings (xlsxwriter with strings_to_formulas off and
write_string), so "=HYPERLINK(...)" stays text. CSV has no cell types, so in the CSV report a value that
starts with =, +, - or @ is prefixed with an apostrophe, which Excel shows as text (OWASP advice).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from cakupan.core.spreadsheet import neutralise
from cakupan.registry.intake import columns as cols

__all__ = [
    "REPORT_HEADERS",
    "SEVERITY_LABELS",
    "TEMPLATE_SHEET_DATA",
    "TEMPLATE_SHEET_HELP",
    "template_rows",
    "write_issue_report",
    "write_template",
]

REPORT_HEADERS = {
    "row": "Baris",
    "field": "Kolom",
    "code": "Kode",
    "message": "Pesan",
    "severity": "Tingkat",
    "value": "Nilai",
}
SEVERITY_LABELS = {"error": "kesalahan", "warning": "peringatan"}
CSV_SEPARATOR = ";"
XLSX_MAX_ROWS = 1_048_576
_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}

TEMPLATE_SHEET_DATA = "Data"
TEMPLATE_SHEET_HELP = "Petunjuk"
# Two rows that pass validation: a woman from Desa Cilangkahan (Lebak) and a man from Kota Cilegon.
_TEMPLATE_EXAMPLES = (
    {
        "nik": "3602014506900001",
        "nama": "Siti Aminah",
        "tanggal_lahir": "05/06/1990",
        "jenis_kelamin": "P",
        "kode_desa": "36.02.01.2002",
        "sektor": "pedagang",
        "penghasilan": "1.500.000",
        "desil": "3",
        "telepon": "081234567890",
    },
    {
        "nik": "3672011203850002",
        "nama": "Ujang Suryana",
        "tanggal_lahir": "1985-03-12",
        "jenis_kelamin": "L",
        "kode_desa": "36.72.01.1001",
        "sektor": "transportasi",
        "penghasilan": "2500000",
        "desil": "",
        "telepon": "",
    },
)
_TEMPLATE_HELP = {
    "nik": "Nomor Induk Kependudukan, 16 digit. Ketik sebagai teks (kolom ini sudah berformat Teks) agar "
    "Excel tidak mengubahnya menjadi angka.",
    "nama": "Nama lengkap sesuai KTP.",
    "tanggal_lahir": "Format YYYY-MM-DD atau DD/MM/YYYY, contoh 1990-06-05 atau 05/06/1990.",
    "jenis_kelamin": "L (laki-laki) atau P (perempuan).",
    "kode_desa": "Kode Kemendagri desa/kelurahan domisili, 10 digit dengan atau tanpa titik, contoh "
    "36.02.01.2002 atau 3602012002.",
    "sektor": "Kode sektor pekerjaan, lihat daftar di bawah (nama sektor juga diterima).",
    "penghasilan": "Penghasilan per bulan dalam rupiah, bulat: 1500000, 1.500.000 atau Rp1.500.000.",
    "desil": "Desil DTSEN 1-10; kosongkan bila tidak diketahui.",
    "telepon": "Nomor HP, contoh 081234567890 atau +6281234567890; kosongkan bila tidak ada.",
}


SUMMARY_HEADERS = {
    "severity": "Tingkat",
    "code": "Kode",
    "field": "Kolom",
    "count": "Jumlah",
    "first_row": "Baris pertama",
    "message": "Contoh pesan",
}


def write_issue_report(
    issues: pl.DataFrame, path_base: Path, *, summary: pl.DataFrame | None = None, total: int | None = None
) -> tuple[Path, Path]:
    """Write `<base>.csv` and `<base>.xlsx` with Bahasa headers; returns (csv_path, xlsx_path).

    `issues` are the rows listed (the importer keeps the first ten thousand); `summary` counts every
    issue per kind and goes first in the XLSX, with `total`, so a report stays small however bad the file.
    """
    path_base = Path(path_base)
    csv_path = path_base.with_name(path_base.name + ".csv")
    xlsx_path = path_base.with_name(path_base.name + ".xlsx")
    table = issues.select(
        pl.col("row").cast(pl.Int64),
        pl.col("field").cast(pl.String),
        pl.col("code").cast(pl.String),
        pl.col("message").cast(pl.String),
        pl.col("severity").cast(pl.String).replace(SEVERITY_LABELS),
        pl.col("value").cast(pl.String),
    )
    table.with_columns(
        pl.col("value").map_elements(neutralise, return_dtype=pl.String, skip_nulls=True)
    ).rename(REPORT_HEADERS).write_csv(csv_path, separator=CSV_SEPARATOR, include_bom=True)

    workbook = xlsxwriter.Workbook(str(xlsx_path), {**_WORKBOOK_OPTIONS, "constant_memory": True})
    try:
        if summary is not None:
            _write_summary(workbook, summary, listed=table.height, total=total or table.height)
        sheet = workbook.add_worksheet("Masalah")
        bold = workbook.add_format({"bold": True})
        for column, header in enumerate(REPORT_HEADERS.values()):
            sheet.write_string(0, column, header, bold)
        for column, width in enumerate((8, 22, 26, 80, 12, 30)):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        shown = table.head(XLSX_MAX_ROWS - 1)
        for index, (row, *texts) in enumerate(shown.iter_rows(), start=1):
            if row is not None:
                sheet.write_number(index, 0, row)
            for column, text in enumerate(texts, start=1):
                if text is not None:
                    sheet.write_string(index, column, text)
        sheet.autofilter(0, 0, max(shown.height, 1), len(REPORT_HEADERS) - 1)
    finally:
        workbook.close()
    return csv_path, xlsx_path


def _write_summary(workbook, summary: pl.DataFrame, *, listed: int, total: int) -> None:
    sheet = workbook.add_worksheet("Ringkasan")
    bold = workbook.add_format({"bold": True})
    listed_text = f"{listed:,}".replace(",", ".")
    total_text = f"{total:,}".replace(",", ".")
    note = (
        f"Semua {total_text} masalah tercantum di lembar Masalah."
        if listed >= total
        else f"Lembar Masalah memuat {listed_text} masalah pertama dari {total_text}; perbaiki penyebab yang "
        "paling sering di bawah ini, lalu periksa ulang berkasnya."
    )
    sheet.write_string(0, 0, note, bold)
    for column, header in enumerate(SUMMARY_HEADERS.values()):
        sheet.write_string(2, column, header, bold)
    for column, width in enumerate((12, 26, 22, 10, 14, 80)):
        sheet.set_column(column, column, width)
    for index, row in enumerate(summary.select(list(SUMMARY_HEADERS)).iter_rows(), start=3):
        severity, code, field, count, first_row, message = row
        sheet.write_string(index, 0, SEVERITY_LABELS.get(severity, severity or ""))
        sheet.write_string(index, 1, code or "")
        sheet.write_string(index, 2, field or "")
        sheet.write_number(index, 3, count)
        if first_row is not None:
            sheet.write_number(index, 4, first_row)
        sheet.write_string(index, 5, neutralise(message or ""))


def template_rows() -> pl.DataFrame:
    """The import template: the canonical worker columns (all text) and two example rows."""
    return pl.DataFrame(list(_TEMPLATE_EXAMPLES), schema=dict.fromkeys(cols.WORKER_COLUMNS, pl.String))


def write_template(path_xlsx: Path, path_csv: Path) -> tuple[Path, Path]:
    """Write the template as XLSX (sheets "Data" and "Petunjuk") and CSV (";", UTF-8 with BOM)."""
    rows = template_rows()
    rows.write_csv(path_csv, separator=CSV_SEPARATOR, include_bom=True)

    workbook = xlsxwriter.Workbook(str(path_xlsx), _WORKBOOK_OPTIONS)
    try:
        bold = workbook.add_format({"bold": True})
        # Text format on every data column: Excel then keeps NIKs, codes and phone numbers as typed.
        text = workbook.add_format({"num_format": "@"})
        data = workbook.add_worksheet(TEMPLATE_SHEET_DATA)
        for column, name in enumerate(cols.WORKER_COLUMNS):
            data.set_column(column, column, 18, text)
            data.write_string(0, column, name, bold)
        for index, example in enumerate(rows.iter_rows(), start=1):
            for column, value in enumerate(example):
                if value:
                    data.write_string(index, column, value, text)
        data.freeze_panes(1, 0)

        help_sheet = workbook.add_worksheet(TEMPLATE_SHEET_HELP)
        help_sheet.set_column(0, 0, 24)
        help_sheet.set_column(1, 1, 10)
        help_sheet.set_column(2, 2, 100)
        help_sheet.write_row(0, 0, ["Kolom", "Wajib", "Keterangan"], bold)
        line = 1
        for name in cols.WORKER_COLUMNS:
            required = "ya" if name in cols.WORKER_REQUIRED else "tidak"
            help_sheet.write_row(line, 0, [name, required, _TEMPLATE_HELP[name]])
            line += 1
        line += 1
        help_sheet.write_row(line, 0, ["Kode sektor", "Jenis", "Keterangan"], bold)
        for code, label in cols.SECTOR_LABELS.items():
            line += 1
            kind = "formal" if code == cols.FORMAL_SECTOR else "informal"
            help_sheet.write_row(line, 0, [code, kind, label])
        line += 2
        help_sheet.write_string(
            line,
            0,
            "Baris judul (baris 1) jangan diubah. Kolom lain yang ditambahkan akan diabaikan. "
            "Simpan sebagai .xlsx atau CSV UTF-8.",
        )
    finally:
        workbook.close()
    return Path(path_xlsx), Path(path_csv)
