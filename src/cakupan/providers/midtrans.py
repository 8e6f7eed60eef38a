"""Payments through Midtrans's Core API (v2): QRIS, bank virtual accounts and GoPay, for SERTAKAN sponsors.

Why Midtrans: an Indonesian payment gateway whose Core API is documented in full — one charge endpoint for
QRIS, virtual accounts (BCA, BNI, BRI, Permata) and e-wallets, an HTTP notification for every change of a
transaction's status signed with the merchant's server key, and a status endpoint to ask again. A
notification is never trusted on its own: its signature is checked, and the status is then read back from
the API before anything is booked.

- Charge: POST {base}/v2/charge, HTTP Basic (server key, empty password), JSON {payment_type,
  transaction_details: {order_id, gross_amount}, bank_transfer: {bank} | qris: {acquirer} | gopay: {},
  custom_expiry: {expiry_duration, unit}}. The answer's `status_code` is "201" for a pending charge; a
  used order_id answers "406".
- Status: GET {base}/v2/{order_id}/status; "404" for an unknown order.
- Cancel: POST {base}/v2/{order_id}/cancel; "412" when the transaction can no longer change.
- Notification: POST to the merchant's notification URL, JSON with order_id, status_code, gross_amount,
  transaction_status, fraud_status, payment_type and signature_key = SHA-512 hex of order_id + status_code
  + gross_amount + server key.
- transaction_status: pending, settlement, capture (cards; with fraud_status accept or challenge), deny,
  cancel, expire, failure, refund, partial_refund.

No Django here: the money side (orders, ledger) lives in the funding app and calls this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cakupan.providers import http
from cakupan.providers.base import ProviderError, SignatureError

# Cakupan's states of a payment; each Midtrans status maps onto one.
PENDING = "pending"
PAID = "paid"
EXPIRED = "expired"
FAILED = "failed"
REFUNDED = "refunded"

METHODS = ("qris", "va_bca", "va_bni", "va_bri", "va_permata", "gopay")
_VA_BANKS = {"va_bca": "bca", "va_bni": "bni", "va_bri": "bri", "va_permata": "permata"}


def state_of(transaction_status: str, fraud_status: str = "") -> str:
    """Midtrans's transaction_status (and a card's fraud_status) as Cakupan's payment state."""
    if transaction_status == "settlement":
        return PAID
    if transaction_status == "capture":
        return PAID if fraud_status in ("", "accept") else PENDING
    if transaction_status == "expire":
        return EXPIRED
    if transaction_status in ("deny", "cancel", "failure"):
        return FAILED
    if transaction_status in ("refund", "partial_refund"):
        return REFUNDED
    return PENDING


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """The signature_key Midtrans puts in each notification."""
    text = f"{order_id}{status_code}{gross_amount}{server_key}"
    return hashlib.sha512(text.encode("utf-8")).hexdigest()


def rupiah_of(gross_amount: object) -> int:
    """Midtrans writes amounts as "16800.00": whole rupiah, or a ProviderError (Cakupan never charges
    cents, so an amount with any is not ours)."""
    try:
        amount = Decimal(str(gross_amount))
    except InvalidOperation as error:
        raise ProviderError(
            "bad_amount", f"jumlah tidak terbaca: {gross_amount!r}", transient=False
        ) from error
    if amount != amount.to_integral_value() or amount < 0:
        raise ProviderError("bad_amount", f"jumlah bukan rupiah utuh: {gross_amount!r}", transient=False)
    return int(amount)


