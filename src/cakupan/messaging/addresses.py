"""Where a message goes: Indonesian mobile numbers in E.164 (parsed by `phonenumbers`), e-mail addresses
in lower case. Anything else is refused with a message that names the problem."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cakupan.core.errors import DomainError
from cakupan.messaging.models import Channel

MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def mobile_number(raw: str) -> str:
    """'0812-3456-7890', '+62 812 3456 7890', '6281234567890' → '+6281234567890'."""
    text = (raw or "").strip()
    shown = text[:30]
    try:
        number = phonenumbers.parse(text if not text.startswith("62") else f"+{text}", "ID")
    except phonenumbers.NumberParseException as error:
        raise DomainError(
            "phone_invalid", f"'{shown}' bukan nomor telepon yang dapat dibaca.", field="address"
        ) from error
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise DomainError(
            "phone_invalid", f"'{shown}' bukan nomor ponsel Indonesia yang sah.", field="address"
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise DomainError(
            "phone_not_mobile",
            f"'{shown}' adalah nomor telepon rumah atau kantor; SMS dan WhatsApp butuh nomor ponsel.",
            field="address",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(raw: str) -> str:
    text = (raw or "").strip().lower()
    try:
        validate_email(text)
    except ValidationError as error:
        raise DomainError(
            "email_invalid", f"'{text[:60]}' bukan alamat e-mail yang sah.", field="address"
        ) from error
    return text


def normalise(channel: str, raw: str) -> str:
    if channel == Channel.EMAIL:
        return email_address(raw)
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return mobile_number(raw)
    raise DomainError("channel_unknown", f"Saluran '{str(channel)[:20]}' tidak dikenal.", field="channel")
