"""Payments from funders to BPJS TK against invoices, and the invoices of a plan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.funding import ledger
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PlanLine,
    TransactionKind,
)
from cakupan.funding.services.programs import _is_int

# --- payments -------------------------------------------------------------------------------------


def _invoice_status(invoice: Invoice) -> str:
    if invoice.paid >= invoice.amount:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTIAL if invoice.paid else InvoiceStatus.OPEN


@transaction.atomic
def payment_record(
    *, invoice: Invoice, external_reference: str, amount: int, paid_on: dt.date, actor=None
) -> tuple[Payment, bool]:
    """Record a funder's payment to BPJS TK against an invoice. Returns (payment, created): replaying a
    reference already recorded with the same invoice and amount changes nothing and returns it."""
    reference = (external_reference or "").strip()
    if not reference:
        raise DomainError(
            "payment_reference_required", "Referensi pembayaran wajib diisi.", field="external_reference"
        )
    existing = Payment.objects.filter(external_reference=reference).first()
    if existing is not None:
        if existing.invoice_id == invoice.pk and existing.amount == amount:
            return existing, False
        raise DomainError(
            "payment_reference_conflict",
            f"Referensi {reference} sudah tercatat untuk pembayaran lain ({rupiah(existing.amount)}, tagihan "
            f"{existing.invoice.number}).",
            field="external_reference",
        )
    if not _is_int(amount) or amount < 1:
        raise DomainError(
            "payment_amount_invalid",
            "Jumlah pembayaran harus bilangan bulat rupiah lebih dari 0.",
            field="amount",
        )
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    outstanding = invoice.amount - invoice.paid
    if amount > outstanding:
        raise DomainError(
            "payment_amount_mismatch",
            f"Jumlah {rupiah(amount)} tidak sesuai tagihan {invoice.number}: "
            f"sisa tagihan {rupiah(outstanding)}.",
            field="amount",
        )
    lines = list(InvoiceLine.objects.select_for_update().filter(invoice=invoice).order_by("program_id", "pk"))
    accounts = ledger.accounts_locked([line.program_id for line in lines])
    entries, rest = [], amount
    for line in lines:
        part = min(rest, line.amount - line.paid)
        if part <= 0:
            continue
        line.paid += part
        rest -= part
        entries += [
            (accounts[(line.program_id, AccountKind.COMMITTED)], -part),
            (accounts[(line.program_id, AccountKind.PAID)], part),
        ]
    try:
        with transaction.atomic():
            record = ledger.post(
                kind=TransactionKind.PAYMENT,
                funder_id=invoice.funder_id,
                reference=f"payment:{reference}",
                memo=f"Pembayaran {reference} untuk tagihan {invoice.number}",
                month=paid_on.replace(day=1),
                entries=entries,
                actor=actor,
            )
            payment = Payment.objects.create(
                invoice=invoice,
                external_reference=reference,
                amount=amount,
                paid_on=paid_on,
                transaction=record,
                recorded_by=actor,
            )
    except (IntegrityError, DomainError) as error:
        # A concurrent request recorded the same reference first: answer as a replay.
        existing = Payment.objects.filter(external_reference=reference).first()
        if existing is not None and existing.invoice_id == invoice.pk and existing.amount == amount:
            return existing, False
        raise error
    InvoiceLine.objects.bulk_update(lines, ["paid"])
    invoice.paid += amount
    invoice.status = _invoice_status(invoice)
    invoice.save(update_fields=["paid", "status"])
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=payment,
        region_code=invoice.funder.area_id,
        metadata={"invoice": invoice.number, "amount": amount, "reference": reference},
    )
    return payment, True


def invoices_create(plan: AllocationPlan, *, month: dt.date) -> list[Invoice]:
    """One invoice per funder of the plan, one line per program, from the plan's unreleased lines."""
    from django.db.models import Sum

    rows = (
        PlanLine.objects.filter(plan=plan, released=False)
        .values("program_id", "program__funder_id")
        .annotate(total=Sum("cost"))
        .order_by("program__funder_id", "program_id")
    )
    per_funder: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        per_funder[row["program__funder_id"]].append((row["program_id"], int(row["total"])))
    invoices = []
    for funder_id, parts in per_funder.items():
        invoice = Invoice.objects.create(
            number=f"TAG-{plan.pk:06d}-{funder_id:04d}",
            funder_id=funder_id,
            plan=plan,
            month=month,
            amount=sum(total for _, total in parts),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, program_id=p, amount=t) for p, t in parts
        )
        invoices.append(invoice)
    return invoices
