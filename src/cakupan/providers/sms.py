"""SMS through an HTTP gateway that speaks Twilio's Programmable Messaging API (2010-04-01).

Why this API: it is documented in full, offers Indonesian alphanumeric sender IDs, reports delivery to a
per-message `StatusCallback`, signs every webhook (`X-Twilio-Signature`: HMAC-SHA1 of the URL followed by
the sorted POST parameters, keyed by the auth token), and lets a sender list what it sent, which is how a
send cut off mid-way is found again instead of being sent twice. The Indonesian gateways whose APIs we
looked at publish no signature for their receipts.

- Send: POST {base}/2010-04-01/Accounts/{sid}/Messages.json, HTTP Basic (sid, token), form fields To,
  From, Body, StatusCallback. 201 with the message resource (`sid`, `status`).
- Errors: 4xx JSON {code, message}; 429 (code 20429) and 5xx are worth a retry.
- Receipts: POST to StatusCallback, form fields MessageSid, MessageStatus (queued, sending, sent,
  delivered, undelivered, failed), ErrorCode.
- Inbound: POST to the number's messaging URL, form fields MessageSid, From, To, Body.
- List: GET …/Messages.json?To=…&DateSent>=YYYY-MM-DD.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from cakupan.providers import http
from cakupan.providers.base import (
    DELIVERED,
    FAILED,
    SENT,
    Accepted,
    Inbound,
    ProviderError,
    SignatureError,
    StatusUpdate,
)

API_VERSION = "2010-04-01"
SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's words → the outbox's; queued/accepted/sending mean "still on its way" and change nothing.
STATES = {"sent": SENT, "delivered": DELIVERED, "undelivered": FAILED, "failed": FAILED}
# 4xx answers a retry may still fix: too many requests, and the queue being full.
TRANSIENT_CODES = {20429, 30001}


def signature(token: str, url: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature of a POST to `url` with `params`."""
    text = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class SmsGateway:
    base_url: str
    account_sid: str
    auth_token: str
    sender: str
    timeout: float = http.TIMEOUT_SECONDS

    def _messages_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    def _headers(self) -> dict[str, str]:
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return {"Authorization": f"Basic {credentials}", "Accept": "application/json"}

    def send(self, *, to: str, body: str, status_callback: str) -> Accepted:
        form = {"To": to, "From": self.sender, "Body": body, "StatusCallback": status_callback}
        status, payload = http.request(
            "POST",
            self._messages_url(),
            headers={**self._headers(), "Content-Type": "application/x-www-form-urlencoded"},
            body=urllib.parse.urlencode(form).encode(),
            timeout=self.timeout,
        )
        if status in (200, 201) and isinstance(payload, dict) and payload.get("sid"):
            return Accepted(provider_id=str(payload["sid"]))
        code = payload.get("code") if isinstance(payload, dict) else None
        detail = str(payload.get("message", "")) if isinstance(payload, dict) else ""
        raise ProviderError(
            f"sms_{code or status}",
            detail[:300] or f"HTTP {status}",
            transient=status == 429 or code in TRANSIENT_CODES,
        )

    def find_sent(self, *, to: str, body: str, since: dt.datetime) -> str | None:
        """The id of a message already sent to `to` with this body since `since`, if the gateway has one:
        how a send whose answer was lost (the process died waiting) is recognised instead of repeated."""
        query = urllib.parse.urlencode({"To": to, "DateSent>": since.date().isoformat(), "PageSize": 100})
        status, payload = http.request(
            "GET", f"{self._messages_url()}?{query}", headers=self._headers(), timeout=self.timeout
        )
        if status != 200 or not isinstance(payload, dict):
            raise ProviderError(f"sms_{status}", "daftar pesan tidak dapat dibaca", transient=True)
        # The gateway dates to the second; the claim was taken a moment before the send.
        earliest = since - dt.timedelta(seconds=2)
        for message in payload.get("messages", []):
            created = _parse_date(message.get("date_created"))
            if message.get("body") == body and created is not None and created >= earliest:
                return str(message.get("sid"))
        return None

    def verify(self, *, url: str, params: Mapping[str, str], given: str) -> None:
        expected = signature(self.auth_token, url, params)
        if not given or not hmac.compare_digest(expected, given):
            raise SignatureError("X-Twilio-Signature tidak cocok")


def parse_status(params: Mapping[str, str]) -> StatusUpdate | None:
    """A receipt; None for the intermediate states (queued, sending) that change nothing."""
    state = STATES.get(params.get("MessageStatus", ""))
    sid = params.get("MessageSid", "")
    if state is None or not sid:
        return None
    code = params.get("ErrorCode", "") if state == FAILED else ""
    return StatusUpdate(
        provider_id=sid,
        state=state,
        error_code=code,
        error_detail=f"kode galat penyedia {code}" if code else "",
    )


def parse_inbound(params: Mapping[str, str]) -> Inbound | None:
    sender, text = params.get("From", ""), params.get("Body", "")
    if not sender:
        return None
    return Inbound(sender=sender, text=text, provider_id=params.get("MessageSid", ""))


def _parse_date(value) -> dt.datetime | None:
    """Twilio writes RFC 2822 dates ("Mon, 07 Dec 2026 08:00:00 +0000")."""
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
