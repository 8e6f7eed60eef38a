"""The literacy campaign journey in a real Chromium on a 360 px phone: the Lebak officer previews whom a
campaign reaches and what it costs, submits it (above the size that needs a second officer), the provincial
coordinator approves it, and the outbox then holds its messages, masked. Data is made before the browser
starts and checked after it stops (see test_dashboard_browser)."""

import datetime as dt
import re

import pytest
from test_dashboard_browser import CHROMIUM, PASSWORD, chromium
from test_journeys_browser import _sign_in

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.messaging import services as messaging
from cakupan.messaging.models import Campaign, CampaignStatus, Message, MessageState, MessageTemplate
from cakupan.messaging.seed import seed_templates
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region
from cakupan.registry.services import worker_register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]
DESA = "36.02.01.2002"


@pytest.fixture
def fishers(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MESSAGING = {**settings.MESSAGING, "campaign_approval_above": 2}
    # Other transactional tests flush the database, migrations' data included.
    load_reference_data(Region, LabourStat)
    seed_templates(MessageTemplate)
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password=PASSWORD)
    for serial in range(1, 5):
        phone = f"+628121110000{serial}"
        worker_register(
            nik=f"360201150590{serial:04d}",
            name=f"Asep Nelayan{serial}",
            birth_date=dt.date(1990, 5, 15),
            sex="L",
            desa_code=DESA,
            sector="nelayan",
            monthly_income=900_000,
            decile=2,
            phone=phone,
        )
        if serial < 4:  # the fourth never agreed
            messaging.consent_record(
                address=phone, channels=["sms"], purposes=["literacy"], granted=True, source="registration"
            )


def test_an_officer_plans_a_campaign_and_another_approves_it(live_server, fishers):
    when = (dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    with chromium() as browser:
        page, problems = _sign_in(browser, live_server.url, "lebak")
        page.goto(f"{live_server.url}/pesan/kampanye/")
        page.fill("#id_name", "Nelayan Malingping")
        page.fill("#id_region_code", "36.02.01")
        page.check("input[name=sectors][value=nelayan]")
        page.select_option("#id_channel", "sms")
        page.fill("#id_scheduled_at", when)
        page.click("button[name=pratinjau]")
        page.wait_for_load_state("networkidle")
        preview = page.text_content("[data-testid=campaign-preview]")
        assert re.search(r"SMS \(dipilih\)\s*3", preview), preview
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.click("text=Ajukan untuk disetujui")
        page.wait_for_load_state("networkidle")
        assert page.text_content("[data-testid=campaign-status]").strip() == "Menunggu persetujuan"
        campaign_url = page.url

        page, more = _sign_in(browser, live_server.url, "provinsi")
        problems += more
        page.goto(campaign_url)
        page.click("button[value=approve]")
        page.wait_for_load_state("networkidle")
        assert page.text_content("[data-testid=campaign-status]").strip() == "Terjadwal dan masuk antrean"
        page.goto(f"{live_server.url}/pesan/?saluran=sms")
        listed = page.text_content("[data-testid=outbox-list]")
        assert listed.count("0812********") == 3 and "+62812" not in listed and "08121110000" not in listed
        assert listed.count("Sosialisasi") == 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert problems == []
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.audience, campaign.queued) == (CampaignStatus.QUEUED, 3, 3)
    assert Message.objects.filter(campaign=campaign, state=MessageState.QUEUED).count() == 3
