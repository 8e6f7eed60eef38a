"""Benchmark: the landing page and the dashboard's map on a cheap phone over 3G.

    .venv/bin/python bench/phone_bench.py [--rounds 7] [--scale 0.02]

Issue 13 item 8: with 3G throttling and a 4× slower CPU, the dashboard's map is drawn in < 3 s and the
landing page in < 1 s.

Setup: a fresh SQLite database made by `cakupan demo --no-serve` (the demo's population), then
`cakupan serve` (gunicorn behind WhiteNoise with hashed, compressed static files, exactly as the demo
runs) on a loopback port. Debian's Chromium through Playwright, a 360 × 740 phone viewport, Chrome
DevTools' "Fast 3G" preset (562,5 ms latency per request, 1,44 Mbit/s down, 675 kbit/s up) and
`Emulation.setCPUThrottlingRate(4)`. Each round opens a new browser context, so the cache is cold (a
first visit); the same context then opens the page again (a repeat visit with the cache).

Measured in the page's own clock from the start of navigation:
- landing page: the load event (every resource of the page in) and the first contentful paint;
- dashboard (signed in as the provincial officer, the sign-in itself not throttled): the map drawn, the
  later of the first contentful paint and the frame in which the map's regions are laid out.

Floor, same run, same throttling: one request for `/healthz` (a few bytes), the least any page can take
on this connection. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PASSWORD = "Banten-UCJ-2026"
# Chrome DevTools' "Fast 3G" preset (its network panel's "3G"): bytes per second and milliseconds.
FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 1_440_000 / 8,
           "uploadThroughput": 675_000 / 8}  # fmt: skip
CPU_SLOWDOWN = 4
GOALS_MS = {"landing": 1000.0, "map": 3000.0}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _throttle(page) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", FAST_3G)
    session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


PAINT = """() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const navigation = performance.getEntriesByType('navigation')[0];
    return {fcp: paint ? paint.startTime : null, load: navigation.loadEventEnd,
            bytes: performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize,
                                                                   navigation.transferSize)};
}"""


PAINTED = """() => performance.getEntriesByName('first-contentful-paint').length > 0
    && performance.getEntriesByType('navigation')[0].loadEventEnd > 0"""


def _figures(page) -> dict:
    # Chromium files the paint entries a moment after the load event, not before it.
    page.wait_for_function(PAINTED, timeout=60_000)
    return page.evaluate(PAINT)


def _landing(page, base: str) -> dict:
    page.goto(f"{base}/", wait_until="load")
    return _figures(page)


def _map(page, base: str) -> dict:
    page.goto(f"{base}/cakupan/36/", wait_until="commit")
    page.wait_for_selector("[data-testid=map] path", state="visible", timeout=60_000)
    laid_out = page.evaluate("() => performance.now()")
    page.wait_for_load_state("load")
    figures = _figures(page)
    figures["map"] = max(laid_out, figures["fcp"])
    return figures


def _floor(page, base: str) -> float:
    page.goto(f"{base}/healthz", wait_until="load")
    return page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")


def run_browser(base: str, rounds: int) -> dict:
    from playwright.sync_api import sync_playwright

    keys = ("floor", "landing_load_cold", "landing_fcp_cold", "landing_load_warm", "map_cold", "map_warm")
    samples: dict[str, list[float]] = {key: [] for key in keys}
    transfer = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for index in range(rounds + 1):  # round 0 warms the server up and is not counted
            round_samples = {}
            context = browser.new_context(**PHONE)
            page = context.new_page()
            _throttle(page)
            round_samples["floor"] = _floor(page, base)
            cold = _landing(page, base)
            round_samples["landing_load_cold"] = cold["load"]
            round_samples["landing_fcp_cold"] = cold["fcp"]
            transfer["landing_cold_bytes"] = cold["bytes"]
            round_samples["landing_load_warm"] = _landing(page, base)["load"]
            context.close()

            context = browser.new_context(**PHONE)
            page = context.new_page()
            page.goto(f"{base}/akun/masuk/?next=/kerja/")
            page.fill("#id_username", "provinsi")
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.click("main button[type=submit]")
            # A first visit of the dashboard right after signing in: the sign-in page brought site.css,
            # nothing of the dashboard's own is cached yet.
            _throttle(page)
            cold_map = _map(page, base)
            round_samples["map_cold"] = cold_map["map"]
            transfer["dashboard_cold_bytes"] = cold_map["bytes"]
            round_samples["map_warm"] = _map(page, base)["map"]
            context.close()
            if index > 0:
                for key, value in round_samples.items():
                    samples[key].append(value)
        browser.close()
    return {"samples": samples, "transfer": transfer}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scale", type=float, default=0.02)
    args = parser.parse_args(argv)
    cakupan = str(ROOT / ".venv/bin/cakupan")
    with tempfile.TemporaryDirectory(prefix="cakupan-phone-") as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/main.sqlite3", "CAKUPAN_VAR_DIR": f"{tmp}/var",
               "CAKUPAN_DEMO_PASSWORD": PASSWORD}  # fmt: skip
        subprocess.run([cakupan, "demo", "--no-serve", "--scale", str(args.scale)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        port = _free_port()
        server = subprocess.Popen([cakupan, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _harness.wait_until_up(f"{base}/healthz", seconds=120)
            load_start = os.getloadavg()
            measured = run_browser(base, args.rounds)
            load_end = os.getloadavg()
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=60)
    samples = measured["samples"]
    floor = statistics.median(samples["floor"])
    rows = {key: {"median": statistics.median(values), "max": max(values)} for key, values in samples.items()}
    print(f"Phone over Fast 3G, CPU ÷{CPU_SLOWDOWN}, {args.rounds} rounds, load average "
          f"{load_start[0]:.2f} → {load_end[0]:.2f}")  # fmt: skip
    print(f"  {'measure':<22}{'median ms':>11}{'max ms':>10}{'÷ floor':>9}{'goal ÷ max':>12}")
    for key, row in rows.items():
        goal = GOALS_MS["landing"] if key.startswith("landing_load") else GOALS_MS["map"] if key.startswith(
            "map") else None  # fmt: skip
        goal_text = f"{goal / row['max']:>11.2f}×" if goal else f"{'':>12}"
        print(
            f"  {key:<22}{row['median']:>11.0f}{row['max']:>10.0f}{row['median'] / floor:>8.1f}×{goal_text}"
        )
    print(f"  bytes over the wire, cold: landing {measured['transfer']['landing_cold_bytes']:,}, dashboard "
          f"{measured['transfer']['dashboard_cold_bytes']:,}")  # fmt: skip
    met = rows["landing_load_cold"]["max"] < GOALS_MS["landing"] and rows["map_cold"]["max"] < GOALS_MS["map"]
    print(f"  goals (landing < 1 s, map < 3 s, every cold round): {'met' if met else 'NOT met'}")
    print(json.dumps({"benchmark": "phone_bench", "date": dt.datetime.now().astimezone().isoformat(
        timespec="seconds"), "cpus": os.cpu_count(), "platform": platform.platform(), "rounds": args.rounds,
        "network": FAST_3G, "cpu_slowdown": CPU_SLOWDOWN, "load_average_start": load_start,
        "load_average_end": load_end, "results": rows, "transfer": measured["transfer"]}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
