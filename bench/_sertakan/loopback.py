"""HTTP on loopback, the phases' timing (wall, machine CPU, the server's access log) and the Midtrans
emulator with a thousand callers' backlog and concurrent deliveries."""

from __future__ import annotations

import http.client
import json
import math
import resource
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _sertakan import NOTIFICATION_PATH


def call(port: int, method: str, path: str, *, body: bytes | None = None, headers=None, timeout=120.0):
    """(status, Location, body, seconds); status 0 with the error as body when no answer came."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, response.getheader("Location", ""), data, time.perf_counter() - started
    except (OSError, http.client.HTTPException) as error:
        return 0, "", repr(error).encode(), time.perf_counter() - started
    finally:
        connection.close()


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]

    return {
        "n": len(ordered),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "max": ordered[-1],
        "mean": sum(ordered) / len(ordered),
    }


def cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    return (after[0] - before[0]) / max(1, after[1] - before[1])


class Phase:
    """Wall time, whole-machine CPU busy share and this process's CPU seconds over a phase, with the
    server's access-log offset at its start."""

    def __init__(self, name: str, access_log: Path):
        self.name, self.access_log = name, access_log

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), cpu_busy()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.own = usage.ru_utime + usage.ru_stime
        self.offset = self.access_log.stat().st_size
        print(f"  {time.strftime('%H:%M:%S')} {self.name}", file=sys.stderr, flush=True)
        return self

    def __exit__(self, *exc):
        time.sleep(0.5)  # gunicorn writes a request's access log line just after its answer
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.figures = {
            "seconds": round(time.perf_counter() - self.wall, 2),
            "machine_cpu_busy": round(busy_share(self.cpu, cpu_busy()), 2),
            "bench_process_cpu_seconds": round(usage.ru_utime + usage.ru_stime - self.own, 1),
            "server": server_timings(self.access_log, self.offset),
        }


def route(method: str, path: str) -> str:
    if path == NOTIFICATION_PATH:
        return "notification"
    if method == "POST" and path.endswith("/bayar/"):
        return "checkout"
    if path.startswith("/sponsor/pesanan/"):
        return "order_page"
    if path.startswith("/sponsor/dukungan/"):
        return "detail_page"
    return "other"


def server_timings(access_log: Path, offset: int) -> dict:
    """Per route: requests, status codes, and the server's own time (gunicorn's %(D)s) in ms."""
    with open(access_log, "rb") as log:
        log.seek(offset)
        lines = log.read().decode("utf-8", "replace").splitlines()
    times, statuses = defaultdict(list), defaultdict(Counter)
    for line in lines:
        parts = line.split()
        if len(parts) != 5 or not parts[4].isdigit():
            continue
        _, method, path, status, micros = parts
        name = route(method, path)
        times[name].append(int(micros) / 1000)
        statuses[name][status] += 1
    return {
        name: {"statuses": dict(statuses[name]), **{k: round(v, 1) for k, v in percentiles(values).items()}}
        for name, values in times.items()
    }


# --- the emulator ---


def bench_emulator(config, delivery_threads: int):
    from cakupan.providers.emulators.midtrans import MidtransEmulator

    class BenchMidtrans(MidtransEmulator):
        """The emulator, with a listen backlog for a thousand callers and, with delivery threads, each
        notification POSTed on its own (with the emulator's retries) instead of one after another."""

        def __init__(self):
            super().__init__(config)
            self.server.socket.listen(4096)
            self.pool = ThreadPoolExecutor(delivery_threads, "deliver") if delivery_threads else None
            self.deliveries: list[tuple[str, int, float, float]] = []  # order_id, status, sent, answered
            self.pending = 0
            self.pending_lock = threading.Lock()
            self.on_answered = None  # called with the order id when the server has taken its notification

        def deliver(self, record: dict) -> None:
            if self.pool is None:
                super().deliver(record)
                return
            with self.pending_lock:
                self.pending += 1
            self.pool.submit(self._post, record)

        def _post(self, record: dict) -> None:
            order_id = json.loads(record["body"])["order_id"]
            url = urllib.parse.urlsplit(record["url"])
            try:
                for attempt in range(5):
                    status, _, _, seconds = call(
                        url.port,
                        "POST",
                        url.path,
                        body=record["body"].encode(),
                        headers=record["headers"],
                        timeout=120,
                    )
                    answered = time.time()
                    self.deliveries.append((order_id, status, answered - seconds, answered))
                    if 200 <= status < 300:
                        if self.on_answered is not None:
                            self.on_answered(order_id)
                        return
                    time.sleep(min(2**attempt, 8))
            finally:
                with self.pending_lock:
                    self.pending -= 1

        def stop(self) -> None:
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
            super().stop()

    return BenchMidtrans()
