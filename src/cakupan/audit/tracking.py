"""Model create/update/delete tracking: django-auditlog computes the before/after diff and the actor
(from its middleware), and every entry it writes is mirrored into an AuditEvent with the record's region.

Why a mirror rather than an auditor page that reads both tables: auditlog's LogEntry knows nothing of
regions, so it cannot be scoped to an auditor's area, and its rows are ordinary mutable rows. One
append-only table gives one filter, one ordering, one pagination and one area rule. LogEntry stays as
auditlog's own record (full diff, correlation id) for superusers in the admin.

Register models with `track_model` (not `auditlog.register` directly) so their events carry a region;
models registered with auditlog by other means stay in LogEntry only, because an event without a region
would be shown to every auditor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import models

from cakupan.audit.models import AuditAction

RegionOf = Callable[[models.Model], "str | None"]

_REGION_OF: dict[type[models.Model], RegionOf] = {}

_ACTIONS = {
    LogEntry.Action.CREATE: AuditAction.CREATE,
    LogEntry.Action.UPDATE: AuditAction.UPDATE,
    LogEntry.Action.DELETE: AuditAction.DELETE,
}


def track_model(
    model: type[models.Model], *, region_of: RegionOf, exclude_fields: Iterable[str] = ()
) -> None:
    """Log every save and delete of `model` with before/after values; `region_of(instance)` gives the
    region code that decides which auditors see the event."""
    auditlog.register(model, exclude_fields=list(exclude_fields))
    _REGION_OF[model] = region_of


def is_tracked(model: type[models.Model]) -> bool:
    return model._meta.concrete_model in _REGION_OF


def region_of(obj: models.Model) -> str | None:
    resolver = _REGION_OF.get(obj._meta.concrete_model)
    return resolver(obj) if resolver else None


def mirror_log_entry(sender, instance, action, log_entry=None, **kwargs) -> None:
    """post_log receiver. It runs inside the save's transaction, so the event commits or rolls back with
    the change; an error here fails the save, because an unaudited change is worse than a refused one."""
    from cakupan.audit.services import audit_record

    if log_entry is None or action not in _ACTIONS or not is_tracked(sender):
        return
    audit_record(
        action=_ACTIONS[action],
        actor=log_entry.actor,
        obj=instance,
        object_id=log_entry.object_pk,
        changes=log_entry.changes or {},
        region_code=region_of(instance),
        ip_address=log_entry.remote_addr,
        metadata={"auditlog_entry_id": log_entry.pk, **({"cid": log_entry.cid} if log_entry.cid else {})},
    )
