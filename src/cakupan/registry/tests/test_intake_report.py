"""Duplicates in a file, the issue report files, the template, and the package's independence of Django."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import fastexcel
import polars as pl

from cakupan.regions.reference import load_regions
from cakupan.registry.intake import (
    ISSUE_SCHEMA,
    SECTOR_LABELS,
    WORKER_COLUMNS,
    in_file_duplicates,
    likely_duplicates,
    read_table,
    template_rows,
    validate_workers,
    write_issue_report,
    write_template,
)

VILLAGES = frozenset(record.code for record in load_regions() if record.level == "village")


def test_package_imports_without_django():
    code = (
        "import sys\n"
        "import cakupan.registry.intake as intake\n"
        "assert intake.read_table and intake.validate_workers\n"
        "loaded = sorted(name for name in sys.modules if name == 'django' or name.startswith('django.'))\n"
        "assert not loaded, loaded\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


# --- duplicates ------------------------------------------------------------------------------------


def test_in_file_duplicates_keep_the_first_by_row():
    frame = pl.DataFrame(
        {"row": [5, 2, 3, 4, 6, 7], "nik": ["B", "A", "B", "A", None, None]},
        schema={"row": pl.Int64, "nik": pl.String},
    )
    marked = in_file_duplicates(frame)
    assert marked.columns == ["row", "nik", "duplicate_in_file"]
    assert marked.rows() == [
        (5, "B", True),
        (2, "A", False),
        (3, "B", False),
        (4, "A", True),
        (6, None, False),
        (7, None, False),
    ]


def test_in_file_duplicates_other_key():
    frame = pl.DataFrame({"row": [2, 3], "kpj": ["1", "1"]})
    assert in_file_duplicates(frame, key="kpj")["duplicate_in_file"].to_list() == [False, True]


def test_likely_duplicates_same_person_different_nik():
    born = dt.date(1990, 6, 5)
    frame = pl.DataFrame(
        {
            "row": [2, 3, 4, 5, 6, 7],
            "nik": ["N1", "N2", "N3", "N1", "N4", "N5"],
            "name_key": ["siti aminah", "siti aminah", "siti aminah", "siti aminah", "siti aminah", ""],
            "birth_date": [born, born, born, born, dt.date(1991, 6, 5), born],
            "desa_id": ["36.02.01.2002"] * 3 + ["36.02.01.2002", "36.02.01.2002", "36.02.01.2002"],
        }
    ).with_columns(
        pl.when(pl.col("row") == 4).then(pl.lit("36.72.01.1001")).otherwise("desa_id").alias("desa_id")
    )
    pairs = likely_duplicates(frame)
    assert pairs.schema == pl.Schema(
        {"row": pl.Int64, "other_row": pl.Int64, "nik": pl.String, "other_nik": pl.String}
    )
    # Row 4 lives elsewhere, row 6 was born another day, row 7 has no name key; 2 and 5 share a NIK
    # (an exact duplicate, reported by in_file_duplicates instead).
    assert pairs.rows() == [(2, 3, "N1", "N2"), (3, 5, "N2", "N1")]


def test_likely_duplicates_from_validated_names():
    chunk = pl.DataFrame(
        {
            "row": [2, 3],
            "nik": ["3602014506900001", "3602014506900002"],
            "nama": ["Siti Aminah", " SITI  AMÍNAH "],
            "tanggal_lahir": ["1990-06-05", "05/06/1990"],
            "jenis_kelamin": ["P", "P"],
            "kode_desa": ["36.02.01.2002", "3602012002"],
            "sektor": ["pedagang", "jasa"],
            "penghasilan": ["1", "2"],
        }
    )
    rows = validate_workers(chunk, today=dt.date(2026, 11, 23), villages=VILLAGES).rows
    assert likely_duplicates(rows).rows() == [(2, 3, "3602014506900001", "3602014506900002")]


# --- issue report --------------------------------------------------------------------------------------


ISSUES = pl.DataFrame(
    [
        (
            2,
            "nama",
            "formula_like_text",
            "Nama diawali =, +, - atau @.",
            "warning",
            '=HYPERLINK("http://x","klik")',
        ),
        (
            3,
            "penghasilan",
            "income_invalid",
            'Penghasilan harus berupa angka; cek "nilai".',
            "error",
            "satu; dua",
        ),
        (4, "telepon", "phone_invalid", "Nomor telepon tidak sah.", "warning", None),
    ],
    schema=ISSUE_SCHEMA,
    orient="row",
)


def test_issue_report_csv(tmp_path):
    csv_path, xlsx_path = write_issue_report(ISSUES, tmp_path / "laporan-impor")
    assert (csv_path.name, xlsx_path.name) == ("laporan-impor.csv", "laporan-impor.xlsx")
    content = csv_path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines() == [
        "Baris;Kolom;Kode;Pesan;Tingkat;Nilai",
        '2;nama;formula_like_text;Nama diawali =, +, - atau @.;peringatan;"\'=HYPERLINK(""http://x"",""klik"")"',
        '3;penghasilan;income_invalid;"Penghasilan harus berupa angka; cek ""nilai"".";kesalahan;"satu; dua"',
        "4;telepon;phone_invalid;Nomor telepon tidak sah.;peringatan;",
    ]


def test_issue_report_csv_reads_back_with_the_intake_reader_rules(tmp_path):
    csv_path, _ = write_issue_report(ISSUES, tmp_path / "laporan")
    frame = pl.read_csv(csv_path, separator=";", infer_schema=False)
    assert frame["Nilai"].to_list() == ['\'=HYPERLINK("http://x","klik")', "satu; dua", None]


def test_issue_report_xlsx_cells_are_strings_not_formulas(tmp_path):
    _, xlsx_path = write_issue_report(ISSUES, tmp_path / "laporan")
    frame = pl.read_excel(xlsx_path, engine="calamine")
    assert frame.columns == ["Baris", "Kolom", "Kode", "Pesan", "Tingkat", "Nilai"]
    assert frame["Baris"].to_list() == [2, 3, 4]
    assert frame["Nilai"].to_list() == ['=HYPERLINK("http://x","klik")', "satu; dua", None]
    assert frame["Tingkat"].to_list() == ["peringatan", "kesalahan", "peringatan"]
    import zipfile

    with zipfile.ZipFile(xlsx_path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_empty_issue_report(tmp_path):
    csv_path, xlsx_path = write_issue_report(pl.DataFrame(schema=ISSUE_SCHEMA), tmp_path / "kosong")
    assert csv_path.read_text(encoding="utf-8-sig").splitlines() == ["Baris;Kolom;Kode;Pesan;Tingkat;Nilai"]
    assert xlsx_path.stat().st_size > 0


# --- template --------------------------------------------------------------------------------------


def test_template_rows():
    rows = template_rows()
    assert rows.columns == list(WORKER_COLUMNS)
    assert rows.height == 2


def test_template_files_import_cleanly(tmp_path):
    xlsx_path, csv_path = write_template(tmp_path / "templat.xlsx", tmp_path / "templat.csv")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf" + ";".join(WORKER_COLUMNS).encode() + b"\n")
    for path in (xlsx_path, csv_path):
        chunk = pl.concat(list(read_table(path)))
        result = validate_workers(chunk, today=dt.date(2026, 11, 23), villages=VILLAGES)
        assert result.issues.height == 0, result.issues
        assert result.rows["nik"].to_list() == ["3602014506900001", "3672011203850002"]


def test_template_instructions_sheet(tmp_path):
    xlsx_path, _ = write_template(tmp_path / "templat.xlsx", tmp_path / "templat.csv")
    workbook = fastexcel.read_excel(str(xlsx_path))
    assert workbook.sheet_names == ["Data", "Petunjuk"]
    text = workbook.load_sheet("Petunjuk", header_row=None, dtypes="string").to_polars()
    cells = {value for column in text.columns for value in text[column].drop_nulls().to_list()}
    assert set(WORKER_COLUMNS) <= cells
    assert set(SECTOR_LABELS) <= cells
    assert set(SECTOR_LABELS.values()) <= cells
    assert {"formal", "informal"} <= cells
