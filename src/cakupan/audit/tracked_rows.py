"""Which tables the row-level trail records, by code (RowChange.kind). No Django import.

Each app declares its tables once (`Tracked(...)` in its `rowaudit` module, imported when the app is
ready); the trail stores the small code and the values as a JSON array in the order of `fields`, which
keeps a million-row import's trail narrow enough to write in a few seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

_TRACKED: dict[int, Tracked] = {}


@dataclass(frozen=True)
class Tracked:
    code: int
    object_type: str  # "app_label.model", as on AuditEvent
    table: str
    fields: tuple[str, ...]
    # A SQL expression over the row (alias t) giving its region code, for the auditors' area scope.
    region_sql: str
    boolean_fields: frozenset[str] = frozenset()

    def __post_init__(self):
        existing = _TRACKED.get(self.code)
        if existing is not None and existing != self:
            raise ValueError(f"row-trail code {self.code} is taken by {existing.object_type}")
        _TRACKED[self.code] = self

    def decode(self, text: str | None) -> dict[str, str | None] | None:
        """{"field": value as text} from a stored array; None for no values (before an insert)."""
        if text is None:
            return None
        return dict(zip(self.fields, json.loads(text), strict=True))


def tracked(code: int) -> Tracked | None:
    return _TRACKED.get(code)
