"""The measured phases: checkouts all at once, every order paid through the emulator with a sample of the
order pages polled until they show paid, and the replay of every notification with forged ones; the
py-spy profile of the server's workers."""

from __future__ import annotations

import heapq
import json
import os
import random
import re
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from _sertakan import NOTIFICATION_PATH, SEED, SERVER_KEY
from _sertakan.loopback import call, percentiles


def checkout_phase(port: int, sponsors: list[dict], cookies: dict, months: int, clients: int) -> dict:
    results: list[tuple[int, str, float, float]] = [None] * len(sponsors)  # status, order_id, seconds, at
    errors: Counter = Counter()
    bodies: dict[int, str] = {}
    started = time.perf_counter()

    def one(i: int) -> None:
        s = sponsors[i]
        form = urllib.parse.urlencode(
            {"bulan": months, "cara": "qris", "csrfmiddlewaretoken": s["csrf_token"]}
        )
        headers = {
            "Cookie": f"{cookies['session']}={s['session']}; {cookies['csrf']}={s['csrf_cookie']}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        status, location, body, seconds = call(
            port, "POST", f"/sponsor/dukungan/{s['reference']}/bayar/", body=form.encode(), headers=headers
        )
        found = re.fullmatch(r"/sponsor/pesanan/([^/]+)/", location or "")
        order_id = found.group(1) if status == 302 and found else ""
        results[i] = (status, order_id, seconds, time.perf_counter() - started)
        if not order_id:
            errors[str(status)] += 1
            bodies.setdefault(status, body[:600].decode("utf-8", "replace"))

    with ThreadPoolExecutor(clients, "checkout") as pool:
        for future in [pool.submit(one, i) for i in range(len(sponsors))]:
            future.result()
    ok = [r for r in results if r[1]]
    return {
        "submitted": len(sponsors),
        "ok": len(ok),
        "errors": dict(errors),
        "error_bodies": {str(k): v for k, v in bodies.items()},
        "latency_s": percentiles([r[2] for r in results]),
        "done_after_s": percentiles([r[3] for r in results]),
        "wall_s": time.perf_counter() - started,
        "orders": {i: r[1] for i, r in enumerate(results) if r[1]},
    }


class Poller:
    """Polls each paid order's page (HX-Request fragment) until it shows data-state="paid": the order due
    soonest first, again `interval` after its last answer, from `threads` threads. An order whose page
    shows another final state, or fails 20 times running, is given up."""

    def __init__(self, port, sponsors, cookies, interval: float, threads: int):
        self.port, self.sponsors, self.cookies, self.interval = port, sponsors, cookies, interval
        self.heap: list[tuple[float, str, int]] = []
        self.condition = threading.Condition()
        self.seen_paid: dict[str, float] = {}
        self.given_up: dict[str, str] = {}
        self.failures: Counter = Counter()
        self.answers: Counter = Counter()
        self.polls = 0
        self.last_answer: dict[str, float] = {}
        self.gaps: list[float] = []
        self.latencies: list[float] = []
        self.stopping = False
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    @property
    def finished(self) -> int:
        return len(self.seen_paid) + len(self.given_up)

    def add(self, order_id: str, sponsor: int, *, now: bool = False) -> None:
        """Polled when due (`now`: before every other order, as soon as a poller is free)."""
        with self.condition:
            heapq.heappush(self.heap, (0.0 if now else time.time(), order_id, sponsor))
            self.condition.notify()

    def stop(self) -> None:
        with self.condition:
            self.stopping = True
            self.condition.notify_all()
        for thread in self.threads:
            thread.join(timeout=150)

    def _next(self):
        with self.condition:
            while not self.stopping:
                if self.heap:
                    due = self.heap[0][0] - time.time()
                    if due <= 0:
                        return heapq.heappop(self.heap)
                    self.condition.wait(due)
                else:
                    self.condition.wait(0.5)
            return None

    def _run(self) -> None:
        while (item := self._next()) is not None:
            _, order_id, sponsor = item
            if order_id in self.seen_paid or order_id in self.given_up:
                continue  # queued twice (its notification answered meanwhile)
            s = self.sponsors[sponsor]
            headers = {"Cookie": f"{self.cookies['session']}={s['session']}", "HX-Request": "true"}
            status, _, body, seconds = call(
                self.port, "GET", f"/sponsor/pesanan/{order_id}/", headers=headers, timeout=60
            )
            self.latencies.append(seconds)
            answered = time.time()
            found = re.search(rb'data-state="([a-z_]+)"', body) if status == 200 else None
            state = found.group(1).decode() if found else f"http_{status}"
            self.polls += 1
            self.answers[state] += 1
            if order_id in self.last_answer:
                self.gaps.append(answered - self.last_answer[order_id])
            self.last_answer[order_id] = answered
            if state == "paid":
                # The page turned paid between the previous answer and this one: this is when the sponsor
                # sees it.
                self.seen_paid[order_id] = answered
                continue
            if state != "pending":
                self.failures[order_id] += 1
                if found or self.failures[order_id] >= 20:
                    self.given_up[order_id] = state
                    continue
            else:
                self.failures[order_id] = 0
            with self.condition:
                heapq.heappush(self.heap, (answered + self.interval, order_id, sponsor))
                self.condition.notify()


