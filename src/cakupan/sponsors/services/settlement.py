"""The provider's notifications, and what a paid order becomes: money in the ledger, paid-for months of one
worker in the SERTAKAN plan that the enrolment pipeline sends to BPJS TK, a company's match, a receipt.

A notification is believed only after its signature verifies and the provider, asked again, says the same;
the order row is locked and its state decides, so a replayed notification changes nothing. Locks are taken
in one order: the SERTAKAN funder, the order, the open plan, matching rules, then ledger accounts."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django_ratelimit.core import get_usage

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
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
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import message_queue, template_current
from cakupan.providers import midtrans as midtrans_module
from cakupan.providers.base import ProviderError, SignatureError
from cakupan.providers.config import public_url
from cakupan.sponsors.models import (
    NotificationOutcome,
    OrderState,
    PaymentNotification,
    PaymentOrder,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
)
from cakupan.sponsors.services import common, matching
from cakupan.sponsors.services.sponsorships import sponsorship_label

log = logging.getLogger("cakupan.sponsors")
RECEIPT_TEMPLATE = "sertakan_tanda_terima"
DECLINED_TEMPLATE = "sertakan_pembayaran_gagal"


@dataclass(frozen=True)
class NotificationAnswer:
    status: int
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


def _kept_body(body: dict) -> dict:
    """The body as it can be stored: PostgreSQL's JSON refuses the NUL character, which only a forged
    body would carry."""
    text = json.dumps(body)
    return json.loads(text.replace("\\u0000", "")) if "\\u0000" in text else body


def _keep(body: dict, *, valid: bool, outcome: str) -> None:
    body = _kept_body(body)
    PaymentNotification.objects.create(
        order_id=str(body.get("order_id", ""))[:50],
        transaction_status=str(body.get("transaction_status", ""))[:24],
        status_code=str(body.get("status_code", ""))[:8],
        gross_amount=str(body.get("gross_amount", ""))[:24],
        signature_valid=valid,
        outcome=outcome,
        body=body,
    )


LIMITED = NotificationAnswer(
    429, "notification_limit_reached", "Terlalu banyak notifikasi tidak sah dari alamat ini; diabaikan."
)


def _forgeries_over_limit(request, ip: str) -> bool:
    """Notifications that fail the signature are kept as evidence, but only so many an address: a flood of
    forgeries must not fill the database. Counted by django-ratelimit in the limits' memcached; when that
    cannot be reached the forgery is kept (a rare outage, and the evidence matters more)."""
    if request is None:
        return False
    try:
        usage = get_usage(
            request,
            group="sertakan:forged",
            key=lambda _group, _request: ip or "unknown",
            rate=common.config()["forged_notifications_rate"],
            increment=True,
        )
    except Exception:  # pylibmc's own errors when memcached is away
        return False
    return bool(usage and usage["should_limit"])


def notification_receive(*, raw: bytes, request=None, ip: str = "") -> NotificationAnswer:
    """Take one HTTP notification. Every one is kept with what was done with it, except forgeries past
    their address's limit (`request` and `ip` come with a notification over HTTP)."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        if _forgeries_over_limit(request, ip):
            return LIMITED
        text = raw[:2000].decode("utf-8", "replace").replace("\x00", "")
        _keep({"raw": text}, valid=False, outcome=NotificationOutcome.FORGED)
        return NotificationAnswer(400, "notification_malformed", "Notifikasi bukan objek JSON.")
    api = common.midtrans()
    try:
        claimed = api.verify_notification(raw)
    except SignatureError:
        if _forgeries_over_limit(request, ip):
            return LIMITED
        _keep(body, valid=False, outcome=NotificationOutcome.FORGED)
        return NotificationAnswer(403, "signature_invalid", "Tanda tangan notifikasi tidak sah; diabaikan.")
    order = PaymentOrder.objects.filter(order_id=claimed.order_id).first()
    if order is None:
        _keep(body, valid=True, outcome=NotificationOutcome.UNKNOWN_ORDER)
        return NotificationAnswer(404, "order_not_found", "Pesanan tidak dikenal.")
    try:
        actual = api.status(order.order_id)
    except ProviderError:
        # Not answered 2xx: the provider sends the notification again later.
        _keep(body, valid=True, outcome=NotificationOutcome.UNCONFIRMED)
        return NotificationAnswer(
            503, "status_unconfirmed", "Status belum dapat dipastikan; kirim ulang nanti."
        )
    return order_apply(order=order, actual=actual, body=body)


