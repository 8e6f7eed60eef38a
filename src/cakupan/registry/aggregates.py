"""The read models built from the registry (the coverage aggregates) are kept up to date inside the same
transaction as an import. They belong to a higher layer, which the registry must not import: that layer
registers its functions here once at start-up (`CoverageConfig.ready`), an explicit call rather than a
signal. Without a registration (a registry used alone) nothing is refreshed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Aggregates:
    #: The month the dashboards show (the latest built), or None before the first build.
    latest_month: Callable[[], dt.date | None]
    #: Add the cells of new workers, given as (SQL selecting their ids, its parameters).
    add_workers: Callable[..., int]
    #: Rebuild the month's aggregates of some desa.
    refresh: Callable[..., int]


_NOTHING = Aggregates(latest_month=lambda: None, add_workers=lambda **_: 0, refresh=lambda **_: 0)
_registered: Aggregates | None = None


def aggregates_register(aggregates: Aggregates) -> None:
    global _registered
    _registered = aggregates


def aggregates() -> Aggregates:
    return _registered or _NOTHING
