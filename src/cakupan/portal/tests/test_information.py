"""The public information pages (/informasi/, /manfaat/, /iuran/, /cara-daftar/, /klaim/, /kantor/).

Every figure equals the rules engine's for the pinned day, on three days: inside the PP 50/2025 discount for
every sector (November 2026), after it for all but transport (January 2027) and after it for everyone (May
2027). Each page is one light request without script and shows names, never internal codes. The office
finder of /kantor/ has its own tests (test_offices.py).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest

from cakupan.core.formatting import date_long, month_long, rupiah
from cakupan.portal import information
from cakupan.portal.tests.reading import visible
from cakupan.rules.engine import (
    Month,
    claim_deadlines,
    contribution,
    default_book,
    due_date,
    jkk_death_benefit,
    jkk_partial_disability_benefit,
    jkk_total_disability_benefit,
    jkm_benefit,
    scholarship_benefit,
    scholarship_cap,
    stmb_benefit,
)
from cakupan.rules.engine.codes import FUNDING_SOURCES, NON_BPU_SECTORS, SECTORS

DISCOUNT_DAY = dt.date(2026, 11, 3)  # every BPU sector inside a PP 50/2025 window
SPLIT_DAY = dt.date(2027, 1, 10)  # transport still discounted (to March 2027), other sectors not
AFTER_DAY = dt.date(2027, 5, 3)  # every window over
DECEMBER_DAY = dt.date(2026, 12, 10)  # the last month of the discount for every sector but transport
DAYS = (DISCOUNT_DAY, SPLIT_DAY, AFTER_DAY)
PAGES = ("/informasi/", "/manfaat/", "/iuran/", "/cara-daftar/", "/cara-bayar/", "/klaim/", "/kantor/")
LOWEST = 1_000_000
MANDATORY = ("jkk", "jkm")
# Codes that must never reach a reader: funding and sector codes, program codes in lower case, rule ids.
INTERNAL_CODES = re.compile(
    r"\b(apbd|apbn|self|baznas|dana_desa|csr|lainnya|buruh_harian|prt|jkk|jkm|jht|pp50_2025|pp50-2025|"
    r"pp82-2019|too_long|too_short)\b"
)
# What a reader sees for each funding source: words first, the name or code they may hear beside it.
FUNDING_LABELS = {
    "self": "Anda sendiri",
    "sponsor": "Orang lain yang membayari Anda (SERTAKAN)",
    "apbd": "Pemerintah daerah (APBD)",
    "apbn": "Pemerintah pusat (APBN)",
    "baznas": "Lembaga zakat (BAZNAS/LAZ)",
    "dana_desa": "Dana Desa",
    "csr": "Perusahaan (CSR)",
}
# The warning beside a price on the days the discount ends soon, and on the days it does not.
NOTICE_OTHERS_END = (
    "Potongan iuran segera berakhir. Mulai Januari 2027 iuran kembali ke harga normal, Rp16.800 sebulan. "
    "Untuk Transportasi (ojek, sopir, kurir), iuran tetap Rp8.400 sebulan sampai Maret 2027."
)
NOTICE_TRANSPORT_ENDS = (
    "Potongan iuran segera berakhir. Untuk Transportasi (ojek, sopir, kurir), mulai April 2027 iuran "
    "kembali ke harga normal, Rp16.800 sebulan."
)


@pytest.fixture
def on_day(monkeypatch):
    def pin(day: dt.date) -> None:
        monkeypatch.setattr("cakupan.portal.views.pages.today_jakarta", lambda: day)

    return pin


def price(day: dt.date, *, funding: str = "self", sector: str = "nelayan", programs=MANDATORY):
    return contribution(income=LOWEST, programs=programs, month=Month.of(day), funding=funding, sector=sector)


def bpu_sectors() -> list[str]:
    return [code for code in SECTORS if code not in NON_BPU_SECTORS]


def cell(quote) -> str:
    """A table cell as the page writes it: the price, and the normal price when discounted."""
    if quote.total < quote.full_total:
        return f"{rupiah(quote.total)} normal {rupiah(quote.full_total)}"
    return rupiah(quote.total)


# --- every page ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("url", PAGES)
def test_each_page_is_one_light_request_without_script_or_codes(client, on_day, url, day):
    on_day(day)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html
    # Everything arrives in this one response: the stylesheet inline, no images, no other files.
    assert '<link rel="stylesheet"' not in html and "<img" not in html
    assert len(response.content) < 100_000
    text = visible(response)
    assert not INTERNAL_CODES.search(text), INTERNAL_CODES.search(text)
    assert html.startswith("<!doctype html>") and '<html lang="id">' in html
    for link in ("/kalkulator/", "/cek/", "/informasi/"):
        assert f'href="{link}"' in html


@pytest.mark.django_db
def test_the_index_links_every_information_page(client):
    html = client.get("/informasi/").content.decode()
    assert "Iuran</a>: berapa yang harus dibayar tiap bulan." in html
    for link in (
        "/manfaat/",
        "/iuran/",
        "/cara-daftar/",
        "/cara-bayar/",
        "/klaim/",
        "/kantor/",
        "/kalkulator/",
    ):
        assert f'href="{link}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/cara-bayar/", "/akun/masuk/"])
def test_every_page_links_the_calculator_the_status_check_and_the_information(client, url):
    html = client.get(url).content.decode()
    nav = html.split('<nav aria-label="Navigasi utama">')[1].split("</nav>")[0]
    for link, words in (
        ("/kalkulator/", "Kalkulator iuran"),
        ("/cek/", "Cek kepesertaan"),
        ("/informasi/", "Informasi"),
    ):
        assert f'<a href="{link}">{words}</a>' in nav


# --- /iuran/ ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_contributions_per_sector_are_the_engines(client, on_day, day):
    on_day(day)
    response = client.get("/iuran/")
    month = Month.of(day)
    table = visible(response, "sectors") + " "
    quotes = {code: price(day, sector=code) for code in bpu_sectors()}
    if len({(quote.total, quote.full_total) for quote in quotes.values()}) == 1:
        # Every sector pays the same: one line, not a table of equal rows.
        quote = quotes["nelayan"]
        normal = f" (harga normal {rupiah(quote.full_total)})" if quote.total < quote.full_total else ""
        assert table == f"Sama untuk semua pekerjaan: JKK dan JKM {rupiah(quote.total)} sebulan{normal}. "
    else:
        for code, quote in quotes.items():
            assert f"{SECTORS[code]} {cell(quote)} " in table
    extras = set()
    for code in bpu_sectors():
        extras.add(
            price(day, sector=code, programs=(*MANDATORY, "jht")).total - price(day, sector=code).total
        )
    # JHT is never discounted, so it adds the same to every sector: one sentence instead of a column.
    assert extras == {20_000}
    assert f"JHT (tabungan hari tua): {rupiah(extras.pop())} sebulan lagi" in visible(
        response, "optional-extra"
    )
    text = visible(response)
    assert f"Iuran {month_long(month)} dibayar paling lambat {date_long(due_date(month))}." in text
    assert f"paling lambat {date_long(due_date(month.shift(1)))}" in text
    cheapest = min((price(day, sector=code) for code in bpu_sectors()), key=lambda quote: quote.total)
    assert f"mulai {rupiah(cheapest.total)} sebulan" in visible(response, "cheapest")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "due", "sectors"),
    [
        (
            DISCOUNT_DAY,
            "16 November 2026",
            ["Sama untuk semua pekerjaan: JKK dan JKM Rp8.400 sebulan (harga normal Rp16.800)."],
        ),
        (
            SPLIT_DAY,
            "15 Januari 2027",
            ["Transportasi (ojek, sopir, kurir) Rp8.400 normal Rp16.800 ", "Nelayan Rp16.800 "],
        ),
        # 15th a Saturday, 17th Idul Adha
        (AFTER_DAY, "18 Mei 2027", ["Sama untuk semua pekerjaan: JKK dan JKM Rp16.800 sebulan."]),
    ],
    ids=str,
)
def test_contribution_figures_pinned(client, on_day, day, due, sectors):
    """The same figures written out, so that an engine change that moves them is seen here too."""
    on_day(day)
    response = client.get("/iuran/")
    assert f'data-testid="due">{due}<' in response.content.decode()
    table = visible(response, "sectors") + " "
    for words in sectors:
        assert words in table


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "notice"),
    [
        (dt.date(2026, 9, 30), None),  # January 2027 is four months away: not yet
        (dt.date(2026, 10, 1), NOTICE_OTHERS_END),
        (DISCOUNT_DAY, NOTICE_OTHERS_END),
        (DECEMBER_DAY, NOTICE_OTHERS_END),
        (SPLIT_DAY, NOTICE_TRANSPORT_ENDS),
        (AFTER_DAY, None),
    ],
    ids=str,
)
@pytest.mark.parametrize("url", ["/iuran/", "/cara-daftar/", "/cara-bayar/"])
def test_a_price_that_ends_soon_is_announced_beside_it(client, on_day, url, day, notice):
    on_day(day)
    response = client.get(url)
    if notice is None:
        assert 'data-testid="price-notice"' not in response.content.decode()
    else:
        assert visible(response, "price-notice") == notice


def test_the_announced_prices_are_the_engines():
    """The months and prices the notice names are where the engine's price changes."""
    after_others = dt.date(2027, 1, 1)
    after_transport = dt.date(2027, 4, 1)
    assert price(DECEMBER_DAY).total == 8_400 and price(after_others).total == 16_800
    assert price(DECEMBER_DAY).full_total == price(after_others).total
    assert price(dt.date(2027, 3, 1), sector="transportasi").total == 8_400
    assert price(after_transport, sector="transportasi").total == 16_800
    notice = information.price_notice(month=Month.of(DECEMBER_DAY))
    assert [(change.first_month, change.price, change.sectors) for change in notice.changes] == [
        (Month(2027, 1), price(after_others).total, "")
    ]
    assert [(hold.sectors, hold.price, hold.until) for hold in notice.holds] == [
        (SECTORS["transportasi"], price(DECEMBER_DAY, sector="transportasi").total, Month(2027, 3))
    ]
    assert information.price_notice(month=Month.of(AFTER_DAY)) is None


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_contributions_per_funding_source_are_the_engines(client, on_day, day):
    on_day(day)
    table = visible(client.get("/iuran/"), "funding")
    split = price(day, sector="transportasi").total != price(day, sector="nelayan").total
    groups = {"Transportasi (ojek, sopir, kurir)": "transportasi", "Pekerjaan lain": "nelayan"}
    if not split:
        groups = {"Semua pekerjaan": "nelayan"}
    expected = "Dibayar oleh Iuran sebulan"
    for group, sector in groups.items():
        expected += f" {group}"
        for code in FUNDING_SOURCES:
            expected += f" {FUNDING_LABELS[code]} {rupiah(price(day, funding=code, sector=sector).total)}"
    assert table == expected


