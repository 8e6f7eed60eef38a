"""Money the provider took back after it was paid: a card's capture voided ("cancel") or a refund, whether
the SERTAKAN treasurer asked for it (an order listed for refund, `order_refund`) or it was made at the
provider. The order becomes `reversed` and the ledger gives back what it had booked, where the money is
still there to give back:

- paid but not booked yet: nothing was booked, nothing to undo;
- listed for refund, or a gift not yet spent: the money leaves the program again (available → source);
- months of a worker in an open SERTAKAN plan (no batch yet), the tail of her line: the months are taken
  out of the plan, the commitment released and the money given back;
- otherwise (the months already went to BPJS TK, or a gift the program has spent): the cover stays, the
  ledger is left as it is, and the order is listed as money to recover, with the reason.

A company's match that followed the payment stays: its money covers another worker, not this one.
Locks are taken as in booking: the SERTAKAN funder, the order, the plan and line, then ledger accounts."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
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
    FundingProgram,
    LedgerEntry,
    PlanLine,
    PlanStatus,
    TransactionKind,
)
from cakupan.funding.rowaudit import FUNDED_MONTH_ROWS, PLAN_LINE_ROWS
from cakupan.providers import midtrans as midtrans_module
from cakupan.providers.base import ProviderError
from cakupan.sponsors.models import OrderState, PaymentOrder, SponsorshipKind
from cakupan.sponsors.services import common

REVERSIBLE = (OrderState.PAID, OrderState.REFUND_DUE)
# Methods whose payment Midtrans can refund through its API; a bank transfer (virtual account) cannot be,
# so the treasurer transfers the money back and records the transfer.
API_REFUNDABLE = ("card", "qris", "gopay")


def is_reversal(actual: midtrans_module.Transaction) -> bool:
    """A status that takes all the paid money back, if the order was paid: a refund, or a cancel (a card's
    void). A partial refund is not one: Cakupan never asks for one, so it is kept for the treasurer."""
    return actual.transaction_status in ("refund", "cancel")


def order_reverse(*, order: PaymentOrder, actual_status: str, actor=None, note: str = "") -> bool | None:
    """Apply a reversal of a paid order. True when applied, False when the order was reversed before (a
    replay), None when it was never paid (a cancel of a pending order is a close, not a reversal)."""
    with transaction.atomic():
        Funder.objects.select_for_update().get(pk=common.sertakan_funder().pk)
        order = (
            PaymentOrder.objects.select_for_update(of=("self",))
            .select_related("sponsorship__worker", "sponsorship__sponsor", "sponsorship__program")
            .get(pk=order.pk)
        )
        if order.state == OrderState.REVERSED:
            return False
        if order.state not in REVERSIBLE:
            return None
        before = order.state
        changes = RowChangeSet()
        given_back, reason = _give_back(order, changes=changes)
        order.state = OrderState.REVERSED
        order.failure = " ".join(filter(None, [reason, note]))[:300]
        order.provider_status = actual_status[:24]
        order.booked_at = order.booked_at or common.now()
        order.save(update_fields=["state", "failure", "provider_status", "booked_at"])
        sponsorship = order.sponsorship
        event = audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=order,
            region_code=sponsorship.worker.desa_id if sponsorship.worker_id else common.config()["province"],
            changes={"state": [before, OrderState.REVERSED]},
            metadata={
                "provider_status": actual_status,
                "given_back": given_back,
                "to_recover": 0 if given_back else order.contribution,
                "reason": order.failure,
            },
        )
        changes.write(event)
    return True


def _received_program(order: PaymentOrder) -> FundingProgram | None:
    """The program the order's money was received into (its `in` or `gift` ledger posting); None when
    nothing was booked."""
    program_id = (
        LedgerEntry.objects.filter(
            transaction__reference__in=[f"sertakan:{order.order_id}:in", f"sertakan:{order.order_id}:gift"],
            account__kind=AccountKind.AVAILABLE,
        )
        .values_list("account__program_id", flat=True)
        .first()
    )
    return None if program_id is None else FundingProgram.objects.select_related("funder").get(pk=program_id)


def line_released(order: PaymentOrder) -> bool:
    """BPJS TK refused the enrolment of the order's months: its line was released (the money went back
    from committed to available) and the months bought no cover."""
    return (
        order.plan_id is not None
        and PlanLine.objects.filter(
            plan_id=order.plan_id, worker_id=order.sponsorship.worker_id, released=True
        ).exists()
    )


def _give_back(order: PaymentOrder, *, changes: RowChangeSet) -> tuple[bool, str]:
    """Undo what the order booked, as far as the money is still there. (given back?, why)."""
    if order.booked_at is None:
        return True, "Dibatalkan penyedia sebelum dibukukan; tidak ada dana yang masuk."
    program = _received_program(order)
    if program is None:
        return True, "Dibatalkan penyedia; tidak ada dana yang dibukukan."
    month = common.current_month()
    reason = "Dikembalikan kepada pembayar."
    if order.state == OrderState.PAID and order.sponsorship.kind != SponsorshipKind.GIFT:
        if line_released(order):
            # BPJS TK refused her: the money is back in available, nothing to take out of a plan.
            reason = "Dikembalikan kepada pembayar; BPJS TK tidak menerima pendaftarannya."
            accounts = ledger.accounts_locked([program.pk])
        else:
            # Locks in the documented order: the plan and her line, then the ledger accounts.
            line = _line_locked(order, program=program)
            accounts = ledger.accounts_locked([program.pk])
            if line is None or not _months_withdraw(
                order, line=line, program=program, accounts=accounts, changes=changes
            ):
                return False, (
                    "Dikembalikan penyedia setelah bulan iuran dikirim ke BPJS TK; perlindungan tetap, "
                    f"{rupiah(order.contribution)} perlu ditagih kembali."
                )
            reason = f"Dikembalikan penyedia; {_months_text(order)} dikeluarkan dari rencana."
    else:
        accounts = ledger.accounts_locked([program.pk])
    available = accounts[(program.pk, AccountKind.AVAILABLE)]
    if available.balance < order.contribution:
        return False, (
            f"Dikembalikan penyedia, tetapi dana sudah terpakai program {program.name}; "
            f"{rupiah(order.contribution)} perlu ditagih kembali."
        )
    common.budget_add(
        program=program,
        amount=-order.contribution,
        reference=f"sertakan:{order.order_id}:reversed",
        memo=f"SERTAKAN {order.order_id} dikembalikan kepada pembayar",
        month=month,
        actor=None,
        accounts=accounts,
        metadata={"reversed": order.order_id, "amount": order.contribution},
    )
    return True, reason


def _line_locked(order: PaymentOrder, *, program) -> PlanLine | None:
    """The order's plan (locked) when still open, and her line of this program in it (locked)."""
    if order.plan_id is None or order.first_month is None:
        return None
    plan = AllocationPlan.objects.select_for_update().get(pk=order.plan_id)
    if plan.status != PlanStatus.APPROVED:
        return None
    return (
        PlanLine.objects.select_for_update(of=("self",))
        .filter(plan=plan, worker_id=order.sponsorship.worker_id, program=program)
        .first()
    )


