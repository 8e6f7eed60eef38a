"""The task worker's supervisor starts db_worker again when it dies."""

import subprocess
import sys

import pytest


@pytest.mark.timeout(120)
def test_a_dead_worker_is_started_again(tmp_path):
    # A db_worker that cannot reach its database dies at once: the supervisor restarts it.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/missing/db.sqlite3", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "cakupan", "task_worker", "--max-restarts", "2"],
        capture_output=True, text=True, timeout=110, env={**env, "CAKUPAN_VAR_DIR": str(tmp_path / "var")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.count("Pekerja latar berhenti") == 2
    assert "dimulai ulang dalam 2 detik" in done.stderr
