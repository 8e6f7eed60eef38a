"""The signed link in every e-mail that withdraws its address's consent, and what it carries."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from cakupan.providers.config import public_url

SALT = "cakupan.messaging.unsubscribe"


def unsubscribe_token(address: str) -> str:
    # No time stamp: the link keeps working as long as the mail is kept, and is the same in every mail.
    return signing.Signer(salt=SALT).sign_object({"a": address}, compress=True)


def unsubscribe_address(token: str) -> str | None:
    try:
        return str(signing.Signer(salt=SALT).unsign_object(token)["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(message) -> str:
    return public_url(reverse("messaging:unsubscribe", args=[unsubscribe_token(message.address)]))
