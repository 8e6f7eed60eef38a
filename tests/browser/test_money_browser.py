"""From an approved plan to a paid invoice, in a real Chromium, each step by its own person:
the BAZNAS officer makes the enrolment batch, BPJS TK's liaison checks it, downloads it (the sending)
and uploads BPJS TK's answer made from that very file, and BAZNAS's treasurer pays the invoice with a
proof of transfer. Data is made before the browser starts and checked after it stops."""

import csv
import io

import pytest
from test_dashboard_browser import CHROMIUM, chromium
from test_journeys_browser import _sign_in, plans, village  # noqa: F401  (fixtures)

from cakupan.accounts.models import User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.funding.models import AllocationPlan, BatchStatus, EnrolmentBatch, Invoice, Payment
from cakupan.registry.models import Membership

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def approved_plan(plans):  # noqa: F811  (the fixture imported above)
    plan = AllocationPlan.objects.get(pk=plans["own"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=User.objects.get(username="baznas"))
    return plan.pk


def _answer(downloaded: bytes, *, kpj_base: int = 50_000_000_000) -> bytes:
    """BPJS TK's answer to every row of the file it downloaded: all accepted, KPJ numbers in order."""
    rows = list(csv.DictReader(io.StringIO(downloaded.decode("utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["no_baris", "nik", "status", "kpj", "alasan"])
    for row in rows:
        writer.writerow([row["no_baris"], row["nik"], "diterima", f"{kpj_base + int(row['no_baris'])}", ""])
    return out.getvalue().encode("utf-8")


def test_from_approved_plan_to_a_paid_invoice(live_server, approved_plan):
    base = live_server.url
    with chromium() as browser:
        page, problems = _sign_in(browser, base, "baznas", width=360)
        page.goto(f"{base}/dana/rencana/{approved_plan}/")
        page.click("[data-testid=batch-create]")
        page.wait_for_load_state("networkidle")
        assert page.text_content("[data-testid=batch-status]") == "Menunggu pemeriksaan"
        assert page.locator("[data-testid=batch-approve]").count() == 0
        batch_url = page.url
        page.context.close()

        page, more = _sign_in(browser, base, "bpjs", width=360)
        problems += more
        waiting = page.locator("[data-testid=waiting] a")
        hrefs = [waiting.nth(index).get_attribute("href") for index in range(waiting.count())]
        assert batch_url.removeprefix(base) in hrefs
        page.goto(batch_url)
        page.click("[data-testid=batch-approve]")
        page.wait_for_load_state("networkidle")
        assert page.text_content("[data-testid=batch-status]") == "Diperiksa, siap diunduh BPJS TK"
        with page.expect_download() as download:
            page.click("[data-testid=batch-download-csv]")
        with open(download.value.path(), "rb") as handle:
            downloaded = handle.read()
        page.goto(batch_url)
        assert page.text_content("[data-testid=batch-status]") == "Diunduh BPJS TK, menunggu tanggapan"
        page.set_input_files(
            "#ack-file",
            files=[{"name": "tanggapan.csv", "mimeType": "text/csv", "buffer": _answer(downloaded)}],
        )
        page.click("[data-testid=ack-check]")
        page.wait_for_load_state("networkidle")
        assert "diterima, 0 ditolak" in page.text_content("[data-testid=ack-summary]")
        page.click("[data-testid=ack-apply]")
        page.wait_for_load_state("networkidle")
        assert page.text_content("[data-testid=batch-status]") == "Tanggapan BPJS TK diterima"
        invoice_href = page.locator("[data-testid=batch-invoices] a").first.get_attribute("href")
        # On a 360 px phone the batch page does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.context.close()

        page, more = _sign_in(browser, base, "bendahara", width=360)
        problems += more
        assert page.locator(f"[data-testid=waiting] a[href='{invoice_href}']").count() == 1
        page.goto(f"{base}{invoice_href}")
        amount = page.text_content("[data-testid=invoice-amount]").removeprefix("Rp")
        page.fill("#reference", "TRF-BAZNAS-0001")
        page.fill("#amount", amount)
        page.fill("#paid-on", "2026-11-20")
        page.set_input_files(
            "#proof", files=[{"name": "bukti.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.click("[data-testid=payment-submit]")
        page.wait_for_load_state("networkidle")
        assert "tercatat" in page.text_content("[data-testid=notice]")
        assert page.text_content("[data-testid=invoice-status]") == "Lunas"
        page.context.close()
    assert problems == []
    batch = EnrolmentBatch.objects.get(plan_id=approved_plan)
    assert (batch.status, batch.sent_by.username, batch.accepted) == (
        BatchStatus.ACKNOWLEDGED,
        "bpjs",
        batch.rows,
    )
    assert Membership.objects.filter(kpj__startswith="5000000").count() == batch.rows
    invoice = Invoice.objects.get(plan_id=approved_plan)
    assert (invoice.paid, invoice.status) == (invoice.amount, "paid")
    assert Payment.objects.get().recorded_by.username == "bendahara"
