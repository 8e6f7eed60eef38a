"""Benchmark: one sync of the field agent's offline app (/agen/aplikasi/) over an emulated 3G connection.

    .venv/bin/python bench/field_sync_bench.py [--rounds 5] [--records 1000] [--scale 0.02] [--keep-db]

Issue 19 item 3, "Sync budget": up to 1,000 records per sync, each sync < 30 s on an emulated 3G
connection.

Setup, as bench/phone_bench.py: a fresh SQLite database made by `cakupan demo --no-serve` (the demo's
population and accounts), then `cakupan serve` (gunicorn, its 2 workers, and the task worker that checks
imports, exactly as the demo runs) on a free loopback port. Debian's Chromium through Playwright, a
360 × 780 phone viewport. Signed in as the demo field agent `agen` (password CAKUPAN_DEMO_PASSWORD, else the
demo's), the app opened once online and its service worker in control, then, for each measure of each
round, N (--records, default 1,000) new records put straight into the app's waiting store (IndexedDB,
`CakupanStore.put`, as tests/browser/test_field_agent_offline_browser.py does): valid NIKs of Kecamatan
Malingping (prefix 360201, born 1970-1999), desa 36.02.01.2002, distinct in every round and measure and none
in the registry or among the field records the demo holds, so that every record is new and none is a
replay. The records of earlier rounds are dropped from the phone first, so that the button sends exactly
this round's and asks about no older ones.

With throttling on (Chrome DevTools' network conditions through a CDP session on the page), the app's
"Kirim sekarang" button is pressed; measured in the page's clock from the click to the moment every one of
the N records has its server answer in the store (the app counts none waiting, checked against the store
itself). That covers what the app does for a sync: the CSRF token (a GET), the records in one POST to
/agen/sinkron/ and the N answers back, written to IndexedDB. Two connections:
- sync_slow3g: Chrome DevTools' "Slow 3G" preset before its own adjustments, as the browser test: 400 ms
  latency per request, 500 kbit/s down, 500 kbit/s up;
- sync_fast3g: its "Fast 3G" preset, as phone_bench: 562,5 ms latency, 1,44 Mbit/s down, 675 kbit/s up.
The CPU is not slowed unless --cpu-slowdown says so (the issue's budget is about the connection).

Floor, same run, same throttling, just before each sync: the same number of bytes POSTed from the page with
fetch() to /agen/sinkron/status/ as {"client_ids": [], "padding": "xxx…"}, the padding as long as makes the
body exactly as long as the sync's (views.sync_status reads only client_ids, so it parses the JSON, settles
nothing and answers {"results": []}): the cost of moving the payload up that link once, one request. The
sync's answers coming down are not in the floor; the payload alone at the link's rates (bytes ÷ throughput,
each way) is printed beside it.

Between measures the task worker is let finish checking the import the previous sync made (waited for,
bounded), so that no round runs beside another round's background work. Round 0 warms the server up and is
not counted. Prints a table (median and max seconds, ratio to the floor, max ÷ 30 s, the goal being met when
< 1 in every round), the request and response body sizes, and one JSON line with the load average at the
start and the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PASSWORD = os.environ.get("CAKUPAN_DEMO_PASSWORD", "Banten-UCJ-2026")
AGENT = "agen"
DESA = "36.02.01.2002"  # Cilangkahan, Kecamatan Malingping: in the demo agent's area (36.02.01)
DESA_NAME = "Cilangkahan"
NIK_PREFIX = "360201"
PHONE = {"viewport": {"width": 360, "height": 780}, "has_touch": True, "locale": "id-ID"}
# Chrome DevTools' network presets: milliseconds and bytes per second.
NETWORKS = {
    "slow3g": {"offline": False, "latency": 400, "downloadThroughput": 500_000 / 8,
               "uploadThroughput": 500_000 / 8},
    "fast3g": {"offline": False, "latency": 562.5, "downloadThroughput": 1_440_000 / 8,
               "uploadThroughput": 675_000 / 8},
}  # fmt: skip
NETWORK_NAMES = {"slow3g": "Slow 3G", "fast3g": "Fast 3G"}
UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
GOAL_SECONDS = 30.0
MAX_RECORDS = 1000  # services/sync.MAX_RECORDS: one sync's worth
WAIT_MS = 60_000  # Playwright's waits: generous and bounded


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _network_text(key: str) -> str:
    network = NETWORKS[key]
    down, up = network["downloadThroughput"] * 8 / 1000, network["uploadThroughput"] * 8 / 1000
    return f"{NETWORK_NAMES[key]}: {network['latency']:g} ms, {down:g} kbit/s down, {up:g} kbit/s up"


# --- the records ------------------------------------------------------------------------------------


def _taken_niks(database: Path) -> set[str]:
    """The NIKs of Kecamatan Malingping already in the registry or among the field records."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60)) as connection:
        rows = connection.execute(
            "SELECT nik FROM registry_worker WHERE nik LIKE ? UNION SELECT nik FROM agents_fieldrecord "
            "WHERE nik LIKE ?",
            (f"{NIK_PREFIX}%", f"{NIK_PREFIX}%"),
        ).fetchall()
    return {nik for (nik,) in rows}


