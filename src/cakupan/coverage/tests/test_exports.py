"""Dashboard exports: XLSX and CSV of every table, the PDF summary, and the audit event each one writes."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import fastexcel
import polars as pl
import pytest

from cakupan.accounts.models import User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.audit.models import AuditEvent
from cakupan.coverage import exports
from cakupan.coverage.services import coverage_refresh

MONTH = dt.date(2026, 11, 1)
CHILDREN_HEADERS = [
    "Kode wilayah",
    "Kabupaten/Kota",
    "Pekerja terlindungi (peserta aktif)",
    "Angkatan kerja",
    "Cakupan (%)",
    "Kesenjangan ke 99,5% (pekerja)",
]


@pytest.fixture
def client_provinsi(client, small_population):
    coverage_refresh(month=MONTH)
    for account in DEMO_ACCOUNTS:
        if account.username in ("provinsi", "lebak"):
            user_upsert_demo(account=account, password="Banten-UCJ-2026")
    client.force_login(User.objects.get(username="provinsi"))
    return client


def _sheet(content: bytes, sheet=0) -> pl.DataFrame:
    return fastexcel.read_excel(content).load_sheet(sheet).to_polars()


def _csv_lines(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return [line.split(";") for line in content[3:].decode("utf-8").splitlines()]


def test_children_xlsx(client_provinsi):
    response = client_provinsi.get("/cakupan/36/", {"format": "xlsx", "table": "children"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="cakupan-36-2026-11-children.xlsx"'
    frame = _sheet(response.content)
    assert frame.columns == CHILDREN_HEADERS
    assert frame.height == 8
    assert frame["Kode wilayah"].to_list()[:2] == ["36.01", "36.02"]
    lebak = frame.row(1)
    assert lebak[1] == "Kabupaten Lebak"
    # Raw numbers, not formatted text.
    assert frame.schema["Angkatan kerja"].is_numeric() and frame.schema["Cakupan (%)"].is_numeric()
    assert (
        frame["Angkatan kerja"].sum() == 6170 and frame["Pekerja terlindungi (peserta aktif)"].sum() == 2647
    )
    notes = fastexcel.read_excel(response.content)
    assert notes.sheet_names == ["Kabupaten-Kota", "Keterangan"]
    about = notes.load_sheet("Keterangan", header_row=None).to_polars()
    assert about.row(0) == ("Wilayah", "36 Banten")
    assert about.row(1) == ("Bulan", "November 2026")
    # The denominator's source and the page it was published on travel with the numbers.
    assert about.row(3) == (
        "Sumber penyebut",
        "BPS Sakernas Agustus 2025, angkatan kerja × skala demo 0,001; kab/kota dibagi menurut proporsi "
        "penduduk Dukcapil (estimasi)",
    )
    assert about.row(4)[0] == "Rujukan penyebut" and about.row(4)[1].startswith(
        "https://banten.idntimes.com/"
    )


def test_the_employed_denominator_exports_under_its_own_name(client_provinsi):
    lines = _csv_lines(client_provinsi.get("/cakupan/36/", {"format": "csv", "penyebut": "employed"}).content)
    assert lines[0][3] == "Penduduk bekerja"
    assert sum(int(line[3]) for line in lines[1:]) == 5760


def test_children_csv_matches_the_page(client_provinsi):
    response = client_provinsi.get("/cakupan/36.02/", {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    lines = _csv_lines(response.content)
    assert lines[0] == [
        "Kode wilayah",
        "Kecamatan",
        "Pekerja terlindungi (peserta aktif)",
        "Angkatan kerja",
        "Cakupan (%)",
        "Kesenjangan ke 99,5% (pekerja)",
    ]
    assert lines[1][:2] == ["36.02.01", "Malingping"]
    assert all(line[2].isdigit() and line[3].isdigit() for line in lines[1:])
    assert all(line[4] == "" or "," in line[4] for line in lines[1:])
    # The same figures as the summary the page shows.
    page = client_provinsi.get("/cakupan/36.02/").content.decode()
    total = sum(int(line[3]) for line in lines[1:])
    assert f'data-testid="denominator">{total:,}'.replace(",", ".") in page


def test_province_children_csv_values(client_provinsi):
    lines = _csv_lines(client_provinsi.get("/cakupan/36/", {"format": "csv", "table": "children"}).content)
    assert len(lines) == 9
    assert sum(int(line[2]) for line in lines[1:]) == 2647
    assert sum(int(line[3]) for line in lines[1:]) == 6170
    for line in lines[1:]:
        covered, denominator = int(line[2]), int(line[3])
        expected = (Decimal(covered) * 100 / denominator).quantize(Decimal("0.01"))
        assert line[4] == f"{expected:f}".replace(".", ",")


@pytest.mark.parametrize(
    ("table", "header", "first"),
    [
        ("sector", "Sektor", ["buruh_harian", "Buruh harian lepas", "304", "141", "46,38"]),
        ("sex", "Jenis kelamin", ["L", "Laki-laki", "3652", "1737", "47,56"]),
        ("age_band", "Kelompok umur", ["15-24", "15–24 tahun", "607", "273", "44,98"]),
        ("decile", "Desil", ["1", "Desil 1", "510", "229", "44,90"]),
    ],
)
def test_breakdown_csv(client_provinsi, table, header, first):
    lines = _csv_lines(client_provinsi.get("/cakupan/36/", {"format": "csv", "table": table}).content)
    assert lines[0] == ["Kode", header, "Pekerja terdaftar", "Peserta aktif", "Aktif dari yang terdaftar (%)"]
    assert lines[1] == first
    assert sum(int(line[2]) for line in lines[1:]) == 5760


def test_breakdown_and_trend_xlsx(client_provinsi):
    frame = _sheet(client_provinsi.get("/cakupan/36/", {"format": "xlsx", "table": "sex"}).content)
    assert frame.columns == [
        "Kode",
        "Jenis kelamin",
        "Pekerja terdaftar",
        "Peserta aktif",
        "Aktif dari yang terdaftar (%)",
    ]
    assert frame.rows() == [("L", "Laki-laki", 3652, 1737, 47.56), ("P", "Perempuan", 2108, 910, 43.17)]
    trend = _sheet(client_provinsi.get("/cakupan/36/", {"format": "xlsx", "table": "trend"}).content)
    assert trend.columns == ["Bulan", "Pekerja terlindungi (peserta aktif)", "Pekerja terdaftar"]
    assert trend.rows() == [(dt.datetime(2026, 11, 1), 2647, 5760)]
    lines = _csv_lines(client_provinsi.get("/cakupan/36/", {"format": "csv", "table": "trend"}).content)
    assert lines == [
        ["Bulan", "Pekerja terlindungi (peserta aktif)", "Pekerja terdaftar"],
        ["2026-11", "2647", "5760"],
    ]


def test_every_export_is_audited(client_provinsi):
    before = AuditEvent.objects.count()
    client_provinsi.get("/cakupan/36.02/", {"format": "xlsx", "table": "decile", "bulan": "2026-11"})
    client_provinsi.get("/cakupan/36.02/", {"format": "pdf"})
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.actor_username, e.object_type, e.object_id, e.region_code) for e in events] == [
        ("export", "provinsi", "coverage.region", "36.02", "36.02"),
        ("export", "provinsi", "coverage.region", "36.02", "36.02"),
    ]
    assert events[0].metadata["format"] == "xlsx" and events[0].metadata["table"] == "decile"
    assert events[0].metadata["month"] == "2026-11" and events[0].metadata["rows"] == 11
    assert events[1].metadata["format"] == "pdf"


def test_a_refused_export_writes_nothing(client_provinsi):
    client_provinsi.force_login(User.objects.get(username="lebak"))
    before = AuditEvent.objects.count()
    assert client_provinsi.get("/cakupan/36/", {"format": "csv"}).status_code == 403
    assert (
        AuditEvent.objects.filter(action="export").count()
        == AuditEvent.objects.filter(action="export", id__lte=before).count()
    )


def test_pdf_summary(client_provinsi):
    response = client_provinsi.get("/cakupan/36/", {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="cakupan-36-2026-11.pdf"'
    assert response.content.count(b"/Type /Page\n") + response.content.count(b"/Type /Page ") <= 1


def test_text_cells_never_become_formulas():
    table = exports.Table(
        name="children",
        title="Uji",
        headers=["Kode", "Nama", "Jumlah"],
        rows=[["=1+1", "+SUM(A1)", 5], ["@x", "-2", None]],
    )
    lines = _csv_lines(exports.to_csv(table))
    assert lines[1:] == [["'=1+1", "'+SUM(A1)", "5"], ["'@x", "'-2", ""]]
    content = exports.to_xlsx(table, [])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet
    assert "=1+1" in strings and "+SUM(A1)" in strings
    assert _sheet(content)["Nama"].to_list() == ["+SUM(A1)", "-2"]
