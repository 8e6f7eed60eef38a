"""WhatsApp through Meta's WhatsApp Business Platform, Cloud API.

- Send: POST {base}/{version}/{phone_number_id}/messages, `Authorization: Bearer <token>`, JSON
  {"messaging_product": "whatsapp", "to": "628…", "type": "template", "template": {"name", "language":
  {"code": "id"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": …}]}]},
  "biz_opaque_callback_data": <our reference>}. Business-initiated messages may only be pre-approved
  templates, sent to people who opted in. 200 with {"messages": [{"id": "wamid…"}]}.
- Errors: {"error": {"message", "type", "code", "error_subcode"}}; 429 / code 130429 (throughput),
  131056 (pair rate limit), 131048 (spam rate limit) and 5xx are worth a retry; 131026 (undeliverable),
  132001 (template missing) and the rest are not.
- Webhooks: POST JSON {"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
  "messages", "value": {"statuses": […], "messages": […]}}]}]}, signed `X-Hub-Signature-256:
  sha256=<hex HMAC-SHA256 of the raw body keyed by the app secret>`. A status carries `id` (the wamid),
  `status` (sent, delivered, read, failed), `errors` and our `biz_opaque_callback_data`, which is how a
  send whose answer was lost is recognised when its receipt arrives. GET with hub.mode=subscribe,
  hub.verify_token and hub.challenge verifies the endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
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
    WebhookBatch,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
STATES = {"sent": SENT, "delivered": DELIVERED, "read": DELIVERED, "failed": FAILED}
TRANSIENT_CODES = {4, 80007, 130429, 131000, 131016, 131048, 131056}


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WhatsAppCloud:
    base_url: str
    api_version: str
    phone_number_id: str
    access_token: str
    app_secret: str
    verify_token: str
    timeout: float = http.TIMEOUT_SECONDS

    def send_template(
        self, *, to: str, template: str, language: str, parameters: list[str], reference: str
    ) -> Accepted:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.removeprefix("+"),
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": language},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": value} for value in parameters]}
                ],
            },
            "biz_opaque_callback_data": reference,
        }
        url = f"{self.base_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"
        status, answer = http.request(
            "POST",
            url,
            headers={"Authorization": f"Bearer {self.access_token}", "Content-Type": "application/json"},
            body=json.dumps(payload).encode(),
            timeout=self.timeout,
        )
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if status == 200 and messages and messages[0].get("id"):
            return Accepted(provider_id=str(messages[0]["id"]))
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        code = error.get("code")
        raise ProviderError(
            f"whatsapp_{code or status}",
            str(error.get("message", ""))[:300] or f"HTTP {status}",
            transient=status == 429 or code in TRANSIENT_CODES,
        )

    def verify(self, *, body: bytes, given: str) -> None:
        if not given or not hmac.compare_digest(signature(self.app_secret, body), given):
            raise SignatureError("X-Hub-Signature-256 tidak cocok")

    def verify_subscription(self, *, mode: str, token: str) -> bool:
        return (
            mode == "subscribe" and bool(self.verify_token) and hmac.compare_digest(token, self.verify_token)
        )


def parse_webhook(body: bytes) -> WebhookBatch:
    """Receipts and inbound texts of one (already verified) webhook; anything it does not know is left."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError("badan webhook bukan JSON") from error
    batch = WebhookBatch()
    if not isinstance(document, dict):
        raise ValueError("badan webhook bukan objek JSON")
    for entry in _objects(document.get("entry")):
        for change in _objects(entry.get("changes")):
            value = change.get("value") if isinstance(change.get("value"), dict) else {}
            for status in _objects(value.get("statuses")):
                state = STATES.get(status.get("status", ""))
                if state is None or not status.get("id"):
                    continue
                errors = _objects(status.get("errors")) or [{}]
                batch.updates.append(
                    StatusUpdate(
                        provider_id=str(status["id"]),
                        state=state,
                        reference=str(status.get("biz_opaque_callback_data") or ""),
                        error_code=str(errors[0].get("code", "")) if state == FAILED else "",
                        error_detail=str(errors[0].get("title", ""))[:300] if state == FAILED else "",
                    )
                )
            for message in _objects(value.get("messages")):
                sender = str(message.get("from") or "")
                if not sender:
                    continue
                text = (
                    (message.get("text") or {}).get("body") or (message.get("button") or {}).get("text") or ""
                )
                batch.inbound.append(
                    Inbound(
                        sender=f"+{sender.lstrip('+')}",
                        text=str(text),
                        provider_id=str(message.get("id", "")),
                    )
                )
    return batch


def _objects(value) -> list[dict]:
    """The JSON objects of a list that should hold only objects: anything else is skipped, not a crash."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _field(value, name: str) -> str:
    return str(value.get(name) or "") if isinstance(value, dict) else ""
