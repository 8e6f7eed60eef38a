"""The public calculator at /kalkulator/: results in Indonesian formats, sources, and bad input next to
the field, never a server error."""

from __future__ import annotations

import re

import pytest

from cakupan.rules.views import normalise_income

URL = "/kalkulator/"
GOOD = {
    "income": "1000000",
    "programs": ["jkk", "jkm"],
    "month": "2025-06",
    "months": "1",
    "funding": "self",
    "sector": "nelayan",
}


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_first_visit_shows_the_minimum_package(client):
    response = client.get(URL)
    assert response.status_code == 200
    body = text(response)
    assert "Rp201.600" in body  # sponsoring one worker for a year
    assert "Rp42 juta" in body
    assert 'value="1000000"' in response.content.decode()


def test_full_price_month(client):
    body = text(client.get(URL, GOOD))
    assert "Iuran Juni 2025 Rp16.800" in body
    assert "Rp201.600" in body
    assert "Rp48.000.000" in body  # JKK death, 48 × income
    assert "Rp56.000.000" in body  # total disability, 56 ×
    assert "Rp174 juta" in body
    assert "Potongan" not in body.split("Yang dilindungi")[0]


def test_discounted_month_and_jht(client):
    body = text(
        client.get(URL, {**GOOD, "month": "2026-05", "programs": ["jkk", "jkm", "jht"], "months": "3"})
    )
    assert "Iuran Mei 2026 Rp28.400" in body
    assert "Normal Rp36.800; hemat Rp8.400 (50% JKK dan JKM)" in body
    assert "Bayar 3 bulan sekaligus Rp85.200" in body
    assert "JHT Rp20.000 Rp20.000" in body


def test_sources_are_listed_with_confidence_and_provisional_flags(client):
    html = client.get(URL, {**GOOD, "month": "2026-05"}).content.decode()
    sources = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="sources-title"')[1]))
    assert "PP 44/2015 , Lampiran II (keyakinan sedang, sementara )" in sources
    assert "PP 50/2025" in sources
    assert "PP 82/2019" in sources


def test_apbd_gets_no_discount(client):
    body = text(client.get(URL, {**GOOD, "month": "2026-05", "funding": "apbd"}))
    assert "Iuran Mei 2026 Rp16.800" in body
    assert "dikecualikan" in body


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"income": "-5000"}, "income", "Penghasilan tidak boleh negatif."),
        ({"income": "satu juta"}, "income", "Penghasilan harus bilangan bulat"),
        ({"programs": ["jkk", "jkm", "asuransi"]}, "programs", "Program &#x27;asuransi&#x27; tidak dikenal"),
        ({"programs": ["jht"]}, "programs", "Program JKK dan JKM wajib dipilih"),
        ({"month": "Mei 2026"}, "month", "Bulan iuran harus berformat TTTT-BB"),
        ({"month": "2010-01"}, "month", "Aturan untuk bulan iuran 2010-01 tidak tersedia"),
        ({"funding": "arisan"}, "funding", "Sumber dana &#x27;arisan&#x27; tidak dikenal"),
        ({"sector": "formal"}, "sector", "Sektor formal (penerima upah) tidak membayar iuran BPU"),
        ({"months": "7"}, "months", "harus salah satu dari 1, 3, 6, 12"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(client, change, field, message):
    response = client.get(URL, {**GOOD, **change})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<p class="field-error" id="error-{field}">' in html
    assert message in html.split(f'id="error-{field}">')[1].split("</p>")[0]
    assert "Periksa isian berikut" in html
    assert "Biaya iuran" not in html


def test_every_error_at_once_keeps_what_was_typed(client):
    response = client.get(
        URL, {"income": "abc", "programs": "x", "month": "x", "months": "x", "funding": "x", "sector": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="field-error"') == 6
    assert 'value="abc"' in html


def test_what_people_type_on_a_phone_is_accepted(client):
    body = text(client.get(URL, {**GOOD, "income": "Rp 2.500.000"}))
    assert "tingkat penghasilan Rp2.500.000" in body
    assert "Iuran Juni 2025 Rp31.800" in body


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Rp 1.000.000", "1000000"),
        ("rp1.500.000", "1500000"),
        ("750000", "750000"),
        ("1.5", "1.5"),
        ("-1.000", "-1.000"),
    ],
)
def test_normalise_income(typed, read):
    assert normalise_income(typed) == read


def test_no_inline_script_and_no_cdn(client):
    html = client.get(URL).content.decode()
    assert "<script" not in html
    assert "https://" not in html
    assert 'href="/static/rules/calculator.css"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_only_get(client):
    assert client.post(URL, GOOD).status_code == 405
