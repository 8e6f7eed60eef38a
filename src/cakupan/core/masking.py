"""Masking of personal identifiers for roles that do not work with them (UU 27/2022). No Django import.

A masked value must not be undone from what the same role sees elsewhere. A NIK is the kecamatan code of
issue (6 digits), the birth date as DDMMYY with 40 added to the day for women, and a 4-digit serial that
is small for most people: shown beside the birth date and sex, a NIK with only its middle hidden is
rebuilt exactly. So a masked NIK keeps only the kecamatan code, the birth date is replaced by an age band
(`core.ages`), the phone keeps only its operator prefix and the KPJ nothing (the last digits of the KPJ and
of the phone are the public status check's second factor).
"""

from __future__ import annotations

import re

NIK_VISIBLE = 6
PHONE_VISIBLE = 4
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:\+62|62|0)8\d{7,11}(?!\d)")


def mask_nik(nik: str) -> str:
    """3602014506900001 → 360201**********: where the NIK was issued, nothing of the person."""
    if len(nik) != 16:
        return "*" * len(nik)
    return nik[:NIK_VISIBLE] + "*" * (16 - NIK_VISIBLE)


def national_phone(phone: str) -> str:
    """+6281234567890 → 081234567890, as officers write it."""
    return f"0{phone[3:]}" if phone.startswith("+62") else phone


def mask_phone(phone: str) -> str:
    """+6281234567890 → 0812********; empty stays empty."""
    if not phone:
        return ""
    national = national_phone(phone)
    return national[:PHONE_VISIBLE] + "*" * max(0, len(national) - PHONE_VISIBLE)


def mask_kpj(kpj: str) -> str:
    return "*" * len(kpj)


def mask_identifiers_in_text(text: str) -> str:
    """Identifiers inside a message or a description, masked: 16-digit runs (NIKs), Indonesian mobile
    numbers and 11-digit runs (KPJ). Reports and the audit trail quote the records they are about."""
    text = _SIXTEEN_DIGITS.sub(lambda match: mask_nik(match.group(0)), text)
    text = _PHONE.sub(lambda match: mask_phone(match.group(0)), text)
    return _ELEVEN_DIGITS.sub(lambda match: mask_kpj(match.group(0)), text)


def mask_name(name: str) -> str:
    """Siti Nur Rahayu → S*** N** R*****: the shape of the name, enough for its owner to recognise it and
    too little for anyone else (the status check's second tier, a sponsor's page)."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
