"""Funding: who pays (funders), what they fund (programs), whom they fund (plans, funded worker-months),
and the money trail (a double-entry ledger, invoices, payments, enrolment batches for BPJS TK).

Invariants the database itself enforces, so no code path can break them:
* a worker-month is funded at most once (`FundedMonth` UNIQUE(worker, month));
* no ledger account other than a program's budget source goes below zero (CHECK on the balance);
* a payment's external reference is recorded once (UNIQUE), a desa has at most one Dana Desa funder.
"""

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


class ProgramStatus(models.TextChoices):
    ACTIVE = "active", _("Aktif")
    CLOSED = "closed", _("Ditutup")


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
                condition=models.Q(start_month__day=1), name="program_start_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.funder.name})"

    @property
    def package(self) -> tuple[str, ...]:
        return ("jkk", "jkm", "jht") if self.jht else ("jkk", "jkm")


# --- plans -----------------------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu persetujuan")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")
    CANCELLED = "cancelled", _("Dibatalkan")
    BATCHED = "batched", _("Dikirim ke BPJS TK")


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

    class Meta:
        verbose_name = _("bulan didanai")
        verbose_name_plural = _("bulan didanai")
        constraints = [
            models.UniqueConstraint(fields=["worker", "month"], name="fundedmonth_worker_month_once"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="fundedmonth_first_of_month"),
        ]
        indexes = [models.Index(fields=["program", "month"], name="fundedmonth_program_month")]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.month:%Y-%m}"


# --- ledger ----------------------------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    # The program's budget as granted: the only account allowed (and expected) to be negative, because
    # it is the source every other balance came from.
    SOURCE = "source", _("Sumber anggaran")
    AVAILABLE = "available", _("Sisa anggaran")
    COMMITTED = "committed", _("Terikat (disetujui, belum dibayar)")
    PAID = "paid", _("Dibayar ke BPJS TK")
    COVERED = "covered", _("Bulan terlindungi")


