"""Sign-in throttling with django-axes: one lockout for each of three things an attacker varies.

* a username from one address: 5 failures (someone guessing one account);
* a username from any address: 10 failures (guessing one account from many machines);
* an address for any username: 15 failures (password spraying: a few common passwords tried on many
  accounts from one machine, which the per-username count never notices).

A lock lasts AXES_COOLOFF_TIME. axes compares the highest failure count among its lockout parameters with
one limit; `failure_limit` gives axes the limit that makes it lock exactly when one of the three counts
reaches its own limit (AXES_FAILURE_LIMIT accepts a callable for this).
"""

from __future__ import annotations

from django.db.models import Sum

LOCKOUT_LIMITS = ((("username", "ip_address"), 5), (("username",), 10), (("ip_address",), 15))
LOCKOUT_PARAMETERS = [list(keys) if len(keys) > 1 else keys[0] for keys, _ in LOCKOUT_LIMITS]


def failure_counts(request, credentials) -> list[int]:
    """Failures within the cool-off time, per lockout parameter, in the order of LOCKOUT_LIMITS."""
    from axes.handlers.database import AxesDatabaseHandler

    attempts = AxesDatabaseHandler().get_user_attempts(request, credentials)
    return [queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0 for queryset in attempts]


def failure_limit(request, credentials) -> int:
    counts = failure_counts(request, credentials)
    highest = max(counts, default=0)
    reached = any(count >= limit for count, (_, limit) in zip(counts, LOCKOUT_LIMITS, strict=True))
    return max(highest, 1) if reached else highest + 1


# axes keeps the name in a 255-character column; PostgreSQL refuses a longer one (a 500 where a wrong
# name should be just a failed sign-in).
USERNAME_KEPT = 255


def attempt_username(request, credentials) -> str:
    """The name axes counts a sign-in under: the form's username (or the e-mail address a sponsor's
    sign-in passes as one), cut to what axes stores."""
    value = (credentials or {}).get("username")
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("username")
    return str(value or "")[:USERNAME_KEPT]