def _niks(taken: set[str]) -> Iterator[tuple[str, str, str]]:
    """(NIK, birth date, sex) of valid NIKs of Kecamatan Malingping none of which is in `taken`, each once:
    born 1970-1999, women's birth day + 40, serial from 0001."""
    for serial in range(1, 10_000):
        for year in range(70, 100):
            for month in range(1, 13):
                for day in range(1, 29):
                    for woman in (False, True):
                        nik = f"{NIK_PREFIX}{day + 40 * woman:02d}{month:02d}{year:02d}{serial:04d}"
                        if nik not in taken:
                            yield nik, f"19{year:02d}-{month:02d}-{day:02d}", "P" if woman else "L"


def _records(source: Iterator[tuple[str, str, str]], count: int, first: int) -> list[dict]:
    """New records as the app keeps them (app.js, save()), waiting to be sent."""
    now = dt.datetime.now(dt.UTC)
    made_at = f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"
    records = []
    for index in range(count):
        nik, birth_date, sex = next(source)
        records.append({
            "client_id": str(uuid.uuid4()), "kind": "new", "worker_id": None, "base_version": None,
            "made_at": made_at,
            "values": {
                "nik": nik, "nama": f"Pekerja Lapangan {first + index + 1}", "tanggal_lahir": birth_date,
                "jenis_kelamin": sex, "kode_desa": DESA, "sektor": "petani", "penghasilan": "1500000",
                "desil": "", "telepon": "",
            },
            "owner": AGENT, "state": "waiting", "status": "", "code": "", "message": "",
            "created": first + index, "desa_name": DESA_NAME,
        })  # fmt: skip
    return records


def _sync_body_bytes(records: list[dict]) -> int:
    """The length of the body the app POSTs for these records: JSON.stringify({records: batch.map(wire)})."""
    wire = [{key: record[key] for key in ("client_id", "kind", "made_at", "values")} for record in records]
    return len(json.dumps({"records": wire}, separators=(",", ":"), ensure_ascii=False).encode())


# --- the server's background work -------------------------------------------------------------------


def _wait_background_idle(database: Path, seconds: float) -> float:
    """Waits, bounded, until no import is being checked or applied by the task worker; the seconds waited."""
    started = time.monotonic()
    while True:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60)) as connection:
            (busy,) = connection.execute(
                "SELECT COUNT(*) FROM registry_workerimport WHERE status IN ('checking', 'applying')"
            ).fetchone()
        waited = time.monotonic() - started
        if not busy:
            return waited
        if waited > seconds:
            raise SystemExit(f"the task worker was still checking {busy} import(s) after {seconds:.0f} s")
        time.sleep(1)


