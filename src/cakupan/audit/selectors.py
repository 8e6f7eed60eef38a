"""Reads of the audit trail for the auditor page and the admin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cakupan.accounts.models import Role
from cakupan.audit.models import AuditEvent, AuditEventQuerySet

AUDIT_VIEWER_ROLES = frozenset({Role.AUDITOR, Role.PROVINCIAL_COORDINATOR})


@dataclass(frozen=True)
class AuditFilters:
    actor_username: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_viewer_allowed(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or getattr(user, "role", "") in AUDIT_VIEWER_ROLES


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
    if filters.date_to:
        events = events.filter(when__lt=_start_of_day(filters.date_to + dt.timedelta(days=1)))
    return events.order_by("-when", "-id")


def change_rows(changes: Any) -> list[tuple[str, Any, Any]]:
    """{"field": [before, after]} as (field, before, after) rows for display; other shapes as one row."""
    if not isinstance(changes, dict):
        return [("", "", changes)] if changes else []
    rows = []
    for field, value in changes.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append((field, value[0], value[1]))
        else:
            rows.append((field, "", value))
    return rows
