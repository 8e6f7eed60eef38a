"""Payments through Midtrans's Core API (v2): QRIS, bank virtual accounts, GoPay and cards (with a saved
card for recurring payments), for SERTAKAN sponsors.

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
- Cancel: POST {base}/v2/{order_id}/cancel; "412" when the transaction can no longer change. A card's
  capture can still be cancelled (voided) before it settles.
- Refund: POST {base}/v2/{order_id}/refund {refund_key, amount, reason} for a settled card, QRIS or GoPay
  payment: transaction_status becomes "refund" (all of it) or "partial_refund"; a repeated refund_key is
  answered as before; a bank transfer cannot be refunded ("412"), nor more than was paid ("414").
- Cards: GET {base}/v2/token?client_key&card_number&card_exp_month&card_exp_year&card_cvv (the public client
  key, no server key) answers a one-time token_id; POST /v2/charge {payment_type: "credit_card",
  credit_card: {token_id, authentication?, save_token_id?}} charges it. With save_token_id the answer of an
  approved charge carries saved_token_id and saved_token_id_expired_at, and later charges pass that
  saved_token_id as credit_card.token_id without the payer (Midtrans's "One Click"). An approved charge is
  "capture" (fraud_status accept) at once; a declined one is "deny" with status_code "202"; a token that is
  used, unknown or expired answers "411".
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
import urllib.parse
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

# What a payer picks for a one-off payment, charged with charge(). A card (CARD, the name to keep beside
# these) is charged with charge_card() instead: it needs a token the card was exchanged for.
METHODS = ("qris", "va_bca", "va_bni", "va_bri", "va_permata", "gopay")
CARD = "card"
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
    # Cards: the masked number, and the saved token that later charges use (when the charge asked for it),
    # valid until saved_token_id_expired_at (WIB, as expiry_time).
    masked_card: str = ""
    saved_token_id: str = ""
    saved_token_id_expired_at: str = ""
    status_message: str = ""  # Midtrans's words, e.g. why a card was declined

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
            # A card charge that needs 3-D Secure answers "pending" with the page the payer must open.
            action_url=actions.get("deeplink-redirect")
            or actions.get("generate-qr-code")
            or str(body.get("redirect_url", "") or ""),
            expiry_time=str(body.get("expiry_time", "")),
            masked_card=str(body.get("masked_card", "") or ""),
            saved_token_id=str(body.get("saved_token_id", "") or ""),
            saved_token_id_expired_at=str(body.get("saved_token_id_expired_at", "") or ""),
            status_message=str(body.get("status_message", "") or ""),
        )


def _checked(status: int, answer: object) -> dict[str, Any]:
    """Midtrans's answer when it is a transaction (or a token); a ProviderError when it refuses."""
    if not isinstance(answer, dict):
        raise ProviderError("bad_answer", str(answer)[:200], transient=True)
    # Midtrans answers HTTP 200 with its own status_code in the body; an HTTP 4xx says the same.
    code = str(answer.get("status_code", status))
    detail = str(answer.get("status_message", ""))
    if isinstance(answer.get("validation_messages"), list):  # what was wrong with a card's details
        detail = "; ".join(filter(None, [detail, *map(str, answer["validation_messages"])]))
    if status == 401 or code == "401":
        raise ProviderError("unauthorized", detail[:200], transient=False)
    if code.startswith("5"):
        raise ProviderError(f"midtrans_{code}", detail[:200], transient=True)
    if not code.startswith("2") and code != "407":  # 407: expired, a status like any other
        raise ProviderError(f"midtrans_{code}", detail[:200], transient=False)
    return answer


