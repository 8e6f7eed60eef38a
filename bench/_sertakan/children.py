"""The benchmark's Django children: the setup (registry, sponsors, ready sponsorships, sessions) through
the app's services, and the check of the money state as the database holds it."""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from pathlib import Path

import _harness

from _sertakan import SEED

# Registry rows at scale 1 (the generator's Banten); the setup asks for the smallest scale with enough
# uncovered informal workers.
FULL_SCALE_WORKERS = 5_760_000


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
    from cakupan.sponsors.models import PhoneCheck
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
    # A person the registry holds no phone for is asked only after her desa's operator confirms the number
    # the sponsor typed; an administrator stands in for the operators here (the check is not measured).
    checker = User.objects.create_superuser(username="bench-operator", password=None)
    for index, sponsorship in enumerate(sponsorships):
        if sponsorship.phone_check == PhoneCheck.PENDING:
            sponsorships[index] = services.sponsorship_phone_confirm(sponsorship=sponsorship, actor=checker)
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
