"""Payments from funders to BPJS TK against invoices, and the invoices of a plan."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.coverage.services import coverage_refresh
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
from cakupan.funding.services.cover import funded_months_mark_paid, memberships_extend_to_paid
from cakupan.funding.services.programs import _is_int
from cakupan.rules.engine import Month, due_date

# --- payments -------------------------------------------------------------------------------------


def _invoice_status(invoice: Invoice) -> str:
    if invoice.paid >= invoice.amount:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTIAL if invoice.paid else InvoiceStatus.OPEN


# A proof of transfer: a PDF or a photo of the receipt, recognised by its first bytes, not its name.
PROOF_MAX_BYTES = 5 * 1024 * 1024
PROOF_KINDS = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"))


def _proof_store(content: bytes) -> tuple[str, str]:
    """Keep the proof under VAR_DIR by its SHA-256 (a second upload of the same file is the same file)."""
    if len(content) > PROOF_MAX_BYTES:
        raise DomainError("payment_proof_too_large", "Bukti bayar paling besar 5 MB.", field="proof")
    kind = next((ext for magic, ext in PROOF_KINDS if content.startswith(magic)), None)
    if kind is None:
        raise DomainError("payment_proof_type", "Bukti bayar harus berkas PDF, JPG atau PNG.", field="proof")
    sha = hashlib.sha256(content).hexdigest()
    folder = Path(settings.VAR_DIR) / "payment-proofs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha}.{kind}"
    if not path.exists():
        path.write_bytes(content)
    return str(path), sha


def payment_record(
    *,
    invoice: Invoice,
    external_reference: str,
    amount: int,
    paid_on: dt.date,
    actor=None,
    proof: bytes | None = None,
    proof_stored: tuple[str, str] | None = None,
    touched_desa: set[str] | None = None,
) -> tuple[Payment, bool]:
    """Record a funder's payment to BPJS TK against an invoice. Returns (payment, created): replaying a
    reference already recorded with the same invoice and amount changes nothing and returns it. `proof`
    is the transfer receipt (PDF/JPG/PNG, up to 5 MB); the web form asks for it. `proof_stored` is a proof
    already kept (path, SHA-256): the bank statement a payment was matched from.

    Coverage is refreshed after the transaction, not under the invoice and ledger locks. A caller that
    records several payments in its own transaction passes `touched_desa`, gets the desa codes added to
    it, and refreshes them itself after its commit."""
    desa: list[str] = []
    with transaction.atomic():
        result = _payment_record_locked(
            invoice=invoice, external_reference=external_reference, amount=amount, paid_on=paid_on,
            actor=actor, proof=proof, proof_stored=proof_stored, desa=desa,
        )  # fmt: skip
    if touched_desa is not None:
        touched_desa.update(desa)
    elif desa:
        coverage_refresh(desa_codes=desa)
    return result


def _payment_record_locked(
    *,
    invoice: Invoice,
    external_reference: str,
    amount: int,
    paid_on: dt.date,
    actor,
    proof: bytes | None,
    proof_stored: tuple[str, str] | None,
    desa: list[str],
) -> tuple[Payment, bool]:
    if actor is not None and not authz.can(actor, authz.PAYMENT_RECORD, invoice):
        raise DomainError(
            "payment_not_allowed",
            f"Pembayaran tagihan {invoice.number} dicatat oleh petugas pemberi dananya; peran Anda tidak "
            "dapat mencatatnya.",
        )
    reference = (external_reference or "").strip()
    if not reference:
        raise DomainError(
            "payment_reference_required", "Referensi pembayaran wajib diisi.", field="external_reference"
        )
    if len(reference) > 80:
        raise DomainError(
            "payment_reference_too_long", "Referensi pembayaran paling panjang 80 karakter.",
            field="external_reference",
        )  # fmt: skip
    if not isinstance(paid_on, dt.date) or paid_on > timezone.localdate():
        raise DomainError(
            "payment_date_future", "Tanggal bayar tidak boleh sesudah hari ini.", field="paid_on"
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
    proof_path, proof_sha = proof_stored or (_proof_store(proof) if proof else ("", ""))
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
                proof_path=proof_path,
                proof_sha256=proof_sha,
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
    # What the money pays for: the plan's worker-months within each line's paid total, then the members'
    # paid-through months. Only now do those months count as cover.
    changes = RowChangeSet()
    months_paid = sum(
        funded_months_mark_paid(
            plan_id=invoice.plan_id,
            program_id=line.program_id,
            paid_amount=line.paid,
            paid_on=paid_on,
            changes=changes,
        )
        for line in lines
    )
    desa += memberships_extend_to_paid(
        plan=invoice.plan, current_month=timezone.localdate().replace(day=1), changes=changes
    )
    event = audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=payment,
        region_code=invoice.funder.area_id,
        metadata={
            "invoice": invoice.number,
            "amount": amount,
            "reference": reference,
            **({"proof_sha256": proof_sha} if proof_sha else {}),
            "months_paid": months_paid,
        },
    )
    changes.write(event)
    return payment, True


def invoices_create(plan: AllocationPlan, *, month: dt.date) -> list[Invoice]:
    """One invoice per funder of the plan, one line per program, from the plan's unreleased lines; due like
    the contributions it pays, by the 15th of its first month or the next working day (rules §2.4)."""
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
            due_on=due_date(Month.of(month)),
            amount=sum(total for _, total in parts),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, program_id=p, amount=t) for p, t in parts
        )
        invoices.append(invoice)
    return invoices
