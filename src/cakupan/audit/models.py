"""The audit trail: one append-only table of events, written explicitly by services and, for model
create/update/delete, mirrored from django-auditlog (see `cakupan.audit.tracking`)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cakupan.audit.tracked_rows import Tracked, tracked
from cakupan.core.errors import DomainError
from cakupan.core.scoping import area_filter


class AppendOnlyError(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "audit_append_only", "Jejak audit hanya dapat ditambah, tidak dapat diubah atau dihapus."
        )


class AuditAction(models.TextChoices):
    CREATE = "create", _("Buat")
    UPDATE = "update", _("Ubah")
    DELETE = "delete", _("Hapus")
    LOGIN = "login", _("Masuk")
    LOGIN_FAILED = "login_failed", _("Gagal masuk")
    LOGOUT = "logout", _("Keluar")
    UNMASK = "unmask", _("Buka data tersamar")
    EXPORT = "export", _("Ekspor")
    IMPORT = "import", _("Impor")
    APPROVAL_SUBMIT = "approval_submit", _("Ajukan persetujuan")
    APPROVAL_APPROVE = "approval_approve", _("Setujui")
    APPROVAL_REJECT = "approval_reject", _("Tolak")
    APPROVAL_CANCEL = "approval_cancel", _("Batalkan pengajuan")
    TOKEN_CREATE = "token_create", _("Buat token API")
    TOKEN_REVOKE = "token_revoke", _("Cabut token API")
    ALERT = "alert", _("Peringatan keamanan")


class AuditEventQuerySet(models.QuerySet):
    """Refuses bulk changes: the trail is evidence, so rows are only ever inserted."""

    def update(self, **kwargs):
        raise AppendOnlyError()

    def delete(self):
        raise AppendOnlyError()

    # Refused up front: Django's own bulk_update would fail inside its atomic block and poison the
    # caller's transaction instead of raising cleanly.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError()

    def visible_to(self, user) -> AuditEventQuerySet:
        """Events an auditor may read: those without a region, and those inside the auditor's area.
        Superusers read everything; a staff user without an area reads nothing, as in core.scoping, so a
        missing area never widens what anyone sees."""
        if user.area_id is None and not user.is_superuser:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(models.Q(region_code="") | area_filter("region_code", user.area_id))


class AuditEvent(models.Model):
    when = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    # No database constraint and nothing done on delete: deleting an account must neither rewrite the
    # trail (the triggers refuse any UPDATE) nor be blocked by it. The id and the username stay as they
    # were, so the events still say who acted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pelaku"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("nama pengguna pelaku"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("aksi"), max_length=24, choices=AuditAction.choices, db_index=True)
    # "app_label.model" as a string, so events outlive renamed or removed models and can name things
    # that are not models (an uploaded file, a report).
    object_type = models.CharField(_("jenis objek"), max_length=100, blank=True)
    object_id = models.CharField(_("ID objek"), max_length=64, blank=True)
    object_repr = models.CharField(_("objek"), max_length=200, blank=True)
    # Empty when the event belongs to no region (a failed login, a province-wide export).
    region_code = models.CharField(_("kode wilayah"), max_length=13, blank=True, db_index=True)
    # {"field": [before, after]}, the same shape django-auditlog uses.
    changes = models.JSONField(_("perubahan"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    metadata = models.JSONField(_("keterangan tambahan"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("peristiwa audit")
        verbose_name_plural = _("jejak audit")
        ordering = ["-when", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="auditevent_object")]

    def __str__(self) -> str:
        who = self.actor_username or "sistem"
        return f"{self.get_action_display()} oleh {who} ({self.object_type} {self.object_id})".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError()
        # An explicit primary key must never turn the insert into an UPDATE of an existing row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError()


class RowOperation(models.TextChoices):
    INSERT = "i", _("Ditambahkan")
    UPDATE = "u", _("Diubah")
    DELETE = "d", _("Dihapus")


class RowChangeQuerySet(AuditEventQuerySet):
    def visible_to(self, user) -> RowChangeQuerySet:
        if user.area_id is None and not user.is_superuser:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(models.Q(region_code="") | area_filter("region_code", user.area_id))


class RowChange(models.Model):
    """One row that a bulk change (an import, a roster, the monthly cycle, an acknowledgement, a plan's
    commitment) inserted, updated or deleted, with its values before and after, under the AuditEvent that
    describes the change. Written set-based in the change's own transaction (`audit.rowchanges`);
    append-only like the events, in the database itself.

    Narrow on purpose (a first load writes a million of these): the table is a small code
    (`audit.tracked_rows`), the values an array of text in the order of that table's fields."""

    event = models.ForeignKey(
        AuditEvent,
        verbose_name=_("peristiwa"),
        on_delete=models.DO_NOTHING,
        # Written by INSERT … SELECT a million rows at a time: a per-row foreign-key check would cost more
        # than the row; the event exists, it is written first in the same transaction. The index is the
        # migration's (BRIN on PostgreSQL: the rows of an event are written together).
        db_constraint=False,
        db_index=False,
        related_name="row_changes",
    )
    kind = models.PositiveSmallIntegerField(_("jenis baris"))
    object_id = models.BigIntegerField(_("ID objek"))
    operation = models.CharField(_("operasi"), max_length=1, choices=RowOperation.choices)
    region_code = models.CharField(_("kode wilayah"), max_length=13, blank=True)
    # NULL, not "", for no values (nothing before an insert, nothing after a delete).
    before = models.TextField(_("sebelum"), null=True, blank=True)  # noqa: DJ001
    after = models.TextField(_("sesudah"), null=True, blank=True)  # noqa: DJ001

    objects = RowChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("perubahan baris")
        verbose_name_plural = _("perubahan baris")
        ordering = ["event_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_operation_display()} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        raise AppendOnlyError()

    def delete(self, *args, **kwargs):
        raise AppendOnlyError()

    @property
    def tracked(self) -> Tracked | None:
        return tracked(self.kind)

    @property
    def object_type(self) -> str:
        return self.tracked.object_type if self.tracked else f"#{self.kind}"

    @property
    def before_values(self) -> dict | None:
        return self.tracked.decode(self.before) if self.tracked else None

    @property
    def after_values(self) -> dict | None:
        return self.tracked.decode(self.after) if self.tracked else None
