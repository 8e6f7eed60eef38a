from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length, Replace
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from cakupan.core.dbfunctions import DayOfMonth
from cakupan.core.masking import mask_nik
from cakupan.core.scoping import AreaScopedQuerySet
from cakupan.core.sectors import SECTOR_LABELS


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Employment(models.TextChoices):
    FORMAL = "formal", _("Formal (penerima upah)")
    INFORMAL = "informal", _("Informal (bukan penerima upah)")


# Built from the plain list so the import validator and the rules engine use the very same codes.
Sector = models.TextChoices(
    "Sector", [(code.upper(), (code, label)) for code, label in SECTOR_LABELS.items()]
)


class WorkerSource(models.TextChoices):
    MANUAL = "manual", _("Input petugas")
    IMPORT = "import", _("Impor berkas")
    ROSTER = "roster", _("Data kepesertaan BPJS TK")
    DTSEN = "dtsen", _("Ekstrak DTSEN")
    SYNTHETIC = "synthetic", _("Data sintetis (demo)")
    SPONSOR = "sponsor", _("Didaftarkan sponsor SERTAKAN")


class WorkerQuerySet(AreaScopedQuerySet):
    # Workers belong to the area of their domicile desa (not the region that issued their NIK).
    area_lookup = "desa__code"


def _without_digits(field: str):
    """The text with every ASCII digit removed, in SQL both databases evaluate natively."""
    expression = models.F(field)
    for digit in "0123456789":
        expression = Replace(expression, models.Value(digit), models.Value(""))
    return expression


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
        db_index=False,  # worker_desa_cell leads with the desa
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
        # One index serves lookups by desa (and sector) and the coverage refresh: SQLite groups the
        # registry into fact cells reading this index in order, which halves the grouping's cost (its
        # B-tree then grows at one end). The foreign key's own desa index would only duplicate its prefix.
        indexes = [
            models.Index(fields=["desa", "sector", "sex", "decile", "birth_date"], name="worker_desa_cell")
        ]
        constraints = [
            # ^[0-9]{16}$ without a regular expression: SQLite has no REGEXP of its own, and Django's is a
            # Python callback run for every inserted or updated row (~1.5 s per million on imports).
            models.CheckConstraint(
                condition=models.Q(Exact(Length("nik"), 16), Exact(_without_digits("nik"), "")),
                name="worker_nik_16_digits",
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


class ImportKind(models.TextChoices):
    WORKERS = "workers", _("Data pekerja")
    ROSTER = "roster", _("Data kepesertaan BPJS TK")


class OnDuplicate(models.TextChoices):
    KEEP = "keep", _("Pertahankan data lama")
    UPDATE = "update", _("Perbarui kolom yang berubah")
    REJECT = "reject", _("Tolak baris yang NIK-nya sudah terdaftar")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Sedang diperiksa")
    CHECKED = "checked", _("Sudah diperiksa (uji coba)")
    PENDING_APPROVAL = "pending_approval", _("Menunggu persetujuan")
    APPLYING = "applying", _("Sedang diterapkan")
    APPLIED = "applied", _("Diterapkan")
    REJECTED = "rejected", _("Ditolak")
    FAILED = "failed", _("Gagal")


class WorkerImportQuerySet(AreaScopedQuerySet):
    # An import belongs to the area of the officer who submitted it (CLI imports have none: admins only).
    area_lookup = "area__code"


class WorkerImport(models.Model):
    """One import of a file: what it contained, what it changed, who did it. The content hash makes
    applying the same file twice impossible."""

    kind = models.CharField(_("jenis"), max_length=8, choices=ImportKind.choices)
    file_name = models.CharField(_("nama berkas"), max_length=255)
    file_sha256 = models.CharField(_("sidik SHA-256 berkas"), max_length=64)
    on_duplicate = models.CharField(_("jika NIK sudah ada"), max_length=6, choices=OnDuplicate.choices)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices)
    rows = models.PositiveBigIntegerField(_("baris"), default=0)
    inserted = models.PositiveBigIntegerField(_("ditambahkan"), default=0)
    updated = models.PositiveBigIntegerField(_("diperbarui"), default=0)
    duplicates = models.PositiveBigIntegerField(_("duplikat"), default=0)
    invalid = models.PositiveBigIntegerField(_("tidak sah"), default=0)
    unchanged = models.PositiveBigIntegerField(_("tidak berubah"), default=0)
    warnings = models.PositiveBigIntegerField(_("peringatan"), default=0)
    errors_file = models.CharField(_("laporan kesalahan"), max_length=500, blank=True)
    file_path = models.CharField(_("berkas tersimpan"), max_length=500, blank=True)
    message = models.TextField(_("keterangan"), blank=True)
    # The stable code of a failure, for machines and support; people read `message` (Bahasa, no codes).
    error_code = models.CharField(_("kode kesalahan"), max_length=64, blank=True)
    area = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diajukan oleh"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    applied_at = models.DateTimeField(_("diterapkan"), null=True, blank=True)

    objects = WorkerImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("impor data")
        verbose_name_plural = _("impor data")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "file_sha256"],
                condition=models.Q(status="applied"),
                name="workerimport_file_applied_once",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    rows=models.F("inserted")
                    + models.F("updated")
                    + models.F("duplicates")
                    + models.F("invalid")
                    + models.F("unchanged")
                ),
                name="workerimport_rows_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"Impor #{self.pk} {self.file_name} ({self.get_status_display()})"


