"""Domain errors carry a stable English code (for machines) and a Bahasa Indonesia message (for people)."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        payload = {"code": self.code, "message": self.message}
        if self.field:
            payload["field"] = self.field
        return payload