@pytest.mark.django_db
def test_apbd_pays_full_price_inside_the_discount(client, on_day):
    on_day(DISCOUNT_DAY)
    table = visible(client.get("/iuran/"), "funding")
    assert "Pemerintah daerah (APBD) Rp16.800 " in table
    assert "Anda sendiri Rp8.400 " in table
    assert "Harga normal, tanpa potongan: Rp16.800 sebulan." in visible(client.get("/iuran/"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "transport_state", "others_state", "applies"),
    [
        (DISCOUNT_DAY, "berlaku", "berlaku", True),
        (SPLIT_DAY, "berlaku", "sudah berakhir", True),
        (AFTER_DAY, "sudah berakhir", "sudah berakhir", False),
    ],
    ids=str,
)
def test_the_discount_is_shown_with_its_dates_and_who_gets_it(
    client, on_day, day, transport_state, others_state, applies
):
    on_day(day)
    discount = visible(client.get("/iuran/"), "discount")
    rule = default_book().for_month(Month.of(day)).discounts[0]
    assert rule.citation.instrument == "PP 50/2025" and rule.excluded_funding == {"apbd", "apbn"}
    assert discount.startswith("Potongan 50% iuran JKK dan JKM (aturan pemerintah PP 50/2025)")
    assert f"Transportasi (ojek, sopir, kurir): Januari 2026–Maret 2027 ({transport_state})." in discount
    assert f"Jasa dan Lainnya: April–Desember 2026 ({others_state})." in discount
    month = month_long(Month.of(day))
    assert (f"Berlaku untuk iuran {month}" in discount) is applies
    assert (f"Tidak berlaku untuk iuran {month}." in discount) is not applies
    assert "Iuran JKK dan JKM dipotong 50%. Iuran JHT tidak dipotong." in discount
    assert "Pekerja mandiri (bukan penerima upah) yang iurannya dibayar oleh:" in discount
    assert (
        "Iuran yang dibayar oleh pemerintah daerah (APBD) atau pemerintah pusat (APBN): dibayar penuh."
        in discount
    )
    # Arrears: the months before each window, in the words of the reader test.
    transport = "Transportasi (ojek, sopir, kurir)"
    assert f"{transport}: iuran yang telat dari sebelum Januari 2026 dibayar penuh." in discount
    assert "Pekerjaan lain: iuran yang telat dari sebelum April 2026 dibayar penuh." in discount
    assert "Yang mendapat potongan" in discount and "Anda sendiri" in discount
    assert "Lembaga zakat (BAZNAS/LAZ)" in discount and "Perusahaan (CSR)" in discount
    assert "berlaku sejak 22 Desember 2025" in discount
    for jargon in ("Sponsor perorangan", "CSR perusahaan", "masa potongan"):
        assert jargon not in discount


