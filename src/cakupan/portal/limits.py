"""The status check's limits, counted by django-ratelimit in the shared memcached: per NIK, per address, per
network, and per worker for one-time codes. Every counter is incremented on every request it applies to,
whether or not another one is already over, so a client cannot probe one limit through another."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


class LimiterUnavailable(Exception):
    """The shared counter cannot be reached: the check answers "try later" rather than run unlimited."""


def _usage(request: HttpRequest, group: str, value: str, rate: str) -> dict:
    try:
        return get_usage(request, group=group, key=lambda _group, _request: value, rate=rate, increment=True)
    except Exception as error:  # pylibmc raises its own errors when the server is away or slow
        logger.error("status check limiter unavailable: %s", error.__class__.__name__)
        raise LimiterUnavailable from error


def _over(request: HttpRequest, group: str, value: str, rate: str) -> bool:
    return _usage(request, group, value, rate)["should_limit"]


@dataclass(frozen=True)
class LookupCount:
    over: bool
    # The NIK's first look-up in its window (from anywhere): what the enumeration alert counts per network.
    first_for_nik: bool


def lookup_over_limit(request: HttpRequest, *, ip: str, network: str, nik_digest: str) -> LookupCount:
    """Counts one look-up against its address, its network and (when the NIK could be real) the NIK."""
    limits = settings.STATUS_CHECK
    over = _over(request, "cek:ip", ip or "unknown", limits["limit_ip"])
    over |= _over(request, "cek:network", network, limits["limit_network"])
    first = False
    if nik_digest:
        usage = _usage(request, "cek:nik", nik_digest, limits["limit_nik"])
        over |= usage["should_limit"]
        first = usage["count"] == 1
    return LookupCount(over=over, first_for_nik=first)


def codes_over_limit(request: HttpRequest, *, worker_id: int = 0, claim_id: int = 0) -> bool:
    """Counts one code sent to a worker's phone (or, with `claim_id`, to the phone of that claim's reporter):
    a stranger who learned the first tier's answer must not be able to flood her with messages."""
    subject = f"klaim:{claim_id}" if claim_id else str(worker_id)
    return _over(request, "cek:code", subject, settings.STATUS_CHECK["limit_codes_per_worker"])


def claim_over_limit(request: HttpRequest, *, ip: str, network: str, claim_digest: str) -> bool:
    """Counts one try of the family's claim tracking against its address and network (the status check's
    counters: one budget per address for both) and, when the number could be real, the claim number (as
    many tries an hour as one NIK gets)."""
    over = lookup_over_limit(request, ip=ip, network=network, nik_digest="").over
    if claim_digest:
        over |= _over(request, "cek:klaim", claim_digest, settings.STATUS_CHECK["limit_nik"])
    return over