def order_refresh(*, order: PaymentOrder) -> PaymentOrder:
    """Ask the provider about a pending order (the sponsor's "Cek pembayaran"), as if it had notified."""
    try:
        actual = common.midtrans().status(order.order_id)
    except ProviderError as error:
        raise DomainError(
            "payment_provider_unavailable", "Layanan pembayaran sedang tidak dapat dihubungi. Coba lagi."
        ) from error
    order_apply_queried(order=order, actual=actual, source="status_query")
    return PaymentOrder.objects.get(pk=order.pk)


def order_apply_queried(*, order: PaymentOrder, actual, source: str) -> NotificationAnswer:
    """Apply what the provider said when we asked it (no notification): recorded as from `source`."""
    body = {"order_id": order.order_id, "source": source, "transaction_status": actual.transaction_status}
    return order_apply(order=order, actual=actual, body=body)


def order_apply(
    *, order: PaymentOrder, actual: midtrans_module.Transaction, body: dict
) -> NotificationAnswer:
    if actual.gross_amount != order.gross_amount or actual.order_id != order.order_id:
        _keep(body, valid=True, outcome=NotificationOutcome.MISMATCH)
        audit_record(
            action=AuditAction.UPDATE,
            actor=None,
            obj=order,
            region_code=common.config()["province"],
            metadata={
                "refused": "amount_mismatch",
                "provider_amount": actual.gross_amount,
                "order_amount": order.gross_amount,
            },
        )
        return NotificationAnswer(
            400,
            "amount_mismatch",
            f"Jumlah dari penyedia ({rupiah(actual.gross_amount)}) berbeda dari pesanan "
            f"({rupiah(order.gross_amount)}); tidak dibukukan, diperiksa petugas.",
        )
    if actual.state == midtrans_module.PAID:
        # One commit for the payment and the record of the notification that brought it.
        with transaction.atomic():
            applied = order_settle(order=order, actual=actual)
            _keep(
                body,
                valid=True,
                outcome=NotificationOutcome.APPLIED if applied else NotificationOutcome.DUPLICATE,
            )
        if applied:
            return NotificationAnswer(200, "applied", "Pembayaran diterima.")
        return NotificationAnswer(200, "duplicate", "Pembayaran ini sudah dibukukan sebelumnya.")
    if actual.state in (midtrans_module.EXPIRED, midtrans_module.FAILED):
        closed = _order_close(order=order, actual=actual)
        _keep(
            body, valid=True, outcome=NotificationOutcome.APPLIED if closed else NotificationOutcome.DUPLICATE
        )
        return NotificationAnswer(200, "closed" if closed else "duplicate", "Status pesanan dicatat.")
    _keep(body, valid=True, outcome=NotificationOutcome.NOT_FINAL)
    return NotificationAnswer(200, "pending", "Menunggu pembayaran.")


CLOSE_STATES = {
    "expire": (OrderState.EXPIRED, "Batas waktu pembayaran habis (virtual account/QRIS kedaluwarsa)."),
    "deny": (OrderState.DENIED, "Pembayaran ditolak bank atau penerbit kartu."),
    "cancel": (OrderState.CANCELLED, "Pembayaran dibatalkan."),
    "failure": (OrderState.FAILED, "Pembayaran gagal diproses penyedia."),
}