# --- /manfaat/ ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_benefits_are_the_engines(client, on_day, day):
    on_day(day)
    response = client.get("/manfaat/")
    jkm = jkm_benefit(on=day)
    waiting = jkm_benefit(member_since=day, on=day)
    ruleset = default_book().for_date(day)
    assert visible(response, "jkm-total") == rupiah(jkm.total) == "Rp42.000.000"
    jkm_table = visible(response, "jkm")
    for line in jkm.lines:
        assert rupiah(line.amount) in jkm_table
    periodic = ruleset["jkm_periodic"]
    assert f"Santunan kematian {rupiah(ruleset['jkm_lump_sum'].value)} " in jkm_table
    assert (
        f"Uang tambahan (santunan berkala): {periodic['months']} bulan × {rupiah(periodic['monthly'])}, "
        f"dibayar sekali {rupiah(periodic['months'] * periodic['monthly'])} "
    ) in jkm_table
    assert f"Biaya pemakaman {rupiah(ruleset['jkm_funeral'].value)} " in jkm_table
    reduced = ruleset["jkm_reduced"]
    waiting_text = visible(response, "jkm-waiting")
    assert (
        f"Keluarga menerima {rupiah(waiting.total)}: santunan kematian {rupiah(reduced['lump_sum'])} dan "
        f"biaya pemakaman {rupiah(reduced['funeral'])}."
    ) in waiting_text
    assert ("Angka ini bisa berubah. Tanyakan ke kantor BPJS Ketenagakerjaan." in waiting_text) is (
        reduced.citation.provisional
    )
    assert waiting.total == 10_000_000

    scholarship = visible(response, "scholarship")
    for level in ruleset["scholarship_schedule"]["levels"]:
        total = level["yearly"] * level["years"]
        assert (
            f"{level['label']}: {rupiah(level['yearly'])} per tahun, paling lama {level['years']} tahun "
            f"({rupiah(total)})." in scholarship
        )
    cap = rupiah(scholarship_cap(ruleset))
    assert (
        visible(response, "scholarship-cap")
        == f"Paling banyak per anak: {cap}."
        == "Paling banyak per anak: Rp87.000.000."
    )
    all_children = scholarship_benefit(contribution_months=36, on=day).total
    assert visible(response, "scholarship-all") == rupiah(all_children) == "Rp174.000.000"

    death = jkk_death_benefit(income=LOWEST, on=day)
    death_table = visible(response, "jkk-death")
    assert death_table.endswith(f"Jumlah {rupiah(death.total)}")
    assert death.total == 70_000_000
    # Formulas in words: 60% × 80 is "48 kali penghasilan sebulan".
    assert f"Santunan kematian: 48 kali penghasilan sebulan {rupiah(48 * LOWEST)} " in death_table
    assert death.lines[0].amount == 48 * LOWEST
    periodic_words = "Uang tambahan (santunan berkala): 24 bulan × Rp500.000, dibayar sekali"
    assert f"{periodic_words} Rp12.000.000" in death_table
    disability = jkk_total_disability_benefit(income=LOWEST, on=day)
    disability_table = visible(response, "jkk-total-disability")
    assert disability_table.endswith(f"Jumlah {rupiah(disability.total)}")
    assert f"Santunan cacat: 56 kali penghasilan sebulan {rupiah(56 * LOWEST)} " in disability_table
    assert disability.lines[0].amount == 56 * LOWEST
    one_eye = jkk_partial_disability_benefit(income=LOWEST, part="one_eye", on=day).total
    assert f"Penglihatan satu mata (35%) {rupiah(one_eye)}" in visible(response, "jkk-partial-disability")
    assert (
        visible(response, "stmb") == f"{rupiah(stmb_benefit(income=LOWEST, months=1, on=day).total)} sebulan"
    )
    text = visible(response)
    assert "sesuai kebutuhan medis, tanpa batas biaya" in text
    assert "paling lama 12 bulan dan paling banyak Rp20.000.000" in text
    assert "Transportasi udara (paling banyak): Rp10.000.000" in text
    assert "paling sedikit 36 bulan (3 tahun), paling banyak 2 anak" in text
    assert "Cacat sehingga tidak bisa bekerja lagi" in text
    for jargon in ("masa tunggu", "sumber berbeda pendapat", "dibayar sekaligus", "Santunan berkala 24"):
        assert jargon not in text


