"""A JKM claim followed on a 360 px phone, in a real Chromium: the village operator signs in, reports the
death of a fisher of her desa with his widow as heir, reads the checklist, marks every document received
(the membership card with its scan), and sees "Berkas lengkap" with the due date; then BPJS TK's liaison
records the payment. axe-core checks every page as it is reached.

Today is Monday 7 December 2026 for the claim services, the server's included (it runs in a thread of this
process). Data is made before the browser starts and checked after it stops (see test_dashboard_browser)."""

import datetime as dt
import re

import pytest
from accessibility import axe_violations
from playwright.sync_api import expect
from test_dashboard_browser import CHROMIUM, PASSWORD, chromium

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.claims.models import ClaimCase
from cakupan.coverage.services import membership_record
from cakupan.messaging.models import MessageTemplate
from cakupan.messaging.seed import seed_templates
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region
from cakupan.registry.services import worker_register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

TODAY = dt.date(2026, 12, 7)
DESA = "36.02.01.2002"  # Cilangkahan, Kabupaten Lebak: the demo village operator's desa
NIK = "3602011203850007"  # a man born 12 March 1985, kecamatan 36.02.01 (Malingping)
PHONE_WIDTH = 360
WAIT = 30_000  # ms
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCUMENTS = (
    "kpj_card",
    "death_certificate",
    "family_card",
    "heir_statement",
    "heir_ktp",
    "marriage_book",
    "savings_book",
)


@pytest.fixture
def fisher(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Messages to the family are queued in the outbox, not sent (no gateway here).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr("cakupan.claims.services.common.today", lambda: TODAY)
    # Other transactional tests flush the database, the migrations' data included.
    load_reference_data(Region, LabourStat)
    seed_templates(MessageTemplate)
    for account in DEMO_ACCOUNTS:
        if account.username in ("desa", "bpjs"):
            user_upsert_demo(account=account, password=PASSWORD)
    worker = worker_register(
        nik=NIK, name="Ujang Nelayan", birth_date=dt.date(1985, 3, 12), sex="L", desa_code=DESA,
        sector="nelayan", monthly_income=1_500_000, phone="081234500007",
    )  # fmt: skip
    membership_record(
        worker=worker, kpj="10000000077", segment="BPU", paid_through=dt.date(2026, 12, 1),
        since=dt.date(2024, 1, 1),
    )  # fmt: skip
    return worker


def _phone(browser, base_url: str, username: str):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 780}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    problems = []
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base_url}/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, problems


def _checked(page) -> None:
    """No WCAG 2.1 A/AA violation and nothing wider than the phone."""
    assert axe_violations(page) == [], page.url
    if page.evaluate("document.documentElement.scrollWidth") > PHONE_WIDTH:
        # Tables scroll inside their own box; anything else this wide widens the page.
        wide = page.evaluate(
            """(width) => [...document.body.querySelectorAll('*')]
                .filter(el => el.getBoundingClientRect().right > width && !el.closest('.table-wrap'))
                .map(el => `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}>`)""",
            PHONE_WIDTH,
        )
        pytest.fail(f"{page.url} scrolls sideways: {wide}")


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


