"""Every public page, as a citizen meets it on a cheap 360 px Android phone over slow mobile data:
accessible (axe-core, WCAG 2.1 A and AA), light (< 100 KB on a cold load), usable without JavaScript,
readable and tappable at 360 px, and in Bahasa whatever the browser's language.

Pages still being built are listed already; until one exists (it answers 404) its tests are skipped, so the
checks cover each page the day it lands. Data is made before the browser starts (see test_dashboard_browser).

Set CAKUPAN_SCREENSHOTS=<folder> to also save each page as the phone shows it.
"""

import datetime as dt
import os
import re
import time
from urllib.parse import urlencode

import pytest
from accessibility import axe_violations, phone_problems
from test_dashboard_browser import CHROMIUM, chromium

from cakupan.coverage.services import coverage_refresh
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region
from cakupan.registry.services import population_generate

CALCULATOR_FILLED = "/kalkulator/?" + urlencode(
    {
        "income": "2500000",
        "programs": ["jkk", "jkm", "jht"],
        "month": "2027-01",
        "months": "3",
        "funding": "self",
        "sector": "nelayan",
    },
    doseq=True,
)
PUBLIC_PAGES = [
    "/",
    "/cara-bayar/",
    "/kalkulator/",
    CALCULATOR_FILLED,
    "/informasi/",
    "/manfaat/",
    "/iuran/",
    "/cara-daftar/",
    "/klaim/",
    "/kantor/",
    "/cek/",
    "/cek/klaim/",
]
# A cheap Android phone: 360 CSS px wide, a 2× screen, touch; the browser set to English, to show that the
# pages stay in Bahasa.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
}
BUDGET_BYTES = 100 * 1024
# Generous, so that a busy CI machine only makes the tests slower, never red.
WAIT_MS = 30_000
MONTH = dt.date(2026, 11, 1)
ENGLISH = {"the", "and", "your", "you", "this", "please", "field", "required", "submit", "page", "found"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def public_data():
    # The landing page's headline needs coverage figures; a transactional test that ran earlier may have
    # flushed the regions that the migration loaded.
    load_reference_data(Region, LabourStat)
    population_generate(scale=0.001, seed=7, as_of=MONTH)
    coverage_refresh(month=MONTH)


def _page_id(path: str) -> str:
    return "kalkulator-terisi" if path == CALCULATOR_FILLED else path.strip("/") or "beranda"


pages = pytest.mark.parametrize("path", PUBLIC_PAGES, ids=_page_id)


def _visit(page, url: str, path: str):
    response = page.goto(url, wait_until="load", timeout=WAIT_MS)
    if response.status == 404:
        pytest.skip(f"{path} answers 404: the page is not built yet")
    assert response.status == 200, f"{path} answered {response.status}"
    return response


def _phone_page(browser, **options):
    context = browser.new_context(**PHONE, **options)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


@pages
def test_no_wcag_21_aa_violations(live_server, public_data, path):
    with chromium() as browser:
        page, errors = _phone_page(browser)
        _visit(page, f"{live_server.url}{path}", path)
        violations = axe_violations(page)
        if page.locator("details").count():
            # What a folded section hides is checked too: open every one and look again.
            for summary in page.locator("details > summary").all():
                summary.click()
            violations += axe_violations(page)
    assert sorted(set(violations)) == [], "\n".join(sorted(set(violations)))
    assert errors == []


@pages
def test_readable_and_tappable_on_a_360px_phone(live_server, public_data, path):
    with chromium() as browser:
        page, errors = _phone_page(browser)
        _visit(page, f"{live_server.url}{path}", path)
        problems = phone_problems(page)
        screenshots = os.environ.get("CAKUPAN_SCREENSHOTS")
        if screenshots:
            name = _page_id(path).replace("/", "-")
            page.screenshot(path=f"{screenshots}/publik-{name}-360.png", full_page=True)
    assert problems == [], "\n".join(problems)
    assert errors == []


@pages
def test_in_bahasa_whatever_the_browsers_language(live_server, public_data, path):
    with chromium() as browser:
        page, _ = _phone_page(browser)
        _visit(page, f"{live_server.url}{path}", path)
        lang = page.get_attribute("html", "lang")
        words = re.findall(r"[a-z]+", f"{page.title()} {page.locator('body').inner_text()}".lower())
    assert lang == "id"
    # Words that Bahasa never uses and that English text (a framework's default message) can hardly avoid.
    english = sorted(set(words) & ENGLISH)
    assert english == [], f"{path} has English words: {english}"


def _cold_load(page, url: str, path: str) -> tuple[int, dict[str, int]]:
    """Bytes on the wire (headers and bodies, as compressed as sent) of every response of one page load, as
    Chromium's network layer counts them, with no cache."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls, sizes = {}, {}

    def sent(event):
        if event["request"]["url"].startswith("data:"):
            return  # Drawn from the page itself (Chromium's own input icons): nothing crosses the network.
        redirect = event.get("redirectResponse")
        if redirect:
            sizes[f"{event['requestId']} redirect {redirect['url']}"] = int(redirect["encodedDataLength"])
        urls[event["requestId"]] = event["request"]["url"]

    def finished(event):
        if event["requestId"] in urls:
            sizes[event["requestId"]] = int(event.get("encodedDataLength", 0))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", finished)
    _visit(page, url, path)
    page.wait_for_load_state("networkidle", timeout=WAIT_MS)
    # The protocol's events arrive on their own; wait (bounded) until every request has its final count.
    deadline = time.monotonic() + WAIT_MS / 1000
    while set(urls) - set(sizes) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert set(urls) <= set(sizes), f"requests never finished: {[urls[i] for i in set(urls) - set(sizes)]}"
    per_url = {}
    for request_id, size in sizes.items():
        name = request_id.split(" redirect ", 1)[1] if " redirect " in request_id else urls[request_id]
        per_url[name] = per_url.get(name, 0) + size
    return sum(sizes.values()), per_url


@pages
def test_under_100kb_on_a_cold_load(live_server, public_data, path):
    with chromium() as browser:
        # A fresh context: no cache, no cookies, as on the first visit.
        page, errors = _phone_page(browser)
        total, per_url = _cold_load(page, f"{live_server.url}{path}", path)
    listing = ", ".join(f"{url.removeprefix(live_server.url)} {size:,} B" for url, size in per_url.items())
    assert total < BUDGET_BYTES, f"{path}: {total:,} bytes transferred (budget {BUDGET_BYTES:,}): {listing}"
    assert errors == []


def _calculator(page) -> None:
    """Fill the calculator as a person would and read the result."""
    page.fill("#field-income", "Rp 2.500.000")
    page.check("input[name=programs][value=jht]")
    page.select_option("#field-months", "3")
    with page.expect_navigation(timeout=WAIT_MS):
        page.click("main form button[type=submit]")
    assert page.locator("#cost-title").text_content() == "Biaya iuran"
    assert re.search(r"Bayar 3 bulan sekaligus\s*Rp[0-9.]+", page.locator("main").inner_text())


def _status_check(page) -> None:
    """Ask about a NIK that is not in the registry: the answer is the one calm "does not match" reply."""
    page.fill("#nik", "3602014506900099")
    page.fill("#faktor", "1234")
    with page.expect_navigation(timeout=WAIT_MS):
        page.click("main form button[type=submit]")
    assert page.locator("[data-testid=answer] h2").text_content().strip()


def _claim_tracking(page) -> None:
    """Ask about a claim number that does not exist: the same calm "does not match" reply."""
    page.fill("#nomor", "KL-26-999999")
    page.fill("#faktor", "1234")
    with page.expect_navigation(timeout=WAIT_MS):
        page.click("main form button[type=submit]")
    assert page.locator("[data-testid=claim-failed] p").first.text_content().strip()


# How a person fills each page's form; a form without a journey here is submitted as it loads.
FORM_JOURNEYS = {
    "/kalkulator/": _calculator,
    CALCULATOR_FILLED: _calculator,
    "/cek/": _status_check,
    "/cek/klaim/": _claim_tracking,
}


@pages
def test_usable_without_javascript(live_server, public_data, path):
    url = f"{live_server.url}{path}"
    with chromium() as browser:
        page, _ = _phone_page(browser, java_script_enabled=False)
        _visit(page, url, path)
        heading = page.locator("main h1").first.text_content(timeout=WAIT_MS).strip()
        words = len(page.locator("main").inner_text().split())
        forms = page.locator("main form").count()
        journey = FORM_JOURNEYS.get(path)
        if journey:
            journey(page)
        else:
            for index in range(forms):
                _visit(page, url, path)
                form = page.locator("main form").nth(index)
                which = f"form {index + 1} of {path}"
                # Native validation would hold a form with required fields back: it needs a person's answers.
                required = form.locator("[required]").count()
                assert not required, f"{which} has required fields: say how to fill it in FORM_JOURNEYS"
                with page.expect_navigation(timeout=WAIT_MS) as navigation:
                    form.locator("button:not([type]), button[type=submit], input[type=submit]").first.click()
                status = navigation.value.status if navigation.value else None
                assert status is not None and status < 500, f"{which} answered {status}"
                assert page.locator("main h1").count(), f"{which} led to a page without <h1>"
    assert heading and words >= 20, f"{path} without JavaScript: <h1> {heading!r}, {words} words in <main>"
