"""The page a reminder links to: this month's price and due dates from the rules engine, readable without
JavaScript and without signing in."""

import datetime as dt

import pytest

from cakupan.core.formatting import rupiah
from cakupan.rules.engine import jkk_death_benefit, jkm_benefit

LOWEST = 1_000_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "price", "due"),
    [
        (dt.date(2027, 1, 10), "Rp16.800 sebulan", "15 Januari 2027"),
        (dt.date(2026, 11, 3), "Rp8.400 sebulan", "16 November 2026"),
    ],
)
def test_the_price_and_due_date_are_the_rules_engines(client, monkeypatch, today, price, due):
    monkeypatch.setattr("cakupan.portal.views.pages.today_jakarta", lambda: today)
    page = client.get("/cara-bayar/")
    text = page.content.decode()
    assert page.status_code == 200
    assert price in text and f'data-testid="due">{due}' in text
    assert "Indomaret" in text and "santunan kematian Rp42.000.000" in text
    assert "<script" not in text


@pytest.mark.django_db
def test_plain_words_the_work_accident_death_benefit_and_the_other_pages(client, monkeypatch):
    today = dt.date(2026, 11, 3)
    monkeypatch.setattr("cakupan.portal.views.pages.today_jakarta", lambda: today)
    html = client.get("/cara-bayar/").content.decode()
    assert "di ATM, aplikasi bank di HP, atau loket bank" in html
    assert "kanal pembayaran" not in html and "anjungan tunai" not in html
    jkm = rupiah(jkm_benefit(on=today).total)
    jkk = rupiah(jkk_death_benefit(income=LOWEST, on=today).total)
    assert jkk == "Rp70.000.000"
    assert (
        f'<span data-testid="death-benefit">santunan kematian {jkm} untuk keluarga ({jkk} bila karena '
        f"kecelakaan kerja, untuk penghasilan {rupiah(LOWEST)})</span>"
    ) in html
    # The same list of the other information pages as every information page.
    assert '<h2 id="more-info-title">Informasi lain</h2>' in html
    assert '<a href="/cara-bayar/" aria-current="page">Cara membayar</a>' in html
    for link in ("/manfaat/", "/iuran/", "/cara-daftar/", "/klaim/", "/kantor/"):
        assert f'href="{link}"' in html
    # The discount ends for most workers in January 2027: said beside the price.
    assert 'data-testid="price-notice"' in html and "Mulai Januari 2027 iuran kembali" in html
