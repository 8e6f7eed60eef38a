"""read_table and file_sha256: CSV and XLSX files as users produce them, and every file-level error."""

from __future__ import annotations

import datetime as dt
import hashlib

import polars as pl
import pytest
import xlsxwriter

from cakupan.registry.intake import (
    NIK_NUMERIC_COLUMN,
    ROSTER_COLUMNS,
    ROSTER_OPTIONAL_COLUMNS,
    WORKER_COLUMNS,
    IntakeFileError,
    file_sha256,
    read_table,
)

HEADER = "nik,nama,tanggal_lahir,jenis_kelamin,kode_desa,sektor,penghasilan,desil,telepon"
ROW = "3602014506900001,Siti Aminah,1990-06-05,P,36.02.01.2002,pedagang,1500000,3,081234567890"


def write(tmp_path, content: bytes | str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def read_all(path, **options) -> pl.DataFrame:
    return pl.concat(list(read_table(path, **options)))


def error_of(path, **options) -> IntakeFileError:
    with pytest.raises(IntakeFileError) as caught:
        read_table(path, **options)
    return caught.value


def write_xlsx(path, sheets: dict[str, list[list]], *, formats=None) -> None:
    """Rows of Python values; dt.date/datetime become Excel dates, ("=formula", cached) a formula."""
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, tuple):
                    sheet.write_formula(r, c, value[0], None, value[1])
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    workbook.close()


# --- CSV ---------------------------------------------------------------------------------------------


