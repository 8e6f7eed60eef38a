"""Benchmark: a literacy campaign to 1,000,000 people at Banten scale, on SQLite and PostgreSQL (issue 15
item 6), then drained at the configured rate by two senders at once without a duplicate.

    .venv/bin/python bench/messaging_bench.py [--scale 1.0] [--recipients 1000000] [--rate 200]
                                              [--drain 6000] [--only sqlite|postgresql]

Goals: the campaign selected and queued in < 60 s with < 1 GB of memory; the outbox then drained at the
configured rate (SMS, `--rate` messages a second, against the local emulator of the gateway's API) by two
sender processes sharing it, with no message sent twice.

For each database a fresh one is migrated and each step runs in its own child process:
1. setup (not timed against a goal): the synthetic population (`population_generate`, seed 20251103, as
   of 2026-11; 5.760.000 workers at scale 1), then literacy consent by SMS for the first `--recipients`
   distinct phone numbers (set-based, ledger and current state), and the coordinator's account;
2. queue (timed): `campaigns.campaign_create` by the provincial coordinator for the whole province by
   SMS, scheduled now: the audience count and cost on both channels (the preview), then the messages
   queued set-based (one per phone, rendered, staged, one INSERT … SELECT joined to consent);
3. drain (timed): two `outbox_drain` processes started together, `--drain` messages between them, at
   `--rate` a second shared through the channel's token bucket, to the emulator run by this script;
4. check: messages by state, and phone numbers sent to more than once (in the database and at the
   emulator).
The floor of the queue step, same run: reading the recipients' rows alone (the SELECT the campaign
runs) as a frame. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as harness

RESULT = "MESSAGING_RESULT "
SEED = 20251103
AS_OF = dt.date(2026, 11, 1)
QUEUE_GOAL_S = 60.0
MEMORY_GOAL_MB = 1024.0


def step_setup(scale: float, recipients: int) -> dict:
    from django.db import connection

    from cakupan.accounts.models import Role, User
    from cakupan.messaging.models import ConsentRecord, ConsentState
    from cakupan.registry import bulk
    from cakupan.registry.models import Worker
    from cakupan.registry.services import population_generate

    started = time.perf_counter()
    population_generate(scale=scale, seed=SEED, as_of=AS_OF)
    generate_s = time.perf_counter() - started
    now = bulk.timestamp_literal()
    true = "true" if connection.vendor == "postgresql" else "1"
    with connection.cursor() as cursor:
        phones = (
            f"SELECT DISTINCT phone FROM {Worker._meta.db_table} WHERE phone <> '' "
            f"ORDER BY phone LIMIT {int(recipients)}"
        )
        cursor.execute(
            f"INSERT INTO {ConsentState._meta.db_table} (address, channel, purpose, granted, changed_at) "
            f"SELECT phone, 'sms', 'literacy', {true}, %s FROM ({phones}) p",
            [now],
        )
        cursor.execute(
            f"INSERT INTO {ConsentRecord._meta.db_table} (address, channel, purpose, granted, source, "
            f"recorded_at, note) SELECT address, channel, purpose, granted, 'demo', changed_at, '' "
            f"FROM {ConsentState._meta.db_table}"
        )
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
    User.objects.create_user(
        username="provinsi", password="x", role=Role.PROVINCIAL_COORDINATOR, area_id="36"
    )
    return {
        "workers": Worker.objects.count(),
        "consenting": ConsentState.objects.count(),
        "generate_s": generate_s,
    }


def step_queue() -> dict:
    import polars as pl
    from django.utils import timezone

    from cakupan.accounts.models import User
    from cakupan.messaging import campaigns
    from cakupan.messaging.models import Message
    from cakupan.registry import bulk

    coordinator = User.objects.get(username="provinsi")
    audience = campaigns.audience_check(
        user=coordinator, region_code="36", sectors=[], deciles=[], coverage=[], channel="sms"
    )
    # Floor: the recipients' rows alone, as the campaign reads them.
    sql, params = campaigns._audience_sql(audience, "w.id, w.name, w.phone, w.desa_id")
    started = time.perf_counter()
    floor_rows = bulk.query_frame(
        sql, params, {"id": pl.Int64, "name": pl.String, "phone": pl.String, "desa": pl.String}
    ).height
    floor_s = time.perf_counter() - started
    started = time.perf_counter()
    campaign = campaigns.campaign_create(
        actor=coordinator,
        name="Sosialisasi Banten",
        audience=audience,
        template_key="sosialisasi_umum",
        scheduled_at=timezone.now(),
    )
    seconds = time.perf_counter() - started
    campaign.refresh_from_db()
    return {
        "seconds": seconds,
        "audience": campaign.audience,
        "queued": campaign.queued,
        "cost": campaign.cost,
        "messages": Message.objects.count(),
        "floor_s": floor_s,
        "floor_rows": floor_rows,
    }


def step_drain(count: int) -> dict:
    from cakupan.messaging.sending import outbox_drain

    started = time.time()
    counts = outbox_drain(channel="sms", max_messages=count)
    ended = time.time()
    return {"seconds": ended - started, "counts": counts, "started": started, "ended": ended}


def step_check() -> dict:
    from django.db.models import Count

    from cakupan.messaging.models import Message

    states = dict(Message.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    twice = (
        Message.objects.filter(state__in=["sent", "delivered"])
        .values("address")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {"states": states, "addresses_sent_twice": twice}


def child(step: str, args) -> dict:
    harness.django_setup()
    load = os.getloadavg()[0]
    if step == "setup":
        result = step_setup(args.scale, args.recipients)
    elif step.startswith("drain"):
        result = step_drain(args.drain // 2)
    else:
        result = globals()[f"step_{step}"]()
    return {**result, "peak_rss_mb": harness.peak_rss_mb(), "load_average": [load, os.getloadavg()[0]]}


def measure(label: str, url: str, workdir: Path, args) -> dict:
    sys.path.insert(0, str(harness.ROOT / "src"))
    from cakupan.providers.emulators import Emulator, EmulatorConfig

    results: dict = {"database": label}
    with Emulator(EmulatorConfig()) as emulator:
        env = harness.environment(
            url,
            workdir,
            CAKUPAN_SMS_URL=emulator.url,
            CAKUPAN_SMS_ACCOUNT_SID=emulator.config.sms_account_sid,
            CAKUPAN_SMS_AUTH_TOKEN=emulator.config.sms_auth_token,
            CAKUPAN_SMS_RATE=str(args.rate),
            CAKUPAN_CAMPAIGN_APPROVAL_ABOVE=str(10 * args.recipients),
            CAKUPAN_TASKS="immediate",
        )
        harness.migrate(env)
        common = [
            "--scale",
            str(args.scale),
            "--recipients",
            str(args.recipients),
            "--drain",
            str(args.drain),
        ]
        for step in ("setup", "queue"):
            # Tasks run inline here: with SMS switched off while queueing, the queue step sends nothing and
            # the drain is measured on its own.
            step_env = {**env, "CAKUPAN_SMS_URL": ""} if step == "queue" else env
            results[step] = harness.run_child(__file__, step, common, step_env, RESULT)
            if results[step] is None:
                results["failed"] = step
                return results
        print(f"  {time.strftime('%H:%M:%S')} drain ×2", file=sys.stderr, flush=True)
        drainers = [
            subprocess.Popen(
                [sys.executable, __file__, "--child", f"drain{n}", *common],
                env=env,
                cwd=harness.ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in (1, 2)
        ]
        outputs = [drainer.communicate()[0] for drainer in drainers]
        drains = [
            json.loads(next(x for x in out.splitlines() if x.startswith(RESULT)).removeprefix(RESULT))
            for out in outputs
        ]
        results["drain"] = drains
        results["check"] = harness.run_child(__file__, "check", common, env, RESULT)
        at_gateway = Counter(m["to"] for m in emulator.state.messages)
        results["gateway"] = {
            "messages": sum(at_gateway.values()),
            "numbers_twice": sum(1 for n in at_gateway.values() if n > 1),
        }
    return results


def report(r: dict, args) -> None:
    if "failed" in r:
        print(f"\n{r['database']}: FAILED at {r['failed']}")
        return
    queue = r["queue"]
    sent = sum(d["counts"].get("sent", 0) for d in r["drain"])
    span = max(d["ended"] for d in r["drain"]) - min(d["started"] for d in r["drain"])
    # The channel's bucket starts full (one second's worth): the rate is what came after that burst.
    rate = (sent - args.rate) / span if span else 0.0
    print(f"\n{r['database']}: {r['setup']['workers']:,} workers, {r['setup']['consenting']:,} phones agreed")
    ratio = queue["seconds"] / queue["floor_s"]
    print(
        f"  queue: {queue['queued']:,} messages in {queue['seconds']:.1f} s (goal {QUEUE_GOAL_S:.0f} s, "
        f"{QUEUE_GOAL_S / queue['seconds']:.1f}×), peak {queue['peak_rss_mb']:.0f} MB; floor (reading the "
        f"{queue['floor_rows']:,} rows alone) {queue['floor_s']:.1f} s, ratio {ratio:.1f}×"
    )
    gateway, check = r["gateway"], r["check"]
    print(
        f"  drain: {sent:,} sent by two senders in {span:.1f} s: {rate:.0f}/s after the first second's "
        f"burst, at a configured {args.rate:.0f}/s; gateway got {gateway['messages']:,}, numbers twice: "
        f"{gateway['numbers_twice']} (gateway), {check['addresses_sent_twice']} (database); "
        f"states {check['states']}"
    )
    met = (
        queue["seconds"] < QUEUE_GOAL_S
        and queue["peak_rss_mb"] < MEMORY_GOAL_MB
        and queue["queued"] == args.recipients
        and r["gateway"]["numbers_twice"] == 0
        and r["check"]["addresses_sent_twice"] == 0
        and r["gateway"]["messages"] == sent
        and args.rate * 0.95 <= rate <= args.rate * 1.05
    )
    print(f"  goals: {'met' if met else 'NOT met'}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--drain", type=int, default=6000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    args = parser.parse_args(argv)
    if args.child:
        print(RESULT + json.dumps(child(args.child, args), default=str))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="cakupan-bench-") as tmp:
        for label, url in harness.database_urls(Path(tmp), args.only):
            results.append(measure(label, url, Path(tmp), args))
    for r in results:
        report(r, args)
    print(
        json.dumps(
            {
                "benchmark": "messaging_bench",
                "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "scale": args.scale,
                "recipients": args.recipients,
                "rate": args.rate,
                "results": results,
            },
            default=str,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
