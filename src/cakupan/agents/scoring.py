"""Field agents' figures and the score that ranks them: plain arithmetic, no Django.

Agents are judged by cover that lasts, not by sign-ups (a sign-up that lapses after its first paid months
protects nobody). The figures, each over the members an agent enrolled (`kpis` counts them in SQL):

* **enrolled**: her new records that became registered workers.
* **still covered after 3, 6 and 12 months**: of the members enrolled at least N months before the last
  finished month (so month `enrolment + N` is over), the share whose membership was paid through month
  `enrolment + N` (a membership paid through that month and running since then or earlier).
* **on-time renewals**: of the contribution months after the enrolment month, up to the last finished
  month, the share paid in Cakupan's ledger no later than the month's due date (the 15th, or the next
  working day; jamsostek-rules §2.4), i.e. before the member fell into arrears. A month unpaid, paid late
  or paid outside Cakupan (no payment date known) is not on time.
* **duplicate NIKs**: of her new records sent, the share refused because the NIK was already registered
  or already being registered by another record.
* **back-checks passed**: of the back-checks the person answered (by SMS or by a supervisor's call), the
  share who confirmed she met the agent and agreed to be registered.

The score (0–100) is a weighted mean of the available terms, each a share from 0 to 1:

    6-month retention 0.25, 12-month retention 0.25, back-checks passed 0.20, 3-month retention 0.10,
    on-time renewals 0.10, no duplicate NIKs (1 − duplicate rate) 0.05, sign-ups 0.05 (enrolled ÷ 100,
    at most 1).

A term with nothing to judge yet (no member enrolled 12 months ago, no back-check answered) is left out
and the weights of the others are rescaled, so a young agent is not punished for what cannot be known.
Agents with fewer than `MIN_JUDGED` members judged at 3 months are shown but not ranked ("belum cukup
data"): a rate over a handful of people says little.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "HORIZONS", "MIN_JUDGED", "SIGNUP_TARGET", "WEIGHTS",
    "Figures", "Score", "percent_of", "rank_key", "score",
]  # fmt: skip

HORIZONS = (3, 6, 12)
MIN_JUDGED = 10
SIGNUP_TARGET = 100
WEIGHTS = {
    "kept_6": Decimal("0.25"),
    "kept_12": Decimal("0.25"),
    "checks": Decimal("0.20"),
    "kept_3": Decimal("0.10"),
    "on_time": Decimal("0.10"),
    "unique": Decimal("0.05"),
    "signups": Decimal("0.05"),
}
_PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class Figures:
    """Counts for one agent (or a sum over agents): every rate is computed from these."""

    enrolled: int = 0
    judged_3: int = 0
    kept_3: int = 0
    judged_6: int = 0
    kept_6: int = 0
    judged_12: int = 0
    kept_12: int = 0
    months_due: int = 0
    paid_on_time: int = 0
    sent: int = 0
    duplicates: int = 0
    checks_answered: int = 0
    checks_passed: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def judged(self, horizon: int) -> int:
        return getattr(self, f"judged_{horizon}")

    def kept(self, horizon: int) -> int:
        return getattr(self, f"kept_{horizon}")

    def _share(self, part: int, whole: int) -> Decimal | None:
        return None if whole == 0 else Decimal(part) / Decimal(whole)

    def retention(self, horizon: int) -> Decimal | None:
        """Share (0–1) still covered `horizon` months after enrolment; None with nobody judged yet."""
        return self._share(self.kept(horizon), self.judged(horizon))

    @property
    def on_time(self) -> Decimal | None:
        return self._share(self.paid_on_time, self.months_due)

    @property
    def duplicate_rate(self) -> Decimal | None:
        return self._share(self.duplicates, self.sent)

    @property
    def check_pass_rate(self) -> Decimal | None:
        return self._share(self.checks_passed, self.checks_answered)

    @property
    def enough(self) -> bool:
        return self.judged_3 >= MIN_JUDGED


def percent_of(share: Decimal | None) -> Decimal | None:
    """A share (0–1) as a percentage with one decimal, for pages and exports."""
    return None if share is None else (share * 100).quantize(_PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Score:
    value: Decimal | None  # 0–100, one decimal; None when there is not enough data to rank
    enough: bool
    terms: dict[str, Decimal]  # the shares (0–1) that entered the score


def score(figures: Figures) -> Score:
    duplicate = figures.duplicate_rate
    shares: dict[str, Decimal | None] = {
        "kept_3": figures.retention(3),
        "kept_6": figures.retention(6),
        "kept_12": figures.retention(12),
        "checks": figures.check_pass_rate,
        "on_time": figures.on_time,
        "unique": None if duplicate is None else 1 - duplicate,
        "signups": min(Decimal(1), Decimal(figures.enrolled) / SIGNUP_TARGET),
    }
    terms = {name: share for name, share in shares.items() if share is not None}
    if not figures.enough:
        return Score(value=None, enough=False, terms=terms)
    total = sum((WEIGHTS[name] for name in terms), Decimal(0))
    weighted = sum((WEIGHTS[name] * share for name, share in terms.items()), Decimal(0))
    value = (weighted / total * 100).quantize(_PERCENT, rounding=ROUND_HALF_UP)
    return Score(value=value, enough=True, terms=terms)


def rank_key(figures: Figures, result: Score, name: str) -> tuple:
    """Ranked agents first, best score first (ties: 12-, then 6-month retention, then the larger number
    judged); then the unranked, most enrolments first; then by name."""
    if result.value is not None:
        return (0, -result.value, -(figures.retention(12) or 0), -(figures.retention(6) or 0),
                -figures.judged_3, name)  # fmt: skip
    return (1, 0, 0, 0, -figures.enrolled, name)
