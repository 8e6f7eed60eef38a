"""What a paid order becomes, moments after the payment (`orders_book`, a task queued with it): money in
the ledger, paid-for months of one worker in an open SERTAKAN plan that the enrolment pipeline sends to BPJS
TK, a company's match, a receipt. Every plan line and funded month written is in the row-level trail of the
order's booking event.

Locks are taken in one order: the SERTAKAN funder, the order, the sponsorship, the open plans and their
lines, matching rules, then ledger accounts."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.faults import fault_point
from cakupan.core.formatting import month_long, rupiah
from cakupan.funding import ledger
from cakupan.funding.candidates import add_months
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    FundedMonth,
    Funder,
    PlanKind,
    PlanLine,
    PlanStatus,
    TransactionKind,
)
from cakupan.funding.rowaudit import FUNDED_MONTH_ROWS, PLAN_LINE_ROWS
from cakupan.messaging.models import Purpose
from cakupan.providers.config import public_url
from cakupan.sponsors.models import OrderState, PaymentOrder, Sponsorship, SponsorshipKind, SponsorshipStatus
from cakupan.sponsors.services import common, matching
from cakupan.sponsors.services.mail import email_sponsor
from cakupan.sponsors.services.sponsorships import sponsorship_label

log = logging.getLogger("cakupan.sponsors")
RECEIPT_TEMPLATE = "sertakan_tanda_terima"

# Orders booked per transaction. Small, because on SQLite a transaction holds the one write lock that every
# notification's UPDATE also needs: 500 at once held it ~5 s during a burst; 10 hold it ~0,2 s. (On
# PostgreSQL payments never wait on a booking: they touch only their own order row.)
BOOK_BATCH = 10


def orders_book(*, limit: int = BOOK_BATCH) -> dict:
    """Book every paid order not yet booked, in batches of `limit` under the SERTAKAN funder's lock, each
    order in its own savepoint. Idempotent: an order is booked once (booked_at)."""
    counts = {"booked": 0, "refund_due": 0}
    while True:
        with transaction.atomic():
            Funder.objects.select_for_update().get(pk=common.sertakan_funder().pk)
            batch = list(
                PaymentOrder.objects.select_for_update(of=("self",))
                .select_related(
                    "sponsorship__worker__desa", "sponsorship__sponsor", "sponsorship__program__funder"
                )
                .filter(state=OrderState.PAID, booked_at__isnull=True)
                .order_by("pk")[:limit]
            )
            for order in batch:
                try:
                    with transaction.atomic():
                        _book(order)
                except (IntegrityError, DomainError) as error:
                    # One order that cannot be placed must not hold up everyone else's: its money is
                    # kept as received and listed for refund, with the reason.
                    log.warning("sertakan booking of %s refused: %r", order.order_id, error)
                    with transaction.atomic():
                        _book_refused(order, reason=getattr(error, "message", "") or "Tidak dapat dibukukan.")
                counts["refund_due" if order.state == OrderState.REFUND_DUE else "booked"] += 1
            if batch:
                fault_point("booking.before_commit")
        if batch:
            fault_point("booking.after_commit")
        if len(batch) < limit:
            return counts


def _book_refused(order: PaymentOrder, *, reason: str) -> None:
    order.refresh_from_db()
    refund_due(order, month=common.current_month(), reason=reason)
    order.booked_at = common.now()
    order.save()
    audit_record(
        action=AuditAction.UPDATE,
        actor=None,
        obj=order,
        region_code=common.config()["province"],
        changes={"state": [OrderState.PAID, order.state]},
        metadata={"failure": order.failure},
    )


def _book(order: PaymentOrder) -> None:
    sponsorship = Sponsorship.objects.select_for_update().get(pk=order.sponsorship_id)
    month = common.current_month()
    changes = RowChangeSet()
    if sponsorship.kind == SponsorshipKind.GIFT:
        _settle_gift(order, month=month)
    else:
        _settle_months(order, sponsorship, month=month, changes=changes)
    order.booked_at = common.now()
    order.save()
    region = sponsorship.worker.desa_id if sponsorship.worker_id else common.config()["province"]
    event = audit_record(
        action=AuditAction.UPDATE,
        actor=None,
        obj=order,
        region_code=region,
        changes={"booked_at": [None, order.booked_at.isoformat()]}
        | ({"state": [OrderState.PAID, order.state]} if order.state != OrderState.PAID else {}),
        metadata={
            "first_month": str(order.first_month),
            "months": order.months,
            "plan": order.plan_id,
            "failure": order.failure,
            "matched_amount": order.matched_amount,
        },
    )
    changes.write(event)
    if order.state == OrderState.PAID and sponsorship.status == SponsorshipStatus.READY:
        sponsorship.status = SponsorshipStatus.ACTIVE
        sponsorship.save(update_fields=["status"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=None,
            obj=sponsorship,
            region_code=region,
            changes={"status": [SponsorshipStatus.READY, SponsorshipStatus.ACTIVE]},
            metadata={"first_payment": order.order_id},
        )
    # The outbox row commits with the booking; the send itself runs after the commit (schedule_drain).
    _queue_receipt(order)


def _settle_gift(order: PaymentOrder, *, month) -> None:
    program = order.sponsorship.program
    accounts = ledger.accounts_locked([program.pk])
    common.budget_add(
        program=program,
        amount=order.contribution,
        reference=f"sertakan:{order.order_id}:gift",
        memo=f"Sumbangan SERTAKAN {order.order_id} untuk {program.name}",
        month=month,
        actor=None,
        accounts=accounts,
    )
    order.state = OrderState.PAID


def _book_received(order: PaymentOrder, *, program, created: bool, accounts: dict, month, memo: str) -> None:
    """The order's contribution as received into the year's SERTAKAN program (source → available)."""
    common.budget_add(
        program=program,
        amount=order.contribution,
        reference=f"sertakan:{order.order_id}:in",
        memo=memo,
        month=month,
        actor=None,
        accounts=accounts,
        grow=not created,
    )


def refund_due(order: PaymentOrder, *, month, reason: str) -> None:
    """Money arrived for months that can no longer be placed: it is booked as received (available in the
    SERTAKAN program, traceable to the order) and the order is listed for refund; nothing else changes."""
    program, created = common.sertakan_program(year=month.year, first_amount=order.contribution, actor=None)
    accounts = ledger.accounts_locked([program.pk])
    _book_received(
        order,
        program=program,
        created=created,
        accounts=accounts,
        month=month,
        memo=f"SERTAKAN {order.order_id} diterima, perlu dikembalikan",
    )
    order.state = OrderState.REFUND_DUE
    order.failure = reason[:300]


def open_plans() -> list[AllocationPlan]:
    """The SERTAKAN plans still collecting paid months (approved, no batch yet), locked, oldest first."""
    return list(
        AllocationPlan.objects.select_for_update()
        .filter(kind=PlanKind.ALLOCATION, status=PlanStatus.APPROVED, created_by=common.system_user())
        .order_by("pk")
    )


def _plan_create() -> AllocationPlan:
    """A new SERTAKAN plan. Its approval is the sponsor's payment: the sponsor chose whom and paid."""
    plan = AllocationPlan.objects.create(
        kind=PlanKind.ALLOCATION,
        status=PlanStatus.APPROVED,
        region_code=common.config()["province"],
        created_by=common.system_user(),
        decided_at=common.now(),
        summary={"sertakan": True, "per_program": []},
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=None,
        obj=plan,
        region_code=plan.region_code,
        changes={"status": [None, PlanStatus.APPROVED]},
        metadata={"sertakan": True},
    )
    return plan


