"""The whole funding chain on the web, in a real Chromium, each step by its own person (issue 14, item 6):
a Dana Desa officer builds a plan, the desa's treasurer (another officer of the same funder) approves it,
the plan's batch is made, checked and downloaded by BPJS TK's liaison, the invoice shows its number and due
date, the treasurer pays it with a proof, the liaison uploads BPJS TK's answer, and only then does the
dashboard count the plan's workers as covered. Until both have happened they are shown beside the
covered figure as "didanai, menunggu pembayaran atau tanggapan BPJS TK", never in it.

Today is pinned to 3 December 2026 (the live server runs in a thread of this process, so the patch holds
for it too): the program starts in December, the services refresh December's coverage, the dashboard
shows December. Data is made before the browser starts and checked after it stops (see
test_dashboard_browser)."""

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import expect
from test_dashboard_browser import CHROMIUM, PASSWORD, chromium
from test_journeys_browser import _sign_in, village  # noqa: F401  (fixture)
from test_money_browser import _answer as money_answer

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.core.formatting import date_long, rupiah
from cakupan.coverage.models import RegionCoverage
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import costs
from cakupan.funding.models import (
    AllocationPlan,
    BatchStatus,
    EnrolmentBatch,
    FunderKind,
    Invoice,
    Payment,
    PlanStatus,
)
from cakupan.funding.selectors import unpaid_funded_workers
from cakupan.funding.services import funder_create, funder_officer_add, program_create
from cakupan.registry.models import Membership, Worker
from cakupan.registry.services import worker_register
from cakupan.rules.engine import Month, due_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

TODAY = dt.date(2026, 12, 3)
START = dt.date(2026, 12, 1)  # the program's first month, and the dashboard's month
DESA = "36.02.01.2002"  # Cilangkahan, Kabupaten Lebak
KAB = "36.02"
AREAS = (DESA, KAB)
SECTOR = "pedagang"  # no generated worker of the desa trades: the program's candidates are ours alone
DECILES = (4, 1, 3, 2)  # four traders; the budget pays for three, the least vulnerable is left out
FUNDED = 3
PAID_ON = "2026-12-03"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WAIT = 60_000  # ms: every wait is bounded, and generous (the builder's solver may take up to 30 s)


