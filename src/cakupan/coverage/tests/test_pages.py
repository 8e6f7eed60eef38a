"""The dashboard pages and the map endpoint, on the scale-0.001 synthetic province of November 2026."""

import datetime as dt
import json
import re

import pytest

from cakupan.accounts.models import User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.coverage.services import coverage_refresh

MONTH = dt.date(2026, 11, 1)
PASSWORD = "Banten-UCJ-2026"
ACCOUNTS = ("admin", "provinsi", "lebak", "sponsor")


@pytest.fixture
def dashboard_data(small_population):
    coverage_refresh(month=MONTH)
    for account in DEMO_ACCOUNTS:
        if account.username in ACCOUNTS:
            user_upsert_demo(account=account, password=PASSWORD)
    return {user.username: user for user in User.objects.all()}


@pytest.fixture
def as_user(client, dashboard_data):
    def login(username):
        client.force_login(dashboard_data[username])
        return client

    return login


def _text(html: str) -> str:
    """The page's visible text with tags dropped and blanks squeezed, for exact phrases."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _rows(html: str, testid: str) -> list[list[str]]:
    table = re.search(rf'<table data-testid="{testid}">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [_text(cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _testid(html: str, testid: str) -> str:
    return _text(re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S).group(1)).strip()


def test_login_is_required(client, dashboard_data):
    response = client.get("/cakupan/36/")
    assert response.status_code == 302 and response["Location"] == "/akun/masuk/?next=/cakupan/36/"


@pytest.mark.parametrize(
    ("username", "target"),
    [("provinsi", "/cakupan/36/"), ("lebak", "/cakupan/36.02/"), ("admin", "/cakupan/36/")],
)
def test_home_goes_to_the_users_area(as_user, username, target):
    response = as_user(username).get("/cakupan/")
    assert response.status_code == 302 and response["Location"] == target
    kept = as_user(username).get("/cakupan/", {"bulan": "2026-11", "penyebut": "registry"})
    assert kept["Location"] == f"{target}?bulan=2026-11&penyebut=registry"


def test_an_account_without_an_area_has_no_dashboard(as_user):
    response = as_user("sponsor").get("/cakupan/")
    assert response.status_code == 403
    assert "tidak memiliki wilayah kerja" in response.content.decode()


def test_province_page_headline_and_children(as_user):
    response = as_user("provinsi").get("/cakupan/36/")
    assert response.status_code == 200
    html = response.content.decode()
    # By default the labour force (angkatan kerja 6,170,000 × 0.001): 2,647 active are 42,9% of it.
    assert _testid(html, "covered") == "2.647"
    assert _testid(html, "denominator") == "6.170"
    assert _testid(html, "coverage-pct") == "42,9%"
    assert _testid(html, "gap") == "3.493"
    assert _testid(html, "gap-points") == "kurang 56,6 poin persen dari target 99,5%"
    assert '<option value="labour_force" selected>Angkatan kerja</option>' in html
    # Its source: indicator, period, the demo's scale, how kab/kota are split, and where it was published.
    assert _testid(html, "denominator-source") == (
        "Sumber: BPS Sakernas Agustus 2025, angkatan kerja × skala demo 0,001; kab/kota dibagi menurut "
        "proporsi penduduk Dukcapil (estimasi)"
    )
    assert _testid(html, "denominator-url") == "banten.idntimes.com"
    assert re.search(
        r'Rujukan: <a href="https://banten\.idntimes\.com/news/banten/pengangguran-di-banten-capai-412-360[^"]*"'
        r' rel="noopener noreferrer" data-testid="denominator-url">',
        html,
    )
    text = _text(html)
    assert "Cakupan Jamsostek Provinsi Banten 36" in text
    assert "Posisi November 2026 · target Universal Coverage Jamsostek 99,5% pada 2045 (RPJPN 2025-2045)" in (
        text
    )
    # Beside UCJ: active BPU members ÷ informal workers (the employed 5.760 × Sakernas' 45,12% informal
    # = 2.599, not the labour force: the share is of the employed).
    assert _testid(html, "bpu-pct") == "59,5%"
    assert (
        "1.547 peserta BPU aktif dari perkiraan 2.599 pekerja informal (BPS Sakernas Agustus 2025, "
        "pekerja informal 45,12% dari penduduk bekerja)"
    ) in text
    rows = _rows(html, "children")
    assert len(rows) == 8
    assert [row[0] for row in rows] == [
        "36.01",
        "36.02",
        "36.03",
        "36.04",
        "36.71",
        "36.72",
        "36.73",
        "36.74",
    ]
    assert rows[1][1] == "Kabupaten Lebak"
    # Columns: code, name, coverage (first, so that a phone shows it without scrolling), covered, denominator.
    assert rows[1][2:] == ["43,1%", "316", "734", "415"]
    assert sum(int(row[4].replace(".", "")) for row in rows) == 6170
    assert sum(int(row[3].replace(".", "")) for row in rows) == 2647
    assert '<a href="/cakupan/36.02/">Kabupaten Lebak</a>' in html
    # The map is drawn in the page: one outline per child, each a link with its figures as the tooltip,
    # coloured on the observed range.
    svg = re.search(r'<svg class="map".*?</svg>', html, re.S).group(0)
    assert 'data-features="8"' in svg and 'data-scale="' in svg
    links = re.findall(r'<a href="([^"]+)" data-code="([^"]+)"', svg)
    assert links[:2] == [("/cakupan/36.01/", "36.01"), ("/cakupan/36.02/", "36.02")] and len(links) == 8
    assert len(re.findall(r'<path d="M[^"]+Z" fill="#[0-9a-f]{6}">', svg)) == 8
    assert "<title>Kabupaten Lebak: cakupan 43,1%, 316 dari 734 pekerja</title>" in svg
    assert "data-peta" not in html
    # No inline script or style: the Content-Security-Policy would block it.
    assert "style=" not in html and "onclick" not in html
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []


def test_breakdowns_trend_and_projection(as_user):
    html = as_user("provinsi").get("/cakupan/36/").content.decode()
    for dimension in ("sector", "sex", "age_band", "decile"):
        assert f'data-testid="breakdown-{dimension}"' in html
        assert f'<script id="data-{dimension}" type="application/json">' in html
    text = _text(html)
    assert "Laki-laki 3.652 1.737 47,6%" in text
    assert "15–24 tahun 607 273 45%" in text
    assert "Desil 1 510 229 44,9%" in text
    assert _rows(html, "trend") == [["November 2026", "2.647", "5.760"]]
    assert "belum dapat diproyeksikan" in _testid(html, "projection-none")
    budget = _rows(html, "budget")
    assert [row[0] for row in budget] == ["2027", "2028", "2029", "2030"]
    assert budget[-1][1] == "3.493"


def test_projection_with_a_shrinking_trend(as_user):
    for month in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        coverage_refresh(month=month)
    html = as_user("provinsi").get("/cakupan/36/").content.decode()
    assert [row[0] for row in _rows(html, "trend")] == ["September 2026", "Oktober 2026", "November 2026"]
    paragraph = re.search(r'data-testid="projection-none">(.*?)</p>', html, re.S).group(1)
    assert " ".join(_text(paragraph).split()) == (
        "Waktu tercapainya target belum dapat diproyeksikan : jumlah peserta aktif berkurang rata-rata 43 "
        "pekerja per bulan selama 2 bulan terakhir, sehingga target tidak tercapai pada laju ini."
    )


def test_target_year_is_validated(as_user):
    response = as_user("provinsi").get("/cakupan/36/", {"tahun": "2050"})
    assert response.status_code == 400
    assert _testid(response.content.decode(), "year-error") == "Tahun target harus antara 2027 dan 2045."
    response = as_user("provinsi").get("/cakupan/36/", {"tahun": "2035"})
    assert [row[0] for row in _rows(response.content.decode(), "budget")][-1] == "2035"


def test_drill_down_to_a_desa(as_user):
    client = as_user("provinsi")
    html = client.get("/cakupan/36.02/").content.decode()
    assert "Cakupan Jamsostek Kabupaten Lebak" in _text(html)
    assert '<li><a href="/cakupan/36/">Banten</a></li>' in html
    rows = _rows(html, "children")
    assert rows[0][:2] == ["36.02.01", "Malingping"]
    html = client.get("/cakupan/36.02.01/", {"penyebut": "registry"}).content.decode()
    assert "Cakupan Jamsostek Kecamatan Malingping" in _text(html)
    # The chosen denominator follows every link.
    assert '<a href="/cakupan/36.02/?penyebut=registry">Kabupaten Lebak</a>' in html
    assert 'href="/cakupan/36.02.01.2002/?penyebut=registry"' in html
    response = client.get("/cakupan/36.02.01.2002/")
    html = response.content.decode()
    assert response.status_code == 200
    crumbs = _text(re.search(r'data-testid="breadcrumbs">(.*?)</ol>', html, re.S).group(1)).split()
    assert crumbs == ["Banten", "Kabupaten", "Lebak", "Malingping", "Cilangkahan"]
    assert "Desa/kelurahan adalah wilayah terkecil" in _text(html)
    assert 'data-testid="children"' not in html


def test_the_map_endpoint_serves_exactly_the_children(as_user):
    client = as_user("provinsi")
    body = json.loads(client.get("/cakupan/peta/36.geojson").content)
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == [
        "36.01", "36.02", "36.03", "36.04", "36.71", "36.72", "36.73", "36.74",
    ]  # fmt: skip
    page = client.get("/cakupan/36.02.01/").content.decode()
    desa = {
        f["properties"]["code"]
        for f in json.loads(client.get("/cakupan/peta/36.02.01.geojson").content)["features"]
    }
    assert desa == {row[0] for row in _rows(page, "children")}
    assert json.loads(client.get("/cakupan/peta/36.02.01.2002.geojson").content)["features"] == []


def test_the_map_endpoint_keeps_to_the_area(as_user):
    client = as_user("lebak")
    assert client.get("/cakupan/peta/36.02.geojson").status_code == 200
    response = client.get("/cakupan/peta/36.geojson")
    assert response.status_code == 403 and response.json()["code"] == "region_outside_area"
    assert client.get("/cakupan/peta/36.99.geojson").status_code == 404


def test_the_lebak_officer_sees_only_lebak(as_user):
    client = as_user("lebak")
    html = client.get("/cakupan/36.02/").content.decode()
    # The province is shown in the breadcrumbs but not linked: its page would be refused.
    assert "<li>Banten</li>" in html and 'href="/cakupan/36/"' not in html
    for code in ("36", "36.73", "36.73.01"):
        response = client.get(f"/cakupan/{code}/")
        assert response.status_code == 403
        assert f"Wilayah {code} di luar wilayah kerja Anda." in response.content.decode()
    assert client.get("/cakupan/36.73/", {"format": "xlsx"}).status_code == 403


@pytest.mark.parametrize(
    ("params", "code", "status", "message"),
    [
        ({}, "36.99", 404, "Kode wilayah &#x27;36.99&#x27; tidak dikenal."),
        ({"bulan": "2026-13"}, "36", 400, "Bulan &#x27;2026-13&#x27; tidak sah: gunakan format TTTT-BB"),
        ({"bulan": "November"}, "36", 400, "gunakan format TTTT-BB"),
        ({"bulan": "1900-01"}, "36", 400, "di luar rentang yang tersedia"),
        ({"bulan": "0001-01"}, "36", 400, "di luar rentang yang tersedia"),
        ({"bulan": "2099-01"}, "36", 400, "Bulan 2099-01 belum terjadi."),
        ({"bulan": "2020-01"}, "36", 404, "Belum ada data cakupan Januari 2020 untuk Banten."),
        ({"penyebut": "penduduk"}, "36", 400, "Penyebut harus employed, labour_force atau registry."),
        ({"format": "docx"}, "36", 400, "Format unduhan harus xlsx, csv atau pdf."),
        ({"format": "csv", "table": "gaji"}, "36", 400, "Tabel unduhan harus children"),
    ],
)
def test_bad_input_gets_a_message_and_a_status(as_user, params, code, status, message):
    response = as_user("provinsi").get(f"/cakupan/{code}/", params)
    assert response.status_code == status
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_other_denominators(as_user):
    client = as_user("provinsi")
    html = client.get("/cakupan/36/", {"penyebut": "registry", "bulan": "2026-11"}).content.decode()
    assert _testid(html, "denominator") == "5.760"
    assert _testid(html, "coverage-pct") == "46%"
    assert "Pekerja terdaftar di registri Cakupan" in html
    assert 'data-testid="denominator-url"' not in html
    html = client.get("/cakupan/36/", {"penyebut": "employed"}).content.decode()
    assert _testid(html, "denominator") == "5.760"
    assert _testid(html, "coverage-pct") == "46%"
    assert _testid(html, "denominator-source").startswith(
        "Sumber: BPS Sakernas Agustus 2025, penduduk bekerja × skala demo 0,001"
    )
    assert _testid(html, "denominator-url") == "banten.idntimes.com"
    # A non-default denominator follows the links; the default one is left out of them.
    assert '<a href="/cakupan/36.02/?penyebut=employed">Kabupaten Lebak</a>' in html
    default = client.get("/cakupan/36/", {"penyebut": "labour_force"}).content.decode()
    assert _testid(default, "denominator") == "6.170"
    assert '<a href="/cakupan/36.02/">Kabupaten Lebak</a>' in default
