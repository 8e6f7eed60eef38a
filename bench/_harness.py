"""What the Banten-scale benchmarks share: a fresh database per engine (SQLite in a temporary file,
PostgreSQL 15 in a throwaway cluster tuned for bulk loads), migrated, and each step in its own child
process so that its peak resident memory is its own. A child prints one line `<PREFIX>{json}`."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAKUPAN = ROOT / ".venv/bin/cakupan"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def django_setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    os.environ["CAKUPAN_STATIC_MANIFEST"] = "0"
    django.setup()


def database_urls(workdir: Path, only: str | None) -> Iterator[tuple[str, str]]:
    """(label, DATABASE_URL) of each engine asked for, one after the other; PostgreSQL's cluster lasts
    until the caller moves on to the next one."""
    if only in (None, "sqlite"):
        yield "sqlite", f"sqlite:///{workdir / 'main.sqlite3'}"
    if only in (None, "postgresql"):
        sys.path.insert(0, str(ROOT / "src"))
        from cakupan.devtools.pgcluster import throwaway_cluster

        with throwaway_cluster(tuned_for_bulk=True) as url:
            yield "postgresql", url


def environment(url: str, workdir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CAKUPAN_VAR_DIR": str(workdir / "var"),
        "CAKUPAN_STATIC_MANIFEST": "0",
        **extra,
    }


def migrate(env: dict[str, str]) -> None:
    subprocess.run([str(CAKUPAN), "migrate", "--no-input", "-v", "0"], env=env, check=True)


def run_child(script: str, step: str, args: list[str], env: dict[str, str], prefix: str) -> dict | None:
    """Runs `script --child step args…`; its result line, or None (its output is shown) when it failed."""
    print(f"  {time.strftime('%H:%M:%S')} {step}", file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, script, "--child", step, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith(prefix)), None)
    if line is None:
        print(f"{step}: the child failed ({done.returncode}):\n{done.stdout[-3000:]}", file=sys.stderr)
        return None
    return json.loads(line.removeprefix(prefix))


def wait_until_up(url: str, seconds: float = 180) -> None:
    """Waits, bounded, until a server answers 200 at the URL."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")