class ImportExpectation(models.Model):
    """The worker as an update row found her: the row applies only if she is unchanged since (her
    `updated_at`), else it is refused as `changed_on_server` and never overwrites a later change. Written
    by whoever builds an update import from a copy read earlier (a field agent's phone)."""

    worker_import = models.ForeignKey(
        WorkerImport, verbose_name=_("impor"), on_delete=models.CASCADE, related_name="expectations"
    )
    nik = models.CharField(_("NIK"), max_length=16)
    updated_at = models.DateTimeField(_("diperbarui terakhir"))

    class Meta:
        verbose_name = _("versi yang diharapkan")
        verbose_name_plural = _("versi yang diharapkan")
        constraints = [
            models.UniqueConstraint(fields=["worker_import", "nik"], name="importexpectation_one_per_nik")
        ]

    def __str__(self) -> str:
        return f"{self.worker_import_id}/{mask_nik(self.nik)}"


class Segment(models.TextChoices):
    PU = "PU", _("Penerima upah (PU)")
    BPU = "BPU", _("Bukan penerima upah (BPU)")


class MembershipStatus(models.TextChoices):
    AKTIF = "aktif", _("Aktif")
    MENUNGGAK = "menunggak", _("Menunggak")
    NONAKTIF = "nonaktif", _("Nonaktif")


class MembershipSource(models.TextChoices):
    ROSTER = "roster", _("Sinkronisasi data BPJS TK")
    ENROLMENT = "enrolment", _("Pendaftaran melalui Cakupan")
    SYNTHETIC = "synthetic", _("Data sintetis (demo)")


class MembershipQuerySet(AreaScopedQuerySet):
    area_lookup = "worker__desa__code"


class Membership(models.Model):
    """A worker's BPJS Ketenagakerjaan participation under one KPJ number."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="memberships"
    )
    # Unique by a constraint, not `unique=True`: on PostgreSQL the field option adds a second, LIKE
    # (varchar_pattern_ops) index that no query uses and every insert and update maintains.
    kpj = models.CharField(_("nomor KPJ"), max_length=11)
    segment = models.CharField(_("segmen"), max_length=3, choices=Segment.choices)
    jkk = models.BooleanField(_("JKK"), default=True)
    jkm = models.BooleanField(_("JKM"), default=True)
    jht = models.BooleanField(_("JHT"), default=False)
    # Not indexed: no query selects by status (the cycle selects by paid-through month), and an index on
    # it made the cycle's monthly status change rewrite every index of millions of rows on PostgreSQL.
    status = models.CharField(_("status"), max_length=10, choices=MembershipStatus.choices)
    paid_through = models.DateField(_("iuran lunas sampai bulan"), help_text=_("Hari pertama bulan terakhir"))
    # Paying again after a lapse starts a new membership (rules figure `reentry_policy`): its waiting
    # period and scholarship months count from here. Unknown (null) for members taken from BPJS TK data.
    since = models.DateField(
        _("kepesertaan berjalan sejak"),
        null=True,
        blank=True,
        help_text=_("Hari pertama bulan pertama kepesertaan yang sedang berjalan"),
    )
    source = models.CharField(_("sumber"), max_length=10, choices=MembershipSource.choices)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("kepesertaan")
        verbose_name_plural = _("kepesertaan")
        constraints = [
            models.UniqueConstraint(
                fields=["kpj"],
                name="membership_kpj_unique",
                violation_error_message=_("Nomor KPJ ini sudah dipakai kepesertaan lain."),
            ),
            # Native SQL on both databases (see worker_nik_16_digits and core.dbfunctions): a REGEXP
            # or a date extract is a Python callback per inserted row on SQLite.
            models.CheckConstraint(
                condition=models.Q(Exact(Length("kpj"), 11), Exact(_without_digits("kpj"), "")),
                name="membership_kpj_11_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(jkk=True, jkm=True), name="membership_jkk_jkm_mandatory"
            ),
            models.CheckConstraint(
                condition=models.Q(Exact(DayOfMonth("paid_through"), 1)),
                name="membership_paid_through_first_of_month",
            ),
            models.CheckConstraint(
                condition=models.Q(since__isnull=True) | models.Q(Exact(DayOfMonth("since"), 1)),
                name="membership_since_first_of_month",
            ),
        ]

    def __str__(self) -> str:
        return f"KPJ {self.kpj} ({self.get_segment_display()}, {self.get_status_display()})"

    @property
    def programs(self) -> list[str]:
        return [name for name in ("jkk", "jkm", "jht") if getattr(self, name)]