@dataclass(frozen=True)
class Transaction:
    """What Midtrans says of one order: after a charge, a status query or a notification."""

    order_id: str
    transaction_id: str
    state: str
    transaction_status: str
    payment_type: str
    gross_amount: int
    status_code: str = ""
    fraud_status: str = ""
    # How the payer pays: a virtual account number, a QRIS string or a link to open the e-wallet.
    va_bank: str = ""
    va_number: str = ""
    qr_string: str = ""
    action_url: str = ""
    expiry_time: str = ""  # Midtrans's local time (WIB), "YYYY-MM-DD HH:MM:SS"

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> Transaction:
        va = (body.get("va_numbers") or [{}])[0]
        if not va and body.get("permata_va_number"):
            va = {"bank": "permata", "va_number": body["permata_va_number"]}
        actions = {item.get("name"): item.get("url", "") for item in body.get("actions") or []}
        status = str(body.get("transaction_status", ""))
        fraud = str(body.get("fraud_status", "") or "")
        return cls(
            order_id=str(body.get("order_id", "")),
            transaction_id=str(body.get("transaction_id", "")),
            state=state_of(status, fraud),
            transaction_status=status,
            payment_type=str(body.get("payment_type", "")),
            gross_amount=rupiah_of(body.get("gross_amount", "0")),
            status_code=str(body.get("status_code", "")),
            fraud_status=fraud,
            va_bank=str(va.get("bank", "")),
            va_number=str(va.get("va_number", "")),
            qr_string=str(body.get("qr_string", "")),
            action_url=actions.get("deeplink-redirect") or actions.get("generate-qr-code") or "",
            expiry_time=str(body.get("expiry_time", "")),
        )


@dataclass(frozen=True)
class MidtransCoreApi:
    base_url: str
    server_key: str
    timeout: float = http.TIMEOUT_SECONDS

    def _headers(self) -> dict[str, str]:
        token = base64.b64encode(f"{self.server_key}:".encode()).decode()
        return {
            "Authorization": f"Basic {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict[str, Any]:
        body = json.dumps(payload).encode() if payload is not None else None
        status, answer = http.request(
            method, self.base_url.rstrip("/") + path, headers=self._headers(), body=body, timeout=self.timeout
        )
        if not isinstance(answer, dict):
            raise ProviderError("bad_answer", str(answer)[:200], transient=True)
        # Midtrans answers HTTP 200 with its own status_code in the body; an HTTP 4xx says the same.
        code = str(answer.get("status_code", status))
        if status == 401 or code == "401":
            raise ProviderError("unauthorized", str(answer.get("status_message", ""))[:200], transient=False)
        if code.startswith("5"):
            raise ProviderError(
                f"midtrans_{code}", str(answer.get("status_message", ""))[:200], transient=True
            )
        if not code.startswith("2") and code != "407":  # 407: expired, a status like any other
            raise ProviderError(
                f"midtrans_{code}", str(answer.get("status_message", ""))[:200], transient=False
            )
        return answer

    def charge(
        self, *, order_id: str, gross_amount: int, method: str, expiry_minutes: int = 24 * 60
    ) -> Transaction:
        """Opens a payment of `gross_amount` rupiah for `order_id` by `method` (one of METHODS)."""
        if method not in METHODS:
            raise ProviderError("unknown_method", method, transient=False)
        payload: dict[str, Any] = {
            "transaction_details": {"order_id": order_id, "gross_amount": gross_amount},
            "custom_expiry": {"expiry_duration": expiry_minutes, "unit": "minute"},
        }
        if method in _VA_BANKS:
            payload["payment_type"] = "bank_transfer"
            payload["bank_transfer"] = {"bank": _VA_BANKS[method]}
        elif method == "qris":
            payload["payment_type"] = "qris"
            payload["qris"] = {"acquirer": "gopay"}
        else:
            payload["payment_type"] = "gopay"
            payload["gopay"] = {"enable_callback": False}
        return Transaction.from_api(self._call("POST", "/v2/charge", payload))

    def status(self, order_id: str) -> Transaction:
        return Transaction.from_api(self._call("GET", f"/v2/{order_id}/status"))

    def cancel(self, order_id: str) -> Transaction:
        return Transaction.from_api(self._call("POST", f"/v2/{order_id}/cancel"))

    def verify_notification(self, raw: bytes) -> Transaction:
        """The notification's transaction when its signature_key is the server key's; SignatureError
        otherwise. What it says is still to be read back with status() before it is trusted."""
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SignatureError("not JSON") from error
        if not isinstance(body, dict):
            raise SignatureError("not an object")
        fields = [body.get(name) for name in ("order_id", "status_code", "gross_amount", "signature_key")]
        if not all(isinstance(value, str) and value for value in fields):
            raise SignatureError("fields missing")
        order_id, status_code, gross_amount, given = fields
        expected = signature_key(order_id, status_code, gross_amount, self.server_key)
        if not hmac.compare_digest(expected, given.lower()):
            raise SignatureError("signature_key does not match")
        try:
            return Transaction.from_api(body)
        except ProviderError as error:
            raise SignatureError(error.detail) from error