def _plan_and_line(worker_id: int, *, program_id: int, first) -> tuple[AllocationPlan, PlanLine | None]:
    """Where these months go: the worker's line in an open plan when they continue it (same program, the
    month after its last), otherwise a plan that holds no line of hers, a new one when every open plan does.
    A plan holds one line per worker and a line is one program's months in a row, so a renewal that starts
    a new year's program, or follows a gap another funder filled meanwhile, opens a line of its own."""
    plans = open_plans()
    lines = {
        line.plan_id: line
        for line in PlanLine.objects.select_for_update(of=("self",)).filter(
            plan__in=[plan.pk for plan in plans], worker_id=worker_id
        )
    }
    free = None
    for plan in plans:
        line = lines.get(plan.pk)
        if line is None:
            free = free or plan
        elif line.program_id == program_id and add_months(line.first_month, line.months) == first:
            return plan, line
    return (free or _plan_create()), None


def _settle_months(order: PaymentOrder, sponsorship: Sponsorship, *, month, changes: RowChangeSet) -> None:
    worker = sponsorship.worker
    if sponsorship.status not in (SponsorshipStatus.READY, SponsorshipStatus.ACTIVE):
        refund_due(order, month=month, reason="Dukungan sudah berakhir sebelum pembayaran diterima.")
        return
    first = common.next_free_month(worker.pk, order.months)
    cost = common.price(sector=worker.sector, first_month=first, months=order.months)
    if cost.total != order.contribution:
        refund_due(
            order,
            month=month,
            reason=f"Iuran untuk {month_long(first)} berbeda dari pesanan ({rupiah(cost.total)}).",
        )
        return
    # Locks: the open plans and the worker's lines, then the matching rules, then every account involved
    # (one call, primary-key order).
    program, created = common.sertakan_program(year=month.year, first_amount=order.contribution, actor=None)
    plan, line = _plan_and_line(worker.pk, program_id=program.pk, first=first)
    plan.programs.add(program)
    rules = matching.rules_for(sponsor=sponsorship.sponsor, day=matching.today())
    accounts = ledger.accounts_locked([program.pk, *(rule.program_id for rule in rules)])
    _book_received(
        order,
        program=program,
        created=created,
        accounts=accounts,
        month=month,
        memo=f"SERTAKAN {order.order_id} diterima",
    )
    last = add_months(first, order.months - 1)
    try:
        with transaction.atomic():
            if line is None:
                line = PlanLine.objects.create(
                    plan=plan,
                    program=program,
                    worker=worker,
                    desa_id=worker.desa_id,
                    first_month=first,
                    months=order.months,
                    cost=cost.total,
                    weight=0,
                )
                new_line = True
            else:
                changes.before_update(PLAN_LINE_ROWS, "SELECT %s", [line.pk])
                PlanLine.objects.filter(pk=line.pk).update(
                    months=F("months") + order.months, cost=F("cost") + cost.total
                )
                new_line = False
            FundedMonth.objects.bulk_create(
                FundedMonth(worker=worker, month=day, program=program, line=line, cost=amount)
                for day, amount in cost.per_month
            )
    except IntegrityError:
        order.state = OrderState.REFUND_DUE
        order.failure = "Bulan yang dibayar sudah didanai pihak lain sementara pembayaran diproses."
        return
    if new_line:
        changes.inserted(PLAN_LINE_ROWS, where="t.id = %s", params=[line.pk])
    changes.inserted(
        FUNDED_MONTH_ROWS,
        where="t.line_id = %s AND t.month >= %s AND t.month <= %s",
        params=[line.pk, first, last],
    )
    ledger.post(
        kind=TransactionKind.COMMIT,
        funder_id=program.funder_id,
        reference=f"sertakan:{order.order_id}:commit",
        memo=f"SERTAKAN {order.order_id}: {order.months} bulan dari {month_long(first)}",
        month=first,
        actor=None,
        entries=[
            (accounts[(program.pk, AccountKind.AVAILABLE)], -cost.total),
            (accounts[(program.pk, AccountKind.COMMITTED)], cost.total),
        ],
    )
    order.first_month = first
    order.plan = plan
    order.state = OrderState.PAID
    # The plan's totals grow by what was added, never recounted: a plan may hold thousands of lines.
    AllocationPlan.objects.filter(pk=plan.pk).update(
        funded=F("funded") + (1 if new_line else 0), cost=F("cost") + cost.total
    )
    matching.match_apply(
        order=order,
        sponsorship=sponsorship,
        plan=plan,
        rules=rules,
        accounts=accounts,
        month=month,
        changes=changes,
    )


def _queue_receipt(order: PaymentOrder) -> None:
    sponsor = order.sponsorship.sponsor
    email_sponsor(
        order,
        purpose=Purpose.RECEIPT,
        template=RECEIPT_TEMPLATE,
        values={
            "nama": (sponsor.first_name or sponsor.email.split("@")[0]).title(),
            "jumlah": rupiah(order.gross_amount),
            "tujuan": sponsorship_label(order.sponsorship),
            "nomor": order.receipt_number,
            "tautan": public_url(reverse("sponsors:receipt", args=[order.order_id])),
        },
        key=f"sertakan:receipt:{order.order_id}",
    )
