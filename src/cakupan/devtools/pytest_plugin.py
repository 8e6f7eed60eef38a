"""Fixtures every test of the project gets, under src/ and tests/ alike (loaded by pyproject's addopts)."""

import atexit
import os
import shutil
import tempfile

import pytest

from cakupan.core import memcached


def _start_test_memcached() -> None:
    """The run's own memcached on a Unix socket of its own, for the status check's limits; started when
    this plugin loads, before pytest-django reads the settings, and inherited by servers the tests start."""
    if os.environ.get("CAKUPAN_MEMCACHED"):
        return
    # A short path: a socket's path has a limit of 107 bytes.
    directory = tempfile.mkdtemp(prefix="cakupan-mc-")
    location = os.path.join(directory, "memcached.sock")
    process = memcached.start(location)
    if process is None:
        raise pytest.UsageError("memcached is needed by the tests: run `make system` (Debian's memcached).")
    atexit.register(shutil.rmtree, directory, True)
    atexit.register(process.terminate)
    os.environ["CAKUPAN_MEMCACHED"] = location


_start_test_memcached()


def _hypothesis_profile() -> None:
    """No wall-clock deadline for any property test: on a busy machine the first example of a test (imports,
    a cold cache) can take far longer than hypothesis's default 200 ms, and a deadline then fails work
    that is correct. A test that hangs is caught by pytest-timeout instead."""
    from hypothesis import settings

    settings.register_profile("cakupan", deadline=None, print_blob=True)
    settings.load_profile("cakupan")


_hypothesis_profile()
# Each look-up's record is written at once, in the request, so a test sees it when the answer comes; the
# batching itself is tested on its own (portal/tests/test_journal.py).
os.environ.setdefault("CAKUPAN_CEK_JOURNAL_ROWS", "1")


@pytest.fixture(autouse=True)
def fresh_limits():
    """Each test starts with no look-ups counted: the limits' counters live outside the test database."""
    from django.core.cache import caches

    caches["limits"].clear()
    yield


@pytest.fixture(autouse=True)
def source_static_files(settings):
    # Pages render against the source files; the hashed, compressed copies need a collectstatic run and
    # are tested on their own (core/tests/test_static_files.py).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
