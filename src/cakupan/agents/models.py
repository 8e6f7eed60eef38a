"""Field agents (BPJS TK's Perisai agents and pendamping): their institution, the records their phones
send, the commission rule, and the phone back-checks of the people they enrolled.

A phone's record is kept as it arrived (its client-made id is unique, so an upload repeated after a
dropped connection creates nothing twice) and then goes through the registry's own import and approval:
the record only points at the import and the row it became."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cakupan.core.scoping import AreaScopedQuerySet


class InstitutionKind(models.TextChoices):
    CV = "cv", _("CV")
    YAYASAN = "yayasan", _("Yayasan")
    KOPERASI = "koperasi", _("Koperasi")
    OTHER = "other", _("Lainnya")


class InstitutionQuerySet(AreaScopedQuerySet):
    area_lookup = "area_id"


class AgentInstitution(models.Model):
    """The CV, yayasan or koperasi a Perisai agent works through; it keeps a share of the commission."""

    name = models.CharField(_("nama lembaga"), max_length=200, unique=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=InstitutionKind.choices)
    area = models.ForeignKey(
        "regions.Region", verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("lembaga agen")
        verbose_name_plural = _("lembaga agen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfileQuerySet(AreaScopedQuerySet):
    area_lookup = "user__area_id"


class AgentProfile(models.Model):
    """A field agent's membership of an institution (an agent without one is a pendamping)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("agen"), on_delete=models.PROTECT, related_name="agent"
    )
    institution = models.ForeignKey(
        AgentInstitution,
        verbose_name=_("lembaga"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agents",
    )
    active_since = models.DateField(_("aktif sejak"))

    objects = AgentProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profil agen")
        verbose_name_plural = _("profil agen")

    def __str__(self) -> str:
        return f"{self.user} ({self.institution or 'tanpa lembaga'})"


class RecordKind(models.TextChoices):
    NEW = "new", _("Pendaftaran baru")
    UPDATE = "update", _("Perubahan data")


class RecordStatus(models.TextChoices):
    # Checked on arrival and sent into the registry's import: waits for its check and a checker's approval.
    SUBMITTED = "submitted", _("Menunggu pemeriksaan dan persetujuan")
    REGISTERED = "registered", _("Terdaftar")
    UPDATED = "updated", _("Data diperbarui")
    REJECTED = "rejected", _("Ditolak")
    # The worker changed on the server after the phone read it (or another device changed it first).
    CONFLICT = "conflict", _("Bentrok dengan data di server")
    # A conflict the agent settled by keeping the server's data.
    DISCARDED = "discarded", _("Dibatalkan (data server dipakai)")
    # A conflict the agent settled by sending her change again on the server's current version.
    RESENT = "resent", _("Dikirim ulang di atas data terbaru")


OPEN_RECORD_STATUSES = (RecordStatus.SUBMITTED, RecordStatus.CONFLICT)


class FieldRecordQuerySet(AreaScopedQuerySet):
    area_lookup = "desa_id"


class FieldRecord(models.Model):
    """One record a phone made (a new person, or a change to one), as received."""

    client_id = models.UUIDField(_("ID perangkat"), unique=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agen"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("jenis"), max_length=6, choices=RecordKind.choices)
    nik = models.CharField(_("NIK"), max_length=16)
    desa = models.ForeignKey(
        "regions.Region", verbose_name=_("desa/kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    # The import's columns as the phone filled them (the registry's own template).
    values = models.JSONField(_("isian"))
    worker = models.ForeignKey(
        "registry.Worker",
        verbose_name=_("pekerja"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The worker's version the phone started from (changes only); see registry.selectors.worker_version.
    base_version = models.BigIntegerField(_("versi awal"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RecordStatus.choices)
    code = models.CharField(_("kode"), max_length=64, blank=True)
    message = models.TextField(_("keterangan"), blank=True)
    worker_import = models.ForeignKey(
        "registry.WorkerImport",
        verbose_name=_("impor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    row_number = models.PositiveIntegerField(_("baris dalam impor"), null=True, blank=True)
    made_at = models.DateTimeField(_("dibuat di perangkat"), null=True, blank=True)
    received_at = models.DateTimeField(_("diterima"), auto_now_add=True)
    settled_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    # Set when a conflict is settled by sending this record again on the current version.
    replaced_by = models.OneToOneField(
        "self", verbose_name=_("diganti oleh"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="replaces",
    )  # fmt: skip

    objects = FieldRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("rekaman lapangan")
        verbose_name_plural = _("rekaman lapangan")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "status"], name="fieldrecord_agent_status"),
            models.Index(fields=["nik"], name="fieldrecord_nik"),
            models.Index(fields=["worker_import", "row_number"], name="fieldrecord_import_row"),
        ]
        constraints = [
            # One person is being registered by one phone at a time: a second agent's record of the same
            # NIK waits for nothing, it is refused on arrival (idempotency in the database, not in Python).
            models.UniqueConstraint(
                fields=["nik"],
                condition=models.Q(kind="new", status="submitted"),
                name="fieldrecord_one_open_new_per_nik",
            ),
            # And one change of a worker at a time: a second device's change is a conflict.
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(kind="update", status="submitted"),
                name="fieldrecord_one_open_update_per_worker",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="new")
                | models.Q(status="rejected")
                | models.Q(worker__isnull=False, base_version__isnull=False),
                name="fieldrecord_update_names_worker_and_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.client_id} ({self.get_status_display()})"


class CommissionRule(models.Model):
    """The Perisai commission as data, in force from a month (jamsostek-rules §8): rates in basis points
    (750 = 7,5%), money in whole rupiah."""

    valid_from = models.DateField(_("berlaku sejak"), unique=True)
    rate_bp = models.PositiveIntegerField(_("komisi (basis poin dari iuran terkumpul)"))
    bonus_threshold = models.PositiveIntegerField(_("ambang bonus (peserta baru per bulan)"))
    bonus_amount = models.PositiveBigIntegerField(_("bonus (Rp)"))
    institution_share_bp = models.PositiveIntegerField(_("bagian lembaga (basis poin dari komisi)"))
    removal_months = models.PositiveSmallIntegerField(
        _("bulan tanpa peserta baru atau iuran sebelum diberhentikan")
    )
    source = models.CharField(_("sumber"), max_length=300)

    class Meta:
        verbose_name = _("aturan komisi")
        verbose_name_plural = _("aturan komisi")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rate_bp__lte=10000), name="commissionrule_rate_le_100"),
            models.CheckConstraint(
                condition=models.Q(institution_share_bp__lte=10000), name="commissionrule_share_le_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Komisi sejak {self.valid_from:%Y-%m}"


class BackCheckStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu jawaban")
    PASSED = "passed", _("Dibenarkan")
    FAILED = "failed", _("Tidak dibenarkan")
    UNANSWERED = "unanswered", _("Tidak dijawab")
    UNREACHABLE = "unreachable", _("Tidak dapat dihubungi")


class BackCheckQuerySet(AreaScopedQuerySet):
    area_lookup = "worker__desa_id"


class BackCheck(models.Model):
    """A random phone back-check of a person an agent enrolled: did she really meet the agent and agree?"""

    record = models.OneToOneField(
        FieldRecord, verbose_name=_("rekaman lapangan"), on_delete=models.PROTECT, related_name="back_check"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agen"), on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        "registry.Worker", verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message",
        verbose_name=_("pesan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=BackCheckStatus.choices)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True)
    answer = models.CharField(_("jawaban"), max_length=160, blank=True)

    objects = BackCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("cek ulang telepon")
        verbose_name_plural = _("cek ulang telepon")
        indexes = [models.Index(fields=["agent", "status"], name="backcheck_agent_status")]

    def __str__(self) -> str:
        return f"Cek ulang {self.worker_id} ({self.get_status_display()})"
