from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCIAL_COORDINATOR = "provincial_coordinator", _("Koordinator provinsi")
    PROVINCIAL_ANALYST = "provincial_analyst", _("Analis provinsi (hanya baca)")
    REGENCY_OFFICER = "regency_officer", _("Petugas kabupaten/kota")
    VILLAGE_OPERATOR = "village_operator", _("Operator desa/kelurahan")
    FIELD_AGENT = "field_agent", _("Agen lapangan")
    FUNDER_OFFICER = "funder_officer", _("Petugas pemberi dana")
    BPJS_LIAISON = "bpjs_liaison", _("Petugas penghubung BPJS Ketenagakerjaan")
    AUDITOR = "auditor", _("Auditor (hanya baca dan jejak audit)")
    SPONSOR = "sponsor", _("Sponsor (akun publik)")


class User(AbstractUser):
    """A Cakupan user. Staff users work inside an area (a region code) and see only records inside it."""

    role = models.CharField(_("peran"), max_length=24, choices=Role.choices, blank=True)
    area = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah kerja"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        swappable = "AUTH_USER_MODEL"


class ApiToken(models.Model):
    """A bearer token for integrations. Only its SHA-256 digest is stored; the value is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="tokens"
    )
    prefix = models.CharField(_("awalan"), max_length=8, db_index=True)
    digest = models.CharField(_("sidik SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    expires_at = models.DateTimeField(_("kedaluwarsa"))
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
