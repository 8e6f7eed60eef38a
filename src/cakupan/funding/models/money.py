"""Enrolment batches for BPJS TK, invoices, payments and the monthly cycle's runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cakupan.funding.models.funders import Funder
from cakupan.funding.models.ledger import LedgerTransaction
from cakupan.funding.models.plans import AllocationPlan, PlanLine
from cakupan.funding.models.programs import FundingProgram


class BatchStatus(models.TextChoices):
    # Maker-checker: a batch is made from an approved plan, checked by a second person, and only then
    # offered to BPJS TK's liaison; "sent" means the liaison downloaded it (who and when are kept).
    CHECKING = "checking", _("Menunggu pemeriksaan")
    READY = "ready", _("Diperiksa, siap diunduh BPJS TK")
    SENT = "sent", _("Diunduh BPJS TK, menunggu tanggapan")
    ACKNOWLEDGED = "acknowledged", _("Tanggapan BPJS TK diterima")
    RETURNED = "returned", _("Dikembalikan pemeriksa")


class EnrolmentBatch(models.Model):
    # A plan has one live batch; a batch the checker returned stays as history and the plan gets another.
    plan = models.ForeignKey(
        AllocationPlan, verbose_name=_("rencana"), on_delete=models.PROTECT, related_name="batches"
    )
    format_version = models.CharField(_("versi format"), max_length=10)
    status = models.CharField(_("status"), max_length=14, choices=BatchStatus.choices)
    rows = models.PositiveIntegerField(_("baris"))
    accepted = models.PositiveIntegerField(_("diterima"), default=0)
    rejected = models.PositiveIntegerField(_("ditolak"), default=0)
    file_path = models.CharField(_("berkas"), max_length=500)
    file_sha256 = models.CharField(_("sidik SHA-256"), max_length=64)
    ack_sha256 = models.CharField(_("sidik berkas tanggapan"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunduh oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("diunduh"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("tanggapan diterima"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch pendaftaran")
        verbose_name_plural = _("batch pendaftaran")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=~models.Q(status="returned"), name="batch_one_live_per_plan"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=BatchStatus.values), name="batch_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Batch #{self.pk} ({self.rows} baris)"


class RowStatus(models.TextChoices):
    SENT = "sent", _("Dikirim")
    ACCEPTED = "accepted", _("Diterima")
    REJECTED = "rejected", _("Ditolak")


class EnrolmentRow(models.Model):
    batch = models.ForeignKey(
        EnrolmentBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="batch_rows"
    )
    row_number = models.PositiveIntegerField(_("nomor baris"))
    line = models.OneToOneField(
        PlanLine, verbose_name=_("baris rencana"), on_delete=models.PROTECT, related_name="enrolment_row"
    )
    status = models.CharField(_("status"), max_length=8, choices=RowStatus.choices, default=RowStatus.SENT)
    kpj = models.CharField(_("nomor KPJ"), max_length=11, blank=True)
    reason = models.CharField(_("alasan penolakan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("baris batch pendaftaran")
        verbose_name_plural = _("baris batch pendaftaran")
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="enrolmentrow_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.row_number} {self.status}"


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Belum dibayar")
    PARTIAL = "partial", _("Dibayar sebagian")
    PAID = "paid", _("Lunas")


class Invoice(models.Model):
    """What a funder owes BPJS TK for a batch (or a month's renewals), with one line per program."""

    number = models.CharField(_("nomor tagihan"), max_length=40, unique=True)
    funder = models.ForeignKey(
        Funder, verbose_name=_("pemberi dana"), on_delete=models.PROTECT, related_name="invoices"
    )
    plan = models.ForeignKey(
        AllocationPlan, verbose_name=_("rencana"), on_delete=models.PROTECT, related_name="invoices"
    )
    month = models.DateField(_("bulan tagihan"))
    # BPU contributions are due by the 15th of the month paid for, or the next working day (rules §2.4).
    due_on = models.DateField(_("jatuh tempo"), null=True, blank=True)
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    paid = models.PositiveBigIntegerField(_("dibayar (Rp)"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("tagihan")
        verbose_name_plural = _("tagihan")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "funder"], name="invoice_one_per_plan_funder"),
            models.CheckConstraint(
                condition=models.Q(paid__lte=models.F("amount")), name="invoice_not_overpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("tagihan"), on_delete=models.CASCADE, related_name="lines"
    )
    program = models.ForeignKey(
        FundingProgram, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    paid = models.PositiveBigIntegerField(_("dibayar (Rp)"), default=0)

    class Meta:
        verbose_name = _("baris tagihan")
        verbose_name_plural = _("baris tagihan")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "program"], name="invoiceline_one_per_program"),
            models.CheckConstraint(
                condition=models.Q(paid__lte=models.F("amount")), name="invoiceline_not_overpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.program_id}: {self.amount}"


class Payment(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("tagihan"), on_delete=models.PROTECT, related_name="payments"
    )
    external_reference = models.CharField(_("referensi pembayaran"), max_length=80, unique=True)
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    paid_on = models.DateField(_("tanggal bayar"))
    # Proof of transfer (a PDF or photo), stored under VAR_DIR by its SHA-256; optional for the CLI.
    proof_path = models.CharField(_("bukti bayar"), max_length=500, blank=True)
    proof_sha256 = models.CharField(_("sidik bukti bayar"), max_length=64, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, verbose_name=_("transaksi"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pembayaran")
        verbose_name_plural = _("pembayaran")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=1), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.external_reference}: {self.amount}"


class CycleRun(models.Model):
    """One monthly cycle; UNIQUE(month) makes a second run of the same month a no-op."""

    month = models.DateField(_("bulan"), unique=True)
    summary = models.JSONField(_("ringkasan"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dijalankan"), auto_now_add=True)

    class Meta:
        verbose_name = _("siklus bulanan")
        verbose_name_plural = _("siklus bulanan")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Siklus {self.month:%Y-%m}"
