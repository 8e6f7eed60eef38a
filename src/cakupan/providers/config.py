"""The adapters as configured in settings.MESSAGING; None where a channel is switched off."""

from __future__ import annotations

from django.conf import settings

from cakupan.providers.sms import SmsGateway
from cakupan.providers.whatsapp import WhatsAppCloud


def sms_gateway() -> SmsGateway | None:
    config = settings.MESSAGING.get("sms")
    return SmsGateway(**config) if config else None


def whatsapp_cloud() -> WhatsAppCloud | None:
    config = settings.MESSAGING.get("whatsapp")
    return WhatsAppCloud(**config) if config else None


def public_url(path: str) -> str:
    return settings.MESSAGING["public_url"].rstrip("/") + path
