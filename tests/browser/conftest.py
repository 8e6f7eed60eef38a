"""Browser tests drive Debian's Chromium through Playwright; they never download a browser."""

import pytest


def pytest_configure(config):
    # Registered here so that `--strict-markers` accepts it without touching pyproject.toml.
    config.addinivalue_line("markers", "browser: drives a real Chromium (needs /usr/bin/chromium)")


@pytest.fixture(autouse=True)
def field_records_filed_at_once(settings):
    """The phones' records go into the registry's import at every sync (production waits for a batch), so
    a journey can approve right after syncing."""
    settings.AGENTS = {**settings.AGENTS, "file_after_minutes": 0}
