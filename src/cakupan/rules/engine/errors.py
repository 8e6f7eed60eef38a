"""The engine's two exceptions: bad input from a person, and a broken data file from a maintainer.

`RulesError.code` is a stable English identifier that callers may branch on; `message` is Bahasa Indonesia
and names the field, for showing to the person who typed it. Never branch on the message.
"""

from __future__ import annotations

__all__ = ["ERROR_CODES", "RulesDataError", "RulesError"]

ERROR_CODES = frozenset(
    {
        # numbers and dates
        "income_missing",
        "income_not_integer",
        "income_negative",
        "income_too_large",
        "number_missing",
        "number_not_integer",
        "number_negative",
        "number_too_large",
        "percent_invalid",
        "percent_out_of_range",
        "month_missing",
        "month_format",
        "date_missing",
        "date_format",
        "datetime_format",
        # codes
        "program_unknown",
        "program_not_available",
        "programs_missing_mandatory",
        "funding_missing",
        "funding_unknown",
        "sector_missing",
        "sector_unknown",
        "sector_not_bpu",
        "prepayment_months_invalid",
        "benefit_kind_unknown",
        "claim_kind_unknown",
        "policy_unknown",
        "disability_part_unknown",
        "disability_input_conflict",
        "disability_input_missing",
        "scholarship_level_unknown",
        "scholarship_child_format",
        "scholarship_children_mismatch",
        "contribution_months_missing",
        # status
        "paid_format",
        "paid_missing",
        "paid_before_start",
        "date_before_membership",
        "date_order",
        # rules versions
        "rules_not_in_force",
    }
)


class RulesError(ValueError):
    """Input the rules cannot be applied to. `field` is the parameter name (API, CLI and form alike)."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        if code not in ERROR_CODES:
            # A typo here would silently create a new public error code; fail loudly in tests instead.
            raise ValueError(f"unregistered rules error code: {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}

    def __repr__(self) -> str:
        return f"RulesError({self.code!r}, {self.message!r}, field={self.field!r})"


class RulesDataError(Exception):
    """A rules data file is malformed: a maintainer's mistake, reported with the file and the figure."""
