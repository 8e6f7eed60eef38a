"""The `cakupan` console script end to end: demo on a fresh SQLite file, then the production server."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CAKUPAN = shutil.which("cakupan", path=str(Path(sys.executable).parent))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fresh_env(tmp_path):
    return {
        **os.environ,
        "CAKUPAN_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }


def test_demo_then_serve_answers_on_loopback(fresh_env, tmp_path):
    assert CAKUPAN, "the cakupan console script is not installed in the venv"
    demo = subprocess.run(
        [CAKUPAN, "demo", "--scale", "0.0005", "--no-serve"], env=fresh_env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert "2.880 pekerja" in demo.stdout
    assert (tmp_path / "demo.sqlite3").exists()
    with __import__("sqlite3").connect(tmp_path / "demo.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    port = _free_port()
    server = subprocess.Popen(
        [CAKUPAN, "serve", "--port", str(port), "--workers", "1"], env=fresh_env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Generous: a busy CI machine starts gunicorn and its worker slowly.
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        # Anonymous callers learn only that it runs; the landing page shows the data.
        assert health == {"status": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            page = response.read().decode()
        # 2.880 employed workers in the registry; the landing page divides by the labour force,
        # 6,170,000 × 0.0005 = 3.085.
        assert 'data-testid="denominator">3.085<' in page
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/cakupan/site.css", timeout=30
        ) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_unknown_command_fails_cleanly(fresh_env):
    result = subprocess.run([CAKUPAN, "tidak-ada"], env=fresh_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Unknown command: 'tidak-ada'" in result.stderr