def test_operator_reports_a_death_collects_the_papers_and_the_liaison_records_the_payment(
    live_server, fisher
):
    base = live_server.url
    with chromium() as browser:
        # 1. The operator opens the claims from the menu and reports the death.
        page, problems = _phone(browser, base, "desa")
        page.goto(f"{base}/kasus-klaim/")
        expect(page.locator("h1")).to_have_text("Kasus klaim")
        _checked(page)
        _submit(page, "[data-testid=report]")
        assert page.url == f"{base}/kasus-klaim/baru/"
        _checked(page)
        page.fill("#nik", NIK)
        page.check("[data-testid=jenis-jkm]")
        page.fill("#tanggal_kejadian", "2026-12-01")
        page.fill("#nama_pelapor", "Siti Aminah")
        page.fill("#hubungan_pelapor", "istri")
        page.fill("#hp_pelapor", "0812-3456-7801")
        page.fill("#ahli_waris_1_nama", "Siti Aminah")
        page.select_option("#ahli_waris_1_hubungan", "spouse")
        _submit(page, "[data-testid=submit]")
        assert re.fullmatch(rf"{re.escape(base)}/kasus-klaim/KL-26-\d{{6}}/", page.url), page.text_content(
            "main"
        )
        case_url = page.url

        # 2. The case: his rights on the day, the widow first in line, seven documents to collect.
        expect(page.locator("[data-testid=status]")).to_have_text("Melengkapi berkas")
        expect(page.locator("[data-testid=eligible]")).to_have_text("Berhak")
        expect(page.locator("[data-testid=benefit-total]")).to_have_text("Rp42.000.000")
        expect(page.locator("[data-testid=heirs]")).to_contain_text("Siti Aminah — Suami / istri (urutan 1)")
        expect(page.locator("[data-testid=checklist] > li")).to_have_count(len(DOCUMENTS))
        expect(page.locator("[data-testid=documents-count]")).to_have_text(
            "0 dari 7 dokumen diterima. Masih kurang 7."
        )
        expect(page.locator("[data-testid=clock-state]")).to_have_text("Belum berjalan")
        _checked(page)

        # 3. The membership card with its scan, then the other papers one by one.
        card = page.locator("[data-testid=checklist] > li[data-code=kpj_card]")
        card.locator("summary").click()
        page.set_input_files("#berkas-kpj_card", files=[{"name": "kpj.pdf", "mimeType": "application/pdf",
                                                          "buffer": SCAN}])  # fmt: skip
        _checked(page)
        _submit(page, "[data-testid=receive-kpj_card]")
        expect(page.locator("[data-testid=file-kpj_card]")).to_have_text("Unduh berkas")
        for code in DOCUMENTS[1:]:
            _submit(page, f"[data-testid=receive-{code}]")
            expect(page.locator(f"[data-testid=received-{code}]")).to_contain_text("Diterima 7 Desember 2026")

        # 4. Complete today: BPJS TK must pay within three working days.
        expect(page.locator("[data-testid=documents-count]")).to_have_text(
            "7 dari 7 dokumen diterima. Berkas lengkap."
        )
        expect(page.locator("[data-testid=status]")).to_have_text("Berkas lengkap, diproses")
        expect(page.locator("[data-testid=complete-on]")).to_have_text("7 Desember 2026")
        expect(page.locator("[data-testid=due-on]")).to_have_text("10 Desember 2026")
        expect(page.locator("[data-testid=clock-state]")).to_have_text("Sesuai jadwal")
        # The operator follows the case; the decision is the liaison's.
        assert page.locator("[data-testid=record-paid]").count() == 0
        _checked(page)
        page.goto(f"{base}/kasus-klaim/?daftar=berjalan")
        expect(page.locator("[data-testid=cases] [data-testid=due]")).to_have_text("10 Desember 2026")
        _checked(page)
        page.context.close()

        # 5. BPJS TK's liaison records the payment.
        page, more = _phone(browser, base, "bpjs")
        problems += more
        page.goto(case_url)
        expect(page.locator("[data-testid=status]")).to_have_text("Berkas lengkap, diproses")
        _checked(page)
        page.fill("#dibayar-jumlah", "42.000.000")
        page.fill("#dibayar-nomor", "PTS-2026-0001")
        _submit(page, "[data-testid=record-paid]")
        expect(page.locator("[data-testid=status]")).to_have_text("Dibayar")
        expect(page.locator("[data-testid=decision]")).to_have_text(
            "Dibayar Rp42.000.000 pada 7 Desember 2026 (nomor keputusan PTS-2026-0001)."
        )
        expect(page.locator("[data-testid=clock-state]")).to_have_text("Selesai tepat waktu")
        _checked(page)
        # Her other claim pages: the decision file's form, the service figures, the holiday corrections.
        page.goto(f"{base}/kasus-klaim/keputusan/")
        expect(page.locator("[data-testid=columns] li")).to_have_count(6)
        _checked(page)
        page.goto(f"{base}/kasus-klaim/layanan/")
        expect(page.locator("[data-testid=figures] tbody tr")).to_have_count(1)
        _checked(page)
        page.goto(f"{base}/kasus-klaim/kalender/")
        expect(page.locator("[data-testid=empty]")).to_be_visible()
        _checked(page)
        page.context.close()
    assert problems == []
    case = ClaimCase.objects.get()
    assert (case.status, case.paid_amount, case.decided_on, case.due_on) == (
        "paid", 42_000_000, TODAY, dt.date(2026, 12, 10)
    )  # fmt: skip
    assert case.documents.get(code="kpj_card").file_sha256 != ""