# --- /cara-daftar/ ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "cheapest"), [(DISCOUNT_DAY, "Rp8.400"), (AFTER_DAY, "Rp16.800")], ids=str)
def test_registration_price_and_due_date_are_the_engines(client, on_day, day, cheapest):
    on_day(day)
    response = client.get("/cara-daftar/")
    lowest = min(price(day, sector=code).total for code in bpu_sectors())
    assert visible(response, "cheapest") == f"{rupiah(lowest)} sebulan" == f"{cheapest} sebulan"
    assert visible(response, "due") == date_long(due_date(Month.of(day)))
    html = response.content.decode()
    for link in ("/cara-bayar/", "/cek/", "/kantor/", "/iuran/"):
        assert f'href="{link}' in html
    jht = price(day, programs=(*MANDATORY, "jht")).total - price(day).total
    assert jht == 20_000
    assert visible(response, "programs") == (
        "Wajib: perlindungan kecelakaan kerja (JKK) dan kematian (JKM). "
        f"Boleh ditambah: tabungan hari tua (JHT), 2% dari penghasilan, paling sedikit {rupiah(jht)} sebulan."
    )
    text = visible(response)
    assert "Agen Perisai: petugas BPJS Ketenagakerjaan dari warga sekitar." in text
    assert "Unduh di Play Store." in text and "pekerja yang penghasilannya kecil" in text
    assert "pekerja rentan" not in text and "sponsor" not in text.lower()


