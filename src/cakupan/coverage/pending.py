"""Cover that is funded but not yet cover (unpaid, or paid while BPJS TK has not answered: "didanai,
menunggu pembayaran atau tanggapan BPJS TK"): shown beside the covered figure, never in it. The
funding app, which sits above coverage, provides the count once at start-up
(its AppConfig.ready): an explicit callback, not a signal, and no upward import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

__all__ = ["pending_cover", "register_pending_cover"]

# (area code, month, onward) → workers with a funded, unpaid month in that month (onward: in that month
# or any later one, what the projection counts as already paid for by a budget).
Provider = Callable[[str, dt.date, bool], int]
_PROVIDER: list[Provider] = []


def register_pending_cover(provider: Provider) -> None:
    if _PROVIDER and _PROVIDER[0] is not provider:
        raise ImproperlyConfigured("A provider of funded-but-unpaid cover is already registered.")
    _PROVIDER[:] = [provider]


def pending_cover(*, area_code: str, month: dt.date, onward: bool = False) -> int | None:
    """None when no app provides the figure (coverage alone has no funding)."""
    return _PROVIDER[0](area_code, month, onward) if _PROVIDER else None
