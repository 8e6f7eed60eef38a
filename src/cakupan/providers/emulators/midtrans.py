"""A local HTTP server that answers like Midtrans's Core API (v2), as far as Cakupan uses it, for the tests,
the benchmark and the demo (loopback only).

- POST /v2/charge (HTTP Basic with the server key): opens a pending transaction for QRIS, a bank virtual
  account or GoPay; a used order_id answers status_code "406", a bad key "401".
- GET /v2/{order_id}/status, POST /v2/{order_id}/cancel (a card's capture too: a void), POST
  /v2/{order_id}/refund {refund_key?, amount?, reason?} for a settled card, QRIS or GoPay payment ("412" for
  a bank transfer or an unsettled one, "414" for more than is left; the same refund_key refunds once).
- Cards: GET /v2/token (with the client key as a query parameter, no server key; answered to any origin,
  as the payer's browser calls it from the merchant's page) checks the number (Luhn),
  the expiry and the CVV and answers a one-time token_id, or 400 with validation_messages. POST /v2/charge
  with payment_type "credit_card" settles at once (3-D Secure is taken as passed): "capture" with
  fraud_status "accept", or "deny" (status_code "202") for Midtrans's sandbox cards that the bank or the
  fraud check declines (DENIED_CARDS); any other number that passes the Luhn check is approved, like
  ACCEPTED_CARD. With save_token_id an approved charge answers a saved_token_id, valid until the end of
  the card's expiry month, which later charges pass as token_id. A used one-time token, an unknown token
  or an expired saved one answers "411". Either way the notification follows.

The payer's side, under /_emulator/: POST pay | expire | deny {"order_id"} moves a transaction as the
payer or the bank would (pay also settles a card's capture), and records the signed HTTP notification
Midtrans would send (GET notifications?after=N; with `deliver` on, as in the demo, it is also POSTed to the
notification URL with retries). POST card/decline {"saved_token_id", "times"?} makes the bank decline the
next charge(s) with that saved card; POST card/expire {"saved_token_id"} ends its validity now; GET
saved_tokens lists them. POST faults [{"status": 500} | {"hang": seconds}, …] answers the next API calls
so, in order; GET transactions; POST reset. Everything is kept in memory.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import json
import re
import secrets
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
_STATUS_CODES = {
    "pending": "201",
    "capture": "200",
    "settlement": "200",
    "cancel": "200",
    "deny": "202",
    "expire": "407",
    "refund": "200",
    "partial_refund": "200",
}
# Which transaction_status each can still become: a pending payment anything; a card's capture is settled
# (the next day, at Midtrans) or cancelled before that.
_NEXT = {"pending": {"settlement", "expire", "deny", "cancel"}, "capture": {"settlement", "cancel"}}
# custom_expiry's units, in minutes (seconds are kept to whole minutes here).
_UNIT_MINUTES = {"second": 1 / 60, "minute": 1, "hour": 60, "day": 24 * 60}
_ORDER_ID = re.compile(r"[A-Za-z0-9\-_.~]{1,50}")

# Midtrans's sandbox test cards (its "Testing Payment on Sandbox" page): one the bank approves, and those the
# bank ("bank") or Midtrans's fraud check ("fds") declines. Any CVV and a future expiry work with each.
ACCEPTED_CARD = "4811111111111114"
DENIED_CARD = "4911111111111113"
DENIED_CARDS = {DENIED_CARD: "bank", "4711111111111115": "bank", "4611111111111116": "fds"}
_ORDER_ID_USED = {
    "status_code": "406",
    "status_message": "The request could not be completed due to a conflict with the current state of the "
    "target resource, order_id has already been utilized",
}
_TOKEN_INVALID = {"status_code": "411", "status_message": "token_id is unknown, used or expired"}

# The demo: the Midtrans emulator's own loopback port beside the messaging emulator's (8025), and where it
# sends notifications on the app's public URL.
DEMO_PORT = 8026
NOTIFICATION_PATH = "/api/v1/sertakan/midtrans/notifikasi"


@dataclass
class MidtransConfig:
    server_key: str = "SB-Mid-server-EMULATOR"
    notification_url: str = ""
    deliver: bool = False
    client_key: str = "SB-Mid-client-EMULATOR"  # what GET /v2/token is called with


def demo_environment(*, port: int = DEMO_PORT) -> dict[str, str]:
    """The settings (as environment variables) that point the app's Midtrans payments at the emulator on
    loopback, with the emulator's own keys: what `cakupan serve --emulator` serves with."""
    config = MidtransConfig()
    return {
        "CAKUPAN_MIDTRANS_URL": f"http://127.0.0.1:{port}",
        "CAKUPAN_MIDTRANS_SERVER_KEY": config.server_key,
        "CAKUPAN_MIDTRANS_CLIENT_KEY": config.client_key,
    }