class LedgerAccount(models.Model):
    program = models.ForeignKey(
        FundingProgram, verbose_name=_("program"), on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(_("jenis akun"), max_length=10, choices=AccountKind.choices)
    balance = models.BigIntegerField(_("saldo (Rp)"), default=0)

    class Meta:
        verbose_name = _("akun buku besar")
        verbose_name_plural = _("akun buku besar")
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="ledgeraccount_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind="source") | models.Q(balance__gte=0),
                name="ledgeraccount_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.kind} {self.balance}"


class TransactionKind(models.TextChoices):
    BUDGET = "budget", _("Anggaran ditetapkan/diubah")
    COMMIT = "commit", _("Dana diikat (rencana disetujui)")
    RELEASE = "release", _("Dana dilepas (ditolak BPJS TK)")
    PAYMENT = "payment", _("Pembayaran ke BPJS TK")
    RECOGNISE = "recognise", _("Bulan terlindungi diakui")


class LedgerTransaction(models.Model):
    kind = models.CharField(_("jenis"), max_length=10, choices=TransactionKind.choices)
    funder = models.ForeignKey(
        Funder, verbose_name=_("pemberi dana"), on_delete=models.PROTECT, related_name="+"
    )
    memo = models.CharField(_("keterangan"), max_length=300)
    # The business key of what caused it ("plan:12", "payment:TRX-9", "cycle:2026-11"): replaying the
    # same cause can never post twice.
    reference = models.CharField(_("referensi"), max_length=120, unique=True)
    month = models.DateField(_("bulan"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("transaksi buku besar")
        verbose_name_plural = _("transaksi buku besar")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.memo}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, verbose_name=_("transaksi"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        LedgerAccount, verbose_name=_("akun"), on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.BigIntegerField(_("jumlah (Rp, debit positif)"))

    class Meta:
        verbose_name = _("entri buku besar")
        verbose_name_plural = _("entri buku besar")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledgerentry_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"


# --- enrolment batches, invoices, payments ---------------------------------------------------------------


class BatchStatus(models.TextChoices):
    SENT = "sent", _("Dikirim, menunggu tanggapan BPJS TK")
    ACKNOWLEDGED = "acknowledged", _("Tanggapan BPJS TK diterima")


class EnrolmentBatch(models.Model):
    plan = models.OneToOneField(
        AllocationPlan, verbose_name=_("rencana"), on_delete=models.PROTECT, related_name="batch"
    )
    format_version = models.CharField(_("versi format"), max_length=10)
    status = models.CharField(_("status"), max_length=14, choices=BatchStatus.choices)
    rows = models.PositiveIntegerField(_("baris"))
    accepted = models.PositiveIntegerField(_("diterima"), default=0)
    rejected = models.PositiveIntegerField(_("ditolak"), default=0)
    file_path = models.CharField(_("berkas"), max_length=500)
    file_sha256 = models.CharField(_("sidik SHA-256"), max_length=64)
    ack_sha256 = models.CharField(_("sidik berkas tanggapan"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("tanggapan diterima"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch pendaftaran")
        verbose_name_plural = _("batch pendaftaran")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Batch #{self.pk} ({self.rows} baris)"


class RowStatus(models.TextChoices):
    SENT = "sent", _("Dikirim")
    ACCEPTED = "accepted", _("Diterima")
    REJECTED = "rejected", _("Ditolak")


class EnrolmentRow(models.Model):
    batch = models.ForeignKey(
        EnrolmentBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="batch_rows"
    )
    row_number = models.PositiveIntegerField(_("nomor baris"))
    line = models.OneToOneField(
        PlanLine, verbose_name=_("baris rencana"), on_delete=models.PROTECT, related_name="enrolment_row"
    )
    status = models.CharField(_("status"), max_length=8, choices=RowStatus.choices, default=RowStatus.SENT)
    kpj = models.CharField(_("nomor KPJ"), max_length=11, blank=True)
    reason = models.CharField(_("alasan penolakan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("baris batch pendaftaran")
        verbose_name_plural = _("baris batch pendaftaran")
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="enrolmentrow_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.row_number} {self.status}"


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Belum dibayar")
    PARTIAL = "partial", _("Dibayar sebagian")
    PAID = "paid", _("Lunas")


class Invoice(models.Model):
    """What a funder owes BPJS TK for a batch (or a month's renewals), with one line per program."""

    number = models.CharField(_("nomor tagihan"), max_length=40, unique=True)
    funder = models.ForeignKey(
        Funder, verbose_name=_("pemberi dana"), on_delete=models.PROTECT, related_name="invoices"
    )
    plan = models.ForeignKey(
        AllocationPlan, verbose_name=_("rencana"), on_delete=models.PROTECT, related_name="invoices"
    )
    month = models.DateField(_("bulan tagihan"))
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    paid = models.PositiveBigIntegerField(_("dibayar (Rp)"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("tagihan")
        verbose_name_plural = _("tagihan")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "funder"], name="invoice_one_per_plan_funder"),
            models.CheckConstraint(
                condition=models.Q(paid__lte=models.F("amount")), name="invoice_not_overpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("tagihan"), on_delete=models.CASCADE, related_name="lines"
    )
    program = models.ForeignKey(
        FundingProgram, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    paid = models.PositiveBigIntegerField(_("dibayar (Rp)"), default=0)

    class Meta:
        verbose_name = _("baris tagihan")
        verbose_name_plural = _("baris tagihan")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "program"], name="invoiceline_one_per_program"),
            models.CheckConstraint(
                condition=models.Q(paid__lte=models.F("amount")), name="invoiceline_not_overpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.program_id}: {self.amount}"


class Payment(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("tagihan"), on_delete=models.PROTECT, related_name="payments"
    )
    external_reference = models.CharField(_("referensi pembayaran"), max_length=80, unique=True)
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    paid_on = models.DateField(_("tanggal bayar"))
    transaction = models.OneToOneField(
        LedgerTransaction, verbose_name=_("transaksi"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pembayaran")
        verbose_name_plural = _("pembayaran")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=1), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.external_reference}: {self.amount}"


class CycleRun(models.Model):
    """One monthly cycle; UNIQUE(month) makes a second run of the same month a no-op."""

    month = models.DateField(_("bulan"), unique=True)
    summary = models.JSONField(_("ringkasan"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dijalankan"), auto_now_add=True)

    class Meta:
        verbose_name = _("siklus bulanan")
        verbose_name_plural = _("siklus bulanan")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Siklus {self.month:%Y-%m}"
