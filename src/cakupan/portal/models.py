"""What the public status check records: every look-up (without the NIK in clear) and the one-time codes of
its second tier."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LookupChannel(models.TextChoices):
    WEB = "web", _("Halaman /cek/")
    API = "api", _("API /api/v1/cek")
    CODE_REQUEST = "code_request", _("Minta kode sekali pakai")
    CODE_VERIFY = "code_verify", _("Periksa kode sekali pakai")
    # The family's claim tracking (/cek/klaim/): the digest is of the claim number, not of a NIK.
    CLAIM = "claim", _("Halaman /cek/klaim/")
    CLAIM_CODE = "claim_code", _("Kode sekali pakai pelacakan klaim")
    CLAIM_VERIFY = "claim_verify", _("Periksa kode pelacakan klaim")


class LookupOutcome(models.TextChoices):
    # What was answered; an unknown NIK and a wrong second factor are one outcome, as they are one answer.
    REFUSED = "refused", _("Ditolak sebelum dicari (NIK atau faktor tidak sah)")
    LIMITED = "limited", _("Terlalu banyak percobaan")
    UNAVAILABLE = "unavailable", _("Layanan pembatas tidak tersedia")
    NO_MATCH = "no_match", _("Tidak cocok")
    MATCHED = "matched", _("Cocok")
    CODE_SENT = "code_sent", _("Kode dikirim")
    CODE_WRONG = "code_wrong", _("Kode salah atau kedaluwarsa")
    CODE_ACCEPTED = "code_accepted", _("Kode benar")


class StatusLookup(models.Model):
    """One look-up of the public status check. Append-only by use: nothing updates or deletes these rows."""

    at = models.DateTimeField(_("waktu"), default=timezone.now)
    channel = models.CharField(_("saluran"), max_length=12, choices=LookupChannel.choices)
    outcome = models.CharField(_("hasil"), max_length=13, choices=LookupOutcome.choices)
    # The IPv4 /24 or IPv6 /64 the request came from (what the per-network limit and the alert count).
    network = models.CharField(_("jaringan"), max_length=43)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    # HMAC-SHA256 of the NIK under a key derived from SECRET_KEY; empty when the NIK was refused unread. For
    # the claim tracking channels, the same of the claim number (under a key of its own).
    nik_digest = models.CharField(_("sidik NIK"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("pemeriksaan status")
        verbose_name_plural = _("pemeriksaan status")
        indexes = [
            models.Index(fields=["network", "at"], name="statuslookup_network_at"),
            models.Index(fields=["at"], name="statuslookup_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.outcome} {self.network}"


class CodeChallenge(models.Model):
    """A one-time code sent to a worker's registered phone, or (with `claim`) to the phone of the person who
    reported that claim; the code itself is kept only as a digest. A code opens only what it was sent for:
    a claim's code never opens the worker's cover, nor a worker's code a claim."""

    reference = models.UUIDField(_("rujukan"), default=uuid.uuid4, unique=True, editable=False)
    worker = models.ForeignKey(
        "registry.Worker", verbose_name=_("pekerja"), on_delete=models.CASCADE, related_name="+"
    )
    code_digest = models.CharField(_("sidik kode"), max_length=64)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    expires_at = models.DateTimeField(_("kedaluwarsa"))
    tries = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    used_at = models.DateTimeField(_("dipakai"), null=True, blank=True)
    network = models.CharField(_("jaringan"), max_length=43)
    claim = models.ForeignKey(
        "claims.ClaimCase",
        verbose_name=_("klaim"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("kode sekali pakai")
        verbose_name_plural = _("kode sekali pakai")
        indexes = [models.Index(fields=["worker", "created_at"], name="codechallenge_worker_created")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.created_at:%Y-%m-%d %H:%M})"
