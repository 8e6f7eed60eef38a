"""Claim cases for JKK, JKM, the scholarship and JHT: who reported, what happened, the member's rights on the
incident date, the heirs, the documents the case needs, and the event log its service-level clock is
computed from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cakupan.core.scoping import AreaScopedQuerySet


class ClaimKind(models.TextChoices):
    JKK = "jkk", _("JKK (kecelakaan kerja atau penyakit akibat kerja)")
    JKM = "jkm", _("JKM (meninggal bukan karena kerja)")
    SCHOLARSHIP = "beasiswa", _("Beasiswa anak (JKM/JKK)")
    JHT = "jht", _("JHT (jaminan hari tua)")


class JkkCause(models.TextChoices):
    ACCIDENT = "accident", _("Kecelakaan kerja")
    DISEASE = "disease", _("Penyakit akibat kerja")


class JkkOutcome(models.TextChoices):
    TREATMENT = "treatment", _("Perawatan / tidak mampu bekerja sementara")
    DISABILITY = "disability", _("Cacat")
    DEATH = "death", _("Meninggal")


class ClaimStatus(models.TextChoices):
    COLLECTING = "collecting", _("Melengkapi berkas")
    RUNNING = "running", _("Berkas lengkap, diproses")
    WAITING_HEIRS = "waiting_heirs", _("Menunggu dokumen ahli waris")
    PAID = "paid", _("Dibayar")
    REJECTED = "rejected", _("Ditolak")


OPEN_STATUSES = (ClaimStatus.COLLECTING, ClaimStatus.RUNNING, ClaimStatus.WAITING_HEIRS)


class ClockState(models.TextChoices):
    NOT_STARTED = "not_started", _("Belum berjalan")
    ON_TRACK = "on_track", _("Sesuai jadwal")
    AT_RISK = "at_risk", _("Berisiko terlambat")
    BREACHED = "breached", _("Melewati batas")
    PAUSED = "paused", _("Dihentikan sementara")
    MET = "met", _("Selesai tepat waktu")
    MISSED = "missed", _("Selesai terlambat")
    NONE = "none", _("Tanpa batas layanan")


class ClaimCaseQuerySet(AreaScopedQuerySet):
    area_lookup = "region_code"


class ClaimCase(models.Model):
    number = models.CharField(_("nomor klaim"), max_length=16, unique=True)
    kind = models.CharField(_("jenis klaim"), max_length=8, choices=ClaimKind.choices)
    worker = models.ForeignKey(
        "registry.Worker", verbose_name=_("peserta"), on_delete=models.PROTECT, related_name="+"
    )
    # The worker's desa when the case was reported: the case stays with the office that follows it.
    region_code = models.CharField(_("wilayah"), max_length=13)
    incident_date = models.DateField(_("tanggal kejadian"))
    jkk_cause = models.CharField(_("penyebab"), max_length=8, choices=JkkCause.choices, blank=True)
    jkk_outcome = models.CharField(_("akibat"), max_length=10, choices=JkkOutcome.choices, blank=True)
    road_accident = models.BooleanField(_("kecelakaan lalu lintas"), default=False)
    # The scholarship: one case per child and school year.
    child_name = models.CharField(_("nama anak"), max_length=150, blank=True)
    # The name as compared: "BUDI" and "Budi" are the same child.
    child_key = models.CharField(max_length=150, blank=True, editable=False)
    child_level = models.CharField(_("jenjang sekolah"), max_length=8, blank=True)
    child_year = models.PositiveSmallIntegerField(_("tahun ke- di jenjang"), null=True, blank=True)
    child_age = models.PositiveSmallIntegerField(_("umur anak"), null=True, blank=True)
    school_year = models.PositiveSmallIntegerField(_("tahun ajaran (tahun mulai)"), null=True, blank=True)
    # What the scholarship rests on: the member's death (JKM) or a work accident's death or total disability.
    scholarship_basis = models.CharField(_("dasar beasiswa"), max_length=3, blank=True)
    reporter_name = models.CharField(_("nama pelapor"), max_length=150)
    reporter_relation = models.CharField(_("hubungan pelapor"), max_length=40)
    reporter_phone = models.CharField(_("HP pelapor"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=ClaimStatus.choices, default=ClaimStatus.COLLECTING
    )
    # The member's rights on the incident date, from the rules engine when the case was reported.
    eligible = models.BooleanField(_("berhak"))
    eligibility_reason = models.TextField(_("alasan"))
    member_status = models.CharField(_("status kepesertaan pada tanggal kejadian"), max_length=12)
    contribution_months = models.PositiveIntegerField(_("masa iur (bulan)"), null=True, blank=True)
    benefit_lines = models.JSONField(_("rincian manfaat"), default=list)
    benefit_total = models.PositiveBigIntegerField(_("perkiraan manfaat (Rp)"), null=True, blank=True)
    rules_version = models.CharField(_("versi aturan"), max_length=20)
    # The clock, as last computed from the event log (ClaimEvent): worklists and figures read these; the
    # events stay the truth and every change of the calendar recomputes open cases.
    complete_on = models.DateField(_("berkas lengkap"), null=True, blank=True)
    due_on = models.DateField(_("batas bayar"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(_("hari kerja layanan"), null=True, blank=True)
    clock_state = models.CharField(
        _("status waktu"), max_length=12, choices=ClockState.choices, default=ClockState.NOT_STARTED
    )
    escalation_level = models.PositiveSmallIntegerField(_("tingkat eskalasi"), default=0)
    decided_on = models.DateField(_("tanggal keputusan"), null=True, blank=True)
    paid_amount = models.PositiveBigIntegerField(_("jumlah dibayar (Rp)"), null=True, blank=True)
    decision_reference = models.CharField(_("nomor keputusan BPJS TK"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    objects = ClaimCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("kasus klaim")
        verbose_name_plural = _("kasus klaim")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["region_code", "status"], name="claimcase_area_status"),
            models.Index(fields=["status", "due_on"], name="claimcase_open_due"),
        ]
        constraints = [
            # The same event is claimed once: one JKK or JKM case per worker and incident date, one
            # scholarship per child and school year, one JHT case per worker and date.
            models.UniqueConstraint(
                fields=["worker", "kind", "incident_date"],
                condition=~models.Q(kind="beasiswa"),
                name="claimcase_one_per_event",
                violation_error_message=_("Klaim untuk kejadian ini sudah tercatat."),
            ),
            # A person dies once: one JKM claim or one JKK claim for a death, not both.
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(kind="jkm") | models.Q(kind="jkk", jkk_outcome="death"),
                name="claimcase_one_death",
                violation_error_message=_("Kematian peserta ini sudah dilaporkan."),
            ),
            models.UniqueConstraint(
                fields=["worker", "child_key", "school_year"],
                condition=models.Q(kind="beasiswa"),
                name="claimcase_scholarship_per_year",
                violation_error_message=_("Beasiswa anak ini untuk tahun ajaran ini sudah tercatat."),
            ),
            models.CheckConstraint(
                condition=models.Q(escalation_level__lte=3), name="claimcase_escalation_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_kind_display()})"


class HeirRelation(models.TextChoices):
    SPOUSE = "spouse", _("Suami / istri")
    CHILD = "child", _("Anak")
    BLOOD = "blood", _("Keturunan sedarah sampai derajat kedua (orang tua, cucu, kakek, nenek)")
    SIBLING = "sibling", _("Saudara kandung")
    IN_LAW = "in_law", _("Mertua")
    WILL = "will", _("Pihak yang ditunjuk dalam wasiat")


class ClaimHeir(models.Model):
    case = models.ForeignKey(ClaimCase, on_delete=models.CASCADE, related_name="heirs")
    name = models.CharField(_("nama"), max_length=150)
    relation = models.CharField(_("hubungan"), max_length=8, choices=HeirRelation.choices)
    # The legal order (PP 44/2015 Pasal 37(5)): 1 widow/widower or children, … 5 the will.
    rank = models.PositiveSmallIntegerField(_("urutan"))
    phone = models.CharField(_("HP"), max_length=16, blank=True)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "name", "relation"], name="claimheir_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class ClaimDocument(models.Model):
    case = models.ForeignKey(ClaimCase, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(_("kode"), max_length=24)
    label = models.CharField(_("dokumen"), max_length=160)
    reason = models.CharField(_("mengapa diperlukan"), max_length=200)
    position = models.PositiveSmallIntegerField(_("urutan"))
    received_at = models.DateTimeField(_("diterima"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diperiksa oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("berkas"), upload_to="klaim/%Y/%m/", blank=True)
    file_sha256 = models.CharField(_("sidik berkas"), max_length=64, blank=True)
    note = models.CharField(_("catatan"), max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="claimdocument_once"),
            # The same scan cannot stand for two documents of one case.
            models.UniqueConstraint(
                fields=["case", "file_sha256"],
                condition=~models.Q(file_sha256=""),
                name="claimdocument_file_once",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class ClaimEventKind(models.TextChoices):
    REPORTED = "reported", _("Dilaporkan")
    DOCUMENT = "document", _("Dokumen diterima")
    COMPLETE = "complete", _("Berkas lengkap")
    PAUSED = "paused", _("Menunggu dokumen ahli waris")
    RESUMED = "resumed", _("Dilanjutkan")
    ESCALATED = "escalated", _("Dieskalasi")
    PAID = "paid", _("Dibayar")
    REJECTED = "rejected", _("Ditolak")


class ClaimEvent(models.Model):
    """The case's log, append-only: the clock is recomputed from it (a later change of the holiday
    calendar corrects every open case), never stored alone."""

    case = models.ForeignKey(ClaimCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("peristiwa"), max_length=10, choices=ClaimEventKind.choices)
    # The day that counts for the clock (Asia/Jakarta); `at` is when it was recorded.
    on = models.DateField(_("tanggal"))
    at = models.DateTimeField(_("dicatat"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    level = models.PositiveSmallIntegerField(_("tingkat eskalasi"), null=True, blank=True)

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            # Each escalation level is reached once per case, even when two clock runs overlap.
            models.UniqueConstraint(
                fields=["case", "level"],
                condition=models.Q(kind="escalated"),
                name="claimevent_escalation_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="paused") | ~models.Q(reason=""), name="claimevent_pause_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on.isoformat()}"


class CalendarChange(models.TextChoices):
    ADD = "add", _("Tambah hari libur / cuti bersama")
    REMOVE = "remove", _("Hapus hari libur / cuti bersama")


class HolidayChange(models.Model):
    """A later decree that moves a holiday or cuti bersama: it corrects the `holidays` library's dates for
    the claim clocks, and every open case is recomputed when one is recorded."""

    day = models.DateField(_("tanggal"), unique=True)
    change = models.CharField(_("perubahan"), max_length=6, choices=CalendarChange.choices)
    name = models.CharField(_("nama hari libur"), max_length=120, blank=True)
    decree = models.CharField(_("dasar keputusan"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.get_change_display()} {self.day.isoformat()}"


class DecisionImport(models.Model):
    """One file of BPJS TK's claim decisions; the same file is applied once."""

    file_name = models.CharField(_("nama berkas"), max_length=200)
    sha256 = models.CharField(_("sidik berkas"), max_length=64, unique=True)
    rows = models.PositiveIntegerField(_("baris"))
    paid = models.PositiveIntegerField(_("dibayar"))
    rejected = models.PositiveIntegerField(_("ditolak"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file_name
