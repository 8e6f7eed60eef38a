"""The outbox: every message to a person is a row with its purpose, channel, rendered body from a versioned
template, an idempotency key and its delivery states; consent is a ledger per address, channel and purpose
with a current-state table beside it for set-based checks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cakupan.core.scoping import AreaScopedQuerySet


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("E-mail")


class Purpose(models.TextChoices):
    REMINDER = "reminder", _("Pengingat iuran")
    LITERACY = "literacy", _("Sosialisasi")
    OTP = "otp", _("Kode sekali pakai")
    RECEIPT = "receipt", _("Tanda terima")
    CLAIM = "claim_update", _("Kabar klaim")
    FUNDER_NOTICE = "funder_notice", _("Pemberitahuan untuk pemberi dana")
    # SERTAKAN: a sponsor's request to the worker, and news of the cover for the sponsor who pays it.
    SPONSORSHIP = "sertakan", _("SERTAKAN")
    # A random check that a person a field agent enrolled met her and agreed (agents.services.backcheck).
    BACK_CHECK = "back_check", _("Konfirmasi pendaftaran")


# Purposes that need the person's recorded consent (UU PDP): what we choose to tell them. The others answer
# something the person asked for (a code, a receipt, their own claim, the check of their own registration) or
# are a funder's own business (the renewals it pays for) and go to the address they gave.
CONSENT_PURPOSES = (Purpose.REMINDER, Purpose.LITERACY)
PHONE_CHANNELS = (Channel.SMS, Channel.WHATSAPP)


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Antre")
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim ke penyedia")
    DELIVERED = "delivered", _("Sampai")
    FAILED = "failed", _("Gagal")
    # Not sent, on purpose: consent withdrawn, the month already paid, or held back to measure reminders.
    CANCELLED = "cancelled", _("Dibatalkan")


class MessageTemplate(models.Model):
    """A versioned Bahasa template. A new wording is a new version; messages keep the version they used.
    `variables` lists the placeholders it may use, in the order WhatsApp's approved template numbers them."""

    key = models.CharField(_("kunci"), max_length=40)
    version = models.PositiveSmallIntegerField(_("versi"))
    purpose = models.CharField(_("tujuan"), max_length=14, choices=Purpose.choices)
    subject = models.CharField(_("judul e-mail"), max_length=120)
    body = models.TextField(_("isi"))
    variables = models.JSONField(_("variabel"), default=list)
    whatsapp_name = models.CharField(_("nama templat WhatsApp"), max_length=60)
    language = models.CharField(_("bahasa"), max_length=5, default="id")
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    class Meta:
        verbose_name = _("templat pesan")
        verbose_name_plural = _("templat pesan")
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="template_key_version")]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class CampaignStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu persetujuan")
    QUEUED = "queued", _("Terjadwal dan masuk antrean")
    REJECTED = "rejected", _("Ditolak")


class CampaignQuerySet(AreaScopedQuerySet):
    area_lookup = "region_code"


