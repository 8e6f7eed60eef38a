"""Writes to the audit trail. Other apps call `audit_record` explicitly from their services."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from cakupan.audit import tracking
from cakupan.audit.models import AuditAction, AuditEvent
from cakupan.core.errors import DomainError

OBJECT_REPR_LENGTH = AuditEvent._meta.get_field("object_repr").max_length


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def request_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wrote unless a trusted proxy rewrites it.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    changes: dict[str, Any] | None = None,
    region_code: str | None = None,
    request: HttpRequest | None = None,
    metadata: dict[str, Any] | None = None,
    actor_username: str | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. It joins the caller's transaction, so it commits or rolls back with the change.

    `changes` is {"field": [before, after]}. With `obj`, the object type, id, text and (for tracked models)
    the region come from the object; explicit arguments win. Without `actor`, the request's user is the
    actor; `actor_username` names someone who is not a user (e.g. the name typed in a failed login).
    """
    if action not in AuditAction.values:
        raise DomainError(
            "audit_action_unknown", f"Jenis aksi audit tidak dikenal: {action}.", field="action"
        )
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if isinstance(user, get_user_model()) and user.is_authenticated:
            actor = user
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id if object_id is not None else obj.pk
        object_repr = object_repr if object_repr is not None else str(obj)
        if region_code is None:
            region_code = tracking.region_of(obj)
    metadata = dict(metadata or {})
    raw_ip = ip_address or request_ip(request)
    # A malformed address (a forged forwarding header) must not make the audited write fail; keep it as text.
    if raw_ip and _valid_ip(raw_ip) is None:
        metadata["ip_raw"] = str(raw_ip)[:100]
    event = AuditEvent(
        when=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor is not None else (actor_username or ""),
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        object_repr=(object_repr or "")[:OBJECT_REPR_LENGTH],
        region_code=region_code or "",
        changes=changes or {},
        ip_address=_valid_ip(raw_ip),
        metadata=metadata,
    )
    # The actor row was just handed to us; re-reading it for the foreign-key check would only cost a query.
    event.full_clean(exclude=["actor"])
    event.save()
    return event
