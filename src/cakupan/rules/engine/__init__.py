"""The jamsostek rules engine for BPU (informal) participants: plain Python, no Django.

Figures live in `cakupan/rules/data/*.toml`, one file per regulation version, each with its citation;
this package only applies them. Entry points:

* `contribution`, `contribution_period`: what a month (or 1, 3, 6, 12 prepaid months) costs.
* `due_date`, `membership_status`: when a month is due and whether a member is aktif/menunggak/nonaktif.
* `jkm_benefit`, `scholarship_benefit`, `jkk_*_benefit`, `stmb_benefit`: what the cover pays.
* `claim_deadlines`: reporting and claim deadlines and the payment service level.
* `params.*_from_params`: the same, from string parameters (API, CLI, form), with shared validation.

Bad input raises `RulesError` (stable English `code`, Bahasa `message`, `field`).
"""

from cakupan.rules.engine.benefits import (
    Benefit,
    BenefitLine,
    ChildSchooling,
    jkk_death_benefit,
    jkk_partial_disability_benefit,
    jkk_total_disability_benefit,
    jkk_transport_benefit,
    jkm_benefit,
    scholarship_benefit,
    scholarship_cap,
    stmb_benefit,
)
from cakupan.rules.engine.calendar import WorkingCalendar, due_date, today_jakarta
from cakupan.rules.engine.claims import ClaimDeadlines, claim_deadlines
from cakupan.rules.engine.contributions import (
    Contribution,
    ContributionLine,
    ContributionPeriod,
    contribution,
    contribution_period,
    declared_income_level,
)
from cakupan.rules.engine.errors import ERROR_CODES, RulesDataError, RulesError
from cakupan.rules.engine.figures import Citation, RuleBook, RuleSet, default_book
from cakupan.rules.engine.months import Month
from cakupan.rules.engine.status import MembershipStatus, membership_status

__all__ = [
    "ERROR_CODES",
    "Benefit",
    "BenefitLine",
    "ChildSchooling",
    "Citation",
    "ClaimDeadlines",
    "Contribution",
    "ContributionLine",
    "ContributionPeriod",
    "MembershipStatus",
    "Month",
    "RuleBook",
    "RuleSet",
    "RulesDataError",
    "RulesError",
    "WorkingCalendar",
    "claim_deadlines",
    "contribution",
    "contribution_period",
    "declared_income_level",
    "default_book",
    "due_date",
    "jkk_death_benefit",
    "jkk_partial_disability_benefit",
    "jkk_total_disability_benefit",
    "jkk_transport_benefit",
    "jkm_benefit",
    "membership_status",
    "scholarship_benefit",
    "scholarship_cap",
    "stmb_benefit",
    "today_jakarta",
]
