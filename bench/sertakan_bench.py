"""Benchmark: SERTAKAN checkouts and Midtrans notifications all at once (issue 17 item 8), on SQLite and
PostgreSQL, loopback only.

    .venv/bin/python bench/sertakan_bench.py [--checkouts 1000] [--only sqlite|postgresql]
        [--months 3] [--clients 200] [--server-workers 8] [--delivery-threads 200] [--pollers 16]
        [--poll-interval 0.15] [--wait 120] [--warm] [--profile /path/to/py-spy] [--keep]

Goals: 1,000 checkouts and their notifications at once produce exactly 1,000 payments and no worker-month
funded twice; from the notification to "paid" on the sponsor's page in under 5 s (p99 and max).

Per engine (a fresh database, migrated):
1. setup child, through the app's services: the synthetic Banten registry (`population_generate`, the
   smallest scale that leaves enough informal workers without cover this month); N of those workers drawn
   at random; N sponsor accounts (role sponsor, verified e-mail address, no usable password: bulk insert,
   as the sign-up form is not what is measured) and per sponsor one NAMED sponsorship of one worker
   (`sponsorship_create_named`, --months months), made READY by the worker's own answer
   (`sponsorship_answer` with the token from the consent SMS in the outbox); a signed-in session per
   sponsor (the session engine's store with Django's auth keys) and a CSRF cookie and masked token, all
   written to a JSON file. Named rather than pool: pool picking runs the candidate query per sponsorship.
   The SERTAKAN funder is left to the first notifications to make, as on a fresh installation (--warm
   makes it in the setup, as after the first payment).
2. The Midtrans emulator in this process (deliver mode: every notification is POSTed to the server's
   /api/v1/sertakan/midtrans/notifikasi). Its own sender thread delivers one notification after another;
   Midtrans delivers each transaction's notification on its own, so here they are POSTed by a pool of
   --delivery-threads (0: the emulator's own serial sender), each with the emulator's retries. The
   emulator's listen backlog is raised from socketserver's 5, which would otherwise drop connections
   (a 1 s SYN retry) under this load. The server: `cakupan serve --workers W` (gunicorn sync workers, and
   the task worker that books paid orders) pointed at the emulator, memcached on a Unix socket, the access
   log timing every request server-side (GUNICORN_CMD_ARGS --access-logformat, microseconds). The check
   waits (bounded) until every paid order is booked and reports how long after the first payment the last
   booking came.
3. checkout: N sponsors POST /sponsor/dukungan/<ref>/bayar/ {bulan, cara=qris} with their session, all
   submitted at once to a pool of --clients threads; success is the 302 to /sponsor/pesanan/<order_id>/.
   Latency is per request (sent → answered, queueing in front of the server included).
4. notifications: every order paid at once through the emulator (POST /_emulator/pay from --clients
   threads); the emulator sends each notification as it settles. From the moment each pay call returned:
   - settled: until the server committed the payment (the applied PaymentNotification's received_at);
   - delivered: until the server answered the notification POST;
   - on the page: for a random sample of --watch orders (sponsors with the page open; the others are
     paid and checked but not watched), until the order page (HX-Request fragment) first shows
     data-state="paid",
     each pending order polled again --poll-interval after its last answer by --pollers threads, and also
     as soon as the server has answered its notification, ahead of the others (a page polled every
     100-200 ms would show it within that time of the commit; a thousand pages cannot be polled that
     often here: the achieved gap between two polls of one order is reported; --blind-polls polls on the
     interval only). Bounded by --wait seconds. The polls' own answer time (client side) is reported
     too: it is how long any page waits while the workers are busy with notifications.
   - the gaps between consecutive commits: settlements are serialised (the SERTAKAN funder's row lock on
     PostgreSQL, the database write lock on SQLite), so this is the time each one holds it.
   With --profile, py-spy samples every gunicorn worker during this phase (where in the app the workers
   were, and what they were doing there: a lock wait shows as the database driver's wait).
5. replay: every notification the emulator sent is POSTed to the server again (all at once), then 4 forged
   ones (a zero signature, one signed with another key, a body that is not JSON, a JSON array) and one
   correctly signed for an unknown order; the money state before and after must be identical.
6. check child: PaymentOrder states (exactly N paid, nothing else), N receipt numbers and N receipt
   e-mails queued, FundedMonth rows == N × months with no (worker, month) twice counted in SQL, the SERTAKAN
   program's ledger (committed == the sum of paid contributions, source == minus it, every account's
   balance == the sum of its entries, every transaction balanced, the budget == money received), the plan's
   counters == its lines, and every PaymentNotification outcome counted (applied N, duplicate N, forged 4,
   unknown order 1).

Prints a table and, last, one JSON line (figures, the server's per-route timings from its access log,
whole-machine CPU busy per phase, load average before and after, and the verdicts). The PostgreSQL cluster
is the harness's throwaway one (fsync and synchronous_commit off): commits cost less than in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness

ROOT = _harness.ROOT
RESULT_PREFIX = "SERTAKAN_RESULT "
SEED = 20251103
SERVER_KEY = "SB-Mid-server-BENCH-sertakan"
CLIENT_KEY = "SB-Mid-client-BENCH-sertakan"
NOTIFICATION_PATH = "/api/v1/sertakan/midtrans/notifikasi"
GOAL_SECONDS = 5.0
FORGED = 4
# Registry rows at scale 1 (the generator's Banten); the setup asks for the smallest scale with enough
# uncovered informal workers.
FULL_SCALE_WORKERS = 5_760_000
ACCESS_LOG_FORMAT = "%(p)s %(m)s %(U)s %(s)s %(D)s"


# --- the children (Django) ---


def _uncovered_informal(month):
    from cakupan.core.sectors import FORMAL_SECTOR
    from cakupan.registry.models import Employment, Membership, Worker

    covered = Membership.objects.filter(paid_through__gte=month).values("worker_id")
    return (
        Worker.objects.filter(employment=Employment.INFORMAL)
        .exclude(sector=FORMAL_SECTOR)
        .exclude(pk__in=covered)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def step_setup(n: int, months: int, out: str, warm: bool) -> dict:
    _harness.django_setup()
    from importlib import import_module

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.middleware import csrf

    from cakupan.accounts.models import Role, User
    from cakupan.messaging.models import Message
    from cakupan.registry.models import Worker
    from cakupan.registry.services import population_generate
    from cakupan.sponsors import services
    from cakupan.sponsors.services import common

    timings = {}
    started = time.perf_counter()
    month = common.current_month()
    # About 18% of the generator's workers are informal without cover this month: twice N of them.
    scale = max(0.001, round(2 * n / (0.18 * FULL_SCALE_WORKERS), 4))
    population_generate(scale=scale, seed=SEED, as_of=month)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    candidates = list(_uncovered_informal(month))
    if len(candidates) < n:
        raise SystemExit(f"only {len(candidates)} uncovered informal workers at scale {scale}; need {n}")
    chosen = sorted(random.Random(SEED).sample(candidates, n))
    workers = Worker.objects.in_bulk(chosen)
    timings["registry"] = time.perf_counter() - started

    step = time.perf_counter()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(
            username=f"sponsor{i:05d}@bench.invalid",
            email=f"sponsor{i:05d}@bench.invalid",
            first_name=f"Sponsor {i}",
            role=Role.SPONSOR,
            password=unusable,
        )
        for i in range(n)
    )
    if users[0].pk is None:  # engines that do not return ids from a bulk insert
        users = list(User.objects.filter(role=Role.SPONSOR).order_by("pk"))
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    timings["sponsors"] = time.perf_counter() - step

    step = time.perf_counter()
    sponsorships = []
    for i, (user, worker_id) in enumerate(zip(users, chosen, strict=True)):
        worker = workers[worker_id]
        sponsorships.append(
            services.sponsorship_create_named(
                sponsor=user,
                nik=worker.nik,
                name=worker.name,
                desa_code=worker.desa_id,
                phone=f"0812{i:08d}",
                sector="",
                months=months,
            )
        )
    timings["named"] = time.perf_counter() - step

    step = time.perf_counter()
    keys = {f"sertakan:consent:{s.reference}": s for s in sponsorships}
    bodies = dict(
        Message.objects.filter(idempotency_key__in=list(keys)).values_list("idempotency_key", "body")
    )
    pattern = re.compile(r"/sertakan/setuju/([^/\s]+)/")
    for key in keys:
        token = pattern.search(bodies[key]).group(1)
        assert services.sponsorship_answer(token=token, agree=True).status == "ready"
    timings["consent"] = time.perf_counter() - step

    step = time.perf_counter()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = []
    for user, sponsorship in zip(users, sponsorships, strict=True):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        secret = csrf._get_new_csrf_string()
        rows.append(
            {
                "sponsor": user.pk,
                "worker": sponsorship.worker_id,
                "reference": str(sponsorship.reference),
                "session": session.session_key,
                "csrf_cookie": secret,
                "csrf_token": csrf._mask_cipher_secret(secret),
            }
        )
    timings["sessions"] = time.perf_counter() - step
    if warm:
        # As after SERTAKAN's first payment: its funder and system account exist (the year's program and
        # plan are made under the funder's lock by the first settlement).
        common.sertakan_funder()
        common.system_user()
    Path(out).write_text(
        json.dumps(
            {
                "cookies": {"session": settings.SESSION_COOKIE_NAME, "csrf": settings.CSRF_COOKIE_NAME},
                "sponsors": rows,
            }
        )
    )
    return {
        "scale": scale,
        "registry_workers": Worker.objects.count(),
        "uncovered_informal": len(candidates),
        "sponsorships": len(sponsorships),
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def step_check(out: str | None) -> dict:
    """The money state as the database holds it (and, with `out`, each order's settle time)."""
    _harness.django_setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count, F, Sum, Value
    from django.db.models.functions import Coalesce

    from cakupan.funding.models import (
        AllocationPlan,
        FundedMonth,
        Funder,
        FundingProgram,
        LedgerAccount,
        LedgerTransaction,
        PlanLine,
    )
    from cakupan.messaging.models import Message
    from cakupan.sponsors.models import PaymentNotification, PaymentOrder, Sponsorship

    # A paid order is booked (ledger, plan, funded months, receipt) by the server's task worker moments
    # after it shows as paid: wait, bounded, until none is left to book, and say how long the last took.
    waited_from = time.monotonic()
    while PaymentOrder.objects.filter(state="paid", booked_at__isnull=True).exists():
        if time.monotonic() - waited_from > 300:
            break
        time.sleep(0.5)
    booking = PaymentOrder.objects.filter(booked_at__isnull=False).order_by("booked_at")
    first_paid = PaymentOrder.objects.filter(paid_at__isnull=False).order_by("paid_at").first()
    last_booked = booking.last()
    booking_figures = {
        "unbooked": PaymentOrder.objects.filter(state="paid", booked_at__isnull=True).count(),
        "first_paid_to_last_booked_s": (last_booked.booked_at - first_paid.paid_at).total_seconds()
        if first_paid and last_booked
        else None,
    }

    funders = Funder.objects.filter(kind="sponsor", name=settings.SERTAKAN["funder_name"])
    programs = FundingProgram.objects.filter(funder__in=funders)
    received = PaymentOrder.objects.filter(state__in=["paid", "refund_due"])
    paid = PaymentOrder.objects.filter(state="paid")
    table = FundedMonth._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT worker_id, month FROM {table} GROUP BY worker_id, month "
            "HAVING COUNT(*) > 1) twice"
        )
        twice = cursor.fetchone()[0]
    per_worker = Counter(
        FundedMonth.objects.filter(program__in=programs)
        .values("worker_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    accounts = LedgerAccount.objects.filter(program__in=programs)
    balances = {
        row["kind"]: int(row["total"]) for row in accounts.values("kind").annotate(total=Sum("balance"))
    }
    drifted = accounts.annotate(entries_total=Coalesce(Sum("entries__amount"), Value(0))).exclude(
        balance=F("entries_total")
    )
    sertakan_tx = LedgerTransaction.objects.filter(reference__startswith="sertakan:")
    unbalanced = sertakan_tx.annotate(total=Sum("entries__amount")).exclude(total=0)
    plans = AllocationPlan.objects.filter(programs__in=programs).distinct()
    plan_drift = 0
    for plan in plans:
        lines = PlanLine.objects.filter(plan=plan).aggregate(n=Count("id"), cost=Sum("cost"))
        plan_drift += int(plan.funded != lines["n"] or plan.cost != int(lines["cost"] or 0))
    state = {
        "orders": dict(Counter(dict(PaymentOrder.objects.values_list("state").annotate(n=Count("id"))))),
        "orders_total": PaymentOrder.objects.count(),
        "paid_contribution": int(paid.aggregate(s=Sum("contribution"))["s"] or 0),
        "received_contribution": int(received.aggregate(s=Sum("contribution"))["s"] or 0),
        "receipt_numbers": PaymentOrder.objects.exclude(receipt_number=None).count(),
        "receipt_numbers_distinct": PaymentOrder.objects.exclude(receipt_number=None)
        .values("receipt_number")
        .distinct()
        .count(),
        "receipt_messages": Message.objects.filter(purpose="receipt").count(),
        "funded_months": FundedMonth.objects.filter(program__in=programs).count(),
        "funded_months_all": FundedMonth.objects.count(),
        "worker_month_twice": twice,
        "months_per_worker": {str(k): v for k, v in sorted(per_worker.items())},
        "sertakan_funders": funders.count(),
        "sertakan_programs": programs.count(),
        "program_budget": int(programs.aggregate(s=Sum("budget"))["s"] or 0),
        "plans": plans.count(),
        "plan_lines": PlanLine.objects.filter(plan__in=plans).count(),
        "plan_counter_drift": plan_drift,
        "ledger": balances,
        "ledger_accounts_drifted": drifted.count(),
        "ledger_transactions": sertakan_tx.count(),
        "ledger_transactions_unbalanced": unbalanced.count(),
        "sponsorships": dict(
            Counter(dict(Sponsorship.objects.values_list("status").annotate(n=Count("id"))))
        ),
        "notifications": dict(
            Counter(dict(PaymentNotification.objects.values_list("outcome").annotate(n=Count("id"))))
        ),
    }
    state["booking"] = booking_figures
    if out:
        applied = PaymentNotification.objects.filter(outcome="applied").values_list("order_id", "received_at")
        Path(out).write_text(
            json.dumps(
                {
                    "settled": {order_id: at.timestamp() for order_id, at in applied},
                    "paid_at": {o: at.timestamp() for o, at in paid.values_list("order_id", "paid_at")},
                }
            )
        )
    return state


# --- HTTP on loopback ---


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


# --- the phases ---


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


def measure(label: str, url: str, workdir: Path, args) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from cakupan.core import memcached
    from cakupan.providers.emulators.midtrans import MidtransConfig

    env = _harness.environment(url, workdir / label)
    _harness.migrate(env)
    people = workdir / f"sponsors-{label}.json"
    setup = _harness.run_child(
        __file__,
        "setup",
        [
            "--checkouts",
            str(args.checkouts),
            "--months",
            str(args.months),
            "--out",
            str(people),
            *(["--warm"] if args.warm else []),
        ],
        env,
        RESULT_PREFIX,
    )
    if setup is None:
        return {"database": label, "failed": "setup"}
    data = json.loads(people.read_text())
    sponsors, cookies = data["sponsors"], data["cookies"]
    cache_location = str(workdir / f"memcached-{label}.sock")
    cache = memcached.start(cache_location)
    port = memcached.free_port()
    emulator = bench_emulator(
        MidtransConfig(
            server_key=SERVER_KEY,
            client_key=CLIENT_KEY,
            deliver=True,
            notification_url=f"http://127.0.0.1:{port}{NOTIFICATION_PATH}",
        ),
        args.delivery_threads,
    )
    emulator.start()
    server_env = {
        **env,
        "CAKUPAN_MEMCACHED": cache_location,
        "CAKUPAN_BENCH_HELLO": "1",
        "CAKUPAN_MIDTRANS_URL": emulator.url,
        "CAKUPAN_MIDTRANS_SERVER_KEY": SERVER_KEY,
        "CAKUPAN_MIDTRANS_CLIENT_KEY": CLIENT_KEY,
        "CAKUPAN_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_CMD_ARGS": f"--access-logformat {shlex.quote(ACCESS_LOG_FORMAT)}",
    }
    access_log, error_log = workdir / f"access-{label}.log", workdir / f"server-{label}.log"
    with open(access_log, "wb") as out, open(error_log, "wb") as err:
        server = subprocess.Popen(
            [
                str(_harness.CAKUPAN),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.server_workers),
            ],
            env=server_env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    results = {"database": label, "setup": setup, "server_workers": args.server_workers}
    try:
        _harness.wait_until_up(f"http://127.0.0.1:{port}/_bench/hello")
        # Every worker past its first requests (imports, templates, connections): a detail page each.
        with ThreadPoolExecutor(args.server_workers) as pool:
            warm = [
                pool.submit(
                    call,
                    port,
                    "GET",
                    f"/sponsor/dukungan/{s['reference']}/",
                    headers={"Cookie": f"{cookies['session']}={s['session']}"},
                )
                for s in sponsors[: 4 * args.server_workers]
            ]
        results["warm_up_statuses"] = dict(Counter(str(f.result()[0]) for f in warm))
        time.sleep(1)  # gunicorn writes its access log line just after the answer
        results["load_average"] = [os.getloadavg()]
        with Phase("checkout", access_log) as phase:
            checkout = checkout_phase(port, sponsors, cookies, args.months, args.clients)
        orders = checkout.pop("orders")
        results["checkout"] = {**checkout, **phase.figures}
        profiler = profile_start(args.profile, server.pid, workdir / f"profile-{label}.txt")
        with Phase("notifications", access_log) as phase:
            notified = notification_phase(port, emulator, orders, sponsors, cookies, args)
        results["profile"] = profile_stop(profiler, workdir / f"profile-{label}.txt")
        pay_returned = notified.pop("pay_returned")
        results["notifications"] = {**notified, **phase.figures}
        results["load_average"].append(os.getloadavg())
        times_file = workdir / f"times-{label}.json"
        before = _harness.run_child(__file__, "check", ["--out", str(times_file)], env, RESULT_PREFIX)
        if before is not None:
            times = json.loads(times_file.read_text())
            settled = [
                times["settled"][o] - pay_returned[o]
                for o in orders.values()
                if o in times["settled"] and o in pay_returned
            ]
            results["notifications"]["settled_s"] = percentiles(settled)
            # Settlements commit one after another: the gaps between commits are the time each one holds
            # what serialises them.
            commits = sorted(times["settled"][o] for o in orders.values() if o in times["settled"])
            if len(commits) > 1:
                gaps = [b - a for a, b in itertools.pairwise(commits)]
                results["notifications"]["settle_rate_per_s"] = (len(commits) - 1) / (
                    commits[-1] - commits[0]
                )
                results["notifications"]["gap_between_commits_s"] = percentiles(gaps)
        with Phase("replay", access_log) as phase:
            replay = replay_phase(port, emulator, args.clients)
        results["replay"] = {**replay, **phase.figures}
        after = _harness.run_child(__file__, "check", [], env, RESULT_PREFIX)
        results["state_before_replay"], results["state"] = before, after
    finally:
        results["server_workers_alive"] = len(gunicorn_workers(server.pid))
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        emulator.stop()
        if cache is not None:
            cache.terminate()
    problems = [
        line
        for line in error_log.read_text("utf-8", "replace").splitlines()
        if "Traceback" in line or "Error" in line or "WORKER TIMEOUT" in line
    ]
    results["server_log_problems"] = len(problems)
    if problems:
        text = error_log.read_text("utf-8", "replace")
        first = text.find("Traceback")
        results["server_log_excerpt"] = (
            text[max(0, first - 300) : first + 4000] if first >= 0 else problems[:20]
        )
    results["verdicts"] = verdicts(results, args)
    return results


def verdicts(r: dict, args) -> dict:
    n, months = args.checkouts, args.months
    state, before = r.get("state") or {}, r.get("state_before_replay") or {}
    notified = r.get("notifications", {})
    orders = state.get("orders", {})
    exactly = (
        orders.get("paid") == n
        and state.get("orders_total") == n
        and state.get("receipt_numbers") == n == state.get("receipt_numbers_distinct")
        and state.get("receipt_messages") == n
    )
    no_double = (
        state.get("worker_month_twice") == 0
        and state.get("funded_months") == n * months
        and state.get("months_per_worker") == {str(months): n}
    )
    ledger = state.get("ledger", {})
    paid_sum = state.get("paid_contribution")
    ledger_ok = (
        ledger.get("committed") == paid_sum
        and ledger.get("source") == -state.get("received_contribution", -1)
        and ledger.get("available", 0) == state.get("received_contribution", 0) - (paid_sum or 0)
        and state.get("ledger_accounts_drifted") == 0
        and state.get("ledger_transactions_unbalanced") == 0
        and state.get("ledger_transactions") == 2 * n
        and state.get("program_budget") == state.get("received_contribution")
        and state.get("plan_counter_drift") == 0
        and state.get("sertakan_funders") == 1
        and state.get("sertakan_programs") == 1
    )
    ignore = ("notifications", "booking")
    replay_changed = {
        k: (before.get(k), state.get(k)) for k in state if k not in ignore and before.get(k) != state.get(k)
    }
    outcomes = state.get("notifications", {})
    extra_ok = notified.get("deliveries_ok", n) - n  # a delivery retried after the server had applied it
    outcomes_ok = (
        outcomes.get("applied") == n
        and outcomes.get("duplicate") == n + max(0, extra_ok)
        and outcomes.get("forged") == FORGED
        and outcomes.get("unknown_order") == 1
        and sum(outcomes.values()) == 2 * n + max(0, extra_ok) + FORGED + 1
    )
    page = notified.get("page_s", {})
    watched = notified.get("watched", n)
    return {
        "exactly_n_payments": bool(exactly),
        "no_worker_month_twice": bool(no_double),
        "ledger_balances": bool(ledger_ok),
        "replay_changed_nothing": not replay_changed and bool(state),
        "replay_changes": replay_changed,
        "notification_outcomes": bool(outcomes_ok),
        "page_p99_under_5s": page.get("n") == watched and page.get("p99", 1e9) < GOAL_SECONDS,
        "page_max_under_5s": page.get("n") == watched and page.get("max", 1e9) < GOAL_SECONDS,
        "p99_over_goal": round(page.get("p99", float("nan")) / GOAL_SECONDS, 2) if page.get("n") else None,
        "max_over_goal": round(page.get("max", float("nan")) / GOAL_SECONDS, 2) if page.get("n") else None,
    }


# --- report ---


def _ms(figures: dict, key: str) -> str:
    value = figures.get(key)
    return f"{value * 1000:8.0f}" if isinstance(value, (int, float)) else f"{'-':>8}"


def _yes(verdicts: dict, keys: tuple[str, ...]) -> str:
    return ", ".join(f"{key} {'yes' if verdicts.get(key) else 'NO'}" for key in keys)


GOALS = ("exactly_n_payments", "no_worker_month_twice", "page_p99_under_5s", "page_max_under_5s")
CHECKS = ("ledger_balances", "replay_changed_nothing", "notification_outcomes")


def report(r: dict) -> bool:
    if "failed" in r:
        print(f"\n{r['database']}: FAILED at {r['failed']}")
        return False
    setup, load = r["setup"], r.get("load_average") or [[float("nan")]]
    print(
        f"\n{r['database']}: {setup['sponsorships']:,} sponsorships ready (setup {setup['total_seconds']} s, "
        f"registry {setup['registry_workers']:,} workers); gunicorn workers {r['server_workers']}; "
        f"load {load[0][0]:.1f}→{load[-1][0]:.1f} (1 min)"
    )
    c, nt = r.get("checkout", {}), r.get("notifications", {})
    if c:
        rate = c["ok"] / max(c["wall_s"], 1e-9)
        print(
            f"  checkout: {c['ok']}/{c['submitted']} ok, errors {c['errors'] or 'none'}, "
            f"wall {c['wall_s']:.1f} s ({rate:.0f}/s), machine CPU busy {c['machine_cpu_busy']:.0%}"
        )
    print(f"  {'seconds → ms':<34}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}")
    rows = [
        ("checkout latency", c.get("latency_s", {})),
        ("pay → settled (DB commit)", nt.get("settled_s", {})),
        ("pay → notification answered", nt.get("delivered_s", {})),
        ("pay → page shows paid", nt.get("page_s", {})),
        ("gap between polls of an order", nt.get("poll_gap_s", {})),
        ("notification answered → page paid", nt.get("page_after_answer_s", {})),
        ("gap between commits", nt.get("gap_between_commits_s", {})),
        ("order page answered (client side)", nt.get("poll_latency_s", {})),
    ]
    for name, f in rows:
        print(f"  {name:<34}{_ms(f, 'p50')}{_ms(f, 'p95')}{_ms(f, 'p99')}{_ms(f, 'max')}")
    for phase in ("checkout", "notifications", "replay"):
        for name, f in r.get(phase, {}).get("server", {}).items():
            print(
                f"  server {phase + '/' + name:<27} n={f['n']:<6} {f['statuses']} "
                f"p50 {f['p50']} p95 {f['p95']} max {f['max']} ms"
            )
    if nt:
        print(
            f"  notifications: pages watched {nt['watched']}, seen paid {nt['seen_paid']}, "
            f"not seen {nt['not_seen_paid']}, "
            f"deliveries {nt['delivery_statuses']}, polls {nt['polls']}, "
            f"machine CPU busy {nt['machine_cpu_busy']:.0%}"
        )
    if "replay" in r:
        replay = r["replay"]
        print(f"  replay: {replay['answers']}; forged {replay['forged']}; unknown {replay['unknown_order']}")
    s = r.get("state") or {}
    print(
        f"  state: orders {s.get('orders')}, funded months {s.get('funded_months')}, "
        f"(worker, month) twice {s.get('worker_month_twice')}, receipts {s.get('receipt_numbers')} "
        f"({s.get('receipt_messages')} e-mails), ledger {s.get('ledger')}, "
        f"notifications {s.get('notifications')}"
    )
    if r.get("server_log_problems"):
        excerpt = r.get("server_log_excerpt")
        print(f"  server log: {r['server_log_problems']} problem lines; first:\n{excerpt}")
    v = r["verdicts"]
    print(
        f"  goals: {_yes(v, GOALS)} (p99/5 s = {v['p99_over_goal']}, max/5 s = {v['max_over_goal']}); "
        f"checks: {_yes(v, CHECKS)}"
    )
    return all(v[k] for k in GOALS)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--checkouts", type=int, default=1000)
    parser.add_argument("--months", type=int, default=3, choices=[1, 3, 6, 12])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=200, help="threads sending checkouts, pays, replays")
    parser.add_argument(
        "--server-workers", type=int, default=4, help="gunicorn workers (cakupan serve --workers)"
    )
    parser.add_argument(
        "--delivery-threads",
        type=int,
        default=200,
        help="threads delivering notifications (0: the emulator's own serial sender)",
    )
    parser.add_argument("--pollers", type=int, default=16)
    parser.add_argument(
        "--watch", type=int, default=100, help="orders whose page is polled (a random sample)"
    )
    parser.add_argument("--poll-interval", type=float, default=0.15)
    parser.add_argument(
        "--blind-polls",
        action="store_true",
        help="poll only on the interval, not also as soon as an order's notification was answered",
    )
    parser.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait for every page to show paid"
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="make the SERTAKAN funder before the run (otherwise the first notifications make it)",
    )
    parser.add_argument(
        "--profile",
        default="",
        metavar="PY_SPY",
        help="sample the server's workers with this py-spy binary during the notifications",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory (logs, databases)")
    parser.add_argument("--child", choices=["setup", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "setup":
        print(RESULT_PREFIX + json.dumps(step_setup(args.checkouts, args.months, args.out, args.warm)))
        return 0
    if args.child == "check":
        print(RESULT_PREFIX + json.dumps(step_check(args.out)))
        return 0
    results = []
    tmp = tempfile.mkdtemp(prefix="cakupan-bench-sertakan-")
    try:
        for label, url in _harness.database_urls(Path(tmp), args.only):
            results.append(measure(label, url, Path(tmp), args))
    finally:
        if args.keep:
            print(f"working directory kept: {tmp}", file=sys.stderr)
        else:
            subprocess.run(["rm", "-rf", tmp], check=False)
    for r in results:
        report(r)
    options = {
        k: getattr(args, k)
        for k in (
            "checkouts",
            "months",
            "clients",
            "server_workers",
            "delivery_threads",
            "pollers",
            "poll_interval",
            "watch",
            "blind_polls",
            "wait",
            "warm",
        )
    }
    print(
        json.dumps(
            {
                "benchmark": "sertakan_bench",
                "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "options": options,
                "results": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