@pytest.fixture
def today(monkeypatch):
    """As in src/cakupan/funding/tests/conftest.py: the funding flows live on 3 December 2026."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


@pytest.fixture
def chain(village, today, settings, tmp_path):  # noqa: F811  (the fixture imported above)
    # Batch files and proofs of payment go to a temporary folder, not the project's var/.
    settings.VAR_DIR = tmp_path / "var"
    admin = User.objects.get(username="admin")
    funder = funder_create(
        name="Dana Desa Cilangkahan", kind=FunderKind.DANA_DESA, area_code=DESA, actor=admin
    )
    officers = {}
    for username in ("kaur", "bendahara"):
        officers[username] = User.objects.create_user(
            username=username, password=PASSWORD, role=Role.FUNDER_OFFICER, area_id=DESA
        )
        funder_officer_add(funder=funder, user=officers[username], actor=admin)
    workers = [
        worker_register(
            nik=f"3602011505{90 + index:02d}{9701 + index:04d}",
            name=f"Pedagang Uji {index + 1}",
            birth_date=dt.date(1990 + index, 5, 15),
            sex="L",
            desa_code=DESA,
            sector=SECTOR,
            monthly_income=900_000,
            decile=decile,
            phone=f"+62812345670{index:02d}",
        )
        for index, decile in enumerate(DECILES)
    ]
    # What a year of the package costs one trader paid from Dana Desa, by the rules engine.
    price = costs.package_cost(
        income_level=1_000_000, programs=("jkk", "jkm"), start_month=START, months=12,
        funding="dana_desa", sector=SECTOR,
    ).total  # fmt: skip
    program = program_create(
        funder=funder, actor=admin, name="PKTD Cilangkahan pedagang", budget=FUNDED * price,
        fiscal_year=2026, start_month=START, months=12, sectors=[SECTOR],
    )  # fmt: skip
    coverage_refresh(month=START)
    before = {code: RegionCoverage.objects.get(region_id=code, month=START).active for code in AREAS}
    pending_before = {code: unpaid_funded_workers(code, START) for code in AREAS}
    chosen = sorted(workers, key=lambda worker: worker.decile)[:FUNDED]
    return {
        "funder": funder.pk,
        "program": program.pk,
        "price": price,
        "amount": FUNDED * price,
        "due": date_long(due_date(Month.of(START))),
        "covered": before,
        "pending": pending_before,
        "chosen": sorted(worker.name for worker in chosen),
        "left_out": max(workers, key=lambda worker: worker.decile).name,
        "nik": {worker.pk: worker.nik for worker in workers},
    }


def _answer(downloaded: bytes) -> bytes:
    return money_answer(downloaded, kpj_base=60_000_000_000)


def _person(browser, base, username, problems, width=1280):
    page, more = _sign_in(browser, base, username, width=width)
    problems += more
    page.set_default_timeout(WAIT)
    page.set_default_navigation_timeout(WAIT)
    return page


def _number(text: str) -> int:
    return int(text.strip().replace(".", ""))


def _dashboard(browser, base, problems) -> dict:
    """The kab/kota officer reads the desa's and the kab/kota's pages: (covered, funded-but-unpaid)."""
    page = _person(browser, base, "lebak", problems)
    figures = {}
    for code in AREAS:
        page.goto(f"{base}/cakupan/{code}/")
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=covered]")).to_be_visible(timeout=WAIT)
        # The dashboard shows December: the month the services refresh and the program starts.
        assert page.locator("#bulan option[selected]").get_attribute("value") == "2026-12"
        covered = _number(page.text_content("[data-testid=covered]"))
        note = page.locator("[data-testid=pending]")
        pending = 0
        if note.count():
            text = note.text_content().strip()
            assert text.endswith(
                " pekerja didanai, menunggu pembayaran atau tanggapan BPJS TK (belum dihitung terlindungi)"
            ), text
            pending = _number(text.split(" ", 1)[0])
        figures[code] = (covered, pending)
    page.context.close()
    return figures


def test_plan_to_covered_worker_on_the_web(live_server, chain):
    base, problems = live_server.url, []
    covered, pending = chain["covered"], chain["pending"]
    unchanged = {code: (covered[code], pending[code]) for code in AREAS}
    awaiting = {code: (covered[code], pending[code] + FUNDED) for code in AREAS}
    with chromium() as browser:
        seen = {"start": _dashboard(browser, base, problems)}

        # 1. The desa's officer builds the plan: the funder's one program, the solver's choice, pending.
        page = _person(browser, base, "kaur", problems)
        page.goto(f"{base}/dana/{chain['funder']}/rencana/baru")
        page.wait_for_load_state("networkidle")
        page.check(f"#program-{chain['program']}")
        with page.expect_navigation(timeout=WAIT):
            page.click("[data-testid=plan-submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=error]").count() == 0, page.text_content("main")
        expect(page.locator("[data-testid=plan-status]")).to_have_text("Menunggu persetujuan", timeout=WAIT)
        plan_url = page.url
        plan_path = plan_url.removeprefix(base)
        plan_id = int(plan_path.strip("/").split("/")[-1])
        assert plan_path == f"/dana/rencana/{plan_id}/"
        assert _number(page.text_content("[data-testid=plan-funded]")) == FUNDED
        assert page.text_content("[data-testid=plan-cost]") == rupiah(chain["amount"])
        names = page.locator("[data-testid=plan-lines] tbody tr td:nth-child(2)").all_text_contents()
        assert sorted(names) == chain["chosen"] and chain["left_out"] not in names
        # Its maker does not approve it.
        assert page.locator("[data-testid=approve]").count() == 0
        assert "menunggu keputusan petugas lain" in page.text_content("main")
        page.context.close()

        # 2. Another officer of the same funder finds it waiting on her home page and approves it.
        page = _person(browser, base, "bendahara", problems)
        waiting = page.locator(f"[data-testid=waiting] a[href='{plan_path}']")
        expect(waiting).to_have_count(1, timeout=WAIT)
        waiting.click()
        page.wait_for_load_state("networkidle")
        page.click("[data-testid=approve]")
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=plan-status]")).to_have_text("Disetujui", timeout=WAIT)
        page.context.close()

        # 3. The maker turns it into a batch; BPJS TK's liaison checks it and downloads it (the sending).
        page = _person(browser, base, "kaur", problems)
        page.goto(plan_url)
        page.click("[data-testid=batch-create]")
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=batch-status]")).to_have_text("Menunggu pemeriksaan", timeout=WAIT)
        batch_url = page.url
        page.context.close()

        page = _person(browser, base, "bpjs", problems)
        expect(page.locator(f"[data-testid=waiting] a[href='{batch_url.removeprefix(base)}']")).to_have_count(
            1, timeout=WAIT
        )
        page.goto(batch_url)
        page.click("[data-testid=batch-approve]")
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=batch-status]")).to_have_text(
            "Diperiksa, siap diunduh BPJS TK", timeout=WAIT
        )
        with page.expect_download(timeout=WAIT) as download:
            page.click("[data-testid=batch-download-csv]")
        with open(download.value.path(), "rb") as handle:
            downloaded = handle.read()
        page.goto(batch_url)
        expect(page.locator("[data-testid=batch-status]")).to_have_text(
            "Diunduh BPJS TK, menunggu tanggapan", timeout=WAIT
        )
        invoice_href = page.locator("[data-testid=batch-invoices] a").first.get_attribute("href")
        page.context.close()
        sent_rows = list(csv.DictReader(io.StringIO(downloaded.decode("utf-8"))))
        assert len(sent_rows) == FUNDED

        # 4. The treasurer finds the invoice waiting: its number and due date are on its page.
        number = f"TAG-{plan_id:06d}-{chain['funder']:04d}"
        page = _person(browser, base, "bendahara", problems)
        expect(page.locator(f"[data-testid=waiting] a[href='{invoice_href}']")).to_have_count(1, timeout=WAIT)
        page.goto(f"{base}{invoice_href}")
        page.wait_for_load_state("networkidle")
        assert page.text_content("h1").strip() == f"Tagihan {number}"
        assert f"jatuh tempo {chain['due']}" in page.text_content("[data-testid=invoice-outstanding] + .note")
        assert page.text_content("[data-testid=invoice-amount]") == rupiah(chain["amount"])
        assert page.text_content("[data-testid=invoice-status]") == "Belum dibayar"
        page.context.close()

        # 5. Funded, sent, invoiced, unpaid: not covered, shown as funded and awaiting payment.
        seen["invoiced"] = _dashboard(browser, base, problems)

        # 6. The treasurer pays the whole invoice with a proof of transfer.
        page = _person(browser, base, "bendahara", problems)
        page.goto(f"{base}{invoice_href}")
        page.fill("#reference", "TRF-DESA-0001")
        page.fill("#amount", str(chain["amount"]))
        page.fill("#paid-on", PAID_ON)
        page.set_input_files(
            "#proof", files=[{"name": "bukti.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.click("[data-testid=payment-submit]")
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=notice]")).to_have_text(
            f"Pembayaran TRF-DESA-0001 sebesar {rupiah(chain['amount'])} tercatat.", timeout=WAIT
        )
        expect(page.locator("[data-testid=invoice-status]")).to_have_text("Lunas", timeout=WAIT)
        page.context.close()

        # Paid, but BPJS TK has not answered: nobody is a member yet, so nobody is counted as covered;
        # they stay beside the figure as funded, awaiting BPJS TK.
        seen["paid"] = _dashboard(browser, base, problems)

        # 7. The liaison uploads BPJS TK's answer to the file it downloaded: checked, then applied.
        page = _person(browser, base, "bpjs", problems)
        page.goto(batch_url)
        page.set_input_files(
            "#ack-file",
            files=[{"name": "tanggapan.csv", "mimeType": "text/csv", "buffer": _answer(downloaded)}],
        )
        page.click("[data-testid=ack-check]")
        page.wait_for_load_state("networkidle")
        assert f"{FUNDED} diterima, 0 ditolak" in page.text_content("[data-testid=ack-summary]")
        page.click("[data-testid=ack-apply]")
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=batch-status]")).to_have_text(
            "Tanggapan BPJS TK diterima", timeout=WAIT
        )
        page.context.close()

        seen["acknowledged"] = _dashboard(browser, base, problems)
    assert problems == []
    assert seen == {
        "start": unchanged,
        "invoiced": awaiting,
        # Paid, BPJS TK not yet answered: still funded and not yet cover, so still shown beside it.
        "paid": awaiting,
        "acknowledged": {code: (covered[code] + FUNDED, pending[code]) for code in AREAS},
    }

    plan = AllocationPlan.objects.get(pk=plan_id)
    assert (plan.status, plan.created_by.username, plan.funded, plan.cost) == (
        PlanStatus.BATCHED, "kaur", FUNDED, chain["amount"],
    )  # fmt: skip
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan_id))
    assert (approval.status, approval.decided_by.username) == (ApprovalStatus.APPROVED, "bendahara")
    batch = EnrolmentBatch.objects.get(plan=plan)
    assert (batch.status, batch.created_by.username, batch.sent_by.username, batch.accepted) == (
        BatchStatus.ACKNOWLEDGED, "kaur", "bpjs", FUNDED,
    )  # fmt: skip
    invoice = Invoice.objects.get(plan=plan)
    assert (invoice.number, invoice.amount, invoice.paid, invoice.status) == (
        number, chain["amount"], chain["amount"], "paid",
    )  # fmt: skip
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.recorded_by.username, payment.paid_on) == ("bendahara", TODAY)
    members = Membership.objects.filter(kpj__startswith="6000000")
    assert (
        sorted(Worker.objects.filter(memberships__in=members).values_list("name", flat=True))
        == chain["chosen"]
    )
    assert {(m.status, m.paid_through) for m in members} == {("aktif", dt.date(2027, 11, 1))}
    for code in AREAS:
        assert RegionCoverage.objects.get(region_id=code, month=START).active == covered[code] + FUNDED
