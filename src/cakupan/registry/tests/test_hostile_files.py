"""Files made to hurt the server are refused before anything big is loaded, with a message that says why;
reports stay small however bad the file; and nothing an export writes runs as a formula."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile

import polars as pl
import pytest
import xlsxwriter

from cakupan.registry.intake import IntakeFileError, read_table, xlsx_limits
from cakupan.registry.intake.columns import WORKER_COLUMNS

ROW = ["3602014506900001", "Siti Aminah", "1990-06-05", "P", "36.02.01.2002", "pedagang", "1500000", "3", ""]


def _workbook(path, extra=None):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, list(WORKER_COLUMNS))
    sheet.write_row(1, 0, ROW)
    if extra:
        extra(sheet)
    workbook.close()
    return path


def _replace_part(path, part: str, content: bytes, target):
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, content if item.filename == part else source.read(item.filename))
    return target


def _refusal(path, **options) -> IntakeFileError:
    with pytest.raises(IntakeFileError) as caught:
        read_table(path, **options)
    return caught.value


def test_one_cell_far_away_is_refused_before_loading(tmp_path):
    # The security test's 2 KB file: one cell at AD1048576 asked the reader for 31 million cells.
    path = _workbook(tmp_path / "jauh.xlsx", lambda sheet: sheet.write_string(1_048_575, 29, "x"))
    assert path.stat().st_size < 10_000
    error = _refusal(path)
    assert error.code == "xlsx_too_large"
    assert "1.048.576 baris × 30 kolom" in error.message and "CSV" in error.message


def test_too_many_columns_and_a_huge_cell_are_refused(tmp_path):
    wide = _workbook(tmp_path / "lebar.xlsx", lambda sheet: sheet.write_string(1, 199, "x"))
    assert _refusal(wide).message.startswith("Lembar kerja memakai 200 kolom")
    plain = _workbook(tmp_path / "biasa.xlsx")
    huge = "<sst xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'><si><t>" + "A" * 5_000_000
    bomb = _replace_part(
        plain, "xl/sharedStrings.xml", (huge + "</t></si></sst>").encode(), tmp_path / "bom.xlsx"
    )
    # Five million characters pack into a few kilobytes.
    assert bomb.stat().st_size < 60_000
    error = _refusal(bomb)
    assert error.code == "xlsx_too_large" and "32.767 karakter" in error.message


def test_unpacked_size_and_broken_xml(tmp_path):
    plain = _workbook(tmp_path / "biasa.xlsx")
    tight = xlsx_limits.XlsxLimits(max_cells=1_000, max_part_bytes=200)
    error = _refusal(plain, xlsx_limits=tight)
    assert error.code == "xlsx_too_large" and "setelah dibuka" in error.message
    broken = _replace_part(
        plain, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row", tmp_path / "r.xlsx"
    )
    assert _refusal(broken).code == "file_type_unsupported"
    no_workbook = tmp_path / "bukan.xlsx"
    with zipfile.ZipFile(no_workbook, "w") as archive:
        archive.writestr("foto.txt", "x")
    assert _refusal(no_workbook).code == "file_type_unsupported"


def test_the_workbook_text_as_a_whole_is_bounded(tmp_path):
    # Cells each within Excel's limit can still pack gigabytes into a small upload: here 40 cells refer to
    # one shared string, which the reader copies into each of them.
    cell = "B" * 30_000
    packed = _workbook(
        tmp_path / "teks.xlsx", lambda sheet: [sheet.write_string(2 + n, 1, cell) for n in range(40)]
    )
    tight = xlsx_limits.XlsxLimits(max_cells=1_000_000, max_text_chars=1_000_000)
    error = _refusal(packed, xlsx_limits=tight)
    assert error.code == "xlsx_too_large" and "1.000.000 karakter teks" in error.message


def test_cells_without_references_are_counted_in_order(tmp_path):
    plain = _workbook(tmp_path / "biasa.xlsx")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    row = "<c t='inlineStr'><is><t>x</t></is></c>" * 70
    sheet = f"<worksheet xmlns='{ns}'><sheetData><row>{row}</row></sheetData></worksheet>".encode()
    unnamed = _replace_part(plain, "xl/worksheets/sheet1.xml", sheet, tmp_path / "tanpa-r.xlsx")
    assert _refusal(unnamed).message.startswith("Lembar kerja memakai 65 kolom")


def test_a_workbook_inside_the_limits_reads_as_before(tmp_path):
    path = _workbook(tmp_path / "biasa.xlsx", lambda sheet: sheet.write_row(2, 0, ROW))
    frame = pl.concat(list(read_table(path)))
    assert frame.height == 2 and frame["nama"].to_list() == ["Siti Aminah", "Siti Aminah"]


def test_refusing_the_far_cell_costs_no_memory(tmp_path):
    path = _workbook(tmp_path / "jauh.xlsx", lambda sheet: sheet.write_string(1_048_575, 29, "x"))
    # VmHWM is this process's own peak (ru_maxrss would carry the forking test process's peak over exec).
    script = (
        "import sys\n"
        "from cakupan.registry.intake import IntakeFileError, read_table\n"
        "try:\n    read_table(sys.argv[1])\nexcept IntakeFileError as error:\n    print(error.code)\n"
        "peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM'))\n"
        "print(int(peak.split()[1]) // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
    )
    code, megabytes = result.stdout.split()
    # Before the check the reader took 2.7 GB for this file.
    assert code == "xlsx_too_large" and int(megabytes) < 400


@pytest.mark.django_db
def test_a_million_bad_rows_give_a_small_report_with_a_summary(tmp_path, settings):
    from cakupan.registry import importing

    settings.VAR_DIR = tmp_path / "var"
    rows = 30_000
    path = tmp_path / "buruk.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(";".join(WORKER_COLUMNS) + "\n")
        for number in range(rows):
            handle.write(f"12345;Nama {number};1990-06-05;P;36.02.01.2002;pedagang;-5;;\n")
    result = importing.workers_import(path=path, today=dt.date(2026, 11, 23))
    assert (result.rows, result.invalid) == (rows, rows)
    report = pl.read_csv(result.errors_file, separator=";")
    assert report.height == importing.staging.REPORT_MAX_ROWS
    assert report["Baris"].max() < rows // 2
    summary = pl.read_excel(
        result.errors_file.replace(".csv", ".xlsx"), sheet_name="Ringkasan", has_header=False
    )
    assert "masalah pertama dari 60.000" in summary.row(0)[0]
    # Every issue is counted per kind, not only the ten thousand listed.
    counts = {row[1]: int(row[3]) for row in summary.slice(2).rows()}
    assert counts == {"nik_wrong_length": rows, "income_negative": rows}
