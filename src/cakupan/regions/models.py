from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Provinsi")
    REGENCY = "regency", _("Kabupaten/Kota")
    DISTRICT = "district", _("Kecamatan")
    VILLAGE = "village", _("Desa/Kelurahan")


class RegionQuerySet(models.QuerySet):
    def descendants_of(self, code: str, *, include_self: bool = False) -> "RegionQuerySet":
        """Codes are hierarchical strings, so a subtree is a prefix range on the primary key."""
        subtree = self.filter(code__gte=f"{code}.", code__lt=f"{code}/")
        if include_self:
            return subtree | self.filter(code=code)
        return subtree

    def villages(self) -> "RegionQuerySet":
        return self.filter(level=RegionLevel.VILLAGE)


class Region(models.Model):
    """A Kemendagri administrative region; the code is the primary key (`36.02.01.2001`)."""

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=RegionLevel.choices, db_index=True)
    # kabupaten/kota for regencies, desa/kelurahan for villages; empty where the source gives none.
    kind = models.CharField(_("jenis"), max_length=10, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    population = models.PositiveBigIntegerField(_("jumlah penduduk (Dukcapil)"), null=True, blank=True)
    area_km2 = models.DecimalField(_("luas (km²)"), max_digits=10, decimal_places=3, null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"),
                name="region_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def nik_prefix(self) -> str:
        return self.code.replace(".", "")

    def ancestors_codes(self) -> list[str]:
        """Codes from the province down to this region, e.g. ['36', '36.02', '36.02.01']."""
        parts = self.code.split(".")
        return [".".join(parts[: depth + 1]) for depth in range(len(parts))]


class LabourStat(models.Model):
    """A coverage denominator or labour-market figure, with its source: data, never a constant in code."""

    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT)
    period = models.DateField(_("periode"), help_text=_("Hari pertama bulan survei"))
    indicator = models.CharField(_("indikator"), max_length=60)
    value = models.DecimalField(_("nilai"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("satuan"), max_length=20)
    value_type = models.CharField(_("jenis nilai"), max_length=10)
    persons = models.PositiveBigIntegerField(_("jumlah orang"), null=True, blank=True)
    source_url = models.URLField(_("sumber"), max_length=400)
    source_note = models.TextField(_("catatan sumber"), blank=True)

    class Meta:
        verbose_name = _("statistik ketenagakerjaan")
        verbose_name_plural = _("statistik ketenagakerjaan")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period", "indicator"], name="labourstat_unique_figure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_id} {self.period:%Y-%m}: {self.value} {self.unit}"