def test_csv_chunk_layout_rows_and_nulls(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{ROW}\n3602011203850002, Ujang ,,L,3602012002,ojek,2500000,,\n")
    frame = read_all(path)
    assert frame.columns == ["row", *WORKER_COLUMNS, NIK_NUMERIC_COLUMN]
    assert frame.schema["row"] == pl.Int64
    assert all(frame.schema[name] == pl.String for name in WORKER_COLUMNS)
    assert frame["row"].to_list() == [2, 3]
    assert frame.row(1, named=True) == {
        "row": 3,
        "nik": "3602011203850002",
        "nama": "Ujang",
        "tanggal_lahir": None,
        "jenis_kelamin": "L",
        "kode_desa": "3602012002",
        "sektor": "ojek",
        "penghasilan": "2500000",
        "desil": None,
        "telepon": None,
        NIK_NUMERIC_COLUMN: False,
    }


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_csv_utf8_with_and_without_bom(tmp_path, bom):
    path = write(tmp_path, bom + f"{HEADER}\n{ROW.replace('Siti Aminah', 'Sutrisno Müller')}\n".encode())
    reader = read_table(path)
    frame = pl.concat(list(reader))
    assert frame["nik"].to_list() == ["3602014506900001"]  # the BOM is not part of the first header
    assert frame["nama"].to_list() == ["Sutrisno Müller"]
    assert reader.encoding == "utf-8"


def test_csv_windows_1252(tmp_path):
    names = ("Sutrisno Müller", "Aminah Café")
    content = "".join(f"{line}\n" for line in [HEADER, *(ROW.replace("Siti Aminah", name) for name in names)])
    reader = read_table(write(tmp_path, content.encode("cp1252")))
    frame = pl.concat(list(reader))
    assert frame["nama"].to_list() == ["Sutrisno Müller", "Aminah Café"]
    assert reader.encoding == "windows-1252"
    assert any("2 baris bukan UTF-8 dan dibaca sebagai Windows-1252" in note for note in reader.notes)


def test_csv_mixed_encodings_decoded_line_by_line(tmp_path):
    content = (
        f"{HEADER}\n".encode()
        + ROW.replace("Siti Aminah", "Sutrisno Müller").encode("utf-8")
        + b"\n"
        + ROW.replace("Siti Aminah", "Aminah Café").encode("cp1252")
        + b"\n"
    )
    reader = read_table(write(tmp_path, content))
    assert pl.concat(list(reader))["nama"].to_list() == ["Sutrisno Müller", "Aminah Café"]
    assert reader.encoding == "campuran"
    assert any("mencampur dua pengodean" in note for note in reader.notes)


def test_csv_bytes_neither_utf8_nor_cp1252_name_the_line(tmp_path):
    content = f"{HEADER}\n{ROW}\n".encode() + ROW.encode().replace(b"Siti", b"Si\x81ti") + b"\n"
    with pytest.raises(IntakeFileError) as caught:
        list(read_table(write(tmp_path, content)))
    assert caught.value.code == "file_encoding"
    assert "Baris ke-3" in caught.value.message


def test_csv_utf16_is_refused(tmp_path):
    error = error_of(write(tmp_path, f"{HEADER}\n{ROW}\n".encode("utf-16")))
    assert error.code == "file_encoding"
    assert "UTF-16" in error.message


def test_csv_semicolon_quotes_crlf_and_header_aliases(tmp_path):
    content = (
        "No KTP;Nama Lengkap;Tgl. Lahir;L/P;Kode Desa/Kelurahan;Sektor Pekerjaan;Penghasilan per Bulan;"
        "Desil DTSEN;No HP;Keterangan\r\n"
        '3602014506900001;"Aminah; binti Umar";05/06/1990;P;36.02.01.2002;Pedagang;"1.500.000";3;'
        '0812-3456-7890;"catatan\r\ndua baris"\r\n'
        '3602011203850002;"Ujang ""Jago"" Suryana";12-03-1985;L;36.02.01.2002;ojek;Rp 2.500.000;;;\r\n'
    )
    reader = read_table(write(tmp_path, content))
    frame = pl.concat(list(reader))
    assert reader.delimiter == ";"
    assert reader.header["nik"] == "No KTP"
    assert reader.ignored_columns == ["Keterangan"]
    assert 'Kolom yang tidak dikenal diabaikan: "Keterangan".' in reader.notes
    assert frame["row"].to_list() == [2, 3]
    assert frame["nama"].to_list() == ["Aminah; binti Umar", 'Ujang "Jago" Suryana']
    assert frame["tanggal_lahir"].to_list() == ["05/06/1990", "12-03-1985"]
    assert frame["penghasilan"].to_list() == ["1.500.000", "Rp 2.500.000"]
    assert frame["telepon"].to_list() == ["0812-3456-7890", None]


def test_csv_comma_with_quoted_newline_keeps_spreadsheet_row_numbers(tmp_path):
    content = f'{HEADER}\n{ROW}\n"3602011203850002","Ujang\nSuryana",,L,,,,,\n\n{ROW}\n'
    frame = read_all(write(tmp_path, content))
    # Record 3 spans two lines but is one spreadsheet row; the blank line is row 4 and is dropped.
    assert frame["row"].to_list() == [2, 3, 5]
    assert frame["nama"].to_list() == ["Siti Aminah", "Ujang\nSuryana", "Siti Aminah"]


def test_csv_short_and_long_records(tmp_path):
    frame = read_all(write(tmp_path, f"{HEADER}\n3602014506900001,Aminah\n{ROW},extra,cells\n"))
    assert frame["nama"].to_list() == ["Aminah", "Siti Aminah"]
    assert frame["telepon"].to_list() == [None, "081234567890"]


def test_csv_stray_quote_inside_a_field_is_text(tmp_path):
    content = f'{HEADER}\n3602014506900001,Jl. Mawar 5" Aminah,1990-06-05,P,,,,,\n{ROW}\n'
    frame = read_all(write(tmp_path, content))
    assert frame["nama"].to_list() == ['Jl. Mawar 5" Aminah', "Siti Aminah"]
    assert frame["row"].to_list() == [2, 3]


def test_csv_without_final_newline_and_blank_lines_before_header(tmp_path):
    frame = read_all(write(tmp_path, f"\n\n{HEADER}\n{ROW}"))
    assert frame["row"].to_list() == [4]


def test_csv_chunking_2500_rows(tmp_path):
    lines = [HEADER] + [
        f"{3602014506900001 + i},Nama {i},1990-06-05,P,36.02.01.2002,jasa,1000,," for i in range(2500)
    ]
    chunks = list(read_table(write(tmp_path, "\n".join(lines) + "\n"), chunk_rows=1000))
    assert [chunk.height for chunk in chunks] == [1000, 1000, 500]
    rows = pl.concat(chunks)["row"].to_list()
    assert rows == list(range(2, 2502))
    assert chunks[1]["row"][0] == 1002
    assert pl.concat(chunks)["nama"][2499] == "Nama 2499"


def test_csv_chunking_with_quoted_newlines_and_crlf(tmp_path):
    lines = [HEADER] + [f'{i},"a\nb {i}",,,,,,,' for i in range(30)]
    chunks = list(read_table(write(tmp_path, "\r\n".join(lines) + "\r\n"), chunk_rows=7))
    assert [chunk.height for chunk in chunks] == [7, 7, 7, 7, 2]
    frame = pl.concat(chunks)
    assert frame["row"].to_list() == list(range(2, 32))
    assert frame["nama"][29] == "a\nb 29"


def test_roster_kind_has_roster_columns(tmp_path):
    content = (
        "NIK;No KPJ;Segmen;Program;Status;Lunas Sampai\n"
        "3602014506900001;12345678901;BPU;JKK, JKM;aktif;2026-10\n"
    )
    frame = read_all(write(tmp_path, content), kind="roster")
    assert frame.columns == ["row", *ROSTER_COLUMNS, *ROSTER_OPTIONAL_COLUMNS, NIK_NUMERIC_COLUMN]
    assert frame.row(0, named=True)["bulan_terakhir_dibayar"] == "2026-10"
    assert frame.row(0, named=True)["nama"] is None


def test_unknown_kind_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError):
        read_table(write(tmp_path, f"{HEADER}\n{ROW}\n"), kind="claims")


