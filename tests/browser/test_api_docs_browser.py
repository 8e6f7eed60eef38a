"""The API's documentation page works offline: Swagger UI comes from the app's own static files, nothing
is fetched from another origin, and the operations are listed under the strict Content-Security-Policy."""

from urllib.parse import urlparse

import pytest
from test_dashboard_browser import CHROMIUM, chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def test_the_api_docs_render_without_a_cdn(live_server):
    origin = urlparse(live_server.url).netloc
    with chromium() as browser:
        page = browser.new_page()
        elsewhere, errors = [], []
        page.on(
            "request",
            lambda r: elsewhere.append(r.url) if urlparse(r.url).netloc not in (origin, "") else None,
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/api/v1/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert elsewhere == [] and errors == []
    assert "/api/v1/workers" in {path.replace("\u200b", "") for path in paths}
