"""SERTAKAN's whole journey on a 360 px phone, in a real Chromium (issue 17, item 7): a citizen signs up as
a sponsor and proves her e-mail address, sponsors a named neighbour not yet in the registry, the village
operator of the neighbour's desa makes sure the number the sponsor gave is hers (only then is she asked),
the neighbour agrees through the link in her SMS, the sponsor pays in the local Midtrans emulator (whose
signed notification reaches the server on its own), downloads the receipt, the enrolment batch goes to
BPJS TK and is acknowledged and paid, and then the sponsor's page says "Aktif sampai …" and the dashboard
counts the neighbour as covered.

The staff's part of the enrolment pipeline (batch, check, answer, payment) is done here through the same
services its pages call; those pages have their own journey (test_pipeline_chain_browser). Today is
3 December 2026 for the server too (it runs in a thread of this process). Database work happens only
between the browser blocks (see test_dashboard_browser)."""

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from test_dashboard_browser import CHROMIUM, chromium
from test_dashboard_browser import PASSWORD as STAFF_PASSWORD
from test_journeys_browser import village  # noqa: F401  (fixture)

from cakupan.coverage.models import RegionCoverage
from cakupan.coverage.services import coverage_refresh
from cakupan.funding.models import Invoice
from cakupan.funding.services import funder_officer_add, payment_record
from cakupan.messaging.models import Message
from cakupan.providers.emulators.midtrans import MidtransConfig, MidtransEmulator
from cakupan.registry.models import Membership, Worker
from cakupan.sponsors.models import OrderState, PaymentOrder, Sponsorship
from cakupan.sponsors.services import common

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

TODAY = dt.date(2026, 12, 3)
DESA = "36.02.01.2002"  # Cilangkahan, Kabupaten Lebak
NIK = "3602014708950001"  # a woman born 7 August 1995, kecamatan 36.02.01 (Malingping)
EMAIL = "rina.sponsor@contoh.id"
PASSWORD = "Sertakan-Banten-2026"
KEY = "SB-Mid-server-BROWSER"
CLIENT_KEY = "SB-Mid-client-BROWSER"
WAIT = 60_000  # ms: generous, bounded
PHONE_WIDTH = 360


@pytest.fixture
def today(monkeypatch):
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


@pytest.fixture
def world(village, today, settings, tmp_path, live_server):  # noqa: F811
    settings.VAR_DIR = tmp_path / "var"
    # allauth counts sign-ups and codes per address in the default cache: start from none.
    from django.core.cache import cache

    cache.clear()
    # An earlier transactional test may have flushed the message templates that the migration loaded.
    from cakupan.messaging.models import MessageTemplate
    from cakupan.messaging.seed import seed_templates

    seed_templates(MessageTemplate)
    coverage_refresh(month=TODAY.replace(day=1))
    emulator = MidtransEmulator(MidtransConfig(
        server_key=KEY, client_key=CLIENT_KEY, deliver=True,
        notification_url=f"{live_server.url}/api/v1/sertakan/midtrans/notifikasi",
    ))  # fmt: skip
    emulator.start()
    settings.SERTAKAN = {**settings.SERTAKAN, "midtrans": {"base_url": emulator.url, "server_key": KEY,
                                                           "client_key": CLIENT_KEY}}  # fmt: skip
    settings.MESSAGING = {**settings.MESSAGING, "public_url": live_server.url}
    yield {"emulator": emulator, "covered_before": _covered()}
    emulator.stop()


def _covered() -> int:
    return RegionCoverage.objects.get(region_id=DESA, month=TODAY.replace(day=1)).active


def _phone(browser):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 780}, locale="id-ID",
                                  accept_downloads=True)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(WAIT)
    problems = []
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    return page, problems


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, page.url


def _sign_in(page, base) -> None:
    page.goto(f"{base}/sponsor/akun/masuk/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/sponsor/")


def _staff_sign_in(page, base, username) -> None:
    page.goto(f"{base}/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/kerja/")


