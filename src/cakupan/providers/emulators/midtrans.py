"""A local HTTP server that answers like Midtrans's Core API (v2), as far as Cakupan uses it, for the tests,
the benchmark and the demo (loopback only).

- POST /v2/charge (HTTP Basic with the server key): opens a pending transaction for QRIS, a bank virtual
  account or GoPay; a used order_id answers status_code "406", a bad key "401".
- GET /v2/{order_id}/status, POST /v2/{order_id}/cancel.

The payer's side, under /_emulator/: POST pay | expire | deny {"order_id"} moves a transaction as the
payer or the bank would, and records the signed HTTP notification Midtrans would send (GET
notifications?after=N; with `deliver` on, as in the demo, it is also POSTed to the notification URL with
retries). POST faults [{"status": 500} | {"hang": seconds}, …] answers the next API calls so, in order;
GET transactions; POST reset. Everything is kept in memory.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from zoneinfo import ZoneInfo

from cakupan.providers import midtrans
from cakupan.providers.emulators.base import LoopbackEmulator

WIB = ZoneInfo("Asia/Jakarta")
_VA_PREFIX = {"bca": "12345", "bni": "988", "bri": "26215", "permata": "8778"}
# The status_code Midtrans gives each transaction_status in its answers and notifications.
_STATUS_CODES = {"pending": "201", "settlement": "200", "cancel": "200", "deny": "202", "expire": "407"}
# custom_expiry's units, in minutes (seconds are kept to whole minutes here).
_UNIT_MINUTES = {"second": 1 / 60, "minute": 1, "hour": 60, "day": 24 * 60}
_ORDER_ID = re.compile(r"[A-Za-z0-9\-_.~]{1,50}")


@dataclass
class MidtransConfig:
    server_key: str = "SB-Mid-server-EMULATOR"
    notification_url: str = ""
    deliver: bool = False


@dataclass
class _State:
    transactions: dict[str, dict] = field(default_factory=dict)
    notifications: list[dict] = field(default_factory=list)
    faults: deque = field(default_factory=deque)


class MidtransEmulator(LoopbackEmulator):
    """Start with `with MidtransEmulator(config) as emulator:`; `emulator.url` is its base URL."""

    def __init__(self, config: MidtransConfig | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.config = config or MidtransConfig()
        self.state = _State()
        self.lock = threading.Lock()
        super().__init__(_handler_for(self), host=host, port=port, name="midtrans")

    # --- the API -----------------------------------------------------------------------------------

    def charge(self, payload: dict) -> tuple[int, dict]:
        details = payload.get("transaction_details") or {}
        order_id, amount = details.get("order_id"), details.get("gross_amount")
        kind = payload.get("payment_type")
        if not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id):
            return 400, {"status_code": "400", "status_message": "transaction_details.order_id is invalid"}
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            return 400, {
                "status_code": "400",
                "status_message": "transaction_details.gross_amount is invalid",
            }
        if kind not in ("bank_transfer", "qris", "gopay"):
            return 400, {"status_code": "400", "status_message": "payment_type is not supported"}
        now = dt.datetime.now(WIB).replace(microsecond=0)
        expiry = payload.get("custom_expiry") or {}
        duration, unit = expiry.get("expiry_duration", 24 * 60), str(expiry.get("unit", "minute"))
        if not isinstance(duration, int) or duration < 1 or unit not in _UNIT_MINUTES:
            return 400, {"status_code": "400", "status_message": "custom_expiry is invalid"}
        minutes = duration * _UNIT_MINUTES[unit]
        with self.lock:
            if order_id in self.state.transactions:
                return 200, {"status_code": "406", "status_message": "The request could not be completed "
                             "due to a conflict with the current state of the target resource, order_id has "
                             "already been utilized"}  # fmt: skip
            transaction = {
                "transaction_id": str(uuid.uuid4()),
                "order_id": order_id,
                "gross_amount": f"{amount}.00",
                "currency": "IDR",
                "payment_type": kind,
                "transaction_time": f"{now:%Y-%m-%d %H:%M:%S}",
                "expiry_time": f"{now + dt.timedelta(minutes=minutes):%Y-%m-%d %H:%M:%S}",
                "transaction_status": "pending",
                "fraud_status": "accept",
                "merchant_id": "G-EMULATOR",
            }
            if kind == "bank_transfer":
                bank = str((payload.get("bank_transfer") or {}).get("bank", "bni"))
                if bank not in _VA_PREFIX:
                    return 400, {
                        "status_code": "400",
                        "status_message": "bank_transfer.bank is not supported",
                    }
                number = _VA_PREFIX[bank] + f"{len(self.state.transactions) + 1:011d}"
                if bank == "permata":
                    transaction["permata_va_number"] = number
                else:
                    transaction["va_numbers"] = [{"bank": bank, "va_number": number}]
            elif kind == "qris":
                transaction["qr_string"] = (
                    f"00020101021226620014COM.GO-JEK.WWW0118EMULATOR{order_id}5204581253033605802ID"
                )
                transaction["acquirer"] = "gopay"
                transaction["actions"] = [
                    {"name": "generate-qr-code", "method": "GET", "url": f"{self.url}/qr/{order_id}"}
                ]
            else:
                transaction["actions"] = [
                    {
                        "name": "deeplink-redirect",
                        "method": "GET",
                        "url": f"gojek://gopay/merchanttransfer?tref={order_id}",
                    }
                ]
            self.state.transactions[order_id] = transaction
            answer = dict(transaction)
        answer.update(status_code="201", status_message="Success, transaction is created")
        return 200, answer

    def status(self, order_id: str) -> tuple[int, dict]:
        with self.lock:
            transaction = self.state.transactions.get(order_id)
            if transaction is None:
                return 404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
            answer = dict(transaction)
        answer.update(status_code=_STATUS_CODES.get(answer["transaction_status"], "200"),
                      status_message="Success, transaction is found")  # fmt: skip
        return 200, answer

    def move(self, order_id: str, transaction_status: str) -> tuple[int, dict]:
        """The payer pays (settlement), the time runs out (expire), the bank declines (deny), or the
        merchant cancels: a pending transaction changes once, and Midtrans notifies."""
        with self.lock:
            transaction = self.state.transactions.get(order_id)
            if transaction is None:
                return 404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
            if transaction["transaction_status"] != "pending":
                return 412, {"status_code": "412", "status_message": "Merchant cannot modify the status "
                             "of the transaction"}  # fmt: skip
            transaction["transaction_status"] = transaction_status
            if transaction_status == "settlement":
                transaction["settlement_time"] = f"{dt.datetime.now(WIB):%Y-%m-%d %H:%M:%S}"
            if transaction_status == "deny":
                transaction["fraud_status"] = "deny"
            snapshot = dict(transaction)
        self.notify(snapshot)
        return self.status(order_id)

    def notify(self, transaction: dict) -> None:
        status_code = _STATUS_CODES.get(transaction["transaction_status"], "200")
        body = {
            **transaction,
            "status_code": status_code,
            "status_message": "midtrans payment notification",
            "signature_key": midtrans.signature_key(
                transaction["order_id"], status_code, transaction["gross_amount"], self.config.server_key
            ),
        }
        record = {
            "url": self.config.notification_url,
            "body": json.dumps(body),
            "headers": {"Content-Type": "application/json"},
        }
        with self.lock:
            record["number"] = len(self.state.notifications) + 1
            self.state.notifications.append(record)
        if self.config.deliver and self.config.notification_url:
            self.deliver(record)

    def next_fault(self) -> dict | None:
        with self.lock:
            return self.state.faults.popleft() if self.state.faults else None

    def authorised(self, header: str) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.config.server_key}:".encode()).decode()
        return header == expected


def _handler_for(emulator: MidtransEmulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet in tests and the demo
            return

        def _answer(self, status: int, body: dict | list) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> object:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else {}
            except json.JSONDecodeError:
                return None

        def _api(self) -> bool:
            """False when a fault or a bad key has answered instead."""
            fault = emulator.next_fault()
            if fault and fault.get("hang"):
                time.sleep(float(fault["hang"]))
            elif fault and fault.get("status"):
                self._answer(int(fault["status"]), {"status_code": str(fault["status"]),
                                                    "status_message": "emulated fault"})  # fmt: skip
                return False
            if not emulator.authorised(self.headers.get("Authorization", "")):
                self._answer(401, {"status_code": "401", "status_message": "Unknown Merchant server_key/id"})
                return False
            return True

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path)
            if path.path == "/_emulator/notifications":
                after = int(urllib.parse.parse_qs(path.query).get("after", ["0"])[0] or 0)
                with emulator.lock:
                    self._answer(
                        200, [item for item in emulator.state.notifications if item["number"] > after]
                    )
                return
            if path.path == "/_emulator/transactions":
                with emulator.lock:
                    self._answer(200, list(emulator.state.transactions.values()))
                return
            match = re.fullmatch(r"/v2/([^/]+)/status", path.path)
            if match:
                if self._api():
                    self._answer(*emulator.status(urllib.parse.unquote(match.group(1))))
                return
            self._answer(404, {"status_code": "404", "status_message": "not found"})

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            body = self._body()
            if body is None:
                self._answer(400, {"status_code": "400", "status_message": "body is not JSON"})
                return
            controls = {
                "/_emulator/pay": "settlement",
                "/_emulator/expire": "expire",
                "/_emulator/deny": "deny",
            }
            if path in controls:
                self._answer(*emulator.move(str(body.get("order_id", "")), controls[path]))
            elif path == "/_emulator/faults":
                with emulator.lock:
                    emulator.state.faults.extend(body if isinstance(body, list) else [])
                self._answer(200, {"queued": len(emulator.state.faults)})
            elif path == "/_emulator/reset":
                with emulator.lock:
                    emulator.state = _State()
                self._answer(200, {"reset": True})
            elif path == "/v2/charge":
                if self._api():
                    self._answer(*emulator.charge(body if isinstance(body, dict) else {}))
            elif match := re.fullmatch(r"/v2/([^/]+)/cancel", path):
                if self._api():
                    self._answer(*emulator.move(urllib.parse.unquote(match.group(1)), "cancel"))
            else:
                self._answer(404, {"status_code": "404", "status_message": "not found"})

    return Handler
