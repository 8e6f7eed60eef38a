"""Static files are collected under hashed names with gzip copies and served compressed with a long,
immutable cache (a cheap phone on 3G downloads the chart library once)."""

import gzip
import json
import subprocess
import sys

import pytest
from django.test import Client


@pytest.mark.timeout(300)
def test_collected_files_are_hashed_compressed_and_cached_for_a_year(tmp_path, settings):
    var = tmp_path / "var"
    done = subprocess.run(
        [sys.executable, "-m", "cakupan", "collectstatic", "--noinput", "-v", "0"],
        capture_output=True, text=True, timeout=280,
        env={"CAKUPAN_VAR_DIR": str(var), "PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/db"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    root = var / "static"
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vendor/echarts/echarts-6.1.0.min.js"]
    assert hashed != "vendor/echarts/echarts-6.1.0.min.js" and hashed.endswith(".js")
    original = (root / hashed).read_bytes()
    packed = (root / f"{hashed}.gz").read_bytes()
    assert gzip.decompress(packed) == original and len(packed) < len(original) / 2

    settings.STATIC_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = Client().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
