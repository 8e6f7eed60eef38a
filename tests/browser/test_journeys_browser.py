"""The staff's main journeys in a real Chromium (browser set to English: the pages stay in Bahasa).

1. The village operator finds who is unprotected in her desa, registers a neighbour by hand; the kab/kota
   officer sees it waiting on his home page and approves it; she then appears in the operator's list and
   in the dashboard's figures.
2. A funder officer approves a plan of her own funder and is not offered another funder's plan.

Data is made before the browser starts and checked after it stops (see test_dashboard_browser)."""

import datetime as dt
import re

import pytest
from test_dashboard_browser import CHROMIUM, PASSWORD, chromium

from cakupan.accounts.models import Role, User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.approvals.models import Approval
from cakupan.coverage.models import RegionCoverage
from cakupan.coverage.services import coverage_refresh
from cakupan.funding.models import AllocationPlan, Funder, FundingProgram, PlanStatus
from cakupan.funding.services import allocation_plan_create, funder_officer_add, funding_demo_seed
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region
from cakupan.registry.models import Worker
from cakupan.registry.services import population_generate

MONTH = dt.date(2026, 11, 1)
DESA = "36.02.01.2002"
NEIGHBOUR = {"nik": "3602014506900099", "name": "Nur Aisyah Rahmawati"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


@pytest.fixture
def village(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    load_reference_data(Region, LabourStat)
    population_generate(scale=0.001, seed=7, as_of=MONTH)
    coverage_refresh(month=MONTH)
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password=PASSWORD)
    row = RegionCoverage.objects.get(region_id=DESA, month=MONTH)
    return {"workers": row.workers, "not_covered": row.workers - row.active}


def _sign_in(browser, base_url, username, width=360):
    # An English-language browser: Cakupan answers in Bahasa unless the user chooses English.
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base_url}/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, problems


def _count(page, slug) -> int:
    return int(page.text_content(f"[data-testid=count-{slug}]").replace(".", ""))


def test_operator_registers_a_neighbour_and_the_regency_officer_approves(live_server, village):
    with chromium() as browser:
        page, problems = _sign_in(browser, live_server.url, "desa")
        assert page.url == f"{live_server.url}/kerja/"
        assert page.get_attribute("html", "lang") == "id"
        assert "Beranda kerja" in page.text_content("h1") and "Menunggu tindakan Anda" in page.content()
        assert _count(page, "belum-terlindungi") == village["not_covered"]
        page.click("a[href='/pekerja/daftar/belum-terlindungi/']")
        assert page.text_content("[data-testid=total]").startswith(f"{village['not_covered']} pekerja")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # She is not in the registry yet: register her by hand.
        page.goto(f"{live_server.url}/kerja/")
        page.click("[data-testid=add-worker]")
        page.fill("#nik", NEIGHBOUR["nik"])
        page.fill("#nama", NEIGHBOUR["name"])
        page.fill("#tanggal_lahir", "1990-06-05")
        page.select_option("#jenis_kelamin", "P")
        page.select_option("#kode_desa", DESA)
        page.select_option("#sektor", "pedagang")
        page.fill("#penghasilan", "900000")
        page.fill("#telepon", "081234567899")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.click("[data-testid=submit]")
        page.wait_for_load_state("networkidle")
        assert re.search(r"/impor/\d+/$", page.url), page.text_content("main")
        assert page.text_content("[data-testid=status]") == "Menunggu persetujuan"
        import_url = page.url
        page.context.close()

        page, more = _sign_in(browser, live_server.url, "lebak", width=1280)
        problems += more
        waiting = page.locator(f"[data-testid=waiting] a[href='{import_url[len(live_server.url) :]}']")
        assert waiting.count() == 1
        waiting.click()
        page.click("button[name=decision][value=approve]")
        page.wait_for_load_state("networkidle")
        assert page.text_content("[data-testid=status]") == "Diterapkan"
        page.context.close()

        page, more = _sign_in(browser, live_server.url, "desa")
        problems += more
        assert _count(page, "belum-terlindungi") == village["not_covered"] + 1
        figures = page.text_content("[data-testid=dashboard-figures]")
        assert f"{village['workers'] + 1} pekerja terdaftar" in figures
        page.fill("#q", "nur aisyah rahmawati")
        page.click("form.search button")
        page.wait_for_load_state("networkidle")
        assert page.text_content("[data-testid=total]").startswith("1 pekerja")
        page.click("[data-testid=workers] a.name")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=status]").count() == 1, (page.url, page.text_content("main"))
        assert page.text_content("[data-testid=status]") == "Belum pernah terdaftar"
        assert page.text_content("[data-testid=nik]") == NEIGHBOUR["nik"]
        page.context.close()
    assert problems == []
    worker = Worker.objects.get(nik=NEIGHBOUR["nik"])
    assert (worker.name, worker.desa_id, worker.phone) == (NEIGHBOUR["name"], DESA, "+6281234567899")
    assert RegionCoverage.objects.get(region_id=DESA, month=MONTH).workers == village["workers"] + 1


@pytest.fixture
def plans(village):
    funding_demo_seed(start_month=MONTH)
    baznas = Funder.objects.get(name="BAZNAS Provinsi Banten")
    treasurer = User.objects.create_user(
        username="bendahara", password=PASSWORD, role=Role.FUNDER_OFFICER, area_id="36"
    )
    funder_officer_add(funder=baznas, user=treasurer)
    own = allocation_plan_create(programs=list(FundingProgram.objects.filter(funder=baznas)), actor=treasurer)
    lebak = User.objects.get(username="lebak")
    other = allocation_plan_create(
        programs=list(FundingProgram.objects.filter(funder__name="Pemerintah Kabupaten Lebak")), actor=lebak
    )
    return {"own": own.pk, "other": other.pk}


def test_funder_officer_approves_her_own_funders_plan_only(live_server, plans):
    with chromium() as browser:
        page, problems = _sign_in(browser, live_server.url, "baznas", width=1280)
        waiting = page.locator("[data-testid=waiting] a")
        hrefs = [waiting.nth(index).get_attribute("href") for index in range(waiting.count())]
        assert f"/dana/rencana/{plans['own']}/" in hrefs and f"/dana/rencana/{plans['other']}/" not in hrefs
        page.goto(f"{live_server.url}/dana/rencana/{plans['other']}/")
        assert page.locator("[data-testid=approve]").count() == 0
        page.goto(f"{live_server.url}/dana/rencana/{plans['own']}/")
        page.click("[data-testid=approve]")
        page.wait_for_load_state("networkidle")
        page.context.close()
    assert problems == []
    assert AllocationPlan.objects.get(pk=plans["own"]).status == PlanStatus.APPROVED
    assert AllocationPlan.objects.get(pk=plans["other"]).status != PlanStatus.APPROVED
    assert Approval.objects.filter(subject_id=str(plans["own"]), status="approved").count() == 1
