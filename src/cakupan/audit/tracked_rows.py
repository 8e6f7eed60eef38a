"""Which tables the row-level trail records, by code (RowChange.kind). No Django import.

Each app declares its tables once (`Tracked(...)` in its `rowaudit` module, imported when the app is
ready); the trail stores the small code and the values as an array of text in the order of `fields`,
which keeps a million-row import's trail narrow enough to write in a few seconds. SQLite writes the array
as JSON (`json_array`); PostgreSQL as its own text-array literal (`{a,"b c",NULL}`), which it produces
for a third less time than JSON; `decode` reads either, so a trail moved between the two stays readable.
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
    # True when region_sql reads another table (the membership's worker, say): an update of the row
    # itself cannot move it, so an update's trail keeps the region captured before it instead of
    # looking it up again for every row (2,2 million look-ups in a Banten monthly cycle).
    region_from_elsewhere: bool = False

    def __post_init__(self):
        existing = _TRACKED.get(self.code)
        if existing is not None and existing != self:
            raise ValueError(f"row-trail code {self.code} is taken by {existing.object_type}")
        _TRACKED[self.code] = self

    def decode(self, text: str | None) -> dict[str, str | None] | None:
        """{"field": value as text} from a stored array; None for no values (before an insert)."""
        if text is None:
            return None
        values = parse_text_array(text) if text.startswith("{") else json.loads(text)
        return dict(zip(self.fields, values, strict=True))


def parse_text_array(text: str) -> list[str | None]:
    """A one-dimensional PostgreSQL text-array literal as PostgreSQL writes it (array_out): elements
    separated by commas, double-quoted (with backslash escapes) when they hold a special character or
    are empty, an unquoted NULL for a null."""
    if len(text) < 2 or text[0] != "{" or text[-1] != "}":
        raise ValueError(f"not a text-array literal: {text[:40]!r}")
    if text == "{}":
        return []
    items: list[str | None] = []
    position, end = 1, len(text) - 1
    while True:
        if text[position] == '"':
            position += 1
            chars = []
            while text[position] != '"':
                if text[position] == "\\":
                    position += 1
                chars.append(text[position])
                position += 1
            items.append("".join(chars))
            position += 1
        else:
            stop = position
            while stop < end and text[stop] != ",":
                stop += 1
            token = text[position:stop]
            items.append(None if token.upper() == "NULL" else token)
            position = stop
        if position >= end:
            return items
        if text[position] != ",":
            raise ValueError(f"not a text-array literal: {text[:40]!r}")
        position += 1


def tracked(code: int) -> Tracked | None:
    return _TRACKED.get(code)
