"""Browser tests drive Debian's Chromium through Playwright; they never download a browser."""


def pytest_configure(config):
    # Registered here so that `--strict-markers` accepts it without touching pyproject.toml.
    config.addinivalue_line("markers", "browser: drives a real Chromium (needs /usr/bin/chromium)")