def _months_text(order: PaymentOrder) -> str:
    last = add_months(order.first_month, order.months - 1)
    if order.months == 1:
        return f"bulan {month_long(order.first_month)}"
    return f"bulan {month_long(order.first_month)}–{month_long(last)}"


def _months_withdraw(
    order: PaymentOrder, *, line: PlanLine, program, accounts: dict, changes: RowChangeSet
) -> bool:
    """Take the order's months out of its (open, locked) plan while they are its line's last months (a
    line is one run of months); release their commitment. False when that is no longer possible."""
    if add_months(line.first_month, line.months - order.months) != order.first_month:
        return False
    last = add_months(order.first_month, order.months - 1)
    months = FundedMonth.objects.filter(line=line, month__gte=order.first_month, month__lte=last)
    if months.filter(paid=True).exists() or months.count() != order.months:
        return False
    where = f"SELECT id FROM {FundedMonth._meta.db_table} WHERE line_id = %s AND month >= %s AND month <= %s"
    changes.before_delete(FUNDED_MONTH_ROWS, where, [line.pk, order.first_month, last])
    months.delete()
    if line.months == order.months:
        changes.before_delete(PLAN_LINE_ROWS, "SELECT %s", [line.pk])
        line.delete()
        removed_line = 1
    else:
        changes.before_update(PLAN_LINE_ROWS, "SELECT %s", [line.pk])
        PlanLine.objects.filter(pk=line.pk).update(
            months=F("months") - order.months, cost=F("cost") - order.contribution
        )
        removed_line = 0
    AllocationPlan.objects.filter(pk=line.plan_id).update(
        funded=F("funded") - removed_line, cost=F("cost") - order.contribution
    )
    ledger.post(
        kind=TransactionKind.RELEASE,
        funder_id=program.funder_id,
        reference=f"sertakan:{order.order_id}:release",
        memo=f"SERTAKAN {order.order_id} dibatalkan: {_months_text(order)} dilepas",
        month=order.first_month,
        actor=None,
        entries=[
            (accounts[(program.pk, AccountKind.COMMITTED)], -order.contribution),
            (accounts[(program.pk, AccountKind.AVAILABLE)], order.contribution),
        ],
    )
    return True


