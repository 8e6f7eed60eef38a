"""What one funder pays for: programs with a budget, a package, months of cover and eligibility."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from cakupan.core.dbfunctions import DayOfMonth
from cakupan.core.scoping import AreaScopedQuerySet
from cakupan.funding.models.funders import Funder


class ProgramStatus(models.TextChoices):
    ACTIVE = "active", _("Aktif")
    CLOSED = "closed", _("Ditutup")


class AllocationPolicy(models.TextChoices):
    # Values are cakupan.allocation.policy's VULNERABLE_FIRST and MOST_PEOPLE (a test holds them equal).
    VULNERABLE_FIRST = "rentan_dulu", _("Paling rentan dulu")
    MOST_PEOPLE = "terbanyak", _("Terbanyak per rupiah")


class FundingProgramQuerySet(AreaScopedQuerySet):
    area_lookup = "funder__area__code"


class FundingProgram(models.Model):
    """What one funder pays for: a budget, a package, months of cover and who is eligible."""

    funder = models.ForeignKey(
        Funder, verbose_name=_("pemberi dana"), on_delete=models.PROTECT, related_name="programs"
    )
    name = models.CharField(_("nama program"), max_length=200)
    budget = models.PositiveBigIntegerField(_("anggaran (Rp)"))
    fiscal_year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    # Package: JKK and JKM always (mandatory for BPU), JHT optional; declared at one income level.
    jht = models.BooleanField(_("termasuk JHT"), default=False)
    income_level = models.PositiveBigIntegerField(_("tingkat penghasilan (Rp)"), default=1_000_000)
    months = models.PositiveSmallIntegerField(_("jumlah bulan perlindungan"), default=12)
    start_month = models.DateField(_("bulan mulai"))
    # Eligibility. Empty lists mean "no restriction" (areas: the funder's whole area).
    areas = models.JSONField(_("wilayah sasaran (kode)"), default=list, blank=True)
    sectors = models.JSONField(_("sektor sasaran"), default=list, blank=True)
    decile_min = models.PositiveSmallIntegerField(_("desil terendah"), null=True, blank=True)
    decile_max = models.PositiveSmallIntegerField(_("desil tertinggi"), null=True, blank=True)
    age_min = models.PositiveSmallIntegerField(_("umur terendah"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("umur tertinggi"), null=True, blank=True)
    informal_only = models.BooleanField(_("hanya pekerja informal"), default=True)
    uncovered_only = models.BooleanField(_("hanya yang belum terlindungi"), default=True)
    mustahik_only = models.BooleanField(_("hanya mustahik"), default=False)
    mustahik_decile_max = models.PositiveSmallIntegerField(
        _("desil tertinggi yang dianggap mustahik"), null=True, blank=True
    )
    own_village_only = models.BooleanField(_("hanya warga desa sendiri"), default=False)
    # Priority settings: renewals of workers this program already funds come first among equals.
    renew = models.BooleanField(_("perpanjang otomatis bila dana cukup"), default=True)
    # Whom the money goes to first; see cakupan.allocation.policy for exactly what each does.
    policy = models.CharField(
        _("kebijakan alokasi"),
        max_length=12,
        choices=AllocationPolicy.choices,
        default=AllocationPolicy.VULNERABLE_FIRST,
    )
    # A standing approval of renewals: each month's cycle commits this program's renewals without a
    # checker while they cost no more than this; above it, or with none recorded, they wait for approval
    # as a renewal plan. Who recorded it and when are kept beside it.
    renewal_limit = models.PositiveBigIntegerField(
        _("batas perpanjangan tanpa persetujuan per bulan (Rp)"), null=True, blank=True
    )
    renewal_limit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persetujuan tetap oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    renewal_limit_at = models.DateTimeField(_("persetujuan tetap pada"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = FundingProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program pendanaan")
        verbose_name_plural = _("program pendanaan")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(budget__gte=1), name="program_budget_positive"),
            models.CheckConstraint(
                condition=models.Q(months__in=[1, 3, 6, 12]), name="program_months_1_3_6_12"
            ),
            models.CheckConstraint(
                condition=models.Q(Exact(DayOfMonth("start_month"), 1)), name="program_start_first_of_month"
            ),
            models.CheckConstraint(
                condition=models.Q(policy__in=AllocationPolicy.values), name="program_policy_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.funder.name})"

    @property
    def package(self) -> tuple[str, ...]:
        return ("jkk", "jkm", "jht") if self.jht else ("jkk", "jkm")
