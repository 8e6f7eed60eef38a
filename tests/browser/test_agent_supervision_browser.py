"""A kab/kota officer judges field agents on a 360 px phone, in a real Chromium: the ranking of Lebak's
agents (lasting cover, not sign-ups), one agent's page with her commission for December 2026 and its
statement as PDF; then the agent herself opens /agen/kinerja/ and sees only her own figures. axe-core checks
every page.

The data comes from the real services (sync → approval → settle; program → plan → batch → acknowledgement →
invoice → payment on 3 December), made before the browser starts."""

import datetime as dt

import pytest
from accessibility import axe_violations
from playwright.sync_api import expect
from test_dashboard_browser import CHROMIUM, chromium

from cakupan.agents.tests.conftest import people  # noqa: F401  (fixture)
from cakupan.agents.tests.kpi_world import clock_fixture, field_fixture  # noqa: F401  (fixtures)
from cakupan.messaging.models import MessageTemplate
from cakupan.messaging.seed import seed_templates
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

PHONE_WIDTH = 360
WAIT = 30_000  # ms
DEC = dt.date(2026, 12, 1)


@pytest.fixture
def reference():
    # Other transactional tests flush the database, the migrations' data included.
    load_reference_data(Region, LabourStat)
    seed_templates(MessageTemplate)
    from cakupan.agents.models import CommissionRule

    CommissionRule.objects.get_or_create(
        valid_from=dt.date(2018, 1, 1),
        defaults={
            "rate_bp": 750,
            "bonus_threshold": 50,
            "bonus_amount": 500_000,
            "institution_share_bp": 1000,
            "removal_months": 3,
            "source": "Kompas 11 Des 2018",
        },
    )


@pytest.fixture
def lebak(reference, people, field, clock, settings, tmp_path):  # noqa: F811
    settings.VAR_DIR = tmp_path / "var"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    field.join("agent")
    clock.set(dt.date(2026, 12, 3))
    workers = field.enrol(3, phones=True)
    field.enrol(2, agent="agent2")
    field.fund(workers, start=DEC, months=12, paid_on=dt.date(2026, 12, 3))
    clock.set(dt.date(2026, 12, 20))
    return people


def _phone(browser, base_url: str, username: str):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 780}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    problems = []
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base_url}/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", "x")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, problems


def _checked(page) -> None:
    assert axe_violations(page) == [], page.url
    # Tables scroll inside their own box; anything else this wide widens the page.
    wide = page.evaluate(
        """(width) => [...document.body.querySelectorAll('*')]
            .filter(el => el.getBoundingClientRect().right > width && !el.closest('.table-wrap'))
            .map(el => `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}>`)""",
        PHONE_WIDTH,
    )
    assert wide == [], f"{page.url} scrolls sideways: {wide}"


def test_an_officer_ranks_the_agents_and_reads_a_statement_and_the_agent_sees_only_hers(live_server, lebak):
    base = live_server.url
    agent = lebak["agent"]
    with chromium() as browser:
        page, problems = _phone(browser, base, "disnaker")
        page.goto(f"{base}/kerja/")
        page.click("nav >> text=Agen")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{base}/agen/kinerja/"
        expect(page.locator("h1")).to_have_text("Kinerja agen lapangan")
        expect(page.locator("[data-testid=ranking] tbody tr")).to_have_count(2)
        expect(page.locator("[data-testid=ranking] tr[data-agent=agen] [data-testid=score]")).to_have_text(
            "belum cukup data"
        )
        expect(page.locator("[data-testid=institutions]")).to_contain_text("Koperasi Nelayan Malingping")
        _checked(page)

        page.click("[data-testid=ranking] tr[data-agent=agen] th a")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{base}/agen/kinerja/{agent.pk}/"
        expect(page.locator("[data-testid=enrolled]")).to_have_text("3")
        expect(page.locator("main")).to_contain_text("Rp604.800")  # 3 × 12 months × Rp16.800 paid on 3 Dec
        expect(page.locator("main")).to_contain_text("Rp45.360")  # 7,5% of it
        _checked(page)
        statement = page.request.get(f"{base}/agen/komisi/{agent.pk}/2026-12.pdf")
        assert statement.status == 200 and statement.headers["content-type"] == "application/pdf"
        assert statement.body().startswith(b"%PDF")
        page.context.close()

        page, more = _phone(browser, base, "agen")
        problems += more
        page.goto(f"{base}/agen/kinerja/")
        expect(page.locator("h1")).to_have_text("Kinerja saya")
        expect(page.locator("main")).to_contain_text("Rp45.360")
        _checked(page)
        other = page.request.get(f"{base}/agen/kinerja/{lebak['agent2'].pk}/")
        assert other.status == 404
        # Her field pages: the visit list and the records her phone sent, both readable on the phone.
        page.goto(f"{base}/agen/")
        expect(page.locator("h1")).to_have_text("Daftar kunjungan")
        _checked(page)
        page.goto(f"{base}/agen/rekaman/")
        expect(page.locator("[data-testid=records] tbody tr")).to_have_count(3)
        _checked(page)
        page.context.close()
    assert problems == []
