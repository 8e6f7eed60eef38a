"""`cakupan batch create|check|send|ack`: an approved plan becomes BPJS TK's enrolment batch, a second
person checks it (which makes an invoice per funder), BPJS TK's liaison takes the file, and BPJS TK's
acknowledgement file is applied to it. The same steps as the batch page `/dana/batch/N/`."""

from pathlib import Path

from django.core.management.base import BaseCommand

from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.approvals.services import approval_approve, approval_reject
from cakupan.core.errors import DomainError
from cakupan.core.formatting import number, rupiah
from cakupan.funding.cli import actor_for, write_result
from cakupan.funding.enrolment import enrolment_ack_import, enrolment_batch_create, enrolment_batch_send
from cakupan.funding.models import AllocationPlan, EnrolmentBatch, Invoice


class Command(BaseCommand):
    help = (
        "Batch pendaftaran kolektif BPJS TK: buat dari rencana yang disetujui, periksa, kirim (unduh), "
        "terapkan tanggapan."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="AKSI")
        create = sub.add_parser("create", help="Buat berkas batch dari rencana yang disetujui dan ajukan.")
        create.add_argument("--plan", required=True, type=int, help="nomor rencana alokasi")
        create.add_argument("--xlsx", action="store_true", help="juga tulis berkas XLSX")
        check = sub.add_parser("check", help="Periksa batch: setujui (membuat tagihan) atau kembalikan.")
        check.add_argument("--batch", required=True, type=int, help="nomor batch")
        check.add_argument("--return", dest="reason", default=None, metavar="ALASAN", help="kembalikan batch")
        send = sub.add_parser("send", help="Ambil berkas batch yang sudah diperiksa (petugas BPJS TK).")
        send.add_argument("--batch", required=True, type=int, help="nomor batch")
        ack = sub.add_parser("ack", help="Terapkan berkas tanggapan BPJS TK (KPJ, diterima/ditolak).")
        ack.add_argument("--batch", required=True, type=int, help="nomor batch")
        ack.add_argument("file", type=Path, help="berkas CSV tanggapan")
        for parser_ in (create, check, send, ack):
            parser_.add_argument(
                "--user", default=None, help="petugas yang bertindak (bawaan: administrator)"
            )
            parser_.add_argument("--json", action="store_true", help="keluaran satu objek JSON")

    def handle(self, *args, action, **options):
        steps = {"create": self._create, "check": self._check, "send": self._send, "ack": self._ack}
        write_result(self, steps[action], options)

    @staticmethod
    def _batch(options) -> EnrolmentBatch:
        batch = EnrolmentBatch.objects.select_related("plan").filter(pk=options["batch"]).first()
        if batch is None:
            raise DomainError("batch_unknown", f"Batch #{options['batch']} tidak ada.", field="batch")
        return batch

    def _create(self, options) -> dict:
        plan = AllocationPlan.objects.filter(pk=options["plan"]).first()
        if plan is None:
            raise DomainError("plan_unknown", f"Rencana #{options['plan']} tidak ada.", field="plan")
        batch = enrolment_batch_create(plan=plan, actor=actor_for(options["user"]), xlsx=options["xlsx"])
        return {
            "batch": batch.pk,
            "rows": batch.rows,
            "status": batch.status,
            "file": batch.file_path,
            "sha256": batch.file_sha256,
            "format_version": batch.format_version,
            "text": f"Batch #{batch.pk}: {number(batch.rows)} baris, berkas {batch.file_path}; menunggu "
            "pemeriksaan oleh petugas lain (cakupan batch check).",
        }

    def _check(self, options) -> dict:
        batch = self._batch(options)
        approval = Approval.objects.filter(
            kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk), status=ApprovalStatus.PENDING
        ).first()
        if approval is None:
            raise DomainError("batch_not_checking", f"Batch #{batch.pk} tidak sedang menunggu pemeriksaan.")
        actor = actor_for(options["user"])
        if options["reason"] is not None:
            approval_reject(approval=approval, approver=actor, reason=options["reason"])
            batch.refresh_from_db()
            text = f"Batch #{batch.pk} dikembalikan; rencana #{batch.plan_id} dapat dibuatkan batch baru."
            return {"batch": batch.pk, "status": batch.status, "invoices": [], "text": text}
        approval_approve(approval=approval, approver=actor, file_sha256=batch.file_sha256)
        batch.refresh_from_db()
        invoices = [
            {
                "number": i.number,
                "funder": i.funder.name,
                "month": f"{i.month:%Y-%m}",
                "due_on": i.due_on.isoformat() if i.due_on else None,
                "amount": i.amount,
            }
            for i in Invoice.objects.filter(plan=batch.plan).select_related("funder").order_by("number")
        ]
        lines = [f"Batch #{batch.pk} diperiksa: siap diunduh BPJS TK."]
        lines += [
            f"  tagihan {i['number']} {i['funder']}: {rupiah(i['amount'])}, jatuh tempo {i['due_on']}"
            for i in invoices
        ]
        return {"batch": batch.pk, "status": batch.status, "invoices": invoices, "text": "\n".join(lines)}

    def _send(self, options) -> dict:
        batch = enrolment_batch_send(batch=self._batch(options), actor=actor_for(options["user"]))
        return {
            "batch": batch.pk,
            "status": batch.status,
            "file": batch.file_path,
            "sent_at": batch.sent_at.isoformat() if batch.sent_at else None,
            "text": f"Batch #{batch.pk}: berkas {batch.file_path} ({batch.get_status_display()}).",
        }

    def _ack(self, options) -> dict:
        batch = self._batch(options)
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