def notification_phase(port, emulator, orders: dict[int, str], sponsors, cookies, args) -> dict:
    poller = Poller(port, sponsors, cookies, args.poll_interval, args.pollers)
    sponsor_of = {order_id: sponsor for sponsor, order_id in orders.items()}
    # The sponsors who keep their order page open while paying: a random sample of --watch orders is
    # polled (a thousand pages polled every 150 ms would take this machine's CPU from the server it
    # measures); every order is paid and checked.
    watched = set(random.Random(SEED).sample(sorted(orders.values()), min(args.watch, len(orders))))
    if not args.blind_polls:
        # A page polled every 100-200 ms shows the payment within that time of its commit; a thousand
        # pages cannot be polled that often here, so each is also polled as soon as the server has
        # answered its notification (committed), ahead of the rest.
        emulator.on_answered = lambda order_id: (
            poller.add(order_id, sponsor_of[order_id], now=True) if order_id in watched else None
        )
    emulator_port = urllib.parse.urlsplit(emulator.url).port
    pay_returned: dict[str, float] = {}
    pay_errors: Counter = Counter()
    pay_seconds: list[float] = []
    started = time.time()

    def pay(sponsor: int, order_id: str) -> None:
        status, _, _, seconds = call(
            emulator_port,
            "POST",
            "/_emulator/pay",
            body=json.dumps({"order_id": order_id}).encode(),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        pay_returned[order_id] = time.time()
        pay_seconds.append(seconds)
        if status != 200:
            pay_errors[str(status)] += 1
        if order_id in watched:
            poller.add(order_id, sponsor)

    with ThreadPoolExecutor(args.clients, "pay") as pool:
        wait([pool.submit(pay, sponsor, order_id) for sponsor, order_id in orders.items()])
    paid_calls_done = time.time()
    deadline = paid_calls_done + args.wait
    while time.time() < deadline and poller.finished < len(watched & set(pay_returned)):
        time.sleep(0.1)
    poller.stop()
    emulator.on_answered = None
    # The deliveries still running (retries) finish before anything is counted.
    while (emulator.pending or emulator.outgoing) and time.time() < deadline + 60:
        time.sleep(0.1)
    time.sleep(0.5)
    page = [poller.seen_paid[o] - pay_returned[o] for o in orders.values() if o in poller.seen_paid]
    first_ok: dict[str, float] = {}
    statuses: Counter = Counter()
    for order_id, status, _, answered in getattr(emulator, "deliveries", []):
        statuses[str(status)] += 1
        if 200 <= status < 300 and order_id not in first_ok:
            first_ok[order_id] = answered
    shown_after_answer = [
        poller.seen_paid[o] - first_ok[o] for o in orders.values() if o in poller.seen_paid and o in first_ok
    ]
    delivered = [
        first_ok[o] - pay_returned[o] for o in orders.values() if o in first_ok and o in pay_returned
    ]
    return {
        "pay_calls": len(pay_returned),
        "pay_errors": dict(pay_errors),
        "pay_call_s": percentiles(pay_seconds),
        "pay_calls_wall_s": paid_calls_done - started,
        "watched": len(watched),
        "seen_paid": len(page),
        "not_seen_paid": len(watched) - len(page),
        "given_up": dict(Counter(poller.given_up.values())),
        "poll_answers": dict(poller.answers),
        "polls": poller.polls,
        "poll_gap_s": percentiles(poller.gaps),
        "poll_latency_s": percentiles(poller.latencies),
        "page_s": percentiles(page),
        "delivered_s": percentiles(delivered),
        "page_after_answer_s": percentiles(shown_after_answer),
        "delivery_statuses": dict(statuses),
        "delivery_attempts": sum(statuses.values()),
        "deliveries_ok": sum(1 for _, s, _, _ in getattr(emulator, "deliveries", []) if 200 <= s < 300),
        "pay_returned": pay_returned,
    }


def replay_phase(port, emulator, clients: int) -> dict:
    from cakupan.providers import midtrans

    status, _, body, _ = call(urllib.parse.urlsplit(emulator.url).port, "GET", "/_emulator/notifications")
    records = json.loads(body) if status == 200 else []
    answers: Counter = Counter()
    headers = {"Content-Type": "application/json"}

    def post(raw: bytes) -> tuple[int, str]:
        status, _, body, _ = call(port, "POST", NOTIFICATION_PATH, body=raw, headers=headers)
        try:
            code = json.loads(body).get("code", "")
        except (ValueError, AttributeError):
            code = body[:80].decode("utf-8", "replace")
        return status, code

    with ThreadPoolExecutor(clients, "replay") as pool:
        for status, code in pool.map(post, [r["body"].encode() for r in records]):
            answers[f"{status} {code}"] += 1
    sample = json.loads(records[0]["body"]) if records else {"order_id": "SRT-0-X", "gross_amount": "1.00"}
    zero = dict(sample, signature_key="0" * 128)
    other_key = dict(
        sample,
        signature_key=midtrans.signature_key(
            sample["order_id"], "200", sample["gross_amount"], "SB-Mid-server-NOT-OURS"
        ),
    )
    unknown = {
        "order_id": "SRT-0-UNKNOWN",
        "status_code": "200",
        "gross_amount": "16918.00",
        "transaction_status": "settlement",
    }
    unknown["signature_key"] = midtrans.signature_key("SRT-0-UNKNOWN", "200", "16918.00", SERVER_KEY)
    forged: Counter = Counter()
    for raw in (json.dumps(zero).encode(), json.dumps(other_key).encode(), b"not json", b"[1, 2]"):
        status, code = post(raw)
        forged[f"{status} {code}"] += 1
    status, code = post(json.dumps(unknown).encode())
    return {
        "replayed": len(records),
        "answers": dict(answers),
        "forged": dict(forged),
        "unknown_order": f"{status} {code}",
    }


def profile_start(binary: str, master: int, out: Path) -> subprocess.Popen | None:
    """py-spy sampling every gunicorn worker (idle ones too) until stopped, raw collapsed stacks."""
    if not binary or not os.path.exists(binary):
        return None
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(master),
            "--subprocesses",
            "--idle",
            "--nonblocking",
            "--format",
            "raw",
            "--rate",
            "50",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_stop(process: subprocess.Popen | None, out: Path) -> dict | None:
    """The samples by the innermost Cakupan frame (where in the app a worker was) and by the innermost
    frame of all (what it was doing there: a lock wait shows as the database driver's wait)."""
    if process is None:
        return None
    process.send_signal(2)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    if not out.exists():
        return {"error": "py-spy wrote nothing"}
    app, leaf = Counter(), Counter()
    total = busy = 0
    for line in out.read_text("utf-8", "replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples, frames = int(count), stack.split(";")
        total += samples
        mine = [f for f in frames if "cakupan/" in f and "/site-packages/" not in f]
        if not any("django/" in f for f in frames):
            continue  # a worker between requests (gunicorn's own loop)
        busy += samples
        app[mine[-1] if mine else "(django, no Cakupan frame)"] += samples
        leaf[frames[-1]] += samples
    return {
        "samples": total,
        "in_requests": busy,
        "by_app_frame": app.most_common(25),
        "by_leaf_frame": leaf.most_common(15),
    }


def gunicorn_workers(master: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []
