"""The dashboard's "Layanan klaim" section and its `klaim` download: the claim service figures of the region
(`claims.selectors.service_figures`), per kab/kota and claim kind, from four Lebak cases and one in Kota
Serang made through the claim services.

Lebak, JKM: one paid on time (complete and paid within 3 working days), one paused once for the heirs'
documents and paid within its moved deadline, one complete and still running. Lebak, JKK: one paid after
its 7 working days. Kota Serang, JKM: one reported, documents still missing.
"""

import datetime as dt
import re

import fastexcel
import pytest

from cakupan.audit.models import AuditEvent
from cakupan.claims.models import ClaimCase
from cakupan.claims.services import (
    HeirInput,
    claim_decide,
    claim_document_receive,
    claim_pause,
    claim_report,
    claim_resume,
)
from cakupan.claims.tests import conftest as claim_fixtures
from cakupan.coverage.services import coverage_refresh

# The claim tests' fixtures: staff of each role, workers, and the claim services' day (autouse).
people = claim_fixtures.people
make_worker = claim_fixtures.make_worker
today = claim_fixtures.today
media = claim_fixtures.media
DESA, OTHER_DESA = claim_fixtures.DESA, claim_fixtures.OTHER_DESA

MONTH = dt.date(2026, 12, 1)
PANDEGLANG_DESA = "36.01.01.2001"  # registered workers, no claim
HEADERS = [
    "Kode kab/kota",
    "Kabupaten/Kota",
    "Kode jenis klaim",
    "Jenis klaim",
    "Kasus",
    "Masih berjalan",
    "Dibayar",
    "Dibayar tepat waktu",
    "Tepat waktu (%)",
    "Median hari kejadian sampai dibayar",
    "Berkas lengkap",
    "Berkas lengkap pertama kali",
    "Berkas lengkap pertama kali (%)",
]


def _report(liaison, worker, kind, incident):
    extra = (
        {"jkk_cause": "accident", "jkk_outcome": "treatment"}
        if kind == "jkk"
        else {"heirs": [HeirInput("Ahmad Nelayan", "child")]}
    )
    return claim_report(
        actor=liaison,
        worker=worker,
        kind=kind,
        incident_date=incident,
        reporter_name="Ahmad Nelayan",
        reporter_relation="anak",
        **extra,
    )


def _complete(liaison, case):
    for code in case.documents.values_list("code", flat=True):
        claim_document_receive(actor=liaison, case=case, code=code)
    return ClaimCase.objects.get(pk=case.pk)


@pytest.fixture
def cases(people, make_worker, today):
    liaison = people["liaison"]
    lebak = [make_worker(paid_through=dt.date(2026, 12, 1), since=dt.date(2024, 1, 1)) for _ in range(4)]
    serang = make_worker(OTHER_DESA, paid_through=dt.date(2026, 12, 1), since=dt.date(2024, 1, 1))
    make_worker(PANDEGLANG_DESA)

    # Monday 2 November: a JKM and a JKK case, both complete the same day.
    today.set(dt.date(2026, 11, 2))
    on_time = _complete(liaison, _report(liaison, lebak[0], "jkm", dt.date(2026, 10, 30)))
    late = _complete(liaison, _report(liaison, lebak[1], "jkk", dt.date(2026, 11, 1)))
    assert (on_time.due_on, late.due_on) == (dt.date(2026, 11, 5), dt.date(2026, 11, 11))
    today.set(dt.date(2026, 11, 4))
    claim_decide(actor=liaison, case=on_time, decision="paid", on=dt.date(2026, 11, 4), amount=42_000_000)

    # Complete on Monday 9 November (due Thursday 12), waiting for the heirs from Tuesday 10 to Monday 16:
    # four working days later, due Wednesday 18; paid Tuesday 17.
    today.set(dt.date(2026, 11, 9))
    paused = _complete(liaison, _report(liaison, lebak[2], "jkm", dt.date(2026, 11, 5)))
    today.set(dt.date(2026, 11, 10))
    claim_pause(actor=liaison, case=paused, reason="Surat keterangan ahli waris belum ditandatangani lurah")
    today.set(dt.date(2026, 11, 16))
    claim_resume(actor=liaison, case=paused)
    today.set(dt.date(2026, 11, 17))
    claim_decide(actor=liaison, case=paused, decision="paid", on=dt.date(2026, 11, 17), amount=42_000_000)
    assert ClaimCase.objects.get(pk=paused.pk).due_on == dt.date(2026, 11, 18)

    today.set(dt.date(2026, 11, 20))
    claim_decide(actor=liaison, case=late, decision="paid", on=dt.date(2026, 11, 20), amount=1_500_000)

    # 1 December: one Lebak case complete and running, one Serang case still collecting documents.
    today.set(dt.date(2026, 12, 1))
    running = _complete(liaison, _report(liaison, lebak[3], "jkm", dt.date(2026, 11, 28)))
    collecting = _report(liaison, serang, "jkm", dt.date(2026, 11, 29))
    today.set(dt.date(2026, 12, 7))
    coverage_refresh(month=MONTH)
    return {"on_time": on_time, "late": late, "paused": paused, "running": running, "serang": collecting}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _claim_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table data-testid="claims">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [_text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


LEBAK_JKK = ["Kabupaten Lebak", "JKK", "1", "0", "1", "0%", "19", "100%"]
# Paid after 5 and 12 days (median 8,5); three complete, one of them paused once: 2 of 3 first time.
LEBAK_JKM = ["Kabupaten Lebak", "JKM", "3", "1", "2", "100%", "8,5", "66,7%"]
SERANG_JKM = ["Kota Serang", "JKM", "1", "1", "0", "–", "–", "–"]


def test_the_province_page_shows_each_kabupaten_and_kind(client, people, cases):
    client.force_login(people["coordinator"])
    response = client.get("/cakupan/36/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="judul-klaim">Layanan klaim<' in html
    assert _claim_rows(html) == [LEBAK_JKK, LEBAK_JKM, SERANG_JKM]
    assert "?bulan=2026-12&amp;table=klaim&amp;format=xlsx" in html


@pytest.mark.parametrize("code", ["36.02", "36.02.01", DESA])
def test_a_kabupaten_kecamatan_or_desa_shows_the_rows_of_its_own_cases(client, people, cases, code):
    client.force_login(people["coordinator"])
    html = client.get(f"/cakupan/{code}/").content.decode()
    # Still per kab/kota (the one the cases inside it belong to); Serang's case is not inside.
    assert _claim_rows(html) == [LEBAK_JKK, LEBAK_JKM]


def test_a_region_without_cases_says_so(client, people, cases):
    client.force_login(people["coordinator"])
    html = client.get("/cakupan/36.01/").content.decode()
    assert 'data-testid="claims-empty">Belum ada klaim tercatat.<' in html
    assert 'data-testid="claims"' not in html and "table=klaim" not in html


def test_the_regency_officer_sees_only_their_kabupaten(client, people, cases):
    client.force_login(people["regency"])
    assert _claim_rows(client.get("/cakupan/36.02/").content.decode()) == [LEBAK_JKK, LEBAK_JKM]
    assert client.get("/cakupan/36/", {"format": "csv", "table": "klaim"}).status_code == 403


def _csv_lines(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return [line.split(";") for line in content[3:].decode("utf-8").splitlines()]


def test_the_klaim_csv(client, people, cases):
    client.force_login(people["coordinator"])
    response = client.get("/cakupan/36/", {"format": "csv", "table": "klaim"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cakupan-36-2026-12-klaim.csv"'
    assert _csv_lines(response.content) == [
        HEADERS,
        ["36.02", "Kabupaten Lebak", "jkk", "JKK", "1", "0", "1", "0", "0,0", "19,0", "1", "1", "100,0"],
        ["36.02", "Kabupaten Lebak", "jkm", "JKM", "3", "1", "2", "2", "100,0", "8,5", "3", "2", "66,7"],
        ["36.73", "Kota Serang", "jkm", "JKM", "1", "1", "0", "0", "", "", "0", "0", ""],
    ]
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert (event.metadata["table"], event.metadata["format"], event.metadata["rows"]) == ("klaim", "csv", 3)


def test_the_klaim_xlsx_holds_numbers(client, people, cases):
    client.force_login(people["coordinator"])
    response = client.get("/cakupan/36.02/", {"format": "xlsx", "table": "klaim"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="cakupan-36-02-2026-12-klaim.xlsx"'
    workbook = fastexcel.read_excel(response.content)
    assert workbook.sheet_names == ["Layanan klaim", "Keterangan"]
    frame = workbook.load_sheet(0).to_polars()
    assert frame.columns == HEADERS
    assert frame.rows() == [
        ("36.02", "Kabupaten Lebak", "jkk", "JKK", 1, 0, 1, 0, 0.0, 19.0, 1, 1, 100.0),
        ("36.02", "Kabupaten Lebak", "jkm", "JKM", 3, 1, 2, 2, 100.0, 8.5, 3, 2, 66.7),
    ]
    about = workbook.load_sheet("Keterangan", header_row=None).to_polars()
    assert about.row(0) == ("Wilayah", "36.02 Kabupaten Lebak")
    assert about.row(1) == ("Tabel", "Layanan klaim")


def test_an_empty_klaim_download_has_its_headers(client, people, cases):
    client.force_login(people["coordinator"])
    lines = _csv_lines(client.get("/cakupan/36.01/", {"format": "csv", "table": "klaim"}).content)
    assert lines == [HEADERS]
    content = client.get("/cakupan/36.01/", {"format": "xlsx", "table": "klaim"}).content
    assert fastexcel.read_excel(content).sheet_names == ["Layanan klaim", "Keterangan"]


@pytest.mark.parametrize("table", ["claims", "KLAIM", "klaim\x00", "x" * 300])
def test_an_unknown_table_is_refused_by_name(client, people, cases, table):
    client.force_login(people["coordinator"])
    response = client.get("/cakupan/36/", {"format": "csv", "table": table})
    assert response.status_code == 400
    assert "klaim" in response.content.decode()
