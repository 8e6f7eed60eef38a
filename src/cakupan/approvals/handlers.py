"""What happens to the subject when an approval is decided. Features register their callbacks once (in
their AppConfig.ready) and the approval services call them inside the deciding transaction: explicit
calls instead of signals, and the subject changes if and only if the decision commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from cakupan.approvals.models import Approval, ApprovalKind

Callback = Callable[[Approval], None]


@dataclass(frozen=True)
class ApprovalHandler:
    on_approved: Callback
    on_rejected: Callback | None = None
    on_cancelled: Callback | None = None


_HANDLERS: dict[str, ApprovalHandler] = {}


def register_approval_handler(
    kind: str,
    on_approved: Callback,
    on_rejected: Callback | None = None,
    *,
    on_cancelled: Callback | None = None,
) -> None:
    if kind not in ApprovalKind.values:
        raise ImproperlyConfigured(f"Unknown approval kind {kind!r}; add it to ApprovalKind first.")
    handler = ApprovalHandler(on_approved=on_approved, on_rejected=on_rejected, on_cancelled=on_cancelled)
    existing = _HANDLERS.get(kind)
    # Two features answering the same kind would be a wiring mistake; re-registering the same is harmless.
    if existing is not None and existing != handler:
        raise ImproperlyConfigured(f"An approval handler for {kind!r} is already registered.")
    _HANDLERS[kind] = handler


def approval_handler(kind: str) -> ApprovalHandler | None:
    return _HANDLERS.get(kind)