# --- file errors -------------------------------------------------------------------------------------


def test_missing_required_columns_are_named(tmp_path):
    error = error_of(write(tmp_path, "NIK,Nama,Telepon,Catatan\n1,a,2,3\n"))
    assert error.code == "columns_missing"
    assert error.message == (
        "Kolom wajib tidak ada: tanggal_lahir, jenis_kelamin, kode_desa, sektor, penghasilan. "
        'Kolom yang ditemukan: "NIK", "Nama", "Telepon", "Catatan".'
    )


def test_header_missing_when_first_line_is_data(tmp_path):
    error = error_of(write(tmp_path, f"{ROW}\n{ROW}\n"))
    assert error.code == "header_missing"
    assert "Baris judul kolom tidak ditemukan" in error.message


def test_duplicate_columns(tmp_path):
    error = error_of(write(tmp_path, f"NIK,No KTP,{HEADER[4:]}\n1,{ROW}\n"))
    assert error.code == "columns_duplicate"
    assert '"NIK" dan "No KTP" (keduanya nik)' in error.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "0 byte"), (f"{HEADER}\n".encode(), "hanya berisi baris judul"),
     (f"{HEADER}\n\n,,,\n".encode(), "baris judul"), (b"\n\r\n", "hanya baris kosong"),
     (b"\xef\xbb\xbf", "hanya baris kosong")],
)  # fmt: skip
def test_empty_and_header_only_files(tmp_path, content, fragment):
    error = error_of(write(tmp_path, content))
    assert error.code == "file_empty"
    assert fragment in error.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "gambar PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 100, "Excel lama (.xls)"),
        (b"\x00\x01\x02binary", "bukan teks CSV"),
        (b"PK\x03\x04" + b"\x00" * 60, "bukan buku kerja Excel"),
    ],
)
def test_unsupported_types_by_content_not_extension(tmp_path, content, fragment):
    error = error_of(write(tmp_path, content, name="pekerja.csv"))
    assert error.code == "file_type_unsupported"
    assert fragment in error.message


def test_docx_zip_is_not_xlsx(tmp_path):
    import zipfile

    path = tmp_path / "surat.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert error_of(path).code == "file_type_unsupported"