# --- the page ---------------------------------------------------------------------------------------


class Phone:
    """The signed-in app on one page, the requests it makes, and its CDP session for throttling."""

    def __init__(self, browser, base: str, cpu_slowdown: float) -> None:
        self.base = base
        self.cpu_slowdown = cpu_slowdown
        self.context = browser.new_context(**PHONE)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.problems: list[str] = []
        self.in_flight: set = set()
        self.posts: list[tuple[float, object]] = []  # (time.monotonic() when made, the request)
        self.page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        self.page.on("request", self._made)
        self.page.on("requestfinished", self._ended)
        self.page.on("requestfailed", self._ended)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")

    def _made(self, request) -> None:
        self.in_flight.add(request)
        if request.method == "POST":
            self.posts.append((time.monotonic(), request))

    def _ended(self, request) -> None:
        self.in_flight.discard(request)

    def throttle(self, key: str | None) -> None:
        self.cdp.send("Network.emulateNetworkConditions", NETWORKS[key] if key else UNTHROTTLED)
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": self.cpu_slowdown if key else 1})

    def wait_until(self, script: str, seconds: float = WAIT_MS / 1000) -> None:
        """Polls a JS expression (page.wait_for_function evaluates a string, which the app's CSP forbids)."""
        deadline = time.monotonic() + seconds
        while not self.page.evaluate(f"() => Boolean({script})"):
            if time.monotonic() > deadline:
                raise SystemExit(f"still false after {seconds:.0f} s: {script}")
            self.page.wait_for_timeout(100)

    def wait_idle(self, seconds: float = 300) -> None:
        """Until the app is not syncing and no request of the page is under way (bounded)."""
        self.wait_until("(document.getElementById('field-app').dataset.syncing || '0') === '0'", seconds)
        deadline = time.monotonic() + seconds
        while self.in_flight:
            if time.monotonic() > deadline:
                print(f"  still {len(self.in_flight)} request(s) under way after {seconds:.0f} s; going on",
                      file=sys.stderr)  # fmt: skip
                self.in_flight.clear()
                return
            self.page.wait_for_timeout(100)

    def open_app(self) -> None:
        page = self.page
        page.goto(f"{self.base}/akun/masuk/")
        page.fill("#id_username", AGENT)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{self.base}/agen/aplikasi/")
        page.wait_for_selector("#field-app[data-ready='1']", state="attached")
        self.wait_until("navigator.serviceWorker.controller")
        self.wait_idle()


# The round's records in the store, nothing else; the watch that notes, in the page's clock, the click on the
# send button and the first time afterwards the app counts none waiting while the store holds every one of
# them answered.
ARM = """async (records) => {
    const old = (await CakupanStore.records()).map((record) => record.client_id);
    if (old.length) await CakupanStore.drop(old);
    await CakupanStore.put(records);
    const ids = new Set(records.map((record) => record.client_id));
    const bench = {clicked: null, answered: null, checks: 0, statuses: null, syncingAtClick: null};
    window.__fieldSyncBench = bench;
    const app = document.getElementById('field-app');
    const counts = document.getElementById('counts');
    const button = document.getElementById('send-now');
    document.addEventListener('click', (event) => {
        if (bench.clicked === null && button.contains(event.target)) {
            bench.clicked = event.timeStamp;
            bench.syncingAtClick = app.dataset.syncing || '0';
        }
    }, {capture: true});
    let checking = false;
    const check = async () => {
        if (bench.clicked === null || bench.answered !== null || checking) return;
        if (counts.dataset.waiting !== '0') return;
        const seen = performance.now();
        checking = true;
        bench.checks += 1;
        const mine = (await CakupanStore.records()).filter((record) => ids.has(record.client_id));
        checking = false;
        if (mine.length !== ids.size || !mine.every((record) => record.state === 'sent')) {
            setTimeout(check, 200);  // not all of them yet: look again while the count says none waiting
        } else {
            bench.answered = seen;
            bench.statuses = {};
            mine.forEach((record) => {
                bench.statuses[record.status] = (bench.statuses[record.status] || 0) + 1;
            });
            bench.rejection = (mine.find((record) => record.status !== 'submitted') || {}).message || '';
            observer.disconnect();
        }
    };
    const observer = new MutationObserver(check);
    observer.observe(counts, {attributes: true});
    return {syncing: app.dataset.syncing || '0', stored: ids.size};
}"""

