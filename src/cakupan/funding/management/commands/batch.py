"""`cakupan batch create|ack`: an approved plan becomes BPJS TK's enrolment batch (with an invoice per
funder), and BPJS TK's acknowledgement file is applied to it."""

from pathlib import Path

from django.core.management.base import BaseCommand

from cakupan.core.errors import DomainError
from cakupan.core.formatting import number, rupiah
from cakupan.funding.cli import actor_for, write_result
from cakupan.funding.enrolment import enrolment_ack_import, enrolment_batch_create
from cakupan.funding.models import AllocationPlan, EnrolmentBatch, Invoice


class Command(BaseCommand):
    help = "Batch pendaftaran kolektif BPJS TK: buat dari rencana yang disetujui, terapkan tanggapan."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="AKSI")
        create = sub.add_parser("create", help="Buat berkas batch dan tagihan dari rencana yang disetujui.")
        create.add_argument("--plan", required=True, type=int, help="nomor rencana alokasi")
        create.add_argument("--xlsx", action="store_true", help="juga tulis berkas XLSX")
        create.add_argument("--user", default=None, help="petugas yang membuat (bawaan: administrator)")
        create.add_argument("--json", action="store_true", help="keluaran satu objek JSON")
        ack = sub.add_parser("ack", help="Terapkan berkas tanggapan BPJS TK (KPJ, diterima/ditolak).")
        ack.add_argument("--batch", required=True, type=int, help="nomor batch")
        ack.add_argument("file", type=Path, help="berkas CSV tanggapan")
        ack.add_argument("--user", default=None, help="petugas yang menerapkan (bawaan: administrator)")
        ack.add_argument("--json", action="store_true", help="keluaran satu objek JSON")

    def handle(self, *args, action, **options):
        write_result(self, self._create if action == "create" else self._ack, options)

    def _create(self, options) -> dict:
        plan = AllocationPlan.objects.filter(pk=options["plan"]).first()
        if plan is None:
            raise DomainError("plan_unknown", f"Rencana #{options['plan']} tidak ada.", field="plan")
        batch = enrolment_batch_create(plan=plan, actor=actor_for(options["user"]), xlsx=options["xlsx"])
        invoices = [
            {"number": i.number, "funder": i.funder.name, "month": f"{i.month:%Y-%m}", "amount": i.amount}
            for i in Invoice.objects.filter(plan=plan).select_related("funder").order_by("number")
        ]
        lines = [f"Batch #{batch.pk}: {number(batch.rows)} baris, berkas {batch.file_path}"]
        lines += [f"  tagihan {i['number']} {i['funder']}: {rupiah(i['amount'])}" for i in invoices]
        return {
            "batch": batch.pk,
            "rows": batch.rows,
            "file": batch.file_path,
            "format_version": batch.format_version,
            "invoices": invoices,
            "text": "\n".join(lines),
        }

    def _ack(self, options) -> dict:
        batch = EnrolmentBatch.objects.filter(pk=options["batch"]).first()
        if batch is None:
            raise DomainError("batch_unknown", f"Batch #{options['batch']} tidak ada.", field="batch")
        try:
            content = options["file"].read_bytes()
        except OSError as error:
            raise DomainError(
                "file_unreadable",
                f"Berkas {options['file']} tidak dapat dibaca: {error.strerror}.",
                field="file",
            ) from error
        counts = enrolment_ack_import(batch=batch, content=content, actor=actor_for(options["user"]))
        text = (
            f"Batch #{batch.pk}: {number(counts['applied'])} baris diterapkan; "
            f"diterima {number(counts['accepted'])}, ditolak {number(counts['rejected'])}, "
            f"menunggu {number(counts['pending'])}."
        )
        if not counts["applied"]:
            text = f"Tanggapan ini sudah diterapkan; tidak ada yang berubah. {text}"
        return {**counts, "text": text}
