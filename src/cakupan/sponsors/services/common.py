"""What every SERTAKAN service shares: the clock, the SERTAKAN funder and its yearly program, prices, fees
and the Midtrans adapter as configured."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.funding import costs, ledger
from cakupan.funding.candidates import add_months
from cakupan.funding.models import (
    AccountKind,
    FundedMonth,
    Funder,
    FunderKind,
    FundingProgram,
    ProgramStatus,
    TransactionKind,
)
from cakupan.providers.midtrans import MidtransCoreApi
from cakupan.regions.models import Region
from cakupan.registry.models import Membership
from cakupan.sponsors.models import OPEN_STATUSES, Sponsorship

PACKAGE = ("jkk", "jkm")
SYSTEM_USERNAME = "sistem-sertakan"


def now() -> dt.datetime:
    """The clock every SERTAKAN service reads (tests replace it)."""
    return timezone.now()


def current_month() -> dt.date:
    return timezone.localtime(now()).date().replace(day=1)


def config() -> dict:
    return settings.SERTAKAN


def midtrans() -> MidtransCoreApi:
    options = config()["midtrans"]
    return MidtransCoreApi(
        base_url=options["base_url"],
        server_key=options["server_key"],
        client_key=options.get("client_key", ""),
    )


def system_user():
    """The account that SERTAKAN's own records are made by (programs, plans): it cannot sign in."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():
                user = user_model.objects.create(
                    username=SYSTEM_USERNAME, first_name="Sistem SERTAKAN", is_active=False
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
        except IntegrityError:
            user = user_model.objects.get(username=SYSTEM_USERNAME)
    return user


def sertakan_funder() -> Funder:
    """The one funder whose programs hold sponsors' money (kind sponsor, the whole province). Its officers
    pay BPJS TK's invoices for sponsored workers from the money collected through the payment provider."""
    funder = (
        Funder.objects.filter(kind=FunderKind.SPONSOR, name=config()["funder_name"]).order_by("pk").first()
    )
    if funder is not None:
        return funder
    with transaction.atomic():
        # Made once, on first use: the province's region row (always there) serialises the makers, and
        # whoever comes second finds the first one's funder once it is committed.
        Region.objects.select_for_update().get(pk=config()["province"])
        funder = (
            Funder.objects.filter(kind=FunderKind.SPONSOR, name=config()["funder_name"])
            .order_by("pk")
            .first()
        )
        if funder is None:
            funder = Funder.objects.create(
                kind=FunderKind.SPONSOR,
                name=config()["funder_name"],
                funding_source="sponsor",
                area_id=config()["province"],
            )
    return funder


def sertakan_program(*, year: int, first_amount: int, actor) -> tuple[FundingProgram, bool]:
    """The year's SERTAKAN program and whether it was made now, with the first payment of the year as its
    budget (a program's budget is never zero); the caller holds the funder's row lock, so two first
    payments cannot make two programs."""
    funder = sertakan_funder()
    program = FundingProgram.objects.filter(funder=funder, fiscal_year=year).order_by("pk").first()
    if program is not None:
        return program, False
    program = FundingProgram.objects.create(
        funder=funder,
        name=f"SERTAKAN {year}",
        budget=first_amount,
        fiscal_year=year,
        months=1,
        start_month=dt.date(year, 1, 1),
        informal_only=True,
        uncovered_only=False,
        renew=False,
        status=ProgramStatus.ACTIVE,
        created_by=system_user(),
    )
    ledger.accounts_create(program)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=program,
        region_code=funder.area_id,
        changes={"budget": [None, first_amount]},
    )
    return program, True


def budget_add(
    *,
    program: FundingProgram,
    amount: int,
    reference: str,
    memo: str,
    month: dt.date,
    actor,
    accounts: dict,
    grow: bool = True,
    metadata: dict | None = None,
) -> None:
    """Money received (`amount` > 0) or given back to its payer (< 0): booked under `reference` between
    source and available, and the program's budget moves by it (`grow` False for a program just made with
    this amount as its budget), audited with `metadata` (the reference by default). The budget moves in
    the database, never by a read-then-write, and never below Rp1: a program's budget is never zero, so the
    year's only payment given back leaves Rp1 on paper, which the audit shows."""
    ledger.post(
        kind=TransactionKind.BUDGET,
        funder_id=program.funder_id,
        reference=reference,
        memo=memo,
        month=month,
        actor=actor,
        entries=[
            (accounts[(program.pk, AccountKind.SOURCE)], -amount),
            (accounts[(program.pk, AccountKind.AVAILABLE)], amount),
        ],
    )
    if not grow:
        return
    budget = FundingProgram.objects.values_list("budget", flat=True)
    before = budget.get(pk=program.pk)
    FundingProgram.objects.filter(pk=program.pk).update(budget=Greatest(F("budget") + amount, Value(1)))
    after = budget.get(pk=program.pk)
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        object_type="funding.fundingprogram",
        object_id=program.pk,
        object_repr=program.name,
        region_code=program.funder.area_id,
        changes={"budget": [before, after]},
        metadata=metadata or {"reference": reference},
    )


def price(*, sector: str, first_month: dt.date, months: int) -> costs.PackageCost:
    """The JKK+JKM contribution of a sponsored (BPU) worker by the rules engine, at the lowest income."""
    return costs.package_cost(
        income_level=config()["income_level"],
        programs=PACKAGE,
        start_month=first_month,
        months=months,
        funding="sponsor",
        sector=sector,
    )


def fee(method: str, amount: int) -> int:
    """The provider's fee for `method`, passed on to the sponsor and shown before paying."""
    try:
        basis_points, fixed = config()["fees"][method]
    except KeyError as error:
        raise DomainError("method_unknown", "Cara bayar tidak dikenal.", field="method") from error
    return fixed + -(-amount * basis_points // 10_000)


def next_free_month(worker_id: int, months: int = 1) -> dt.date:
    """The first month from which `months` months in a row are neither paid nor funded for the worker:
    after the membership's paid-through month, clear of every funded month, never before the current
    month (a funder's plan may already hold later months)."""
    month = current_month()
    paid = (
        Membership.objects.filter(worker_id=worker_id)
        .order_by("-paid_through")
        .values_list("paid_through", flat=True)
        .first()
    )
    if paid is not None and paid >= month:
        month = add_months(paid, 1)
    funded = set(
        FundedMonth.objects.filter(worker_id=worker_id, month__gte=month).values_list("month", flat=True)
    )
    while any(add_months(month, step) in funded for step in range(months)):
        month = add_months(month, 1)
    return month


def covered_through(worker_id: int) -> dt.date | None:
    """The last month BPJS TK has confirmed paid for the worker (the membership's paid-through month)."""
    return (
        Membership.objects.filter(worker_id=worker_id)
        .order_by("-paid_through")
        .values_list("paid_through", flat=True)
        .first()
    )


def not_sponsored_sql() -> tuple[str, list]:
    """Over registry_worker AS w: nobody an open sponsorship holds (a NOT EXISTS, not a list of them all)."""
    statuses = list(OPEN_STATUSES)
    marks = ", ".join(["%s"] * len(statuses))
    return (
        f"NOT EXISTS (SELECT 1 FROM {Sponsorship._meta.db_table} s WHERE s.worker_id = w.id "
        f"AND s.status IN ({marks}))",
        statuses,
    )