@dataclass(frozen=True)
class MidtransCoreApi:
    base_url: str
    server_key: str
    timeout: float = http.TIMEOUT_SECONDS
    # The public key that card_token() identifies the merchant with (the server key never leaves the server).
    client_key: str = ""

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
        return _checked(status, answer)

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

    def card_token(self, *, card_number: str, exp_month: int | str, exp_year: int | str, cvv: str) -> str:
        """A one-time token_id for a card, for charge_card(). ProviderError midtrans_400 (with Midtrans's
        validation messages) for a number, expiry or CVV it refuses; `unauthorized` for a wrong client key.

        This is the request Midtrans's JavaScript makes in the payer's browser, which is how production
        should ask for it, so that card numbers never pass through Cakupan's server; here it serves the
        emulator, the tests and the demo."""
        if not self.client_key:
            raise ProviderError("no_client_key", "kunci klien Midtrans belum diatur", transient=False)
        query = urllib.parse.urlencode(
            {
                "client_key": self.client_key,
                "card_number": "".join(str(card_number).split()),  # "4811 1111 1111 1114" as typed
                "card_exp_month": str(exp_month).strip().zfill(2),
                "card_exp_year": str(exp_year).strip(),
                "card_cvv": str(cvv).strip(),
            }
        )
        status, answer = http.request(
            "GET",
            f"{self.base_url.rstrip('/')}/v2/token?{query}",
            headers={"Accept": "application/json"},
            timeout=self.timeout,
        )
        token = _checked(status, answer).get("token_id")
        if not isinstance(token, str) or not token:
            raise ProviderError("bad_answer", "no token_id", transient=True)
        return token

    def charge_card(
        self,
        *,
        order_id: str,
        gross_amount: int,
        token_id: str,
        save_card: bool = False,
        authenticate: bool = False,
    ) -> Transaction:
        """Charges a card `gross_amount` rupiah for `order_id`. `token_id` is either a one-time token from
        card_token() (a first payment) or the saved_token_id of an earlier charge made with save_card=True
        (the recurring payments, without the payer and without 3-D Secure).

        The answer is usually final: "capture" (state PAID) or "deny" (state FAILED, status_code "202",
        status_message saying why). With `authenticate` Midtrans may first answer "pending" with a 3-D
        Secure page in action_url. A used, unknown or expired token raises ProviderError midtrans_411: for
        a saved card, the payer has to give the card again."""
        if not token_id:
            raise ProviderError("missing_token", "token_id kosong", transient=False)
        card: dict[str, Any] = {"token_id": token_id}
        if authenticate:
            card["authentication"] = True
        if save_card:
            card["save_token_id"] = True
        payload = {
            "payment_type": "credit_card",
            "transaction_details": {"order_id": order_id, "gross_amount": gross_amount},
            "credit_card": card,
        }
        return Transaction.from_api(self._call("POST", "/v2/charge", payload))

    def status(self, order_id: str) -> Transaction:
        return Transaction.from_api(self._call("GET", f"/v2/{order_id}/status"))

    def cancel(self, order_id: str) -> Transaction:
        return Transaction.from_api(self._call("POST", f"/v2/{order_id}/cancel"))

    def refund(self, order_id: str, *, amount: int, reason: str, refund_key: str) -> Transaction:
        """Gives `amount` rupiah of a settled payment back to the payer (cards, QRIS, GoPay; Midtrans cannot
        refund a bank transfer and answers "412"). The same refund_key asked again refunds once."""
        payload = {"refund_key": refund_key, "amount": amount, "reason": reason}
        return Transaction.from_api(self._call("POST", f"/v2/{order_id}/refund", payload))

    def verify_notification(self, raw: bytes) -> Transaction:
        """The notification's transaction when its signature_key is the server key's; SignatureError
        otherwise. What it says is still to be read back with status() before it is trusted."""
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            # ValueError covers JSONDecodeError; a body nested thousands deep exhausts the parser's stack.
            raise SignatureError("not JSON") from error
        if not isinstance(body, dict):
            raise SignatureError("not an object")
        fields = [body.get(name) for name in ("order_id", "status_code", "gross_amount", "signature_key")]
        if not all(isinstance(value, str) and value for value in fields):
            raise SignatureError("fields missing")
        order_id, status_code, gross_amount, given = fields
        if not given.isascii():
            # compare_digest takes only ASCII text; a signature is hexadecimal anyway.
            raise SignatureError("signature_key is not hexadecimal")
        expected = signature_key(order_id, status_code, gross_amount, self.server_key)
        if not hmac.compare_digest(expected, given.lower()):
            raise SignatureError("signature_key does not match")
        try:
            return Transaction.from_api(body)
        except ProviderError as error:
            raise SignatureError(error.detail) from error