def refund_owed(order: PaymentOrder) -> bool:
    """Money the treasurer owes the payer back: an order listed for refund, a paid order whose months BPJS
    TK refused, or one the provider refunded only in part."""
    if order.state == OrderState.REFUND_DUE:
        return True
    return order.state == OrderState.PAID and (
        order.provider_status == "partial_refund" or line_released(order)
    )


def _recorded(order: PaymentOrder, *, actual_status: str, actor, note: str) -> PaymentOrder:
    if order_reverse(order=order, actual_status=actual_status, actor=actor, note=note) is not True:
        # Another treasurer recorded it a moment ago (or it changed state): say so, record nothing twice.
        raise DomainError("order_not_refund_due", "Pesanan ini sudah dikembalikan atau tidak lagi tercatat.")
    return PaymentOrder.objects.get(pk=order.pk)


def order_refund(*, order: PaymentOrder, actor, transfer_reference: str = "") -> PaymentOrder:
    """The SERTAKAN treasurer gives back money owed to a payer (`refund_owed`): through Midtrans's refund
    API for a card, QRIS or GoPay payment, or by recording the bank transfer the treasurer made
    (`transfer_reference`) for a virtual account, which Midtrans cannot refund, and for what the provider
    refunded only in part (the rest is returned at the provider's dashboard or by transfer). When the
    provider already shows the payment refunded or voided (its notification lost), that is applied."""
    order = PaymentOrder.objects.select_related("sponsorship").get(pk=order.pk)
    if not refund_owed(order):
        raise DomainError("order_not_refund_due", "Pesanan ini tidak tercatat untuk dikembalikan.")
    reference = " ".join(str(transfer_reference or "").replace("\x00", "").split())[:60]
    if order.method not in API_REFUNDABLE or order.provider_status == "partial_refund":
        if len(reference) < 4:
            raise DomainError(
                "transfer_reference_required",
                "Pengembalian ini dicatat dengan bukti transfer bank (virtual account tidak dapat "
                "dikembalikan lewat penyedia, atau penyedia sudah mengembalikan sebagian): isi nomor bukti "
                "transfernya (minimal 4 karakter).",
                field="bukti",
            )
        return _recorded(order, actual_status="refund", actor=actor, note=f"Bukti transfer: {reference}.")
    api = common.midtrans()
    try:
        current = api.status(order.order_id)
        if is_reversal(current):
            answer = current
        # A card's capture not yet settled is voided (cancel); a settled payment is refunded.
        elif current.transaction_status == "capture":
            answer = api.cancel(order.order_id)
        else:
            answer = api.refund(
                order.order_id,
                amount=order.gross_amount,
                reason=(order.failure or "Dana SERTAKAN dikembalikan")[:200],
                refund_key=f"{order.order_id}-refund",
            )
    except ProviderError as error:
        raise DomainError(
            "refund_refused",
            "Penyedia pembayaran tidak dapat memproses pengembalian sekarang "
            f"({error.code}); tidak ada yang berubah. Coba lagi nanti.",
        ) from error
    if not is_reversal(answer):
        raise DomainError(
            "refund_not_confirmed",
            f"Penyedia menjawab status {answer.transaction_status!r}; pengembalian belum tercatat.",
        )
    # The provider's own notification of this refund may have been applied a moment before: either way
    # the order is now reversed once.
    order_reverse(order=order, actual_status=answer.transaction_status, actor=actor)
    return PaymentOrder.objects.get(pk=order.pk)
