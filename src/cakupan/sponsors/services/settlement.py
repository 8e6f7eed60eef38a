"""The provider's notifications: an order paid, closed (expired, declined, cancelled) or reversed after it
was paid. What a paid order then becomes in the ledger and the plans is `booking`'s; a reversal is
`reversal`'s.

A notification is believed only after its signature verifies and the provider, asked again, says the same;
the order's state decides, changed by conditional updates or under its row lock, so a replayed notification
changes nothing."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django_ratelimit.core import get_usage

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.faults import fault_point
from cakupan.core.formatting import rupiah
from cakupan.messaging.models import Purpose
from cakupan.providers import midtrans as midtrans_module
from cakupan.providers.base import ProviderError, SignatureError
from cakupan.providers.config import public_url
from cakupan.sponsors.models import (
    NotificationOutcome,
    OrderState,
    PaymentNotification,
    PaymentOrder,
)
from cakupan.sponsors.services import common, reversal
from cakupan.sponsors.services.mail import email_sponsor
from cakupan.sponsors.services.sponsorships import sponsorship_label

log = logging.getLogger("cakupan.sponsors")
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
    if reversal.is_reversal(actual):
        # A refund, or a cancel that voids a card's capture: a reversal when the order was paid, a close
        # when it was still pending.
        with transaction.atomic():
            reversed_ = reversal.order_reverse(order=order, actual_status=actual.transaction_status)
            if reversed_ is not None:
                _keep(
                    body,
                    valid=True,
                    outcome=NotificationOutcome.APPLIED if reversed_ else NotificationOutcome.DUPLICATE,
                )
        if reversed_ is not None:
            return NotificationAnswer(
                200, "reversed" if reversed_ else "duplicate", "Pembatalan pembayaran dicatat."
            )
    if actual.transaction_status == "partial_refund":
        # Cakupan never asks for part of a payment back: one made at the provider is listed for the
        # treasurer, who finishes it (order_refund) once the rest is returned.
        with transaction.atomic():
            marked = (
                PaymentOrder.objects.filter(pk=order.pk, state__in=[OrderState.PAID, OrderState.REFUND_DUE])
                .exclude(provider_status="partial_refund")
                .update(provider_status="partial_refund")
            )
            _keep(
                body,
                valid=True,
                outcome=NotificationOutcome.APPLIED if marked else NotificationOutcome.DUPLICATE,
            )
            if marked:
                audit_record(
                    action=AuditAction.UPDATE,
                    actor=None,
                    obj=order,
                    region_code=common.config()["province"],
                    changes={"provider_status": [order.provider_status, "partial_refund"]},
                    metadata={"partial_refund": True},
                )
        return NotificationAnswer(200, "partial_refund", "Pengembalian sebagian dicatat untuk diperiksa.")
    if actual.state == midtrans_module.PAID:
        # One commit for the payment and the record of the notification that brought it.
        with transaction.atomic():
            applied = order_settle(order=order, actual=actual)
            _keep(
                body,
                valid=True,
                outcome=NotificationOutcome.APPLIED if applied else NotificationOutcome.DUPLICATE,
            )
            fault_point("payment.before_commit")
        fault_point("payment.after_commit")
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


def _queue_declined(order: PaymentOrder, sponsor) -> None:
    email_sponsor(
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