class Campaign(models.Model):
    """A literacy campaign: whom (an area, sectors, deciles, coverage statuses), through which channel and
    template, when. Above a configured size a second officer approves it before anything is queued."""

    name = models.CharField(_("nama"), max_length=120)
    region_code = models.CharField(_("wilayah"), max_length=13)
    sectors = models.JSONField(_("sektor"), default=list, blank=True)
    deciles = models.JSONField(_("desil"), default=list, blank=True)
    coverage = models.JSONField(_("status kepesertaan"), default=list, blank=True)
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices)
    template = models.ForeignKey(MessageTemplate, verbose_name=_("templat"), on_delete=models.PROTECT)
    scheduled_at = models.DateTimeField(_("dikirim mulai"))
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices)
    audience = models.PositiveIntegerField(_("penerima"), default=0)
    cost = models.PositiveBigIntegerField(_("perkiraan biaya (Rp)"), default=0)
    queued = models.PositiveIntegerField(_("masuk antrean"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    queued_at = models.DateTimeField(_("masuk antrean pada"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("kampanye sosialisasi")
        verbose_name_plural = _("kampanye sosialisasi")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class MessageQuerySet(AreaScopedQuerySet):
    area_lookup = "region_code"


class Message(models.Model):
    reference = models.UUIDField(_("rujukan"), default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(_("tujuan"), max_length=14, choices=Purpose.choices)
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices)
    # E.164 for SMS and WhatsApp, the e-mail address for e-mail.
    address = models.CharField(_("alamat"), max_length=254)
    worker = models.ForeignKey(
        "registry.Worker",
        verbose_name=_("pekerja"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The worker's desa, else the campaign's area or the province: who may see the message.
    region_code = models.CharField(_("kode wilayah"), max_length=13)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("templat"), on_delete=models.PROTECT, db_index=False
    )
    subject = models.CharField(_("judul"), max_length=200, blank=True)
    body = models.TextField(_("isi"))
    # The template's variables in order: WhatsApp sends them as the approved template's parameters.
    parameters = models.JSONField(_("parameter"), default=list)
    # The contribution month a reminder is about: it is not sent once that month is paid.
    about_month = models.DateField(_("bulan iuran"), null=True, blank=True)
    campaign = models.ForeignKey(
        "messaging.Campaign",
        verbose_name=_("kampanye"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # The same reminder for the same worker and month (or the same code request) is never queued twice.
    idempotency_key = models.CharField(_("kunci idempotensi"), max_length=200, unique=True)
    state = models.CharField(
        _("status"), max_length=10, choices=MessageState.choices, default=MessageState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    next_attempt_at = models.DateTimeField(_("coba lagi pada"), default=timezone.now)
    claimed_at = models.DateTimeField(_("diambil pengirim pada"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    queued_at = models.DateTimeField(_("masuk antrean"), default=timezone.now)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("sampai"), null=True, blank=True)
    failed_at = models.DateTimeField(_("gagal"), null=True, blank=True)
    provider_id = models.CharField(_("ID penyedia"), max_length=100, blank=True)
    error_code = models.CharField(_("kode galat"), max_length=60, blank=True)
    error_detail = models.CharField(_("keterangan galat"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("pesan")
        verbose_name_plural = _("pesan")
        # Few indexes: a campaign inserts a million rows at once. Receipts find their message by our
        # reference (unique); by the provider's id only as a fallback, indexed where set (not at insert).
        indexes = [
            # The sender's question: what is due on this channel, oldest first. With the id last, the
            # order the claim asks for is the index's own even when a campaign gives a million messages the
            # same time (PostgreSQL otherwise sorts them all for every claim of 50; SQLite has the rowid).
            models.Index(fields=["channel", "state", "next_attempt_at", "id"], name="message_due"),
            models.Index(
                fields=["provider_id"], name="message_provider_id", condition=~models.Q(provider_id="")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["queued", "sending", "sent", "delivered", "failed", "cancelled"]
                ),
                name="message_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["sms", "whatsapp", "email"]), name="message_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} lewat {self.get_channel_display()} ({self.get_state_display()})"


class MessageEvent(models.Model):
    """Each state a message moved to after it was queued, with when and why: the row-level trail of the
    outbox, written in the same transaction as the change. The queueing itself is recorded on the message
    (queued_at, created_by, campaign), so a million-message campaign is not written twice."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(_("status"), max_length=10, choices=MessageState.choices)
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    detail = models.CharField(_("keterangan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("riwayat pesan")
        verbose_name_plural = _("riwayat pesan")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_state_display()} {self.at:%d/%m/%Y %H:%M}"


class Receipt(models.Model):
    """Every delivery receipt a provider sent, matched to its message or not (kept, never dropped)."""

    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    provider_id = models.CharField(_("ID penyedia"), max_length=100)
    reference = models.CharField(_("rujukan"), max_length=64, blank=True)
    state = models.CharField(_("status"), max_length=10)
    error_code = models.CharField(_("kode galat"), max_length=60, blank=True)
    received_at = models.DateTimeField(_("diterima"), default=timezone.now)

    class Meta:
        verbose_name = _("laporan pengiriman")
        verbose_name_plural = _("laporan pengiriman")

    def __str__(self) -> str:
        return f"{self.channel} {self.provider_id}: {self.state}"


class ConsentSource(models.TextChoices):
    REGISTRATION = "registration", _("Formulir pendaftaran")
    OFFICER = "officer", _("Dicatat petugas")
    INBOUND_STOP = "inbound_stop", _("Balasan BERHENTI")
    INBOUND_START = "inbound_start", _("Balasan MULAI")
    EMAIL_LINK = "email_link", _("Tautan berhenti di e-mail")
    DEMO = "demo", _("Data demo")


class ConsentRecord(models.Model):
    """The consent ledger (UU PDP): every grant and withdrawal, per address, channel and purpose, with its
    source and time. Append-only; ConsentState holds the latest answer for each triple."""

    address = models.CharField(_("alamat"), max_length=254)
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices)
    purpose = models.CharField(_("tujuan"), max_length=14, choices=Purpose.choices)
    granted = models.BooleanField(_("setuju"))
    source = models.CharField(_("sumber"), max_length=16, choices=ConsentSource.choices)
    recorded_at = models.DateTimeField(_("dicatat"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    note = models.CharField(_("catatan"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("catatan persetujuan")
        verbose_name_plural = _("catatan persetujuan")
        indexes = [models.Index(fields=["address", "recorded_at"], name="consent_record_address")]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {'setuju' if self.granted else 'menolak'} ({self.source})"


class ConsentState(models.Model):
    address = models.CharField(_("alamat"), max_length=254)
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices)
    purpose = models.CharField(_("tujuan"), max_length=14, choices=Purpose.choices)
    granted = models.BooleanField(_("setuju"))
    changed_at = models.DateTimeField(_("diubah"), default=timezone.now)

    class Meta:
        verbose_name = _("persetujuan")
        verbose_name_plural = _("persetujuan")
        constraints = [
            models.UniqueConstraint(fields=["address", "channel", "purpose"], name="consent_state_one")
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {'setuju' if self.granted else 'menolak'}"


class InboundMessage(models.Model):
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices)
    sender = models.CharField(_("pengirim"), max_length=254)
    text = models.TextField(_("isi"))
    provider_id = models.CharField(_("ID penyedia"), max_length=100, blank=True)
    # What Cakupan did with it: "stop", "start", or nothing (kept for an officer to read).
    action = models.CharField(_("tindakan"), max_length=10, blank=True)
    received_at = models.DateTimeField(_("diterima"), default=timezone.now)

    class Meta:
        verbose_name = _("pesan masuk")
        verbose_name_plural = _("pesan masuk")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_id"], condition=~models.Q(provider_id=""), name="inbound_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.received_at:%d/%m/%Y %H:%M}"


class SendingBudget(models.Model):
    """A token bucket per channel, shared by every sending process: the provider's rate is the whole
    installation's, however many workers drain the outbox."""

    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices, primary_key=True)
    tokens = models.FloatField(_("jatah"), default=0)
    updated_at = models.DateTimeField(_("diperbarui"), default=timezone.now)

    class Meta:
        verbose_name = _("jatah kirim")
        verbose_name_plural = _("jatah kirim")

    def __str__(self) -> str:
        return f"{self.channel}: {self.tokens:.1f}"
