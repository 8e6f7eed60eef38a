"""Fixtures every test of the project gets, under src/ and tests/ alike (loaded by pyproject's addopts)."""

import pytest


@pytest.fixture(autouse=True)
def source_static_files(settings):
    # Pages render against the source files; the hashed, compressed copies need a collectstatic run and
    # are tested on their own (core/tests/test_static_files.py).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
