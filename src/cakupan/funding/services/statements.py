"""A bank statement (mutasi rekening) uploaded by a funder's treasurer: its outgoing transfers matched to
the funder's open invoices by the invoice number in the transfer's description and by amount, checked
first and then recorded as payments, all of them or none."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import bank_statement
from cakupan.funding.models import Funder, Invoice, Payment
from cakupan.funding.services.payments import payment_record

STATEMENT_MAX_BYTES = 10 * 1024 * 1024


@dataclass
class StatementCheck:
    sha256: str
    layout: str
    lines: int
    matched: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    already: list[dict] = field(default_factory=list)  # recorded before: uploading again changes nothing
    credits: int = 0  # money into the account: not payments to BPJS TK

    @property
    def total(self) -> int:
        return sum(row["amount"] for row in self.matched)


def _reference(layout: str, line: bank_statement.StatementLine, seen: dict[str, int]) -> str:
    """The payment's reference: the bank's own when the layout has one, otherwise a key made from the
    line, numbered when the statement holds the same line twice."""
    base = line.reference.strip() if line.reference.strip() else f"MUTASI-{layout.upper()}-{line.key}"
    base = base[:76]
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"


def bank_statement_check(*, funder: Funder, content: bytes, actor) -> StatementCheck:
    """Read the statement and say, line by line, which invoice each outgoing transfer pays. Changes
    nothing."""
    if len(content) > STATEMENT_MAX_BYTES:
        raise DomainError("statement_too_large", "Berkas mutasi lebih dari 10 MB; bagi per bulan.")
    try:
        layout, lines = bank_statement.read_statement(content)
    except bank_statement.StatementError as error:
        raise DomainError(error.code, error.message, field="file") from error
    check = StatementCheck(sha256=hashlib.sha256(content).hexdigest(), layout=layout.label, lines=len(lines))
    found_in = {
        line.number: bank_statement.invoice_numbers(f"{line.description} {line.reference}") for line in lines
    }
    numbers = {number for found in found_in.values() for number in found}
    invoices = {
        invoice.number: invoice
        for invoice in Invoice.objects.filter(number__in=sorted(numbers)).select_related("funder")
    }
    references: dict[str, int] = {}
    outstanding = {number: invoice.amount - invoice.paid for number, invoice in invoices.items()}
    today = timezone.localdate()
    for line in lines:
        if line.credit and not line.debit and not line.problem:
            check.credits += 1
            continue
        row = {
            "line": line.number,
            "date": line.date,
            "description": line.description,
            "amount": line.debit,
            "invoice": "",
        }
        found = found_in[line.number]
        reason = line.problem
        invoice = None
        if not reason and not found:
            reason = "Tidak ada nomor tagihan (TAG-…) di keterangan transfer."
        elif not reason and len(found) > 1:
            reason = f"Satu transfer menyebut {len(found)} tagihan ({', '.join(found)}); catat manual."
        elif not reason:
            row["invoice"] = found[0]
            invoice = invoices.get(found[0])
            if invoice is None:
                reason = f"Tagihan {found[0]} tidak ada."
            elif invoice.funder_id != funder.pk:
                reason = f"Tagihan {found[0]} milik pemberi dana lain."
            elif not authz.can(actor, authz.PAYMENT_RECORD, invoice):
                reason = f"Peran Anda tidak dapat mencatat pembayaran tagihan {found[0]}."
            elif line.date > today:
                reason = "Tanggal transfer sesudah hari ini."
        if reason:
            check.unmatched.append({**row, "reason": reason})
            continue
        reference = _reference(layout.key, line, references)
        row["reference"] = reference
        existing = Payment.objects.filter(external_reference=reference).select_related("invoice").first()
        if existing is not None:
            if existing.invoice_id == invoice.pk and existing.amount == line.debit:
                check.already.append(row)
            else:
                reason = f"Referensi {reference} sudah tercatat untuk tagihan {existing.invoice.number}."
                check.unmatched.append({**row, "reason": reason})
            continue
        if line.debit > outstanding[invoice.number]:
            check.unmatched.append(
                {
                    **row,
                    "reason": f"Jumlah {rupiah(line.debit)} melebihi sisa tagihan {invoice.number} "
                    f"({rupiah(outstanding[invoice.number])}).",
                }
            )
            continue
        outstanding[invoice.number] -= line.debit
        check.matched.append({**row, "invoice_id": invoice.pk})
    return check


def _statement_folder() -> Path:
    folder = Path(settings.VAR_DIR) / "bank-statements"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bank_statement_store(content: bytes) -> str:
    """Keep a checked statement by its SHA-256: the import applies exactly this file, and each payment
    matched from it names it as its proof."""
    sha = hashlib.sha256(content).hexdigest()
    path = _statement_folder() / f"{sha}.csv"
    if not path.exists():
        path.write_bytes(content)
    return sha


def bank_statement_stored(sha256: str) -> bytes:
    path = _statement_folder() / f"{sha256}.csv"
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256) or not path.exists():
        raise DomainError("statement_not_checked", "Berkas mutasi itu belum diperiksa; unggah ulang.")
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != sha256:
        raise DomainError("statement_not_checked", "Berkas mutasi yang tersimpan rusak; unggah ulang.")
    return content


def bank_statement_import(*, funder: Funder, sha256: str, actor) -> list[Payment]:
    """Record every matched transfer of the checked statement as a payment, in one transaction. If any
    line no longer matches as it did when checked (an invoice paid meanwhile), nothing is recorded."""
    content = bank_statement_stored(sha256)
    check = bank_statement_check(funder=funder, content=content, actor=actor)
    if not check.matched:
        raise DomainError(
            "statement_nothing_matched", "Tidak ada transfer di mutasi ini yang cocok dengan tagihan terbuka."
        )
    path = str(_statement_folder() / f"{sha256}.csv")
    payments, desa = [], set()
    with transaction.atomic():
        for row in check.matched:
            invoice = Invoice.objects.get(pk=row["invoice_id"])
            payment, created = payment_record(
                invoice=invoice,
                external_reference=row["reference"],
                amount=row["amount"],
                paid_on=row["date"],
                actor=actor,
                proof_stored=(path, sha256),
                touched_desa=desa,
            )
            if not created:
                raise DomainError(
                    "statement_changed",
                    f"Baris {row['line']} sudah dicatat orang lain sejak diperiksa; periksa ulang mutasinya.",
                )
            payments.append(payment)
    if desa:
        coverage_refresh(desa_codes=sorted(desa))
    return payments
