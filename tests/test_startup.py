"""Start-up stays light: `django.setup()`, which every `cakupan` command, worker and test pays, imports no
data library. Polars, NumPy, xlsxwriter and PyArrow are imported where they are used (an import, a plan,
a report), so that `cakupan nik parse` and the like start in a fraction of a second
(bench/startup_bench.py measures it; a time limit here would fail on a busy machine)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("polars", "numpy", "xlsxwriter", "pyarrow")


def _after_setup(statement: str = "") -> str:
    code = (
        "import os, sys\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'cakupan.settings'\n"
        "import django\n"
        "django.setup()\n"
        f"{statement}\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.strip().splitlines()[-1]


def test_django_setup_imports_no_data_library():
    assert _after_setup() == "[]"


def test_the_check_sees_a_data_library_when_one_is_loaded():
    """The same probe names Polars once it is imported: the test above passes because nothing loads it, not
    because the probe cannot see it."""
    assert _after_setup("import polars") == "['polars']"
