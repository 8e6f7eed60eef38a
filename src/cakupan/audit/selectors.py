"""Reads of the audit trail for the auditor page and the admin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction, AuditEvent, AuditEventQuerySet, RowChange
from cakupan.core.masking import mask_identifiers_in_text, mask_kpj, mask_nik, mask_phone

# Fields whose values are personal identifiers, in events' changes and row changes alike. A birth date is
# one: beside a masked NIK it gives back the hidden digits.
_IDENTIFIER_MASKS = {
    "nik": mask_nik,
    "phone": mask_phone,
    "kpj": mask_kpj,
    "birth_date": lambda value: "(disamarkan)",
}
ALERT_DAYS = 30


@dataclass(frozen=True)
class AuditFilters:
    actor_username: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_viewer_allowed(user) -> bool:
    return user is not None and authz.can(user, authz.AUDIT_VIEW)


def _start_of_day(day: dt.date) -> dt.datetime:
    # Days are Jakarta days (WIB): the 23rd starts at 00:00 WIB, i.e. 17:00 UTC on the 22nd.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(*, user, filters: AuditFilters) -> AuditEventQuerySet:
    """Events the user may read, newest first; an empty result for users who may not read the trail."""
    if not audit_viewer_allowed(user):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.visible_to(user)
    if filters.actor_username:
        events = events.filter(actor_username__icontains=filters.actor_username)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type.lower())
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.date_from:
        events = events.filter(when__gte=_start_of_day(filters.date_from))
    if filters.date_to and filters.date_to < dt.date.max:
        events = events.filter(when__lt=_start_of_day(filters.date_to + dt.timedelta(days=1)))
    return events.order_by("-when", "-id")


def masked_value(field: str, value: Any, *, full: bool) -> Any:
    """A value as a viewer may see it: identifiers masked unless the viewer's role sees them."""
    if full or value is None or value == "":
        return value
    mask = _IDENTIFIER_MASKS.get(field)
    if mask is not None:
        return mask(str(value))
    return mask_identifiers_in_text(value) if isinstance(value, str) else value


def change_rows(changes: Any, *, full: bool = True) -> list[tuple[str, Any, Any]]:
    """{"field": [before, after]} as (field, before, after) rows for display, masked for viewers who do
    not see identifiers; other shapes as one row."""
    if not isinstance(changes, dict):
        return [("", "", masked_value("", changes, full=full))] if changes else []
    rows = []
    for field, value in changes.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append(
                (field, masked_value(field, value[0], full=full), masked_value(field, value[1], full=full))
            )
        else:
            rows.append((field, "", masked_value(field, value, full=full)))
    return rows


def row_change_rows(change: RowChange, *, full: bool) -> list[tuple[str, Any, Any]]:
    """A row change as (field, before, after), every field of the row, changed ones first."""
    before, after = change.before_values or {}, change.after_values or {}
    fields = list(dict.fromkeys([*after, *before]))
    fields.sort(key=lambda name: before.get(name) == after.get(name) if before and after else False)
    return [
        (
            name,
            masked_value(name, before.get(name), full=full),
            masked_value(name, after.get(name), full=full),
        )
        for name in fields
    ]


def row_changes_of(*, user, event: AuditEvent):
    """The rows a bulk event changed that the user may read (inside their area), in order."""
    return RowChange.objects.visible_to(user).filter(event_id=event.pk).order_by("id")


def event_get(*, user, event_id: int) -> AuditEvent | None:
    if not audit_viewer_allowed(user):
        return None
    return AuditEvent.objects.visible_to(user).filter(pk=event_id).first()


def recent_alerts(*, user) -> AuditEventQuerySet:
    """Security alerts of the last days (an officer who reached the unmask limit, say), newest first."""
    if not audit_viewer_allowed(user):
        return AuditEvent.objects.none()
    since = timezone.now() - dt.timedelta(days=ALERT_DAYS)
    return (
        AuditEvent.objects.visible_to(user)
        .filter(action=AuditAction.ALERT, when__gte=since)
        .order_by("-when")
    )
