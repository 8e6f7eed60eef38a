"""SERTAKAN: citizens who pay a worker's contributions, the orders they pay through a payment provider,
every notification the provider sent, and the company programs that match them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cakupan.core.scoping import AreaScopedQuerySet


class SponsorshipKind(models.TextChoices):
    NAMED = "named", _("Orang yang saya kenal")
    POOL = "pool", _("Pekerja paling rentan di wilayah atau sektor")
    GIFT = "gift", _("Sumbangan ke program zakat atau CSR")


class SponsorshipStatus(models.TextChoices):
    AWAITING_CONSENT = "awaiting_consent", _("Menunggu persetujuan pekerja")
    DECLINED = "declined", _("Ditolak pekerja")
    READY = "ready", _("Siap dibayar")
    ACTIVE = "active", _("Berjalan")
    ENDED = "ended", _("Berakhir")


# A sponsorship that still holds its worker: no second one may take the same person.
OPEN_STATUSES = (SponsorshipStatus.AWAITING_CONSENT, SponsorshipStatus.READY, SponsorshipStatus.ACTIVE)


class EndReason(models.TextChoices):
    WORKER = "worker", _("Dihentikan pekerja")
    SPONSOR = "sponsor", _("Dihentikan sponsor")
    CONSENT_EXPIRED = "consent_expired", _("Pekerja tidak menjawab")
    PHONE_REJECTED = "phone_rejected", _("Nomor telepon tidak terkonfirmasi")
    PHONE_UNCHECKED = "phone_unchecked", _("Nomor telepon tidak sempat diperiksa")


class PhoneCheck(models.TextChoices):
    """Whether the number the consent request goes to was checked by the person's village operator: not
    needed when the registry holds her phone; otherwise the number the sponsor typed waits for the check."""

    NOT_NEEDED = "", _("Tidak perlu (nomor dari registri)")
    PENDING = "pending", _("Menunggu pemeriksaan operator desa")
    CONFIRMED = "confirmed", _("Dipastikan operator desa")
    REJECTED = "rejected", _("Bukan nomornya")


# How long a typed number waits for the village operator's check: after that the request has lapsed (it can
# no longer be confirmed, and the person is free for another sponsor).
PHONE_CHECK_DAYS = 14


class SponsorshipQuerySet(AreaScopedQuerySet):
    # A sponsorship belongs to the area of the sponsored person's desa (gifts have none: no staff area holds
    # them). Sponsors read their own through `sponsor=`, never through this scope.
    area_lookup = "worker__desa_id"


class Sponsorship(models.Model):
    """One sponsor's support: of a named person, of the most vulnerable worker in a pool (chosen when the
    sponsorship is made, so renewals follow the same person), or a gift to a zakat or CSR program."""

    reference = models.UUIDField(_("referensi"), default=uuid.uuid4, unique=True, editable=False)
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sponsor"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("jenis"), max_length=8, choices=SponsorshipKind.choices)
    worker = models.ForeignKey(
        "registry.Worker",
        verbose_name=_("pekerja"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pool_area = models.CharField(_("wilayah pilihan"), max_length=13, blank=True)
    pool_sector = models.CharField(_("sektor pilihan"), max_length=14, blank=True)
    program = models.ForeignKey(
        "funding.FundingProgram",
        verbose_name=_("program tujuan sumbangan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    months = models.PositiveSmallIntegerField(_("bulan per pembayaran"), default=1)
    recurring = models.BooleanField(_("berulang"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=SponsorshipStatus.choices)
    # The worker's one-time link: only its SHA-256 is kept, so a database reader cannot answer for her.
    consent_digest = models.CharField(_("sidik tautan persetujuan"), max_length=64, blank=True, db_index=True)
    consent_expires_at = models.DateTimeField(_("tautan berlaku sampai"), null=True, blank=True)
    consent_at = models.DateTimeField(_("disetujui pekerja"), null=True, blank=True)
    declined_at = models.DateTimeField(_("ditolak pekerja"), null=True, blank=True)
    ended_at = models.DateTimeField(_("berakhir"), null=True, blank=True)
    end_reason = models.CharField(_("alasan berakhir"), max_length=16, choices=EndReason.choices, blank=True)
    # A card saved with the provider for recurring charges (its token, never the card number).
    card_token = models.CharField(_("token kartu tersimpan"), max_length=120, blank=True)
    card_label = models.CharField(_("kartu"), max_length=40, blank=True)
    lapse_notice_for = models.DateField(_("pengingat habis dikirim untuk bulan"), null=True, blank=True)
    confirmed_notice_through = models.DateField(_("kabar aktif dikirim sampai"), null=True, blank=True)
    # The number the sponsor typed, when the registry holds no phone for the person: it is not written to
    # the registry (it is the public status check's second factor), and the consent request goes to it only
    # once the village operator has made sure it is hers.
    consent_phone = models.CharField(_("nomor dari sponsor"), max_length=16, blank=True)
    phone_check = models.CharField(
        _("pemeriksaan nomor"), max_length=10, choices=PhoneCheck.choices, blank=True, default=""
    )
    phone_check_until = models.DateTimeField(_("diperiksa paling lambat"), null=True, blank=True)
    phone_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diperiksa oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone_checked_at = models.DateTimeField(_("diperiksa pada"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = SponsorshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("dukungan SERTAKAN")
        verbose_name_plural = _("dukungan SERTAKAN")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(status__in=["awaiting_consent", "ready", "active"]),
                name="sponsorship_one_open_per_worker",
            ),
            models.CheckConstraint(condition=models.Q(months__in=[1, 3, 6, 12]), name="sponsorship_months"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="gift", program__isnull=False, worker__isnull=True)
                    | models.Q(~models.Q(kind="gift"), worker__isnull=False, program__isnull=True)
                ),
                name="sponsorship_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(phone_check="") | ~models.Q(consent_phone=""),
                name="sponsorship_checked_phone_given",
            ),
        ]
        # The village operators' worklist: the few sponsorships whose typed number waits for a check.
        indexes = [
            models.Index(
                fields=["phone_check_until"],
                condition=models.Q(phone_check="pending", status="awaiting_consent"),
                name="sponsorship_phone_to_check",
            )
        ]

    def __str__(self) -> str:
        return f"SERTAKAN {self.reference} ({self.get_status_display()})"

    @property
    def region_code(self) -> str | None:
        """The sponsored person's desa, for the authorization table's area check; a gift has none."""
        return self.worker.desa_id if self.worker_id else None


class OrderState(models.TextChoices):
    PENDING = "pending", _("Menunggu pembayaran")
    PAID = "paid", _("Dibayar")
    EXPIRED = "expired", _("Kedaluwarsa")
    DENIED = "denied", _("Ditolak bank")
    CANCELLED = "cancelled", _("Dibatalkan")
    FAILED = "failed", _("Gagal")
    # Paid, but the months could not be placed (the worker was funded meanwhile): the money is kept in the
    # ledger and listed for refund; nothing else is changed.
    REFUND_DUE = "refund_due", _("Dibayar, perlu dikembalikan")
    # Paid, then taken back through the provider (a refund, or a card's capture voided): what the ledger had
    # booked is given back where the money is still there; otherwise the order says what is to recover.
    REVERSED = "reversed", _("Dibatalkan setelah dibayar")


class PaymentOrder(models.Model):
    """One checkout: the months it buys, their contribution, the fee, and what the provider said."""

    order_id = models.CharField(_("nomor pesanan"), max_length=50, unique=True)
    sponsorship = models.ForeignKey(
        Sponsorship, verbose_name=_("dukungan"), on_delete=models.PROTECT, related_name="orders"
    )
    months = models.PositiveSmallIntegerField(_("jumlah bulan"))
    first_month = models.DateField(_("bulan pertama"), null=True, blank=True)
    contribution = models.PositiveBigIntegerField(_("iuran (Rp)"))
    fee = models.PositiveBigIntegerField(_("biaya layanan (Rp)"))
    gross_amount = models.PositiveBigIntegerField(_("jumlah dibayar (Rp)"))
    method = models.CharField(_("cara bayar"), max_length=12)
    recurring_charge = models.BooleanField(_("tagihan berulang otomatis"), default=False)
    state = models.CharField(
        _("status"), max_length=12, choices=OrderState.choices, default=OrderState.PENDING
    )
    provider_transaction_id = models.CharField(_("ID transaksi penyedia"), max_length=64, blank=True)
    provider_status = models.CharField(_("status penyedia"), max_length=24, blank=True)
    instructions = models.JSONField(_("petunjuk bayar"), default=dict, blank=True)
    failure = models.CharField(_("keterangan gagal"), max_length=300, blank=True)
    expires_at = models.DateTimeField(_("batas bayar"), null=True, blank=True)
    paid_at = models.DateTimeField(_("dibayar pada"), null=True, blank=True)
    # When the paid money was booked (ledger, plan, funded months): moments after paid_at, by orders_book.
    booked_at = models.DateTimeField(_("dibukukan pada"), null=True, blank=True)
    plan = models.ForeignKey(
        "funding.AllocationPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_amount = models.PositiveBigIntegerField(_("dana pendamping (Rp)"), default=0)
    matched_months = models.PositiveSmallIntegerField(_("bulan dari dana pendamping"), default=0)
    receipt_number = models.CharField(
        _("nomor tanda terima"), max_length=24, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pesanan pembayaran")
        verbose_name_plural = _("pesanan pembayaran")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gross_amount=models.F("contribution") + models.F("fee")),
                name="order_gross_is_contribution_plus_fee",
            ),
            models.CheckConstraint(
                condition=models.Q(contribution__gte=1), name="order_contribution_positive"
            ),
        ]
        # The orders paid and not yet booked: what orders_book reads, a handful among many.
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(state="paid", booked_at__isnull=True), name="order_to_book"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.get_state_display()})"


class NotificationOutcome(models.TextChoices):
    APPLIED = "applied", _("Diterapkan")
    DUPLICATE = "duplicate", _("Sudah diterapkan sebelumnya")
    FORGED = "forged", _("Tanda tangan salah")
    MISMATCH = "mismatch", _("Jumlah berbeda dari pesanan")
    UNKNOWN_ORDER = "unknown_order", _("Pesanan tidak dikenal")
    NOT_FINAL = "not_final", _("Belum final")
    UNCONFIRMED = "unconfirmed", _("Tidak dikonfirmasi penyedia")


class PaymentNotification(models.Model):
    """Every notification the provider (or anyone claiming to be it) sent, with what we did with it: the
    money trail keeps the forged and the replayed ones too."""

    order_id = models.CharField(_("nomor pesanan"), max_length=50, db_index=True)
    transaction_status = models.CharField(_("status transaksi"), max_length=24, blank=True)
    status_code = models.CharField(_("kode status"), max_length=8, blank=True)
    gross_amount = models.CharField(_("jumlah"), max_length=24, blank=True)
    signature_valid = models.BooleanField(_("tanda tangan sah"))
    outcome = models.CharField(_("hasil"), max_length=14, choices=NotificationOutcome.choices)
    body = models.JSONField(_("isi"))
    received_at = models.DateTimeField(_("diterima"), auto_now_add=True)

    class Meta:
        verbose_name = _("notifikasi pembayaran")
        verbose_name_plural = _("notifikasi pembayaran")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.transaction_status} → {self.outcome}"


class GiftListing(models.Model):
    """A zakat or CSR program that takes gifts from the public, with the words it shows them."""

    program = models.OneToOneField(
        "funding.FundingProgram", verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("judul"), max_length=120)
    blurb = models.CharField(_("keterangan singkat"), max_length=400)
    active = models.BooleanField(_("menerima sumbangan"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("program penerima sumbangan")
        verbose_name_plural = _("program penerima sumbangan")

    def __str__(self) -> str:
        return self.title


class MatchingRule(models.Model):
    """A company program that matches sponsorships: `ratio_pct` rupiah for every 100 a sponsor pays, up
    to a cap per sponsor and in total, between two dates; for its employees (an e-mail domain) or anyone."""

    program = models.ForeignKey(
        "funding.FundingProgram", verbose_name=_("program CSR"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("judul"), max_length=120)
    ratio_pct = models.PositiveSmallIntegerField(_("rasio pendamping (%)"))
    cap_per_sponsor = models.PositiveBigIntegerField(_("batas per sponsor (Rp)"))
    cap_total = models.PositiveBigIntegerField(_("batas total (Rp)"))
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("berakhir"))
    email_domain = models.CharField(_("domain e-mail karyawan"), max_length=100, blank=True)
    matched_total = models.PositiveBigIntegerField(_("sudah didampingi (Rp)"), default=0)
    active = models.BooleanField(_("aktif"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("aturan dana pendamping")
        verbose_name_plural = _("aturan dana pendamping")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ratio_pct__gte=1, ratio_pct__lte=500), name="matching_ratio_range"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="matching_dates"
            ),
            models.CheckConstraint(
                condition=models.Q(matched_total__lte=models.F("cap_total")), name="matching_within_cap"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MatchGrant(models.Model):
    """What one rule matched of one order: unique, so a replayed notification never matches twice."""

    rule = models.ForeignKey(MatchingRule, on_delete=models.PROTECT, related_name="grants")
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="grants")
    sponsor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField(_("jumlah (Rp)"))
    months = models.PositiveSmallIntegerField(_("bulan"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("dana pendamping")
        verbose_name_plural = _("dana pendamping")
        constraints = [models.UniqueConstraint(fields=["rule", "order"], name="matchgrant_once_per_order")]

    def __str__(self) -> str:
        return f"{self.rule_id} × {self.order_id}: {self.amount}"
