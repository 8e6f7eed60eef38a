from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionCoverage(models.Model):
    """Coverage counts of one region (any level) in one month, rolled up from the registry.

    Pages read these rows instead of scanning the registry; `coverage_refresh` rebuilds a month.
    """

    month = models.DateField(_("bulan"))
    region = models.ForeignKey("regions.Region", verbose_name=_("wilayah"), on_delete=models.CASCADE)
    workers = models.PositiveBigIntegerField(_("pekerja terdaftar"))
    informal = models.PositiveBigIntegerField(_("pekerja informal"))
    active = models.PositiveBigIntegerField(_("peserta aktif"))
    active_bpu = models.PositiveBigIntegerField(_("peserta aktif BPU"))
    active_pu = models.PositiveBigIntegerField(_("peserta aktif PU"))
    in_arrears = models.PositiveBigIntegerField(_("menunggak"))
    lapsed = models.PositiveBigIntegerField(_("nonaktif"))
    refreshed_at = models.DateTimeField(_("diperbarui"))

    class Meta:
        verbose_name = _("cakupan wilayah")
        verbose_name_plural = _("cakupan wilayah")
        constraints = [
            models.UniqueConstraint(fields=["month", "region"], name="regioncoverage_month_region"),
            models.CheckConstraint(
                condition=models.Q(active=models.F("active_bpu") + models.F("active_pu")),
                name="regioncoverage_active_is_bpu_plus_pu",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}: {self.active}/{self.workers}"


class AgeBand(models.TextChoices):
    AGE_15_24 = "15-24", "15–24"
    AGE_25_34 = "25-34", "25–34"
    AGE_35_44 = "35-44", "35–44"
    AGE_45_54 = "45-54", "45–54"
    AGE_55_64 = "55-64", "55–64"
    AGE_65_UP = "65+", "65+"


class FactStatus(models.TextChoices):
    AKTIF = "aktif", _("Aktif")
    MENUNGGAK = "menunggak", _("Menunggak")
    NONAKTIF = "nonaktif", _("Nonaktif")
    NONE = "none", _("Belum pernah terdaftar")


class CoverageFact(models.Model):
    """Workers counted per desa × month × sector × sex × age band × decile × segment × status.

    Built set-based from the registry by `coverage_refresh`; every dashboard figure is a sum over these rows
    or over the per-region roll-ups built from them. Old months stay as snapshots for the trend.
    """

    month = models.DateField(_("bulan"))
    # Facts are derived from workers, whose desa is a checked foreign key already. A database constraint
    # here cost PostgreSQL one deferred trigger per inserted cell at commit (13 s for 1.5 million cells),
    # and a desa index of its own duplicated the unique constraint's (month, desa, …) prefix.
    desa = models.ForeignKey(
        "regions.Region",
        verbose_name=_("desa/kelurahan"),
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
    )
    sector = models.CharField(_("sektor"), max_length=14)
    sex = models.CharField(_("jenis kelamin"), max_length=1)
    age_band = models.CharField(_("kelompok umur"), max_length=5, choices=AgeBand.choices)
    decile = models.PositiveSmallIntegerField(_("desil (0 = tidak diketahui)"))
    segment = models.CharField(_("segmen"), max_length=3, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=FactStatus.choices)
    workers = models.PositiveBigIntegerField(_("pekerja"))

    class Meta:
        verbose_name = _("fakta cakupan")
        verbose_name_plural = _("fakta cakupan")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "desa", "sector", "sex", "age_band", "decile", "segment", "status"],
                name="coveragefact_unique_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.desa_id} {self.sector}/{self.sex}/{self.age_band}: {self.workers}"


class BreakdownDimension(models.TextChoices):
    SECTOR = "sector", _("Sektor")
    SEX = "sex", _("Jenis kelamin")
    AGE_BAND = "age_band", _("Kelompok umur")
    DECILE = "decile", _("Desil")
    SEGMENT = "segment", _("Segmen")


class RegionBreakdown(models.Model):
    """Per region (any level) and month: workers and active members by one dimension's values."""

    month = models.DateField(_("bulan"))
    # Derived from the facts like they are (see CoverageFact.desa); lookups go through the unique
    # (month, region, …) index, so the delta refresh's upserts maintain one index instead of two.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah"),
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
    )
    dimension = models.CharField(_("dimensi"), max_length=10, choices=BreakdownDimension.choices)
    value = models.CharField(_("nilai"), max_length=14)
    workers = models.PositiveBigIntegerField(_("pekerja terdaftar"))
    active = models.PositiveBigIntegerField(_("peserta aktif"))

    class Meta:
        verbose_name = _("rincian cakupan wilayah")
        verbose_name_plural = _("rincian cakupan wilayah")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "dimension", "value"], name="regionbreakdown_unique_cell"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} {self.region_id} {self.dimension}={self.value}: {self.active}/{self.workers}"
        )
