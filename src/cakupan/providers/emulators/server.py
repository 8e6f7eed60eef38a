"""One local HTTP server that answers like the SMS gateway (Twilio's Messages API) and the WhatsApp Cloud
API, as far as Cakupan uses them, and sends their signed receipts and inbound messages back.

It keeps everything in memory. Receipts and inbound messages are recorded as the exact signed requests
(`/_emulator/callbacks`, which the tests replay into Django's test client) and, when `deliver` is on (the
demo), also POSTed to the configured URLs with retries, as the providers do.

Test controls, under /_emulator/: GET messages, GET callbacks?after=N, POST faults {"channel", "faults":
[{"status": 500} | {"status": 429} | {"hang": seconds} | {"accept_then_hang": seconds}]} (one fault per
coming request of that channel, in order), POST inbound {"channel", "from", "text"}, POST reset.
Numbers ending in 0000 are unreachable: their receipt is a failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

from cakupan.providers import sms, whatsapp
from cakupan.providers.emulators.base import LoopbackEmulator

UNREACHABLE_SUFFIX = "0000"


@dataclass
class EmulatorConfig:
    sms_account_sid: str = "ACemulator"
    sms_auth_token: str = "emulator-token"
    sms_inbound_url: str = ""
    whatsapp_token: str = "emulator-wa-token"
    whatsapp_app_secret: str = "emulator-app-secret"
    whatsapp_phone_number_id: str = "100200300"
    whatsapp_webhook_url: str = ""
    # Names of approved WhatsApp templates; empty accepts any name.
    whatsapp_templates: frozenset[str] = frozenset()
    deliver: bool = False


@dataclass
class _State:
    messages: list[dict] = field(default_factory=list)
    callbacks: list[dict] = field(default_factory=list)
    faults: dict[str, deque] = field(default_factory=lambda: {"sms": deque(), "whatsapp": deque()})


class Emulator(LoopbackEmulator):
    """Start with `with Emulator(config) as emulator:`; `emulator.url` is its base URL."""

    def __init__(self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.config = config or EmulatorConfig()
        self.state = _State()
        self.lock = threading.Lock()
        super().__init__(_handler_for(self), host=host, port=port, name="emulator")

    # --- what the handler calls ---------------------------------------------------------------------

    def next_fault(self, channel: str) -> dict | None:
        with self.lock:
            queue = self.state.faults[channel]
            return queue.popleft() if queue else None

    def record_message(self, message: dict) -> None:
        with self.lock:
            self.state.messages.append(message)

    def callback(self, *, url: str, headers: dict[str, str], body: bytes, kind: str) -> None:
        record = {"url": url, "headers": headers, "body": body.decode("utf-8"), "kind": kind}
        with self.lock:
            record["number"] = len(self.state.callbacks) + 1
            self.state.callbacks.append(record)
        if self.config.deliver and url:
            self.deliver(record)

    def sms_receipts(self, message: dict, status_callback: str) -> None:
        final = "undelivered" if message["to"].endswith(UNREACHABLE_SUFFIX) else "delivered"
        for status in ("sent", final):
            params = {
                "MessageSid": message["sid"],
                "SmsSid": message["sid"],
                "MessageStatus": status,
                "SmsStatus": status,
                "To": message["to"],
                "From": message["from"],
                "AccountSid": self.config.sms_account_sid,
            }
            if status == "undelivered":
                params["ErrorCode"] = "30003"
            self._sms_callback(status_callback, params, kind="sms_status")

    def _sms_callback(self, url: str, params: dict[str, str], *, kind: str) -> None:
        signed = sms.signature(self.config.sms_auth_token, url, params)
        body = urllib.parse.urlencode(params).encode()
        headers = {sms.SIGNATURE_HEADER: signed, "Content-Type": "application/x-www-form-urlencoded"}
        self.callback(url=url, headers=headers, body=body, kind=kind)

    def whatsapp_receipts(self, message: dict) -> None:
        final = "failed" if message["to"].endswith(UNREACHABLE_SUFFIX) else "delivered"
        for status in ("sent", final):
            item = {
                "id": message["id"],
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": message["to"],
                "biz_opaque_callback_data": message["reference"],
            }
            if status == "failed":
                item["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
            self._whatsapp_callback({"statuses": [item]}, kind="whatsapp_status")

    def _whatsapp_callback(self, value: dict, *, kind: str) -> None:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": "6281100000000",
                "phone_number_id": self.config.whatsapp_phone_number_id,
            },
            **value,
        }
        document = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA-EMULATOR", "changes": [{"field": "messages", "value": value}]}],
        }
        body = json.dumps(document).encode()
        headers = {
            whatsapp.SIGNATURE_HEADER: whatsapp.signature(self.config.whatsapp_app_secret, body),
            "Content-Type": "application/json",
        }
        self.callback(url=self.config.whatsapp_webhook_url, headers=headers, body=body, kind=kind)

    def inbound(self, channel: str, sender: str, text: str) -> None:
        if channel == "sms":
            params = {
                "MessageSid": "SM" + uuid.uuid4().hex,
                "From": sender,
                "To": "CAKUPAN",
                "Body": text,
                "AccountSid": self.config.sms_account_sid,
                "NumMedia": "0",
            }
            self._sms_callback(self.config.sms_inbound_url, params, kind="sms_inbound")
        else:
            digits = sender.lstrip("+")
            self._whatsapp_callback(
                {
                    "contacts": [{"profile": {"name": "Pengirim"}, "wa_id": digits}],
                    "messages": [
                        {
                            "from": digits,
                            "id": "wamid." + uuid.uuid4().hex,
                            "timestamp": str(int(time.time())),
                            "type": "text",
                            "text": {"body": text},
                        }
                    ],
                },
                kind="whatsapp_inbound",
            )


def _handler_for(emulator: Emulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # An answer is written as headers, then body: on a kept connection Nagle's algorithm holds the body
        # until the client acknowledges the headers, which it delays by 40 ms.
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:  # quiet: the tests read the state, not the log
            return

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _answer(self, status: int, payload) -> None:
            data = json.dumps(payload, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            if parsed.path == "/_emulator/messages":
                with emulator.lock:
                    return self._answer(200, {"messages": list(emulator.state.messages)})
            if parsed.path == "/_emulator/callbacks":
                after = int(query.get("after", "0") or 0)
                with emulator.lock:
                    return self._answer(200, {"callbacks": emulator.state.callbacks[after:]})
            if parsed.path.endswith("/Messages.json"):
                if not self._sms_authorised():
                    return None
                since = query.get("DateSent>", "")
                with emulator.lock:
                    found = [
                        _sms_resource(m)
                        for m in emulator.state.messages
                        if m["channel"] == "sms"
                        and m["to"] == query.get("To")
                        and (not since or m["created"].date().isoformat() >= since)
                    ]
                return self._answer(200, {"messages": found, "page": 0, "page_size": len(found)})
            return self._answer(404, {"code": 20404, "message": "The requested resource was not found"})

        def do_POST(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            body = self._body()
            if parsed.path.startswith("/_emulator/"):
                return self._control(parsed.path.removeprefix("/_emulator/"), body)
            if parsed.path.endswith("/Messages.json"):
                return self._sms_send(body)
            if parsed.path.endswith("/messages"):
                return self._whatsapp_send(parsed.path, body)
            return self._answer(404, {"code": 20404, "message": "The requested resource was not found"})

        def _control(self, action: str, body: bytes) -> None:
            data = json.loads(body or b"{}")
            if action == "faults":
                with emulator.lock:
                    emulator.state.faults[data["channel"]].extend(data["faults"])
            elif action == "inbound":
                emulator.inbound(data["channel"], data["from"], data["text"])
            elif action == "reset":
                with emulator.lock:
                    emulator.state = _State()
            else:
                return self._answer(404, {"error": "unknown control"})
            return self._answer(200, {"ok": True})

        def _fault(self, channel: str) -> dict | None:
            """Applies a fault that answers before the message is taken; returns one that answers after."""
            fault = emulator.next_fault(channel)
            if not fault:
                return None
            if "hang" in fault:
                time.sleep(float(fault["hang"]))
                return {"answered": True, **self._fault_status(channel, 504)}
            if "status" in fault:
                return {"answered": True, **self._fault_status(channel, int(fault["status"]))}
            return fault

        def _fault_status(self, channel: str, status: int) -> dict:
            if channel == "sms":
                code = 20429 if status == 429 else 20500
                self._answer(status, {"code": code, "message": "Emulated fault", "status": status})
            else:
                code = 130429 if status == 429 else 131000
                self._answer(
                    status, {"error": {"message": "Emulated fault", "type": "OAuthException", "code": code}}
                )
            return {}

        def _sms_authorised(self) -> bool:
            expected = base64.b64encode(
                f"{emulator.config.sms_account_sid}:{emulator.config.sms_auth_token}".encode()
            ).decode()
            if self.headers.get("Authorization") != f"Basic {expected}" or (
                f"/Accounts/{emulator.config.sms_account_sid}/" not in self.path
            ):
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return False
            return True

        def _sms_send(self, body: bytes) -> None:
            if not self._sms_authorised():
                return
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8")))
            fault = self._fault("sms")
            if fault and fault.get("answered"):
                return
            to = form.get("To", "")
            if not (to.startswith("+") and to[1:].isdigit() and 8 <= len(to) - 1 <= 15):
                return self._answer(
                    400,
                    {
                        "code": 21211,
                        "status": 400,
                        "message": f"The 'To' number {to} is not a valid phone number.",
                    },
                )
            if not form.get("Body"):
                return self._answer(
                    400, {"code": 21602, "status": 400, "message": "Message body is required."}
                )
            now = dt.datetime.now(dt.UTC)
            message = {
                "channel": "sms",
                "sid": "SM" + uuid.uuid4().hex,
                "to": to,
                "from": form.get("From", ""),
                "body": form["Body"],
                "created": now,
                "status_callback": form.get("StatusCallback", ""),
            }
            emulator.record_message(message)
            emulator.sms_receipts(message, message["status_callback"])
            if fault and "accept_then_hang" in fault:
                time.sleep(float(fault["accept_then_hang"]))
            return self._answer(201, _sms_resource(message))

        def _whatsapp_send(self, path: str, body: bytes) -> None:
            config = emulator.config
            if self.headers.get("Authorization") != f"Bearer {config.whatsapp_token}" or (
                f"/{config.whatsapp_phone_number_id}/" not in path
            ):
                return self._answer(
                    401,
                    {
                        "error": {
                            "message": "Invalid OAuth access token.",
                            "type": "OAuthException",
                            "code": 190,
                        }
                    },
                )
            fault = self._fault("whatsapp")
            if fault and fault.get("answered"):
                return
            try:
                data = json.loads(body)
                to, template = str(data["to"]), data["template"]
                name = template["name"]
                parameters = [p["text"] for p in template["components"][0]["parameters"]]
            except (ValueError, KeyError, IndexError, TypeError):
                return self._answer(400, {"error": {"message": "(#100) Invalid parameter", "code": 100}})
            if not to.isdigit():
                return self._answer(
                    400, {"error": {"message": "(#131009) Parameter value is not valid", "code": 131009}}
                )
            if config.whatsapp_templates and name not in config.whatsapp_templates:
                return self._answer(
                    400,
                    {
                        "error": {
                            "message": "(#132001) Template name does not exist in the translation",
                            "code": 132001,
                        }
                    },
                )
            message = {
                "channel": "whatsapp",
                "id": "wamid." + uuid.uuid4().hex,
                "to": to,
                "template": name,
                "parameters": parameters,
                "reference": str(data.get("biz_opaque_callback_data", "")),
                "created": dt.datetime.now(dt.UTC),
            }
            emulator.record_message(message)
            emulator.whatsapp_receipts(message)
            if fault and "accept_then_hang" in fault:
                time.sleep(float(fault["accept_then_hang"]))
            return self._answer(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": message["id"]}],
                },
            )

    return Handler


def _sms_resource(message: dict) -> dict:
    return {
        "sid": message["sid"],
        "status": "queued",
        "to": message["to"],
        "from": message["from"],
        "body": message["body"],
        "date_created": format_datetime(message["created"]),
        "error_code": None,
        "error_message": None,
        "num_segments": "1",
    }
