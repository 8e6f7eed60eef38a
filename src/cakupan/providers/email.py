"""E-mail through Django's configured backend (SMTP in production and in the tests, which start a real
SMTP server on loopback; django-anymail's backends plug in the same way where a provider is chosen).

Each message carries our reference as its Message-ID, and a List-Unsubscribe link (RFC 2369 and the
one-click POST of RFC 8058) so that a mail client's "unsubscribe" withdraws consent like the link in the
text does."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage, get_connection

from cakupan.providers.base import Accepted, ProviderError

DOMAIN = "cakupan.invalid"


def message_id(reference: str) -> str:
    return f"<{reference}@{DOMAIN}>"


def send_email(*, to: str, subject: str, body: str, reference: str, unsubscribe_url: str) -> Accepted:
    headers = {"Message-ID": message_id(reference)}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail = EmailMessage(subject=subject, body=body, to=[to], headers=headers)
    try:
        with get_connection(fail_silently=False) as connection:
            sent = connection.send_messages([mail])
    except smtplib.SMTPRecipientsRefused as error:
        raise ProviderError("email_recipient_refused", str(error)[:300], transient=False) from error
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, TimeoutError) as error:
        raise ProviderError("email_unreachable", str(error)[:300], transient=True) from error
    except smtplib.SMTPResponseException as error:
        raise ProviderError(
            f"email_{error.smtp_code}", str(error.smtp_error)[:300], transient=400 <= error.smtp_code < 500
        ) from error
    except OSError as error:
        raise ProviderError("email_unreachable", str(error)[:300], transient=True) from error
    if not sent:
        raise ProviderError("email_not_sent", "server surat tidak menerima pesan", transient=True)
    return Accepted(provider_id=message_id(reference))