@transaction.atomic
def _order_close(*, order: PaymentOrder, actual) -> bool:
    order = (
        PaymentOrder.objects.select_for_update(of=("self",))
        .select_related("sponsorship__sponsor")
        .get(pk=order.pk)
    )
    if order.state != OrderState.PENDING:
        return False
    state, reason = CLOSE_STATES.get(actual.transaction_status, (OrderState.FAILED, "Pembayaran gagal."))
    order.state = state
    order.failure = reason
    order.provider_status = actual.transaction_status
    order.save(update_fields=["state", "failure", "provider_status"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=None,
        obj=order,
        region_code=common.config()["province"],
        changes={"state": [OrderState.PENDING, state]},
    )
    if order.recurring_charge and state == OrderState.DENIED:
        sponsor = order.sponsorship.sponsor
        _queue_declined(order, sponsor)
    return True


def _email_sponsor(order: PaymentOrder, *, purpose: str, template: str, values: dict, key: str) -> None:
    sponsor = order.sponsorship.sponsor
    if sponsor.email:
        _queue_safely(
            purpose=purpose,
            channel=Channel.EMAIL,
            address=sponsor.email,
            template=template_current(template),
            values=values,
            idempotency_key=key,
        )


def _queue_declined(order: PaymentOrder, sponsor) -> None:
    _email_sponsor(
        order,
        purpose=Purpose.SPONSORSHIP,
        template=DECLINED_TEMPLATE,
        values={
            "jumlah": rupiah(order.gross_amount),
            "pekerja": sponsorship_label(order.sponsorship),
            "tautan": public_url(reverse("sponsors:detail", args=[order.sponsorship.reference])),
        },
        key=f"sertakan:declined:{order.order_id}",
    )


def _queue_safely(**message) -> None:
    """A message that cannot be queued (an address the outbox refuses) never undoes a booked payment."""
    try:
        with transaction.atomic():
            message_queue(**message)
    except DomainError as error:
        log.warning("sertakan message not queued: %s %s", error.code, message.get("idempotency_key"))


def _open_plan(program_ids: list[int]) -> AllocationPlan:
    """The SERTAKAN plan still collecting paid months (approved, no batch yet), locked; a new one when the
    last became a batch. Its approval is the sponsor's payment: the sponsor chose whom and paid."""
    system = common.system_user()
    plan = (
        AllocationPlan.objects.select_for_update()
        .filter(kind=PlanKind.ALLOCATION, status=PlanStatus.APPROVED, created_by=system)
        .order_by("pk")
        .first()
    )
    if plan is None:
        plan = AllocationPlan.objects.create(
            kind=PlanKind.ALLOCATION,
            status=PlanStatus.APPROVED,
            region_code=common.config()["province"],
            created_by=system,
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
    plan.programs.add(*program_ids)
    return plan


def _receipt_number(order: PaymentOrder) -> str:
    return f"SRT-{common.now().year}-{order.pk:07d}"


PAYABLE_STATES = (
    OrderState.PENDING,
    OrderState.EXPIRED,
    OrderState.CANCELLED,
    OrderState.FAILED,
    OrderState.DENIED,
)


def order_settle(*, order: PaymentOrder, actual) -> bool:
    """The provider confirmed the money: the order is paid, at once, with its receipt number, and its
    booking (ledger, plan, funded months, a company's match, the receipt e-mail) is queued for
    `orders_book` in the same transaction. False when it was paid already (a replay).

    Two steps because a burst of notifications must not wait on each other: marking one order paid is
    one conditional UPDATE of its own row, while the booking takes the SERTAKAN funder's lock and is done
    for every waiting order at once. A provider that says paid after we had closed the order (an expired
    VA paid at the last second) wins: the money arrived."""
    with transaction.atomic():
        paid_at = common.now()
        updated = PaymentOrder.objects.filter(pk=order.pk, state__in=PAYABLE_STATES).update(
            state=OrderState.PAID,
            paid_at=paid_at,
            receipt_number=_receipt_number(order),
            provider_status=actual.transaction_status[:24],
            provider_transaction_id=(actual.transaction_id or order.provider_transaction_id)[:64],
            failure="",
        )
        if not updated:
            return False
        audit_record(
            action=AuditAction.UPDATE,
            actor=None,
            object_type="sponsors.paymentorder",
            object_id=order.pk,
            object_repr=order.order_id,
            region_code=common.config()["province"],
            changes={"state": [order.state, OrderState.PAID]},
            metadata={"gross_amount": order.gross_amount, "provider": actual.transaction_id},
        )
        # A task row that commits with the payment (django-tasks' database backend): the booking cannot
        # be lost between the two; with the immediate backend (tests, scripts) it runs here and now.
        from cakupan.sponsors.tasks import orders_book_task

        orders_book_task.enqueue()
    return True


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
        if len(batch) < limit:
            return counts


def _book_refused(order: PaymentOrder, *, reason: str) -> None:
    order.refresh_from_db()
    _refund_due(order, month=common.current_month(), reason=reason)
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
    if sponsorship.kind == SponsorshipKind.GIFT:
        _settle_gift(order, month=month)
    else:
        _settle_months(order, sponsorship, month=month)
    order.booked_at = common.now()
    order.save()
    if order.state == OrderState.PAID and sponsorship.status == SponsorshipStatus.READY:
        sponsorship.status = SponsorshipStatus.ACTIVE
        sponsorship.save(update_fields=["status"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=None,
        obj=order,
        region_code=sponsorship.worker.desa_id if sponsorship.worker_id else common.config()["province"],
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


def _refund_due(order: PaymentOrder, *, month, reason: str) -> None:
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


def _settle_months(order: PaymentOrder, sponsorship: Sponsorship, *, month) -> None:
    worker = sponsorship.worker
    if sponsorship.status not in (SponsorshipStatus.READY, SponsorshipStatus.ACTIVE):
        _refund_due(order, month=month, reason="Dukungan sudah berakhir sebelum pembayaran diterima.")
        return
    first = common.next_free_month(worker.pk, order.months)
    cost = common.price(sector=worker.sector, first_month=first, months=order.months)
    if cost.total != order.contribution:
        _refund_due(
            order,
            month=month,
            reason=f"Iuran untuk {month_long(first)} berbeda dari pesanan ({rupiah(cost.total)}).",
        )
        return
    # Locks: the open plan, then the matching rules, then every account involved (one call, pk order).
    program, created = common.sertakan_program(year=month.year, first_amount=order.contribution, actor=None)
    plan = _open_plan([program.pk])
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
    try:
        with transaction.atomic():
            line = PlanLine.objects.filter(plan=plan, worker=worker).first()
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
            elif line.program_id == program.pk and add_months(line.first_month, line.months) == first:
                line.months += order.months
                line.cost += cost.total
                line.save(update_fields=["months", "cost"])
            else:
                raise IntegrityError("another line of this worker in the open plan")
            FundedMonth.objects.bulk_create(
                FundedMonth(worker=worker, month=day, program=program, line=line, cost=amount)
                for day, amount in cost.per_month
            )
    except IntegrityError:
        order.state = OrderState.REFUND_DUE
        order.failure = "Bulan yang dibayar sudah didanai pihak lain sementara pembayaran diproses."
        return
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
    matching.match_apply(
        order=order, sponsorship=sponsorship, plan=plan, rules=rules, accounts=accounts, month=month
    )
    totals = PlanLine.objects.filter(plan=plan).aggregate(cost=Sum("cost"))
    plan.funded = PlanLine.objects.filter(plan=plan).count()
    plan.cost = int(totals["cost"] or 0)
    plan.save(update_fields=["funded", "cost"])


def _queue_receipt(order: PaymentOrder) -> None:
    sponsor = order.sponsorship.sponsor
    _email_sponsor(
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
