"""What the public status check decides before it looks anything up. No Django import.

The check answers a NIK and a second factor. Its defences against someone who walks through NIKs:

* A NIK that cannot be real is refused before any look-up: not 16 digits, an unknown province or
  kab/kota, a birth date that cannot exist, a serial of 0000, or a made-up pattern (one digit repeated,
  a run like 1234567890123456). The cekdptonline roll look-up answered NIKs of repeated digits with real
  records in 2024.
* The second factor is the last four digits of the KPJ or of the registered phone: neither follows from
  the NIK (its digits 7–12 *are* the birth date, so a birth date would be no second factor at all).
* Look-ups are counted per NIK, per address and per network (an IPv4 /24, an IPv6 /64), and recorded with
  a keyed digest of the NIK, never the NIK itself: the NIK's structure leaves few enough possibilities
  that an unkeyed hash would be reversed by trying them all.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import re
from collections.abc import Iterable
from itertools import pairwise

from cakupan.registry.nik import NIK_UNKNOWN_REGENCY, parse_nik

FACTOR_DIGITS = 4
# A NIK with fewer distinct digits than this, or a run of one digit this long, is a made-up pattern: real
# NIKs mix a region code, a date and a serial.
MIN_DISTINCT_DIGITS = 4
MAX_REPEATED_RUN = 7
# A run of consecutive ascending or descending digits this long (1234567890…) is a made-up pattern too.
MAX_SEQUENCE_RUN = 8
# A claim number as the claim service makes it: KL-<two digits of the incident year>-<the case's row number,
# at least six digits>; 16 characters at most (ClaimCase.number).
CLAIM_NUMBER = re.compile(r"KL-[0-9]{2}-[0-9]{6,10}")
IPV4_NETWORK_BITS = 24
IPV6_NETWORK_BITS = 64


def _longest_run(nik: str, step: int) -> int:
    longest = current = 1
    for before, after in pairwise(nik):
        current = current + 1 if (int(after) - int(before)) % 10 == step % 10 else 1
        longest = max(longest, current)
    return longest


def looks_made_up(nik: str) -> bool:
    """16 digits that are a pattern rather than a region, a date and a serial."""
    return (
        len(set(nik)) < MIN_DISTINCT_DIGITS
        or _longest_run(nik, 0) >= MAX_REPEATED_RUN
        or _longest_run(nik, 1) >= MAX_SEQUENCE_RUN
        or _longest_run(nik, -1) >= MAX_SEQUENCE_RUN
    )


def screen_nik(raw: object, *, today: dt.date | None = None) -> str | None:
    """The NIK's 16 digits when it could be real, else None. Never raises, whatever it is given."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    parsed = parse_nik(raw, today=today)
    if not parsed.valid or any(issue.code == NIK_UNKNOWN_REGENCY for issue in parsed.warnings):
        return None
    if looks_made_up(parsed.nik):
        return None
    return parsed.nik


def screen_factor(raw: object) -> str | None:
    """The second factor's four digits (spaces and dashes forgiven), else None."""
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    digits = raw.strip().replace(" ", "").replace("-", "")
    if len(digits) != FACTOR_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return digits


def screen_claim_number(raw: object) -> str | None:
    """The claim number as stored ("KL-26-000123"; lower case, spaces around and spaces for dashes
    forgiven) when it has the claim service's shape, else None. Never raises, whatever it is given."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    number = "-".join(raw.strip().upper().replace("-", " ").split())
    return number if CLAIM_NUMBER.fullmatch(number) else None


def factor_matches(factor: str, candidates: Iterable[str]) -> bool:
    """Whether the factor is the last four digits of any candidate (KPJ numbers, the phone). Every candidate
    is compared in constant time, so a near miss takes as long as a far one."""
    matched = False
    for candidate in candidates:
        tail = candidate[-FACTOR_DIGITS:] if len(candidate) >= FACTOR_DIGITS else "\x00" * FACTOR_DIGITS
        matched |= hmac.compare_digest(tail.encode(), factor.encode())
    return matched


@functools.lru_cache(maxsize=4096)
def network_of(address: str | None) -> str:
    """The network an address belongs to, as the limits and the enumeration alert count it. Kept for the
    addresses seen lately: the same few ask again and again."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = IPV4_NETWORK_BITS if ip.version == 4 else IPV6_NETWORK_BITS
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def nik_digest(nik: str, *, key: bytes) -> str:
    """A keyed digest of the NIK: the same NIK gives the same digest (to count distinct NIKs and limit each
    one), and without the key nobody can go back from the digest to the NIK."""
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


def claim_digest(number: str, *, key: bytes) -> str:
    """A keyed digest of a claim number, as the NIK's: claim numbers run in sequence, so an unkeyed hash of
    one would be no secret."""
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def code_digest(code: str, *, key: bytes, reference: str) -> str:
    """A one-time code is kept only as a digest tied to its challenge."""
    return hmac.new(key, f"{reference}:{code}".encode(), hashlib.sha256).hexdigest()