FLOOR = """async ({bytes, tokenUrl, statusUrl}) => {
    const tokenAnswer = await fetch(tokenUrl, {credentials: 'same-origin', cache: 'no-store',
                                               headers: {Accept: 'application/json'}});
    const token = (await tokenAnswer.json()).csrf_token;
    const empty = JSON.stringify({client_ids: [], padding: ''}).length;
    const body = JSON.stringify({client_ids: [], padding: 'x'.repeat(Math.max(0, bytes - empty))});
    const started = performance.now();
    const response = await fetch(statusUrl, {
        method: 'POST', credentials: 'same-origin', cache: 'no-store', body: body,
        headers: {Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': token},
    });
    const text = await response.text();
    return {ms: performance.now() - started, status: response.status, sent: body.length,
            received: new TextEncoder().encode(text).length, answer: text.slice(0, 300)};
}"""


def _floor(phone: Phone, key: str, body_bytes: int) -> dict:
    phone.throttle(key)
    try:
        result = phone.page.evaluate(
            FLOOR,
            {"bytes": body_bytes, "tokenUrl": "/agen/sinkron/token/", "statusUrl": "/agen/sinkron/status/"},
        )
    finally:
        phone.throttle(None)
    if result["status"] != 200 or json.loads(result["answer"]) != {"results": []}:
        raise SystemExit(f"the floor's POST was answered {result['status']}: {result['answer']}")
    phone.wait_idle()
    return {
        "seconds": result["ms"] / 1000,
        "request_bytes": result["sent"],
        "response_bytes": result["received"],
    }


def _sync(phone: Phone, key: str, records: list[dict], timeout: float) -> dict:
    page = phone.page
    phone.wait_idle()
    armed = page.evaluate(ARM, records)
    phone.throttle(key)
    posts_before = len(phone.posts)
    pressed = time.monotonic()
    try:
        page.click("[data-testid=send-now]")
        deadline = pressed + timeout
        while True:
            bench = page.evaluate("() => window.__fieldSyncBench")
            if bench["answered"] is not None:
                wall = time.monotonic() - pressed
                break
            if time.monotonic() > deadline:
                said = page.text_content("#sync-message")
                raise SystemExit(f"{len(records)} records not all answered within {timeout:.0f} s: {said!r}")
            page.wait_for_timeout(50)
    finally:
        phone.throttle(None)
    phone.wait_idle()
    if armed["syncing"] != "0" or bench["syncingAtClick"] != "0":
        raise SystemExit("a sync of the app's own was under way when the button was pressed")
    syncs = [(made, r) for made, r in phone.posts[posts_before:] if r.url.endswith("/agen/sinkron/")]
    if not syncs or syncs[0][0] < pressed:
        raise SystemExit("no sync request followed the button press")
    if set(bench["statuses"]) != {"submitted"}:
        raise SystemExit(f"not every record was accepted: {bench['statuses']}; {bench['rejection']}")
    request = syncs[0][1]
    response = request.response()
    return {
        "seconds": (bench["answered"] - bench["clicked"]) / 1000,
        "wall_seconds": wall,
        "sync_requests": len(syncs),
        "request_bytes": len(request.post_data_buffer or b""),
        "response_bytes": len(response.body()) if response is not None else 0,
        "status": response.status if response is not None else None,
    }


