"""A worker's journey on a 360 px phone: she checks her cover with her NIK and the last digits of her KPJ,
asks for a code, reads it from the SMS (here: the outbox) and sees her own cover in detail. Each page is
checked by axe-core as it is reached."""

import datetime as dt
import re

import pytest
from accessibility import axe_violations
from django.db import connections
from test_dashboard_browser import CHROMIUM, chromium

from cakupan.coverage.services import membership_record
from cakupan.messaging.models import Message, MessageTemplate
from cakupan.messaging.seed import seed_templates
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region
from cakupan.registry.services import worker_register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]
NIK = "3602014506900001"


@pytest.fixture
def worker(settings, monkeypatch):
    # The code is queued in the outbox and not sent (no gateway here); the test reads it from there, inside
    # the browser block, which Django allows only when told.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Other transactional tests flush the database, migrations' data included.
    load_reference_data(Region, LabourStat)
    seed_templates(MessageTemplate)
    worker = worker_register(
        nik=NIK, name="Siti Nur Aminah", birth_date=dt.date(1990, 6, 5), sex="P", desa_code="36.02.01.2002",
        sector="nelayan", monthly_income=1_500_000, phone="081234567890",
    )  # fmt: skip
    # Paid far ahead, so the answer does not depend on the day the test runs.
    membership_record(worker=worker, kpj="10000000042", segment="BPU", paid_through=dt.date(2099, 12, 1))
    return worker


def _submit(page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state("networkidle")


def test_a_worker_checks_her_cover_and_opens_the_details_with_a_code(live_server, worker):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(f"{live_server.url}/cek/")
        assert axe_violations(page) == []
        page.fill("[data-testid=nik]", NIK)
        page.fill("[data-testid=faktor]", "0042")
        _submit(page, "[data-testid=check]")
        assert page.text_content("[data-testid=headline]").strip() == "Terlindungi sampai Desember 2099"
        assert "Siti" not in page.content()
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        _submit(page, "[data-testid=send-code]")
        assert page.is_visible("[data-testid=code-sent]")
        message = Message.objects.get(purpose="otp")
        # Read inside Playwright's own context, which Django gives a connection of its own: closed here, or
        # PostgreSQL would still count it when the test database is dropped.
        connections.close_all()
        assert message.address == "+6281234567890"
        code = re.search(r"Kode Cakupan Anda: (\d{6})\.", message.body).group(1)

        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        page.fill("[data-testid=code]", wrong)
        _submit(page, "[data-testid=verify]")
        assert page.is_visible("[data-testid=code-wrong]")

        page.fill("[data-testid=code]", code)
        _submit(page, "[data-testid=verify]")
        assert page.text_content("[data-testid=masked-name]").strip() == "S*** N** A*****"
        assert page.text_content("[data-testid=state]").strip() == "Terlindungi sampai Desember 2099"
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        context.close()
