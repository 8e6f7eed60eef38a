from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cakupan.core.masking import mask_nik
from cakupan.core.scoping import AreaScopedQuerySet


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Employment(models.TextChoices):
    FORMAL = "formal", _("Formal (penerima upah)")
    INFORMAL = "informal", _("Informal (bukan penerima upah)")


class Sector(models.TextChoices):
    NELAYAN = "nelayan", _("Nelayan")
    PETANI = "petani", _("Petani")
    PETERNAK = "peternak", _("Peternak")
    PEDAGANG = "pedagang", _("Pedagang")
    TRANSPORTASI = "transportasi", _("Transportasi (ojek, sopir, kurir)")
    BURUH_HARIAN = "buruh_harian", _("Buruh harian lepas")
    PRT = "prt", _("Pekerja rumah tangga")
    PENGRAJIN = "pengrajin", _("Pengrajin")
    PEMULUNG = "pemulung", _("Pemulung")
    JASA = "jasa", _("Jasa")
    LAINNYA = "lainnya", _("Lainnya")
    FORMAL = "formal", _("Pekerja formal (penerima upah)")


class WorkerSource(models.TextChoices):
    MANUAL = "manual", _("Input petugas")
    IMPORT = "import", _("Impor berkas")
    ROSTER = "roster", _("Data kepesertaan BPJS TK")
    DTSEN = "dtsen", _("Ekstrak DTSEN")
    SYNTHETIC = "synthetic", _("Data sintetis (demo)")


class WorkerQuerySet(AreaScopedQuerySet):
    # Workers belong to the area of their domicile desa (not the region that issued their NIK).
    area_lookup = "desa__code"


class Worker(models.Model):
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    birth_date = models.DateField(_("tanggal lahir"))
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    # Where the person lives; the NIK prefix only says where the NIK was issued.
    desa = models.ForeignKey(
        "regions.Region",
        verbose_name=_("desa/kelurahan domisili"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "village"},
    )
    employment = models.CharField(_("status pekerjaan"), max_length=8, choices=Employment.choices)
    sector = models.CharField(_("sektor"), max_length=14, choices=Sector.choices)
    monthly_income = models.PositiveBigIntegerField(_("penghasilan per bulan (Rp)"))
    decile = models.PositiveSmallIntegerField(
        _("desil DTSEN"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    phone = models.CharField(_("nomor telepon"), max_length=16, blank=True)
    source = models.CharField(_("sumber data"), max_length=10, choices=WorkerSource.choices)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("pekerja")
        verbose_name_plural = _("pekerja")
        indexes = [models.Index(fields=["desa", "sector"], name="worker_desa_sector")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nik__regex=r"^[0-9]{16}$"), name="worker_nik_16_digits"
            ),
            models.CheckConstraint(condition=models.Q(sex__in=["L", "P"]), name="worker_sex_valid"),
            models.CheckConstraint(
                condition=models.Q(decile__isnull=True) | models.Q(decile__gte=1, decile__lte=10),
                name="worker_decile_1_10",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0), name="worker_income_non_negative"
            ),
            models.CheckConstraint(
                condition=(models.Q(employment="formal", sector="formal") | ~models.Q(employment="formal"))
                & (~models.Q(employment="informal") | ~models.Q(sector="formal")),
                name="worker_sector_matches_employment",
            ),
        ]

    def __str__(self) -> str:
        # Masked: object names end up in admin pages, audit events and logs.
        return f"{self.name} ({mask_nik(self.nik)})"


class SyntheticRun(models.Model):
    """A record of a synthetic population load: the demo's denominators scale with it."""

    scale = models.DecimalField(_("skala"), max_digits=7, decimal_places=5)
    seed = models.PositiveBigIntegerField(_("benih acak"))
    as_of = models.DateField(_("bulan acuan"))
    workers = models.PositiveBigIntegerField(_("jumlah pekerja"))
    memberships = models.PositiveBigIntegerField(_("jumlah kepesertaan"))
    seconds = models.FloatField(_("durasi (detik)"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pembangkitan data sintetis")
        verbose_name_plural = _("pembangkitan data sintetis")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"skala {self.scale} benih {self.seed}: {self.workers} pekerja"