def demo_config(*, public_url: str, server_key: str = "", client_key: str = "") -> MidtransConfig:
    """The demo emulator: the keys the app calls with (the emulator's own when none), and notifications
    delivered to the app's notification endpoint on its public URL."""
    defaults = MidtransConfig()
    return MidtransConfig(
        server_key=server_key or defaults.server_key,
        client_key=client_key or defaults.client_key,
        notification_url=public_url.rstrip("/") + NOTIFICATION_PATH,
        deliver=True,
    )


@dataclass
class _State:
    transactions: dict[str, dict] = field(default_factory=dict)
    notifications: list[dict] = field(default_factory=list)
    faults: deque = field(default_factory=deque)
    # One-time card tokens (token_id → card number, expiry, used) and saved cards (saved_token_id → card
    # number, end of validity, declines still to come).
    card_tokens: dict[str, dict] = field(default_factory=dict)
    saved_tokens: dict[str, dict] = field(default_factory=dict)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # str.isdigit() alone takes "²", which int() refuses


def _luhn(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _masked(number: str) -> str:
    return f"{number[:8]}-{number[-4:]}"


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
        if kind == "credit_card":
            return self.charge_card(order_id, amount, payload.get("credit_card"))
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
                return 200, dict(_ORDER_ID_USED)
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

    def card_token(self, query: dict[str, str]) -> tuple[int, dict]:
        """GET /v2/token: a card's details, checked, for a one-time token_id."""
        if query.get("client_key") != self.config.client_key:
            return 401, {"status_code": "401", "status_message": "Unknown Merchant client_key"}
        number = "".join(query.get("card_number", "").split())
        month, year, cvv = (
            query.get(name, "").strip() for name in ("card_exp_month", "card_exp_year", "card_cvv")
        )
        problems = []
        if not (_digits(number) and 12 <= len(number) <= 19 and _luhn(number)):
            problems.append("card_number fails the Luhn check")
        if not (_digits(month) and 1 <= int(month) <= 12):
            problems.append("card_exp_month is invalid")
        if not (_digits(year) and len(year) in (2, 4)):
            problems.append("card_exp_year is invalid")
        if not (_digits(cvv) and len(cvv) in (3, 4)):
            problems.append("card_cvv is invalid")
        if not problems:
            year_number = int(year) + (2000 if len(year) == 2 else 0)
            today = dt.datetime.now(WIB)
            if (year_number, int(month)) < (today.year, today.month):
                problems.append("card is expired")
        if problems:
            return 400, {
                "status_code": "400",
                "status_message": "The card details are invalid",
                "validation_messages": problems,
                "id": str(uuid.uuid4()),
            }
        token_id = f"{number[:6]}-{number[-4:]}-{uuid.uuid4()}"
        with self.lock:
            self.state.card_tokens[token_id] = {
                "card": number,
                "expiry": (year_number, int(month)),
                "used": False,
            }
        return 200, {
            "status_code": "200",
            "status_message": "Card token is created",
            "token_id": token_id,
            "hash": f"{number[:6]}-{number[-4:]}-emulator",
        }

    def charge_card(self, order_id: str, amount: int, card: object) -> tuple[int, dict]:
        """A card charge, final at once: capture, or deny when the bank or the fraud check declines."""
        card = card if isinstance(card, dict) else {}
        token_id = card.get("token_id")
        now = dt.datetime.now(WIB).replace(microsecond=0)
        with self.lock:
            if order_id in self.state.transactions:
                return 200, dict(_ORDER_ID_USED)
            saved = self.state.saved_tokens.get(token_id) if isinstance(token_id, str) else None
            once = self.state.card_tokens.get(token_id) if isinstance(token_id, str) else None
            if saved is not None:
                if saved["expires"] <= now:
                    return 200, dict(_TOKEN_INVALID)
                number, decline = saved["card"], saved["declines"] > 0
                if decline:
                    saved["declines"] -= 1
            elif once is not None and not once["used"]:
                once["used"] = True  # a token from /v2/token pays once
                number, decline = once["card"], False
            else:
                return 200, dict(_TOKEN_INVALID)
            denied_by = "bank" if decline else DENIED_CARDS.get(number, "")
            transaction = {
                "transaction_id": str(uuid.uuid4()),
                "order_id": order_id,
                "gross_amount": f"{amount}.00",
                "currency": "IDR",
                "payment_type": "credit_card",
                "transaction_time": f"{now:%Y-%m-%d %H:%M:%S}",
                "transaction_status": "deny" if denied_by else "capture",
                "fraud_status": "deny" if denied_by == "fds" else "accept",
                "masked_card": _masked(number),
                "bank": "bni",
                "card_type": "credit",
                "merchant_id": "G-EMULATOR",
                "channel_response_code": "05" if denied_by == "bank" else "00",
                "channel_response_message": "Do Not Honor" if denied_by == "bank" else "Approved",
            }
            if card.get("authentication") is True:
                transaction["eci"] = "05"  # 3-D Secure, fully authenticated
            if denied_by:
                message = "Denied by the bank: do not honour" if denied_by == "bank" else "Denied by FDS"
            else:
                message = "Success, card transaction is successful"
                transaction["approval_code"] = f"{secrets.randbelow(10**12):012d}"
                if card.get("save_token_id") is True:
                    if saved is None:
                        year, month = once["expiry"]
                        last_day = calendar.monthrange(year, month)[1]
                        saved_id = f"{number[:6]}{uuid.uuid4().hex[:24]}{number[-4:]}"
                        saved = {
                            "card": number,
                            "expires": dt.datetime(year, month, last_day, 23, 59, 59, tzinfo=WIB),
                            "declines": 0,
                        }
                        self.state.saved_tokens[saved_id] = saved
                    else:
                        saved_id = token_id
                    transaction["saved_token_id"] = saved_id
                    transaction["saved_token_id_expired_at"] = f"{saved['expires']:%Y-%m-%d %H:%M:%S}"
            self.state.transactions[order_id] = transaction
            snapshot = dict(transaction)
        self.notify(snapshot)
        return 200, {**snapshot, "status_code": _STATUS_CODES[snapshot["transaction_status"]],
                     "status_message": message}  # fmt: skip

    def saved_card(self, saved_token_id: str, *, declines: int = 0, expire: bool = False) -> tuple[int, dict]:
        """The payer's bank declines the next `declines` charges with a saved card, or its validity ends."""
        with self.lock:
            saved = self.state.saved_tokens.get(saved_token_id)
            if saved is None:
                return 404, {"status_code": "404", "status_message": "saved_token_id is not known"}
            saved["declines"] += declines
            if expire:
                saved["expires"] = dt.datetime.now(WIB).replace(microsecond=0) - dt.timedelta(seconds=1)
            return 200, self._saved_view(saved_token_id, saved)

    @staticmethod
    def _saved_view(saved_token_id: str, saved: dict) -> dict:
        return {
            "saved_token_id": saved_token_id,
            "masked_card": _masked(saved["card"]),
            "saved_token_id_expired_at": f"{saved['expires']:%Y-%m-%d %H:%M:%S}",
            "declines": saved["declines"],
        }

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
        merchant cancels: a pending transaction changes once (a card's capture can still be settled or
        cancelled), and Midtrans notifies."""
        with self.lock:
            transaction = self.state.transactions.get(order_id)
            if transaction is None:
                return 404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
            if transaction_status not in _NEXT.get(transaction["transaction_status"], ()):
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

    def refund(self, order_id: str, payload: object) -> tuple[int, dict]:
        """The merchant gives (part of) a settled payment back: cards, QRIS and GoPay only; the same
        refund_key again answers as the first time and refunds nothing more."""
        data = payload if isinstance(payload, dict) else {}
        key, amount = str(data.get("refund_key", "") or ""), data.get("amount")
        with self.lock:
            transaction = self.state.transactions.get(order_id)
            if transaction is None:
                return 404, {"status_code": "404", "status_message": "Transaction doesn't exist."}
            refunds = transaction.setdefault("refunds", [])
            if key and any(item["refund_key"] == key for item in refunds):
                return self._refund_answer(transaction, key)
            paid = midtrans.rupiah_of(transaction["gross_amount"])
            refunded = sum(item["refund_amount"] for item in refunds)
            if amount is None:
                amount = paid - refunded
            if transaction["payment_type"] == "bank_transfer" or transaction["transaction_status"] not in (
                "settlement",
                "partial_refund",
            ):
                return 412, {"status_code": "412", "status_message": "Merchant cannot modify the status "
                             "of the transaction"}  # fmt: skip
            if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= paid - refunded:
                return 414, {"status_code": "414", "status_message": "Refund request is rejected due to "
                             "merchant balance is insufficient or amount is invalid"}  # fmt: skip
            key = key or f"refund-{len(refunds) + 1}"
            refunds.append({"refund_key": key, "refund_amount": amount})
            full = refunded + amount == paid
            transaction["transaction_status"] = "refund" if full else "partial_refund"
            transaction["refund_amount"] = f"{refunded + amount}.00"
            snapshot = dict(transaction)
        self.notify(snapshot)
        with self.lock:
            return self._refund_answer(self.state.transactions[order_id], key)

    @staticmethod
    def _refund_answer(transaction: dict, key: str) -> tuple[int, dict]:
        answer = {k: v for k, v in transaction.items() if k != "refunds"}
        amount = next(item["refund_amount"] for item in transaction["refunds"] if item["refund_key"] == key)
        answer.update(status_code="200", status_message="Success, refund request is approved",
                      refund_key=key, refund_amount=f"{amount}.00")  # fmt: skip
        return 200, answer

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
        # An answer is written as headers, then body: on a kept connection Nagle's algorithm holds the body
        # until the client acknowledges the headers, which it delays by 40 ms.
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:  # quiet in tests and the demo
            return

        def _answer(self, status: int, body: dict | list, *, cross_origin: bool = False) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if cross_origin:
                # The token endpoint is called from the payer's browser on the merchant's page.
                self.send_header("Access-Control-Allow-Origin", "*")
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

        def _api(self, *, server_key: bool = True) -> bool:
            """False when a fault or a bad key has answered instead. The card token endpoint is called
            with the client key in its query instead of the server key."""
            fault = emulator.next_fault()
            if fault and fault.get("hang"):
                time.sleep(float(fault["hang"]))
            elif fault and fault.get("status"):
                self._answer(int(fault["status"]), {"status_code": str(fault["status"]),
                                                    "status_message": "emulated fault"})  # fmt: skip
                return False
            if server_key and not emulator.authorised(self.headers.get("Authorization", "")):
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
            if path.path == "/_emulator/saved_tokens":
                with emulator.lock:
                    saved = [
                        emulator._saved_view(key, value) for key, value in emulator.state.saved_tokens.items()
                    ]
                self._answer(200, saved)
                return
            if path.path == "/v2/token":
                if self._api(server_key=False):
                    self._answer(
                        *emulator.card_token(dict(urllib.parse.parse_qsl(path.query))), cross_origin=True
                    )
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
            elif path in ("/_emulator/card/decline", "/_emulator/card/expire"):
                data = body if isinstance(body, dict) else {}
                saved_token_id, times = str(data.get("saved_token_id", "")), data.get("times", 1)
                if path.endswith("/expire"):
                    self._answer(*emulator.saved_card(saved_token_id, expire=True))
                elif not isinstance(times, int) or isinstance(times, bool) or times < 1:
                    self._answer(400, {"status_code": "400", "status_message": "times is invalid"})
                else:
                    self._answer(*emulator.saved_card(saved_token_id, declines=times))
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
            elif match := re.fullmatch(r"/v2/([^/]+)/refund", path):
                if self._api():
                    self._answer(*emulator.refund(urllib.parse.unquote(match.group(1)), body))
            elif match := re.fullmatch(r"/v2/([^/]+)/cancel", path):
                if self._api():
                    self._answer(*emulator.move(urllib.parse.unquote(match.group(1)), "cancel"))
            else:
                self._answer(404, {"status_code": "404", "status_message": "not found"})

    return Handler
