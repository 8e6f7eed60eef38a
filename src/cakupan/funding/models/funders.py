"""Who pays: funders, their officers, and BAZNAS's mustahik verifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cakupan.core.scoping import AreaScopedQuerySet


class FunderKind(models.TextChoices):
    APBD_PROVINCE = "apbd_province", _("APBD provinsi")
    APBD_REGENCY = "apbd_regency", _("APBD kabupaten/kota")
    DANA_DESA = "dana_desa", _("Dana Desa")
    ZAKAT = "zakat", _("BAZNAS/LAZ (zakat, infak, sedekah)")
    CSR = "csr", _("CSR perusahaan")
    SPONSOR = "sponsor", _("Sponsor perorangan (SERTAKAN)")


# The rules engine's funding source code (engine/codes.py FUNDING_SOURCES) for each kind of funder: it
# decides the PP 50/2025 discount (APBD money pays full price).
FUNDING_SOURCE_OF_KIND: dict[str, str] = {
    FunderKind.APBD_PROVINCE: "apbd",
    FunderKind.APBD_REGENCY: "apbd",
    FunderKind.DANA_DESA: "dana_desa",
    FunderKind.ZAKAT: "baznas",
    FunderKind.CSR: "csr",
    FunderKind.SPONSOR: "sponsor",
}


class FunderQuerySet(AreaScopedQuerySet):
    area_lookup = "area__code"


class Funder(models.Model):
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=16, choices=FunderKind.choices)
    funding_source = models.CharField(_("sumber dana (aturan iuran)"), max_length=12)
    area = models.ForeignKey(
        "regions.Region", verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+"
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        through="FunderOfficer",
        related_name="funders",
        blank=True,
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = FunderQuerySet.as_manager()

    class Meta:
        verbose_name = _("pemberi dana")
        verbose_name_plural = _("pemberi dana")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"], condition=models.Q(kind="dana_desa"), name="funder_one_dana_desa_per_desa"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["apbd_province", "apbd_regency"], funding_source="apbd")
                | models.Q(kind="dana_desa", funding_source="dana_desa")
                | models.Q(kind="zakat", funding_source="baznas")
                | models.Q(kind="csr", funding_source="csr")
                | models.Q(kind="sponsor", funding_source="sponsor"),
                name="funder_source_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class FunderOfficer(models.Model):
    """A user who acts for a funder (role funder officer): sees its programs, whom it covers, payments."""

    funder = models.ForeignKey(Funder, verbose_name=_("pemberi dana"), on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("petugas pemberi dana")
        verbose_name_plural = _("petugas pemberi dana")
        constraints = [
            models.UniqueConstraint(fields=["funder", "user"], name="funderofficer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.funder}"


class MustahikVerification(models.Model):
    """A zakat agency's verification that a worker is mustahik (eligible for zakat, MUI Fatwa 102/2025).

    Kept here rather than on the worker: it is the agency's finding, dated and attributable, and it can be
    withdrawn (`revoked_at`) without touching the registry."""

    class Asnaf(models.TextChoices):
        FAKIR = "fakir", _("Fakir")
        MISKIN = "miskin", _("Miskin")
        GHARIM = "gharim", _("Gharim (berutang)")
        FI_SABILILLAH = "fi_sabilillah", _("Fi sabilillah")
        IBNU_SABIL = "ibnu_sabil", _("Ibnu sabil")
        MUALLAF = "muallaf", _("Muallaf")

    funder = models.ForeignKey(Funder, verbose_name=_("lembaga zakat"), on_delete=models.PROTECT)
    worker = models.ForeignKey(
        "registry.Worker", verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="+"
    )
    asnaf = models.CharField(_("golongan (asnaf)"), max_length=14, choices=Asnaf.choices)
    verified_on = models.DateField(_("tanggal verifikasi"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diverifikasi oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("verifikasi mustahik")
        verbose_name_plural = _("verifikasi mustahik")
        constraints = [
            models.UniqueConstraint(fields=["funder", "worker"], name="mustahik_one_per_funder_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} — {self.get_asnaf_display()}"
