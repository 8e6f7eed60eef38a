"""The WSGI module leaves the loaded application out of the cyclic garbage collector's reach."""

import os
import subprocess
import sys


def test_the_wsgi_module_freezes_the_loaded_heap(tmp_path):
    script = (
        "import gc, sys\n"
        "import cakupan.wsgi\n"
        "frozen = gc.get_freeze_count()\n"
        "print(frozen, 'cakupan.api' in sys.modules)\n"
    )
    environment = {**os.environ, "CAKUPAN_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=300
    )
    assert result.returncode == 0, result.stderr
    frozen, api_loaded = result.stdout.split()
    # The whole application (Django, the apps, the API and its schemas) is frozen, not a handful of objects.
    assert int(frozen) > 50_000
    assert api_loaded == "True"
