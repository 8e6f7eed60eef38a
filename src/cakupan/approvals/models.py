"""Maker-checker: a change that needs a second person is submitted as an Approval and decided by someone
else with authority over its region. The subject is named by kind + id string, so imports, allocation
plans and enrolment batches can use it before (and without) a foreign key to their own tables."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cakupan.core.scoping import AreaScopedQuerySet


class ApprovalKind(models.TextChoices):
    WORKER_IMPORT = "worker_import", _("Impor data pekerja")
    ALLOCATION_PLAN = "allocation_plan", _("Rencana alokasi pendanaan")
    ENROLMENT_BATCH = "enrolment_batch", _("Batch pendaftaran BPJS Ketenagakerjaan")
    LITERACY_CAMPAIGN = "literacy_campaign", _("Kampanye sosialisasi")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu persetujuan")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")
    CANCELLED = "cancelled", _("Dibatalkan pengaju")


class ApprovalQuerySet(AreaScopedQuerySet):
    area_lookup = "region_code"

    def pending(self) -> ApprovalQuerySet:
        return self.filter(status=ApprovalStatus.PENDING)


class Approval(models.Model):
    kind = models.CharField(_("jenis"), max_length=24, choices=ApprovalKind.choices)
    subject_id = models.CharField(_("ID yang diajukan"), max_length=64)
    title = models.CharField(_("judul"), max_length=200)
    payload = models.JSONField(_("ringkasan"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diajukan oleh"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("diajukan pada"), default=timezone.now)
    # Whoever closed it: the checker for approved/rejected, the submitter for cancelled.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diputuskan oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    reason = models.TextField(_("alasan"), blank=True)
    # A region code (province "36" for province-wide work): who may decide and who may see it.
    region_code = models.CharField(_("kode wilayah"), max_length=13, db_index=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("persetujuan")
        verbose_name_plural = _("persetujuan")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # Idempotent submission: the database, not a check-then-insert, guarantees one open request.
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=models.Q(status="pending"),
                name="approval_one_pending_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (
                    ~models.Q(status="pending") & models.Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="approval_decision_matches_status",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reason=""),
                name="approval_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "rejected", "cancelled"]),
                name="approval_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_id}: {self.title} ({self.get_status_display()})"
