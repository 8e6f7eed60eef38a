"""Paying by card on a 360 px phone, in a real Chromium: the card's details go from the browser to the
payment provider's token endpoint (the local Midtrans emulator, another origin the page's policy allows)
and only the one-time token reaches Cakupan. A card the provider refuses is said on the page and opens no
order; an accepted one pays, and its masked number is saved for the recurring charges."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from test_dashboard_browser import CHROMIUM, PASSWORD, chromium
from test_journeys_browser import village  # noqa: F401  (fixture)

from cakupan.accounts.models import User
from cakupan.providers.emulators.midtrans import ACCEPTED_CARD, MidtransConfig, MidtransEmulator
from cakupan.sponsors.models import OrderState, PaymentOrder, Sponsorship
from cakupan.sponsors.services import sponsorship_create_pool

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

TODAY = dt.date(2026, 12, 3)
DESA = "36.02.01.2002"
KEY = "SB-Mid-server-CARD"
CLIENT_KEY = "SB-Mid-client-CARD"
WAIT = 60_000  # ms: generous, bounded
PHONE_WIDTH = 360
LUHN_FAILS = "4811111111111115"


@pytest.fixture
def world(village, settings, tmp_path, live_server, monkeypatch):  # noqa: F811
    from django.utils import timezone

    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: real(value, timezone) if value else TODAY,
    )
    settings.VAR_DIR = tmp_path / "var"
    # An earlier transactional test may have flushed the message templates that the migration loaded.
    from cakupan.messaging.models import MessageTemplate
    from cakupan.messaging.seed import seed_templates

    seed_templates(MessageTemplate)
    emulator = MidtransEmulator(MidtransConfig(server_key=KEY, client_key=CLIENT_KEY))
    emulator.start()
    settings.SERTAKAN = {**settings.SERTAKAN, "midtrans": {"base_url": emulator.url, "server_key": KEY,
                                                           "client_key": CLIENT_KEY}}  # fmt: skip
    sponsor = User.objects.get(username="sponsor")
    sponsorship = sponsorship_create_pool(sponsor=sponsor, area_code=DESA, recurring=True)
    yield {"emulator": emulator, "sponsor": sponsor, "sponsorship": sponsorship}
    emulator.stop()


def test_a_card_is_tokenised_in_the_browser_and_its_number_never_reaches_cakupan(live_server, world):
    base, emulator, sponsorship = live_server.url, world["emulator"], world["sponsorship"]
    sent_to_us = []
    with chromium() as browser:
        context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 780}, locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(WAIT)
        problems = []
        page.on("pageerror", lambda error: problems.append(f"error: {error}"))
        page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)

        def watch(request):
            if request.url.startswith(base):
                sent_to_us.append(f"{request.url} {request.post_data or ''}")

        page.on("request", watch)
        page.goto(f"{base}/sponsor/akun/masuk/")
        page.fill("input[name=login]", world["sponsor"].email)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/sponsor/")
        page.goto(f"{base}/sponsor/dukungan/{sponsorship.reference}/")
        page.check("[data-testid=method-card]")
        expect(page.locator("[data-testid=card-fields]")).to_be_visible()

        # A number the provider refuses: said on the page, no order opened.
        page.fill("[data-testid=card-number]", LUHN_FAILS)
        page.fill("[data-testid=card-month]", "12")
        page.fill("[data-testid=card-year]", "2030")
        page.fill("[data-testid=card-cvv]", "123")
        page.click("[data-testid=pay]")
        expect(page.locator("[data-testid=card-status]")).to_contain_text("Kartu tidak diterima")
        assert page.url == f"{base}/sponsor/dukungan/{sponsorship.reference}/"

        # The accepted card: tokenised at the provider, the token posted, the order paid.
        page.fill("[data-testid=card-number]", "4811 1111 1111 1114")
        page.click("[data-testid=pay]")
        page.wait_for_url(f"{base}/sponsor/pesanan/**")
        expect(page.locator("[data-testid=paid]")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
        context.close()
    assert problems == []
    # Digits only, whatever the encoding (spaces as "+", dashes): no card number, and no CVV or expiry field.
    digits = ["".join(ch for ch in line if ch.isdigit()) for line in sent_to_us]
    assert not [d for d in digits if ACCEPTED_CARD in d or LUHN_FAILS in d]
    assert not [
        line for line in sent_to_us if re.search(r"cvv|bulan_kartu|tahun_kartu|(?<![_a-z])kartu=", line)
    ]
    assert [line for line in sent_to_us if "token_kartu=" in line]
    order = PaymentOrder.objects.get(sponsorship=sponsorship)
    assert (order.method, order.state) == ("card", OrderState.PAID)
    saved = Sponsorship.objects.get(pk=sponsorship.pk)
    assert saved.card_token and saved.card_label.endswith("1114")
    # One charge reached the provider: the refused card never got a token.
    assert [t["transaction_status"] for t in emulator.state.transactions.values()] == ["capture"]