def test_file_too_large_checked_before_reading(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{ROW}\n")
    error = error_of(path, max_bytes=50)
    assert error.code == "file_too_large"
    assert "batasnya 0,0 MB" in error.message
    assert read_all(path, max_bytes=path.stat().st_size).height == 1


def test_file_sha256(tmp_path):
    content = (f"{HEADER}\n{ROW}\n" * 1000).encode()
    assert file_sha256(write(tmp_path, content)) == hashlib.sha256(content).hexdigest()


# --- XLSX ------------------------------------------------------------------------------------------


XLSX_HEADER = ["NIK", "Nama", "Tanggal Lahir", "JK", "Kode Desa", "Pekerjaan", "Pendapatan", "Desil", "No HP"]


def test_xlsx_first_sheet_dates_formulas_and_numbers(tmp_path):
    path = tmp_path / "pekerja.xlsx"
    rows = [
        XLSX_HEADER,
        ["3602014506900001", "Siti Aminah", dt.date(1990, 6, 5), "P", "36.02.01.2002", "pedagang",
         1500000, 3, "081234567890"],
        ["3602011203850002", ("=\"Ujang\"&\" Suryana\"", "Ujang Suryana"), "12/03/1985", "L", 3602012002,
         "jasa", ("=1000000*2", 2000000), 3.0, 81234567890],
        [None] * 9,
        ["3602014506900003", "=cmd|' /C calc'!A0", dt.date(2000, 2, 29), "P", "36.02.01.2002", "jasa",
         1500000.5, None, None],
    ]  # fmt: skip
    write_xlsx(path, {"Data": rows, "Lain": [["x"]]})
    reader = read_table(path)
    frame = pl.concat(list(reader))
    assert reader.format == "xlsx"
    assert reader.sheet == "Data"
    assert frame["row"].to_list() == [2, 3, 5]
    assert frame["tanggal_lahir"].to_list() == ["1990-06-05", "12/03/1985", "2000-02-29"]
    assert frame["nama"].to_list() == ["Siti Aminah", "Ujang Suryana", "=cmd|' /C calc'!A0"]
    assert frame["penghasilan"].to_list() == ["1500000", "2000000", "1500000.5"]
    assert frame["desil"].to_list() == ["3", "3", None]
    assert frame["kode_desa"].to_list() == ["36.02.01.2002", "3602012002", "36.02.01.2002"]
    assert frame["telepon"].to_list() == ["081234567890", "81234567890", None]
    assert frame[NIK_NUMERIC_COLUMN].to_list() == [False, False, False]


def test_xlsx_numeric_nik_cell_is_flagged(tmp_path):
    path = tmp_path / "pekerja.xlsx"
    write_xlsx(
        path, {"Sheet1": [XLSX_HEADER, [3602014506900001, "A", "1990-06-05"], ["3602014506900002", "B"]]}
    )
    frame = read_all(path)
    assert frame["nik"].to_list() == ["3602014506900001", "3602014506900002"]
    assert frame[NIK_NUMERIC_COLUMN].to_list() == [True, False]


def test_xlsx_named_sheet_case_insensitive_and_header_below_title(tmp_path):
    path = tmp_path / "pekerja.xlsx"
    rows = [["Data pekerja Desa Cilangkahan"], [], XLSX_HEADER, ["3602014506900001", "Siti"]]
    write_xlsx(path, {"Ringkasan": [["-"]], "Pekerja": rows})
    reader = read_table(path, sheet="pekerja")
    frame = pl.concat(list(reader))
    assert reader.sheet == "Pekerja"
    # The title row is not the header: the first row naming known columns is. Rows are Excel's.
    assert frame["row"].to_list() == [4]


def test_xlsx_unknown_sheet_lists_sheets(tmp_path):
    path = tmp_path / "pekerja.xlsx"
    write_xlsx(path, {"Data": [XLSX_HEADER], "Petunjuk": [["x"]]})
    error = error_of(path, sheet="Pekerja")
    assert error.code == "sheet_not_found"
    assert error.message == 'Lembar kerja "Pekerja" tidak ada. Lembar yang tersedia: "Data", "Petunjuk".'


def test_xlsx_header_only_and_empty_sheet(tmp_path):
    path = tmp_path / "kosong.xlsx"
    write_xlsx(path, {"Data": [XLSX_HEADER], "Kosong": []})
    assert error_of(path).code == "file_empty"
    assert error_of(path, sheet="Kosong").code == "file_empty"


def test_xlsx_chunking(tmp_path):
    path = tmp_path / "besar.xlsx"
    write_xlsx(path, {"Data": [XLSX_HEADER] + [[str(3602014506900001 + i), f"N{i}"] for i in range(25)]})
    chunks = list(read_table(path, chunk_rows=10))
    assert [chunk.height for chunk in chunks] == [10, 10, 5]
    assert pl.concat(chunks)["row"].to_list() == list(range(2, 27))


def test_csv_records_straddling_read_blocks(tmp_path, monkeypatch):
    from cakupan.registry.intake import reader as reader_module

    lines = [HEADER] + [f'{i},"Nama ""{i}""\nbaris dua",1990-06-05,P,,,,,' for i in range(50)]
    path = write(tmp_path, "\n".join(lines))
    expected = read_all(path, chunk_rows=9)
    monkeypatch.setattr(reader_module, "_BLOCK_BYTES", 37)
    chunks = list(read_table(path, chunk_rows=9))
    assert [chunk.height for chunk in chunks] == [9, 9, 9, 9, 9, 5]
    assert pl.concat(chunks).equals(expected)
    assert expected["nama"][49] == 'Nama "49"\nbaris dua'


def test_csv_quote_never_closed_is_malformed(tmp_path, monkeypatch):
    from cakupan.registry.intake import reader as reader_module

    monkeypatch.setattr(reader_module, "_BLOCK_BYTES", 64)
    monkeypatch.setattr(reader_module, "_MAX_RECORD_BYTES", 256)
    lines = [HEADER, ROW, '"3602014506900002,Aminah'] + [ROW] * 20
    with pytest.raises(IntakeFileError) as caught:
        list(read_table(write(tmp_path, "\n".join(lines) + "\n")))
    assert caught.value.code == "file_malformed"
    assert "sekitar baris 3" in caught.value.message


def test_csv_quote_never_closed_in_a_small_file_is_read_leniently(tmp_path):
    frame = read_all(write(tmp_path, f'{HEADER}\n{ROW}\n"3602014506900002,Aminah\n{ROW}\n'))
    # Python's csv module takes the rest of the file as the quoted field; the row stays reportable.
    assert frame["row"].to_list() == [2, 3]
    assert frame["nik"][1].startswith("3602014506900002,Aminah\n")
