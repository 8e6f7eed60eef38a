"""Reading bank statements (no database): the layouts, the amounts, the invoice numbers."""

import datetime as dt

import pytest

from cakupan.funding.bank_statement import StatementError, invoice_numbers, parse_amount, read_statement

BCA = """Informasi Rekening - Mutasi Rekening
No. rekening : ,'0123456789
Nama : ,PEMPROV BANTEN
Periode : ,01/12/2026 - 03/12/2026
Kode Mata Uang : ,IDR

Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo
'02/12/2026,TRSF E-BANKING DB 0212/FTSCY TAG-000001-0001 IURAN,'0000,"403,200.00 DB","9,596,800.00"
'02/12/2026,SETORAN TUNAI,'0998,"10,000,000.00 CR","10,000,000.00"
PEND,BIAYA ADM,'0000,"10,000.00 DB","9,586,800.00"

Saldo Awal,,,"0.00"
Mutasi Kredit,,,"10,000,000.00",1
Mutasi Debet,,,"403,200.00",1
Saldo Akhir,,,"9,596,800.00"
"""

MANDIRI = """Account No;Tgl.;Tgl. Val.;Rincian Transaksi;No. Referensi;Debit;Kredit;Saldo
1230004567890;03/12/2026;03/12/2026;TRF BPJS TK TAG 000002 0004;FT26337AB12;201.600,00;0,00;5.000.000,00
1230004567890;03/12/2026;03/12/2026;BUNGA;;0,00;1.234,00;5.001.234,00
"""

BRI = """Tanggal Transaksi\tUraian Transaksi\tTeller\tDebet\tKredit\tSaldo
01/12/2026 10:15:00\tIB TRF TAG000003-0002 BPJS\t8888\t604,800.00\t0.00\t1,000,000.00
"""

CAKUPAN = """tanggal;referensi;jumlah;keterangan
2026-12-02;BNK-1;-201600;Bayar TAG-000004-0001
2026-12-02;BNK-2;201600,50 DB;sen tidak nol
31/02/2026;BNK-3;-201600;tanggal salah
2026-12-02;BNK-4;201600;tanpa tanda
"""


def test_bca_statement_after_its_account_lines_with_db_cr_and_totals_skipped():
    layout, lines = read_statement(BCA.encode())
    assert layout.key == "bca"
    assert [(line.number, line.date, line.debit, line.credit, line.problem) for line in lines] == [
        (8, dt.date(2026, 12, 2), 403_200, 0, ""),
        (9, dt.date(2026, 12, 2), 0, 10_000_000, ""),
    ]
    assert "TAG-000001-0001" in lines[0].description
    assert lines[0].reference == ""


def test_mandiri_statement_with_debit_and_credit_columns_and_a_reference():
    layout, lines = read_statement(MANDIRI.encode("cp1252"))
    assert layout.key == "mandiri"
    assert [(line.date, line.reference, line.debit, line.credit) for line in lines] == [
        (dt.date(2026, 12, 3), "FT26337AB12", 201_600, 0),
        (dt.date(2026, 12, 3), "", 0, 1_234),
    ]
    assert invoice_numbers(lines[0].description) == ["TAG-000002-0004"]


def test_bri_statement_tab_separated_with_a_time_after_the_date():
    layout, lines = read_statement(BRI.encode())
    assert layout.key == "bri"
    assert [(line.date, line.debit) for line in lines] == [(dt.date(2026, 12, 1), 604_800)]


def test_cakupan_template_lines_that_cannot_be_read_carry_their_problem():
    layout, lines = read_statement(("\ufeff" + CAKUPAN).encode())
    assert layout.key == "cakupan"
    assert [(line.reference, line.debit, line.problem) for line in lines] == [
        ("BNK-1", 201_600, ""),
        ("BNK-2", 0, "Jumlah tidak terbaca sebagai rupiah utuh (sen harus ,00)."),
        ("BNK-3", 201_600, "Tanggal '31/02/2026' tidak terbaca (dd/mm/yyyy)."),
        ("BNK-4", 0, "Jumlah tanpa tanda DB/CR: tidak jelas masuk atau keluar."),
    ]


def test_a_line_seen_twice_has_the_same_key_and_differs_from_another_line():
    _, first = read_statement(BCA.encode())
    _, again = read_statement(BCA.encode())
    assert first[0].key == again[0].key != first[1].key


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "statement_empty"),
        (b"   \n", "statement_empty"),
        (b"nama,nik,alamat\nA,1,B\n", "statement_layout_unknown"),
        (b"tanggal;referensi;jumlah;keterangan\n", "statement_no_lines"),
    ],
)
def test_files_that_are_not_statements_are_refused_by_name(content, code):
    with pytest.raises(StatementError) as caught:
        read_statement(content)
    assert caught.value.code == code


def test_the_unknown_layout_message_names_the_layouts_read():
    with pytest.raises(StatementError) as caught:
        read_statement(b"a,b\n1,2\n")
    expected = "Tata letak mutasi rekening tidak dikenali. Yang dapat dibaca: BCA"
    assert caught.value.message.startswith(expected)
    assert "Templat Cakupan" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234.567,00", (1_234_567, "")),
        ("1,234,567.00", (1_234_567, "")),
        ("Rp 1.234.567", (1_234_567, "")),
        ("201.600,00 DB", (201_600, "DB")),
        ("201,600.00 CR", (201_600, "CR")),
        ("2.419.200,00D", (2_419_200, "DB")),
        ("16.800 K", (16_800, "CR")),
        ("-201600", (201_600, "DB")),
        ("+201600", (201_600, "CR")),
        ("604800", (604_800, "")),
        ("1.234", (1_234, "")),
        ("1234,0", (1_234, "")),
        ("", (0, "")),
    ],
)
def test_amounts_in_the_formats_banks_print(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    "text", ["1234,50", "1,234.5", "12.34.567", "1.234,567.00", "abc", "1..234", ",5", "DB"]
)
def test_amounts_that_are_not_whole_rupiah_are_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TAG-000012-0003", ["TAG-000012-0003"]),
        ("trf tag 000012 0003 iuran", ["TAG-000012-0003"]),
        ("TAG0000120003/TAG.000013.0001", ["TAG-000012-0003", "TAG-000013-0001"]),
        ("TAG-000012-0003 TAG-000012-0003", ["TAG-000012-0003"]),
        ("TAG-12-3", []),
        ("", []),
    ],
)
def test_invoice_numbers_as_banks_keep_them_in_the_transfer_news(text, expected):
    assert invoice_numbers(text) == expected
