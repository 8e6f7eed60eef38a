"""The allocation package stays free of Django: the CLI, the benchmark and tests use it without settings,
and the funding app is its only Django-facing caller."""

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import cakupan.allocation

# Every module of the package, its tests aside (they run under pytest-django).
MODULES = sorted(
    module.name
    for module in pkgutil.walk_packages(cakupan.allocation.__path__, prefix="cakupan.allocation.")
    if ".tests" not in module.name
)


def test_the_scan_sees_the_whole_package():
    assert {"cakupan.allocation.instance", "cakupan.allocation.policy", "cakupan.allocation.solver"} <= set(
        MODULES
    )


def test_importing_every_module_loads_no_django():
    # A fresh interpreter without settings: an import of Django anywhere below would show in sys.modules,
    # and one needing settings would fail outright.
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(cakupan.allocation.__file__).parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
