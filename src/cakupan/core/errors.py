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


# Things that do not exist (as opposed to parameters that are malformed).
NOT_FOUND_CODES = frozenset(
    {"region_unknown", "coverage_empty", "coverage_month_missing", "denominator_missing"}
)


def domain_error_status(error: DomainError) -> int:
    """Outside the area or not the role's to do → 403, a limit reached → 429, unknown things → 404,
    everything else the caller got wrong → 400."""
    if error.code.endswith(("outside_area", "not_allowed")):
        return 403
    if error.code.endswith("limit_reached"):
        return 429
    if error.code in NOT_FOUND_CODES or error.code.endswith("not_found"):
        return 404
    return 400
