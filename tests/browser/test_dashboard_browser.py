"""The coverage dashboard in a real Chromium: log in, read the map, drill down to a desa, export, area scope.

Chromium is Debian's (/usr/bin/chromium); Playwright only drives it. The app runs in pytest-django's live
server on loopback. Playwright's sync API keeps an event loop in this thread, and Django refuses database
work while one runs, so the data is made before the browser starts and checked after it stops.

Set CAKUPAN_SCREENSHOTS=<folder> to also save the province page at 1280 px and 360 px.
"""

import contextlib
import datetime as dt
import os
import re
from pathlib import Path

import fastexcel
import pytest

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.audit.models import AuditEvent
from cakupan.coverage.services import coverage_refresh
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region
from cakupan.registry.services import population_generate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Banten-UCJ-2026"
MONTHS = (dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1))

pytestmark = [
    pytest.mark.browser,
    # The live server reads from another thread, so the data must be committed. No serialized rollback:
    # other transactional tests flush without it, after which restoring the snapshot collides with the
    # content types that the flush re-creates.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def dashboard_data():
    # A transactional test that ran earlier may have flushed the regions that the migration loaded.
    load_reference_data(Region, LabourStat)
    population_generate(scale=0.001, seed=7, as_of=MONTHS[-1])
    # Three months, so that the trend has a line to draw.
    for month in MONTHS:
        coverage_refresh(month=month)
    for account in DEMO_ACCOUNTS:
        if account.username in ("provinsi", "lebak"):
            user_upsert_demo(account=account, password=PASSWORD)


@contextlib.contextmanager
def chromium():
    """Only inside this block is Playwright's event loop running: no database work in it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open(browser, base_url: str, username: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(f"{base_url}/akun/masuk/?next=/cakupan/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, problems


def _map_ready(page) -> dict:
    """The server-drawn map: its regions laid out with a size, and how many distinct colours they have."""
    page.wait_for_selector("[data-testid=map] path", state="visible", timeout=15_000)
    return page.evaluate(
        """() => {
            const element = document.querySelector('[data-testid=map]');
            const paths = [...element.querySelectorAll('a > path')];
            const drawn = paths.filter((path) => {
                const box = path.getBoundingClientRect();
                return box.width > 0 && box.height > 0;
            });
            return {features: element.dataset.features, drawn: drawn.length,
                    colours: new Set(paths.map((path) => path.getAttribute('fill'))).size};
        }"""
    )


def _charts_drawn(page) -> None:
    """The chart library arrives after the page's load event; then the bars and the trend are drawn."""
    page.wait_for_selector("#tren canvas", timeout=30_000)


def test_province_officer_reads_drills_and_exports(live_server, dashboard_data, tmp_path):
    with chromium() as browser:
        page, problems = _open(browser, live_server.url, "provinsi")
        assert page.url == f"{live_server.url}/cakupan/36/"
        assert page.text_content("[data-testid=coverage-pct]") == "42,9%"
        # The labour force by default (6,170,000 × 0.001), its source beside it.
        assert page.text_content("[data-testid=denominator]") == "6.170"
        assert "angkatan kerja" in page.text_content("[data-testid=denominator-source]")
        drawn = _map_ready(page)
        assert drawn["features"] == "8" and drawn["drawn"] == 8 and drawn["colours"] >= 4
        assert page.locator("[data-testid=children] tbody tr").count() == 8
        _charts_drawn(page)
        assert page.locator("[data-chart=bar] canvas").count() == 4
        assert page.locator("#tren canvas").count() == 1
        screenshots = os.environ.get("CAKUPAN_SCREENSHOTS")
        if screenshots:
            page.screenshot(path=f"{screenshots}/provinsi-1280.png", full_page=True)

        # Click Kabupaten Lebak on the map: its region is a link; its tooltip names it with its figures.
        lebak = page.locator("[data-testid=map] a[data-code='36.02']")
        tooltip = page.text_content("[data-testid=map] a[data-code='36.02'] title")
        assert tooltip.startswith("Kabupaten Lebak: cakupan ")
        with page.expect_navigation():
            lebak.click()
        assert page.url == f"{live_server.url}/cakupan/36.02/"
        assert "Kabupaten Lebak" in page.text_content("h1")
        assert _map_ready(page)["features"] == str(page.locator("[data-testid=children] tbody tr").count())

        page.click("[data-testid=children] >> text=Malingping")
        assert page.url.endswith("/cakupan/36.02.01/")
        page.click("[data-testid=children] >> text=Cilangkahan")
        assert page.url.endswith("/cakupan/36.02.01.2002/")
        crumbs = re.sub(r"\s+", " ", page.text_content("[data-testid=breadcrumbs]")).strip()
        assert crumbs == "Banten Kabupaten Lebak Malingping Cilangkahan"

        page.goto(f"{live_server.url}/cakupan/36.02/")
        with page.expect_download() as download_info:
            page.click("[data-testid=export-children-xlsx]")
        download = download_info.value
        assert download.suggested_filename == "cakupan-36-02-2026-11-children.xlsx"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        page.context.close()
        assert problems == []

    frame = fastexcel.read_excel(saved.read_bytes()).load_sheet(0).to_polars()
    assert frame.columns[:2] == ["Kode wilayah", "Kecamatan"]
    assert frame["Kode wilayah"].to_list()[0] == "36.02.01"
    assert (
        AuditEvent.objects.filter(action="export", actor_username="provinsi", region_code="36.02").count()
        == 1
    )


def test_lebak_officer_sees_only_lebak(live_server, dashboard_data):
    with chromium() as browser:
        page, problems = _open(browser, live_server.url, "lebak", width=360)
        assert page.url == f"{live_server.url}/cakupan/36.02/"
        assert "Kabupaten Lebak" in page.text_content("h1")
        assert _map_ready(page)["features"] == str(page.locator("[data-testid=children] tbody tr").count())
        # The whole page fits a 360 px phone: nothing but the tables' own scroll boxes is wider.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        for code in ("36", "36.73"):
            response = page.goto(f"{live_server.url}/cakupan/{code}/")
            assert response.status == 403
            assert (
                page.text_content("[data-testid=error]").strip()
                == f"Wilayah {code} di luar wilayah kerja Anda."
            )
        screenshots = os.environ.get("CAKUPAN_SCREENSHOTS")
        if screenshots:
            page.goto(f"{live_server.url}/cakupan/36.02/")
            _map_ready(page)
            page.screenshot(path=f"{screenshots}/lebak-360.png", full_page=True)
        page.context.close()
    assert problems == []


def test_province_page_on_a_phone(live_server, dashboard_data):
    with chromium() as browser:
        page, problems = _open(browser, live_server.url, "provinsi", width=360)
        drawn = _map_ready(page)
        assert drawn["features"] == "8" and drawn["drawn"] == 8
        _charts_drawn(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # The colour scale spans the regencies' observed coverage, rounded out to 5 points, not 0-100%.
        low, high = map(int, page.get_attribute("[data-testid=map]", "data-scale").split("-"))
        assert 0 < low < high < 100 and low % 5 == 0 and high % 5 == 0
        screenshots = os.environ.get("CAKUPAN_SCREENSHOTS")
        if screenshots:
            page.screenshot(path=f"{screenshots}/provinsi-360.png", full_page=True)
        page.context.close()
    assert problems == []