def run_browser(base: str, database: Path, args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    source = _niks(_taken_niks(database))
    samples: dict[str, list[float]] = {f"{kind}_{key}": [] for key in NETWORKS for kind in ("sync", "floor")}
    transfer: dict[str, dict] = {}
    # The wall clock from Playwright's click to the answer seen (polled every 50 ms): a check on the page's.
    notes: dict[str, list] = {"background_wait_seconds": [], "sync_retries": [], "wall_seconds": []}
    made = 0
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            phone = Phone(browser, base, args.cpu_slowdown)
            problems = phone.problems
            phone.open_app()
            for index in range(args.rounds + 1):  # round 0 warms the server up and is not counted
                for key in NETWORKS:
                    records = _records(source, args.records, made)
                    made += len(records)
                    body_bytes = _sync_body_bytes(records)
                    waited = _wait_background_idle(database, args.timeout)
                    floor = _floor(phone, key, body_bytes)
                    sync = _sync(phone, key, records, args.timeout)
                    if sync["request_bytes"] != body_bytes:
                        print(f"  the app sent {sync['request_bytes']:,} bytes, {body_bytes:,} expected: the "
                              "floor's body differs by the difference", file=sys.stderr)  # fmt: skip
                    print(f"  {time.strftime('%H:%M:%S')} round {index} {key}: sync {sync['seconds']:.1f} s, "
                          f"floor {floor['seconds']:.1f} s", file=sys.stderr, flush=True)  # fmt: skip
                    if index == 0:
                        continue
                    samples[f"sync_{key}"].append(sync["seconds"])
                    samples[f"floor_{key}"].append(floor["seconds"])
                    notes["background_wait_seconds"].append(round(waited, 1))
                    notes["wall_seconds"].append({"network": key, "seconds": round(sync["wall_seconds"], 2)})
                    if sync["sync_requests"] > 1:
                        notes["sync_retries"].append({"round": index, "network": key,
                                                      "requests": sync["sync_requests"]})  # fmt: skip
                    transfer[key] = {
                        "sync_request_bytes": sync["request_bytes"],
                        "sync_response_bytes": sync["response_bytes"],
                        "floor_request_bytes": floor["request_bytes"],
                        "floor_response_bytes": floor["response_bytes"],
                    }
            phone.context.close()
        finally:
            browser.close()
    if problems:
        print("  the page reported: " + "; ".join(problems[:5]), file=sys.stderr)
    return {"samples": samples, "transfer": transfer, "notes": notes, "page_errors": problems}


# --- the server -------------------------------------------------------------------------------------


def _stop(server: subprocess.Popen) -> None:
    """The server's whole process group (gunicorn, its workers, the task worker, memcached)."""
    for sig, seconds in ((signal.SIGTERM, 60), (signal.SIGKILL, 30)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=seconds)
            return
        except subprocess.TimeoutExpired:
            continue


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=MAX_RECORDS, help=f"per sync, 1 to {MAX_RECORDS:,}")
    parser.add_argument("--scale", type=float, default=0.02, help="the demo's population (cakupan demo)")
    parser.add_argument("--cpu-slowdown", type=float, default=1, help="Emulation.setCPUThrottlingRate")
    parser.add_argument("--timeout", type=float, default=600, help="seconds, at most, for any one wait")
    parser.add_argument("--keep-db", action="store_true", help="keep the database (and the server's log)")
    args = parser.parse_args(argv)
    if not 1 <= args.records <= MAX_RECORDS or args.rounds < 1:
        parser.error(f"--records: 1 to {MAX_RECORDS:,}; --rounds: at least 1")
    signal.signal(signal.SIGTERM, _interrupted)
    cakupan = str(_harness.CAKUPAN)
    workdir = Path(tempfile.mkdtemp(prefix="cakupan-field-sync-"))
    database = workdir / "main.sqlite3"
    server = None
    try:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CAKUPAN_VAR_DIR": str(workdir / "var"),
               "CAKUPAN_DEMO_PASSWORD": PASSWORD}  # fmt: skip
        print(f"  {time.strftime('%H:%M:%S')} cakupan demo --no-serve --scale {args.scale}", file=sys.stderr)
        subprocess.run([cakupan, "demo", "--no-serve", "--scale", str(args.scale)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        port = _free_port()
        with open(workdir / "server.log", "wb") as log:
            server = subprocess.Popen([cakupan, "serve", "--port", str(port)], env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _harness.wait_until_up(f"{base}/healthz", seconds=180)
        load_start = os.getloadavg()
        measured = run_browser(base, database, args)
        load_end = os.getloadavg()
    finally:
        if server is not None:
            _stop(server)
        if args.keep_db:
            print(f"  kept: {database} (the server's log: {workdir / 'server.log'})", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    _report(args, measured, load_start, load_end)
    return 0


def _report(args, measured: dict, load_start, load_end) -> None:
    samples = measured["samples"]
    rows = {key: {"median": statistics.median(values), "max": max(values), "samples": values}
            for key, values in samples.items()}  # fmt: skip
    for key in NETWORKS:
        floor = rows[f"floor_{key}"]["median"]
        for kind in ("sync", "floor"):
            rows[f"{kind}_{key}"]["per_floor"] = rows[f"{kind}_{key}"]["median"] / floor
        rows[f"sync_{key}"]["max_per_goal"] = rows[f"sync_{key}"]["max"] / GOAL_SECONDS
    print(f"Field app sync of {args.records:,} new records, {args.rounds} rounds, CPU "
          f"÷{args.cpu_slowdown:g}, load average {load_start[0]:.2f} → {load_end[0]:.2f}")  # fmt: skip
    for key in NETWORKS:
        print(f"  {_network_text(key)}")
    print(f"  {'measure':<14}{'median s':>10}{'max s':>8}{'÷ floor':>9}{'max ÷ 30 s':>12}")
    for key in ("sync_slow3g", "floor_slow3g", "sync_fast3g", "floor_fast3g"):
        row = rows[key]
        goal = f"{row['max_per_goal']:>12.2f}" if "max_per_goal" in row else ""
        print(f"  {key:<14}{row['median']:>10.1f}{row['max']:>8.1f}{row['per_floor']:>8.2f}×{goal}")
    link = {}
    for key, sizes in measured["transfer"].items():
        network = NETWORKS[key]
        link[key] = {
            "up_seconds": sizes["sync_request_bytes"] / network["uploadThroughput"],
            "down_seconds": sizes["sync_response_bytes"] / network["downloadThroughput"],
        }
        print(f"  {NETWORK_NAMES[key]}, bytes (bodies): sync request {sizes['sync_request_bytes']:,}, "
              f"response {sizes['sync_response_bytes']:,}; floor request {sizes['floor_request_bytes']:,}, "
              f"response {sizes['floor_response_bytes']:,}; the sync's payload alone at the link's rates "
              f"{link[key]['up_seconds']:.1f} s up + {link[key]['down_seconds']:.1f} s down")  # fmt: skip
    verdict = ", ".join(
        f"{NETWORK_NAMES[key]} {'met' if rows[f'sync_{key}']['max'] < GOAL_SECONDS else 'NOT met'}"
        for key in NETWORKS
    )
    print(f"  goal (every sync of {args.records:,} records < 30 s): {verdict}")
    if measured["notes"]["sync_retries"]:
        print(f"  the app sent again (a failed attempt, retried): {measured['notes']['sync_retries']}")
    print(json.dumps({"benchmark": "field_sync_bench", "date": dt.datetime.now().astimezone().isoformat(
        timespec="seconds"), "cpus": os.cpu_count(), "platform": platform.platform(), "rounds": args.rounds,
        "records": args.records, "scale": args.scale, "networks": NETWORKS, "cpu_slowdown": args.cpu_slowdown,
        "goal_seconds": GOAL_SECONDS, "load_average_start": load_start, "load_average_end": load_end,
        "results": rows, "transfer": measured["transfer"], "link_seconds": link, "notes": measured["notes"],
        "page_errors": measured["page_errors"]}))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