def test_sponsor_a_neighbour_from_sign_up_to_active_cover(live_server, world):
    base, emulator = live_server.url, world["emulator"]
    with chromium() as browser:
        # 1. Sign up and prove the address with the code from the e-mail.
        page, problems = _phone(browser)
        page.goto(f"{base}/sponsor/akun/daftar/")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        code = re.search(r"\b(\d{4}-?\d{4})\b", mail.outbox[-1].body).group(1)
        page.fill("input[name=code]", code)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/sponsor/")
        _no_sideways_scroll(page)

        # 2. Sponsor a named neighbour, not yet in the registry, for three months.
        page.click("[data-testid=start]")
        page.click("[data-testid=choose-named]")
        page.fill("[data-testid=nik]", NIK)
        page.fill("[data-testid=name]", "Rina Marlina")
        page.fill("[data-testid=phone]", "0812 7777 1234")
        page.select_option("[data-testid=sector]", "prt")
        page.fill("[data-testid=desa-search]", "Cilangkahan")
        option = page.locator(f"[data-testid=region-option][value='{DESA}']")
        expect(option).to_have_count(1)
        option.check()
        page.check("[data-testid=months-3]")
        _no_sideways_scroll(page)
        page.click("[data-testid=submit]")
        expect(page.locator("[data-testid=status]")).to_have_text("Menunggu persetujuan pekerja")
        # The registry has no phone for her: nothing is sent before her village operator checks the number.
        expect(page.locator("[data-testid=phone-check]")).to_contain_text(
            "Nomor telepon sedang diperiksa operator desa"
        )
        assert page.locator("[data-testid=pay]").count() == 0
        assert NIK not in page.content() and "Marlina" not in page.content()
        detail = page.url
        page.context.close()
    assert problems == []
    assert not Message.objects.filter(purpose="sertakan", channel="sms").exists()

    with chromium() as browser:
        # 3. The operator of Cilangkahan finds the number waiting on her home page, calls Rina, and confirms.
        page, problems = _phone(browser)
        _staff_sign_in(page, base, "desa")
        page.click("text=1 nomor SERTAKAN perlu diperiksa")
        check = page.locator("[data-testid=phone-check]")
        expect(check).to_have_count(1)
        expect(check).to_contain_text("Rina Marlina")
        expect(check.locator("[data-testid=typed-phone]")).to_have_text("081277771234")
        _no_sideways_scroll(page)
        page.click("text=Nomor benar — kirim permintaan persetujuan")
        expect(page.locator("[data-testid=done]")).to_contain_text("permintaan persetujuan sudah dikirim")
        expect(page.locator("[data-testid=empty]")).to_be_visible()
        page.context.close()
    assert problems == []

    # Her SMS: the one-time link to agree, on the number her operator made sure of.
    sms = Message.objects.get(purpose="sertakan", channel="sms")
    assert sms.address == "+6281277771234"
    consent = re.search(r"https?://\S+/sertakan/setuju/[^/\s]+/", sms.body).group(0)

    with chromium() as browser:
        # 4. The neighbour agrees on her phone.
        page, problems = _phone(browser)
        page.goto(consent)
        _no_sideways_scroll(page)
        page.click("[data-testid=agree]")
        expect(page.locator("[data-testid=answered]")).to_contain_text("persetujuan Anda sudah kami catat")
        page.context.close()

        # 5. The sponsor pays three months by BCA virtual account, the fee shown before paying.
        page, more = _phone(browser)
        problems += more
        _sign_in(page, base)
        page.goto(detail)
        page.check("[data-testid=method-va_bca]")
        expect(page.locator("[data-testid=quote-fee]")).to_have_text("Rp4.000")
        expect(page.locator("[data-testid=quote-total]")).to_have_text("Rp46.000")
        page.click("[data-testid=pay]")
        va = page.locator("[data-testid=va-number]")
        expect(va).to_be_visible()
        order_id = page.url.rstrip("/").rsplit("/", 1)[1]
        _no_sideways_scroll(page)
        # She pays at her bank; Midtrans's signed notification reaches the server by itself, and the open
        # page turns to "paid" without a reload.
        emulator.move(order_id, "settlement")
        expect(page.locator("[data-testid=paid]")).to_be_visible()
        with page.expect_download() as download:
            page.click("[data-testid=receipt]")
        with open(download.value.path(), "rb") as handle:
            receipt = handle.read()
        page.context.close()
    assert problems == []
    assert receipt.startswith(b"%PDF")

    # 6. The enrolment pipeline: the SERTAKAN plan's batch to BPJS TK, accepted, and the invoice paid.
    from cakupan.accounts.models import Role, User
    from cakupan.approvals.models import Approval, ApprovalKind
    from cakupan.approvals.services import approval_approve
    from cakupan.funding import enrolment

    order = PaymentOrder.objects.get(order_id=order_id)
    assert (order.state, order.months, order.gross_amount) == (OrderState.PAID, 3, 46_000)
    rina = Worker.objects.get(nik=NIK)
    admin = User.objects.get(username="admin")
    liaison = User.objects.get(username="bpjs")
    treasurer = User.objects.create_user(
        username="bendahara-sertakan", password="x", role=Role.FUNDER_OFFICER, area_id="36"
    )
    funder_officer_add(funder=common.sertakan_funder(), user=treasurer, actor=admin)
    batch = enrolment.enrolment_batch_create(plan=order.plan, actor=User.objects.get(username="provinsi"))
    approval = Approval.objects.get(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
    approval_approve(approval=approval, approver=liaison, file_sha256=batch.file_sha256)
    batch = enrolment.enrolment_batch_send(batch=batch, actor=liaison)
    row = batch.batch_rows.get()
    answer = f"no_baris;nik;status;kpj;alasan\n{row.row_number};{NIK};diterima;36000000001;\n"
    enrolment.enrolment_ack_import(batch=batch, content=answer.encode(), actor=liaison)
    invoice = Invoice.objects.get(plan=order.plan)
    payment_record(invoice=invoice, external_reference="TRF-SERTAKAN-0001", amount=invoice.amount,
                   paid_on=TODAY, actor=treasurer)  # fmt: skip
    assert Membership.objects.get(worker=rina).paid_through == dt.date(2027, 2, 1)
    covered_after = _covered()

    with chromium() as browser:
        # 7. The sponsor's page: active until the end of February 2027, as BPJS TK confirmed.
        page, problems = _phone(browser)
        _sign_in(page, base)
        page.goto(detail)
        expect(page.locator("[data-testid=cover-headline]")).to_have_text("Aktif sampai 28 Februari 2027")
        expect(page.locator("[data-testid=period]")).to_have_text(
            "1 Desember 2026 – 28 Februari 2027 (3 bulan): dikonfirmasi BPJS Ketenagakerjaan"
            f" (tanda terima {order.receipt_number})"
        )
        expect(page.locator("[data-testid=paid-months]")).to_contain_text(
            "Bulan dibayar dari dukungan Anda: 3"
        )
        _no_sideways_scroll(page)
        page.context.close()
    assert problems == []
    assert covered_after == world["covered_before"] + 1
    assert Sponsorship.objects.get().status == "active"
