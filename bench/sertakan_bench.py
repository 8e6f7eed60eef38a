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

The parts are in bench/_sertakan/: the Django children, HTTP and timing on loopback, and the phases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness
from _sertakan import CLIENT_KEY, NOTIFICATION_PATH, SERVER_KEY
from _sertakan.children import step_check, step_setup
from _sertakan.loopback import Phase, bench_emulator, call, percentiles
from _sertakan.phases import (
    checkout_phase,
    gunicorn_workers,
    notification_phase,
    profile_start,
    profile_stop,
    replay_phase,
)

ROOT = _harness.ROOT
RESULT_PREFIX = "SERTAKAN_RESULT "
GOAL_SECONDS = 5.0
FORGED = 4
ACCESS_LOG_FORMAT = "%(p)s %(m)s %(U)s %(s)s %(D)s"


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
