"""Whom they fund: allocation plans, their lines, and funded worker-months."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from cakupan.core.dbfunctions import DayOfMonth
from cakupan.funding.models.programs import FundingProgram


class PlanStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu persetujuan")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")
    CANCELLED = "cancelled", _("Dibatalkan")
    BATCHED = "batched", _("Batch pendaftaran dibuat")


class PlanKind(models.TextChoices):
    ALLOCATION = "allocation", _("Alokasi")
    RENEWAL = "renewal", _("Perpanjangan (siklus bulanan)")


class AllocationPlan(models.Model):
    kind = models.CharField(_("jenis"), max_length=10, choices=PlanKind.choices, default=PlanKind.ALLOCATION)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices)
    programs = models.ManyToManyField(FundingProgram, verbose_name=_("program"), related_name="plans")
    region_code = models.CharField(_("kode wilayah"), max_length=13)
    funded = models.PositiveIntegerField(_("pekerja didanai"), default=0)
    cost = models.PositiveBigIntegerField(_("biaya (Rp)"), default=0)
    objective = models.FloatField(_("nilai prioritas"), default=0)
    upper_bound = models.FloatField(_("batas atas"), default=0)
    gap_pct = models.FloatField(_("selisih dari batas atas (%)"), default=0)
    seconds = models.FloatField(_("durasi (detik)"), default=0)
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)

    class Meta:
        verbose_name = _("rencana alokasi")
        verbose_name_plural = _("rencana alokasi")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Rencana #{self.pk} ({self.get_status_display()})"


class PlanLine(models.Model):
    """One worker funded by one program for `months` months from `first_month`."""

    plan = models.ForeignKey(
        AllocationPlan, verbose_name=_("rencana"), on_delete=models.CASCADE, related_name="lines"
    )
    program = models.ForeignKey(
        FundingProgram, verbose_name=_("program"), on_delete=models.PROTECT, related_name="lines"
    )
    worker = models.ForeignKey(
        "registry.Worker", verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="+"
    )
    desa = models.ForeignKey(
        "regions.Region", verbose_name=_("desa/kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    first_month = models.DateField(_("bulan pertama"))
    months = models.PositiveSmallIntegerField(_("jumlah bulan"))
    cost = models.PositiveBigIntegerField(_("biaya (Rp)"))
    weight = models.FloatField(_("bobot prioritas"))
    released = models.BooleanField(_("dana dilepas"), default=False)

    class Meta:
        verbose_name = _("baris rencana")
        verbose_name_plural = _("baris rencana")
        constraints = [
            models.UniqueConstraint(fields=["plan", "worker"], name="planline_one_per_worker"),
            models.CheckConstraint(condition=models.Q(cost__gte=1), name="planline_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} × {self.program_id}: {self.months} bln"


class FundedMonth(models.Model):
    """One worker-month paid by a program. UNIQUE(worker, month): never funded twice."""

    worker = models.ForeignKey(
        "registry.Worker", verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("bulan"))
    program = models.ForeignKey(
        FundingProgram, verbose_name=_("program"), on_delete=models.PROTECT, related_name="funded_months"
    )
    line = models.ForeignKey(
        PlanLine, verbose_name=_("baris rencana"), on_delete=models.CASCADE, related_name="funded_months"
    )
    cost = models.PositiveBigIntegerField(_("iuran (Rp)"))
    # A funded month protects only once its contribution is paid to BPJS TK: until then it is "didanai,
    # menunggu pembayaran". Payments mark a plan's months paid in order of month (see services.payments).
    paid = models.BooleanField(_("sudah dibayar"), default=False, db_default=False)
    # The day the payment that paid it was made (the payment's date, not when it was recorded): field
    # agents' commission counts contributions collected in a calendar month.
    paid_on = models.DateField(_("tanggal dibayar"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulan didanai")
        verbose_name_plural = _("bulan didanai")
        constraints = [
            models.UniqueConstraint(fields=["worker", "month"], name="fundedmonth_worker_month_once"),
            models.CheckConstraint(
                condition=models.Q(Exact(DayOfMonth("month"), 1)), name="fundedmonth_first_of_month"
            ),
        ]
        indexes = [models.Index(fields=["program", "month"], name="fundedmonth_program_month")]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.month:%Y-%m}"