# --- /klaim/ ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_claim_deadlines_are_the_engines(client, on_day, day):
    on_day(day)
    response = client.get("/klaim/")
    jkk = claim_deadlines(kind="jkk", event=day, complete=day)
    jkm = claim_deadlines(kind="jkm", event=day, complete=day)
    assert f"paling lambat {date_long(jkm.payment_by)}" in visible(response, "jkm-payment")
    assert "paling lambat 3 hari kerja" in visible(response, "jkm-payment")
    assert f"paling lambat {date_long(jkk.payment_by)}" in visible(response, "jkk-payment")
    assert "paling lambat 7 hari kerja" in visible(response, "jkk-payment")
    steps = visible(response, "jkk-steps")
    assert f"dilaporkan paling lambat {date_long(jkk.report_by)}" in steps
    assert "paling lambat 48 jam setelah kejadian" in steps
    assert visible(response, "claim-by") == date_long(jkk.claim_by)
    assert visible(response, "jkm-claim-by") == date_long(jkm.claim_by)
    assert f"ajukan klaim paling lambat {date_long(jkk.claim_by)}" in steps


@pytest.mark.django_db
def test_claim_deadlines_pinned(client, on_day):
    on_day(DISCOUNT_DAY)  # a Tuesday
    response = client.get("/klaim/")
    assert "paling lambat 6 November 2026" in visible(response, "jkm-payment")
    assert "paling lambat 12 November 2026" in visible(response, "jkk-payment")
    assert visible(response, "claim-by") == "3 November 2031"


@pytest.mark.django_db
def test_claims_list_heirs_in_legal_order_and_documents(client, on_day):
    on_day(DISCOUNT_DAY)
    response = client.get("/klaim/")
    heirs = visible(response, "heirs")
    order = ["janda atau duda", "orang tua", "saudara kandung", "mertua", "surat wasiat"]
    assert [heirs.index(words) for words in order] == sorted(heirs.index(words) for words in order)
    assert "Akta kematian" in visible(response, "jkm-documents")
    jkk_documents = visible(response, "jkk-documents")
    assert (
        "Laporan polisi" in jkk_documents
        and "NPWP (nomor pajak), bila jumlah santunan lebih dari Rp50.000.000." in jkk_documents
    )
    assert "Formulir laporan pertama dan laporan kedua" in jkk_documents
    assert "Cerita tertulis bagaimana kecelakaan terjadi" in jkk_documents
    assert "Bila tidak ada: orang tua, kakek-nenek, atau cucu." in heirs
    text = visible(response)
    assert "layanan online Lapak Asik (di situs BPJS Ketenagakerjaan)" in text
    assert "keluarga atau operator desa boleh melaporkan" in text
    for jargon in ("Tahap I", "Kronologi", "daring", "sedarah", "derajat"):
        assert jargon not in text


def test_the_content_builders_import_no_django():
    # A fresh interpreter: this test process has Django loaded already.
    code = (
        "import sys, datetime\n"
        "from cakupan.portal import information\n"
        "information.contributions_page(today=datetime.date(2026, 11, 3))\n"
        "information.offices_by_regency([('36.73', 'Kota Serang')])\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
