"""What waits for a staff user's action, from apps the workspace may not import.

The workspace's home lists what waits for each role. Most of it comes from lower layers, which the
workspace reads itself; the faces beside it (SERTAKAN) may not be imported by it (nor import it), so they
register a function here once at start-up (their `AppConfig.ready`): an explicit call rather than a
signal, as `registry.aggregates` does for the read models. Without a registration nothing is listed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    title: str
    url: str
    detail: str


_sources: dict[str, Callable[..., list[Waiting]]] = {}


def waiting_register(name: str, source: Callable[..., list[Waiting]]) -> None:
    """`source(user)` lists what waits for the user (every check of its own, through the authorization
    table); registering the same name again replaces it."""
    _sources[name] = source


def waiting_elsewhere(user) -> list[Waiting]:
    items: list[Waiting] = []
    for name in sorted(_sources):
        items += _sources[name](user)
    return items
