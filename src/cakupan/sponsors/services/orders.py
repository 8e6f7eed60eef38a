"""Checkout: an order for 1, 3, 6 or 12 months (or a gift's amount), priced by the rules engine, its fee
shown before paying, opened with the payment provider."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.providers.base import ProviderError
from cakupan.providers.midtrans import CARD, METHODS
from cakupan.sponsors.models import (
    OrderState,
    PaymentOrder,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
)
from cakupan.sponsors.services import common

METHOD_LABELS = {
    "qris": "QRIS (semua e-wallet dan m-banking)",
    "va_bca": "Virtual account BCA",
    "va_bni": "Virtual account BNI",
    "va_bri": "Virtual account BRI",
    "va_permata": "Virtual account Permata",
    "gopay": "GoPay",
    "card": "Kartu kredit/debit (bisa ditagih otomatis tiap perpanjangan)",
}


@dataclass(frozen=True)
class Quote:
    """What the sponsor sees before paying: the months, the contribution, the fee and the total."""

    first_month: dt.date | None
    months: int
    contribution: int
    fee: int
    method: str

    @property
    def total(self) -> int:
        return self.contribution + self.fee


def _check_method(method: str) -> str:
    if method not in (*METHODS, CARD) or method not in common.config()["fees"]:
        raise DomainError("method_unknown", "Pilih cara bayar.", field="method")
    return method


def quote(
    *, sponsorship: Sponsorship, months: int | None = None, method: str = "qris", amount: int = 0
) -> Quote:
    """The price of the next payment of this sponsorship. Raises DomainError for what cannot be paid."""
    method = _check_method(method)
    if sponsorship.kind == SponsorshipKind.GIFT:
        low, high = common.config()["gift_min"], common.config()["gift_max"]
        if not isinstance(amount, int) or isinstance(amount, bool) or not low <= amount <= high:
            raise DomainError(
                "gift_amount_invalid",
                f"Jumlah sumbangan {rupiah(low)} sampai {rupiah(high)}.",
                field="amount",
            )
        return Quote(None, 0, amount, common.fee(method, amount), method)
    months = sponsorship.months if months is None else months
    if months not in (1, 3, 6, 12):
        raise DomainError("months_invalid", "Pilih 1, 3, 6 atau 12 bulan.", field="months")
    first = common.next_free_month(sponsorship.worker_id, months)
    cost = common.price(sector=sponsorship.worker.sector, first_month=first, months=months)
    return Quote(first, months, cost.total, common.fee(method, cost.total), method)


def _check_payable(sponsorship: Sponsorship, sponsor) -> None:
    if sponsor is None or sponsorship.sponsor_id != getattr(sponsor, "pk", None):
        raise DomainError("sponsorship_not_found", "Dukungan tidak ditemukan.")
    if sponsorship.status == SponsorshipStatus.AWAITING_CONSENT:
        raise DomainError(
            "consent_pending",
            "Orang ini belum menyetujui dukungan Anda. Pembayaran dibuka setelah ia setuju.",
        )
    if sponsorship.status == SponsorshipStatus.DECLINED:
        raise DomainError("sponsorship_declined", "Orang ini menolak dukungan. Tidak ada yang perlu dibayar.")
    if sponsorship.status == SponsorshipStatus.ENDED:
        raise DomainError("sponsorship_closed", "Dukungan ini sudah berakhir.")


def order_create(
    *,
    sponsorship: Sponsorship,
    sponsor,
    method: str,
    months: int | None = None,
    amount: int = 0,
    recurring_charge: bool = False,
    card_token: str = "",
) -> PaymentOrder:
    """Open a payment. The order is saved (pending) before the provider is called, so a provider that
    fails leaves a failed order to show, never money without a record; a pending order of the same
    sponsorship is cancelled with the provider, so only one can be paid. A card is charged at once and the
    answer applied as the provider confirms it: `card_token` is the one-time token the payer's browser got
    from Midtrans for the card (its number never reaches Cakupan), or, for a recurring charge, the card
    saved with the sponsorship is used.

    A card order is never cancelled as stale: its charge is made within the request that opened it, so a
    second checkout while the first card order is still pending (a double tap) is refused instead; voiding
    the first card's capture while its own request marks it paid would leave an order paid whose money was
    given back."""
    card_token = str(card_token or "").strip()
    # A card order a dead request left pending is settled from the provider first, before anything is
    # priced, so the new order is quoted for the months that are really still free.
    left_pending = PaymentOrder.objects.filter(
        sponsorship_id=sponsorship.pk,
        state=OrderState.PENDING,
        method=CARD,
        created_at__lt=timezone.now() - CARD_IN_FLIGHT,
    )
    for old in left_pending:
        _card_order_settle_stale(old, actor=sponsor)
    if method == CARD and not recurring_charge and not _card_token_ok(card_token):
        raise DomainError(
            "card_token_missing",
            "Data kartu belum diproses penyedia pembayaran. Isi kartu lagi (halaman ini memerlukan "
            "JavaScript untuk kartu), atau pilih cara bayar lain.",
            field="card",
        )
    with transaction.atomic():
        sponsorship = (
            Sponsorship.objects.select_for_update(of=("self",))
            .select_related("worker")
            .get(pk=sponsorship.pk)
        )
        _check_payable(sponsorship, sponsor)
        priced = quote(sponsorship=sponsorship, months=months, method=method, amount=amount)
        stale = list(PaymentOrder.objects.filter(sponsorship=sponsorship, state=OrderState.PENDING))
        if any(old.method == CARD and timezone.now() - old.created_at < CARD_IN_FLIGHT for old in stale):
            raise DomainError(
                "card_payment_in_progress",
                "Pembayaran kartu sebelumnya masih diproses. Tunggu sebentar, lalu lihat status pesanan "
                "di halaman dukungan ini.",
            )
        order = PaymentOrder.objects.create(
            order_id=f"SRT-{sponsorship.pk}-{secrets.token_hex(5).upper()}",
            sponsorship=sponsorship,
            months=priced.months,
            first_month=priced.first_month,
            contribution=priced.contribution,
            fee=priced.fee,
            gross_amount=priced.total,
            method=priced.method,
            recurring_charge=recurring_charge,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=sponsor,
            obj=order,
            region_code=_region(sponsorship),
            changes={"state": [None, order.state]},
            metadata={"gross_amount": order.gross_amount, "months": order.months},
        )
    for old in stale:
        if old.method != CARD:  # a card order is never cancelled as stale (see the docstring)
            order_cancel(order=old, actor=sponsor, reason="Diganti pesanan baru.")
    if order.method == CARD:
        return _card_charge(
            order, sponsorship, sponsor=sponsor, card_token=card_token, recurring_charge=recurring_charge
        )
    try:
        answer = common.midtrans().charge(
            order_id=order.order_id,
            gross_amount=order.gross_amount,
            method=order.method,
            expiry_minutes=common.config()["payment_minutes"],
        )
    except ProviderError as error:
        _order_fail(order, actor=sponsor, reason=f"Penyedia pembayaran tidak dapat dihubungi ({error.code}).")
        raise DomainError(
            "payment_provider_unavailable",
            "Layanan pembayaran sedang tidak dapat dihubungi. Tidak ada uang yang ditarik; coba lagi "
            "sebentar.",
        ) from error
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        order.provider_transaction_id = answer.transaction_id
        order.provider_status = answer.transaction_status
        order.instructions = {
            "va_bank": answer.va_bank,
            "va_number": answer.va_number,
            "qr_string": answer.qr_string,
            "action_url": answer.action_url,
            "expiry_time": answer.expiry_time,
        }
        order.expires_at = common.now() + dt.timedelta(minutes=common.config()["payment_minutes"])
        order.save(update_fields=["provider_transaction_id", "provider_status", "instructions", "expires_at"])
    return order


def _card_token_ok(token: str) -> bool:
    """A one-time token as Midtrans gives it: printable ASCII, a sane length. Anything else (a card number
    typed into the form by a page without JavaScript included) is never sent on."""
    looks_like_a_card = token.replace(" ", "").replace("-", "").isdigit()
    return 8 <= len(token) <= 200 and token.isascii() and token.isprintable() and not looks_like_a_card


def _region(sponsorship: Sponsorship) -> str:
    return sponsorship.worker.desa_id if sponsorship.worker_id else common.config()["province"]


def _order_fail(order: PaymentOrder, *, actor, reason: str, state: str = OrderState.FAILED) -> None:
    with transaction.atomic():
        locked = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state != OrderState.PENDING:
            return
        locked.state = state
        locked.failure = reason[:300]
        locked.save(update_fields=["state", "failure"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=locked,
            region_code=_region(locked.sponsorship),
            changes={"state": [OrderState.PENDING, state]},
            metadata={"reason": reason},
        )


def order_cancel(*, order: PaymentOrder, actor, reason: str = "Dibatalkan sponsor.") -> None:
    """Cancel a pending order with the provider, then here. When the provider refuses (the payer paid a
    moment ago, or it never saw the order), its own status decides, as a notification would."""
    from cakupan.sponsors.services.settlement import order_apply_queried

    if order.method == CARD:
        # A card is charged within the request that opened its order: cancelling would void a capture
        # that request may be about to mark paid. What the provider says decides instead.
        _card_order_settle_stale(order, actor=actor)
        return
    api = common.midtrans()
    try:
        answer = api.cancel(order.order_id)
    except ProviderError as error:
        if error.code not in ("midtrans_404", "midtrans_412"):
            raise DomainError(
                "payment_provider_unavailable", "Layanan pembayaran sedang tidak dapat dihubungi. Coba lagi."
            ) from error
        if error.code == "midtrans_404":
            _order_fail(order, actor=actor, reason=reason, state=OrderState.CANCELLED)
            return
        try:
            answer = api.status(order.order_id)
        except ProviderError as again:
            raise DomainError(
                "payment_provider_unavailable", "Layanan pembayaran sedang tidak dapat dihubungi. Coba lagi."
            ) from again
        order_apply_queried(order=order, actual=answer, source="cancel_refused")
        return
    if answer.state == "paid":
        return
    _order_fail(order, actor=actor, reason=reason, state=OrderState.CANCELLED)


ENDED_REASON = "Dukungan dihentikan; pembayaran dibatalkan."


def orders_cancel_ended(*, sponsorship_id: int) -> dict[str, int]:
    """After a sponsorship ends, its orders still waiting for payment are cancelled with the provider, so a
    virtual account or QR code cannot be paid for cover that was stopped. One the payer paid meanwhile is
    applied from the provider's status (and, the sponsorship having ended, kept for refund); one the
    provider cannot be asked about stays pending and expires there."""
    counts = {"cancelled": 0, "unreachable": 0}
    pending = PaymentOrder.objects.filter(sponsorship_id=sponsorship_id, state=OrderState.PENDING).order_by(
        "pk"
    )
    for order in pending:
        try:
            order_cancel(order=order, actor=None, reason=ENDED_REASON)
        except DomainError:
            counts["unreachable"] += 1
        else:
            counts["cancelled"] += 1
    return counts


CARD_REFUSED = {
    "midtrans_400": ("card_invalid", "Nomor kartu, masa berlaku atau CVV tidak diterima. Periksa lagi."),
    "midtrans_411": ("card_token_expired", "Kartu tersimpan sudah tidak berlaku. Masukkan kartu lagi."),
}


# How long a pending card order counts as still being charged by the request that opened it. One older
# than this was left by a request that died mid-way: the provider is asked what became of it.
CARD_IN_FLIGHT = dt.timedelta(minutes=10)


def _card_order_settle_stale(order: PaymentOrder, *, actor) -> None:
    """A card order left pending by a request that never finished: what the provider says decides (paid,
    declined), and one the provider never saw is closed as failed. Unreachable, it stays pending."""
    from cakupan.sponsors.services.settlement import order_apply_queried

    try:
        actual = common.midtrans().status(order.order_id)
    except ProviderError as error:
        if error.code == "midtrans_404":
            _order_fail(order, actor=actor, reason="Pembayaran kartu tidak sampai ke penyedia.")
        return
    order_apply_queried(order=order, actual=actual, source="stale_card_order")


def _card_label_save(sponsorship: Sponsorship, *, token: str, label: str, actor, reason: str) -> None:
    """The saved card changes: audited by its masked label, never by its token."""
    before = Sponsorship.objects.values_list("card_label", flat=True).get(pk=sponsorship.pk)
    Sponsorship.objects.filter(pk=sponsorship.pk).update(card_token=token, card_label=label)
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=sponsorship,
        region_code=_region(sponsorship),
        changes={"card_label": [before, label], "card_saved": [bool(before), bool(token)]},
        metadata={"reason": reason},
    )


def _card_charge(
    order: PaymentOrder, sponsorship: Sponsorship, *, sponsor, card_token: str, recurring_charge: bool
):
    """Charge a card now: a new card (the browser's one-time token; saved for recurring charges when the
    sponsorship recurs) or the card saved with the sponsorship. The status is read back from the provider
    and applied like a notification, so a declined card leaves a declined order and nothing else."""
    from cakupan.sponsors.services.settlement import order_apply_queried

    api = common.midtrans()
    try:
        if recurring_charge:
            if not sponsorship.card_token:
                raise ProviderError("midtrans_411", "no saved card", transient=False)
            token = sponsorship.card_token
        else:
            token = card_token.strip()
        charged = api.charge_card(
            order_id=order.order_id,
            gross_amount=order.gross_amount,
            token_id=token,
            save_card=sponsorship.recurring and not recurring_charge,
        )
        actual = api.status(order.order_id)
    except ProviderError as error:
        code, message = CARD_REFUSED.get(
            error.code, ("payment_provider_unavailable", "Layanan pembayaran sedang tidak dapat dihubungi.")
        )
        if error.code == "midtrans_411" and not recurring_charge:
            code, message = (
                "card_token_used",
                "Data kartu ini sudah dipakai atau kedaluwarsa. Isi kartu lagi.",
            )
        _order_fail(order, actor=sponsor, reason=message)
        if recurring_charge and error.code == "midtrans_411" and sponsorship.card_token:
            _card_label_save(sponsorship, token="", label="", actor=sponsor, reason="saved_card_expired")
        raise DomainError(code, message, field="card") from error
    if charged.saved_token_id:
        _card_label_save(
            sponsorship,
            token=charged.saved_token_id,
            label=charged.masked_card[:40],
            actor=sponsor,
            reason="card_saved",
        )
    with transaction.atomic():
        PaymentOrder.objects.filter(pk=order.pk).update(
            provider_transaction_id=charged.transaction_id,
            provider_status=charged.transaction_status,
            instructions={"masked_card": charged.masked_card, "status_message": charged.status_message},
        )
    order_apply_queried(order=order, actual=actual, source="card_charge")
    order.refresh_from_db()
    return order
