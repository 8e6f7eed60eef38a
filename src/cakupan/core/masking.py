"""Masking of personal identifiers in lists and exports (UU 27/2022). No Django import."""

from __future__ import annotations

# Roles that work with identifiers every day: registering, verifying and matching people.
ROLES_SEEING_IDENTIFIERS = frozenset({"village_operator", "field_agent", "bpjs_liaison"})


def mask_nik(nik: str) -> str:
    """3601234567890001 → 3601********0001: the regency and serial stay readable for checking."""
    if len(nik) != 16:
        return "*" * len(nik)
    return f"{nik[:4]}{'*' * 8}{nik[12:]}"


def mask_phone(phone: str) -> str:
    """+6281234567890 → +62812*****890; empty stays empty."""
    if not phone:
        return ""
    keep_start, keep_end = 6, 3
    if len(phone) <= keep_start + keep_end:
        return "*" * len(phone)
    return f"{phone[:keep_start]}{'*' * (len(phone) - keep_start - keep_end)}{phone[-keep_end:]}"


def sees_identifiers(*, role: str, is_superuser: bool = False) -> bool:
    return is_superuser or role in ROLES_SEEING_IDENTIFIERS
