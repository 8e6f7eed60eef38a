"""`cakupan payment record`: a funder's transfer to BPJS TK against an invoice. The external reference
(the bank's or BPJS TK's) is unique: recording it again changes nothing and says so."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.funding.cli import actor_for, write_result
from cakupan.funding.models import Invoice
from cakupan.funding.services import payment_record


class Command(BaseCommand):
    help = "Catat pembayaran pemberi dana ke BPJS Ketenagakerjaan untuk sebuah tagihan."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="AKSI")
        record = sub.add_parser("record", help="Catat satu pembayaran (boleh sebagian).")
        record.add_argument("--invoice", required=True, help="nomor tagihan")
        record.add_argument("--reference", required=True, help="referensi pembayaran (unik)")
        record.add_argument("--amount", required=True, help="jumlah dalam rupiah, bilangan bulat")
        record.add_argument("--paid-on", default=None, help="tanggal bayar TTTT-BB-HH (bawaan: hari ini)")
        record.add_argument("--user", default=None, help="petugas yang mencatat (bawaan: administrator)")
        record.add_argument("--json", action="store_true", help="keluaran satu objek JSON")

    def handle(self, *args, action, **options):
        write_result(self, self._record, options)

    def _record(self, options) -> dict:
        invoice = Invoice.objects.filter(number=options["invoice"]).first()
        if invoice is None:
            raise DomainError("invoice_unknown", f"Tagihan {options['invoice']} tidak ada.", field="invoice")
        amount_text = str(options["amount"]).strip()
        if not amount_text.isdigit():
            raise DomainError(
                "payment_amount_invalid",
                f"Jumlah '{amount_text}' tidak sah: tulis rupiah sebagai bilangan bulat tanpa titik.",
                field="amount",
            )
        try:
            paid_on = (
                dt.date.fromisoformat(options["paid_on"]) if options["paid_on"] else timezone.localdate()
            )
        except ValueError as error:
            raise DomainError(
                "paid_on_invalid",
                f"Tanggal bayar '{options['paid_on']}' tidak sah: pakai TTTT-BB-HH.",
                field="paid_on",
            ) from error
        payment, created = payment_record(
            invoice=invoice,
            external_reference=options["reference"],
            amount=int(amount_text),
            paid_on=paid_on,
            actor=actor_for(options["user"]),
        )
        invoice.refresh_from_db()
        if created:
            text = (
                f"Pembayaran {payment.external_reference} {rupiah(payment.amount)} tercatat untuk tagihan "
                f"{invoice.number}."
            )
        else:
            text = (
                f"Pembayaran dengan referensi {payment.external_reference} sudah tercatat sebelumnya; "
                "tidak ada yang berubah."
            )
        text += f" Sisa tagihan {rupiah(invoice.amount - invoice.paid)}."
        return {
            "payment": payment.pk,
            "created": created,
            "invoice": invoice.number,
            "amount": payment.amount,
            "invoice_amount": invoice.amount,
            "invoice_paid": invoice.paid,
            "outstanding": invoice.amount - invoice.paid,
            "text": text,
        }
