"""A Perisai agent's commission for one month, from the rule's figures and what her members paid: plain
arithmetic, no Django (jamsostek-rules §8: 7,5% of the contributions collected in the month; Rp500 ribu
bonus for at least 50 new members in the month; the agent's institution keeps 10% of the commission;
removal after 3 months without a new member or a contribution).

Choices the source leaves open, made here once:

* Rupiah are whole. The commission and the institution's share are rounded **down** to the rupiah: no
  party is paid a fraction the rule does not give, and the remainder stays with the agent's net (the
  share is taken from the commission, the agent receives the rest).
* The institution's share is taken from the **percentage commission only**, not from the bonus: the
  source says the institution keeps 10% "of the commission" and names the bonus as a separate reward for
  the agent's own recruiting. An agent without an institution (a pendamping) has no share taken.
* Removal: the month is the `removal_months`-th consecutive month, counting this one, with neither a new
  member nor a contribution collected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["BASIS_POINTS", "Commission", "RuleFigures", "commission_for", "empty_months_until", "month_index"]

BASIS_POINTS = 10_000


@dataclass(frozen=True)
class RuleFigures:
    """The commission rule in force for the month (`agents.CommissionRule`)."""

    rate_bp: int
    bonus_threshold: int
    bonus_amount: int
    institution_share_bp: int
    removal_months: int


@dataclass(frozen=True)
class Commission:
    month: dt.date
    collected: int
    new_members: int
    empty_months: int
    commission: int
    bonus: int
    gross: int
    institution_share: int
    agent_net: int
    removal: bool


def _whole(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of at least 0, not {value!r}")
    return value


def commission_for(
    *,
    rule: RuleFigures,
    month: dt.date,
    collected: int,
    new_members: int,
    empty_months: int,
    has_institution: bool = True,
) -> Commission:
    """The month's commission. `collected`: contributions collected in the month (whole rupiah);
    `empty_months`: consecutive months up to and including this one with neither a new member nor a
    contribution (0 when this month had either)."""
    collected = _whole("collected", collected)
    new_members = _whole("new_members", new_members)
    empty_months = _whole("empty_months", empty_months)
    if empty_months and (collected or new_members):
        raise ValueError("a month with a new member or a contribution is not an empty month")
    commission = collected * rule.rate_bp // BASIS_POINTS
    bonus = rule.bonus_amount if rule.bonus_threshold and new_members >= rule.bonus_threshold else 0
    share = commission * rule.institution_share_bp // BASIS_POINTS if has_institution else 0
    gross = commission + bonus
    return Commission(
        month=month,
        collected=collected,
        new_members=new_members,
        empty_months=empty_months,
        commission=commission,
        bonus=bonus,
        gross=gross,
        institution_share=share,
        agent_net=gross - share,
        removal=bool(rule.removal_months) and empty_months >= rule.removal_months,
    )


def month_index(month: dt.date) -> int:
    """Months since year 0: consecutive months differ by one (year × 12 + month − 1)."""
    return month.year * 12 + month.month - 1


def empty_months_until(month: dt.date, *, active: Iterable[dt.date], start: dt.date) -> int:
    """Consecutive months up to and including `month` without activity (a new member or a contribution),
    counted from the agent's start month when she never had any; 0 before she started."""
    target = month_index(month)
    last = max((month_index(m) for m in active if month_index(m) <= target), default=None)
    if last is None:
        return max(0, target - month_index(start) + 1)
    return target - last
