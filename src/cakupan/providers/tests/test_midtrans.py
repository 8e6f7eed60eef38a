"""The Midtrans Core API adapter against the local emulator: charges, status, notifications and faults."""

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest

from cakupan.providers import midtrans
from cakupan.providers.base import ProviderError, SignatureError
from cakupan.providers.emulators.midtrans import MidtransConfig, MidtransEmulator

KEY = "SB-Mid-server-TEST"


@pytest.fixture
def emulator():
    with MidtransEmulator(MidtransConfig(server_key=KEY)) as running:
        yield running


@pytest.fixture
def api(emulator):
    return midtrans.MidtransCoreApi(base_url=emulator.url, server_key=KEY, timeout=10)


def _control(emulator, path: str, payload) -> dict:
    request = urllib.request.Request(
        emulator.url + path, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as refused:  # the emulator's refusals carry Midtrans's body too
        return json.loads(refused.read())


def _notifications(emulator) -> list[bytes]:
    with urllib.request.urlopen(emulator.url + "/_emulator/notifications", timeout=10) as response:
        return [item["body"].encode() for item in json.loads(response.read())]


@pytest.mark.parametrize(
    ("status", "fraud", "state"),
    [
        ("pending", "", midtrans.PENDING),
        ("settlement", "", midtrans.PAID),
        ("capture", "accept", midtrans.PAID),
        ("capture", "challenge", midtrans.PENDING),
        ("expire", "", midtrans.EXPIRED),
        ("deny", "deny", midtrans.FAILED),
        ("cancel", "", midtrans.FAILED),
        ("failure", "", midtrans.FAILED),
        ("refund", "", midtrans.REFUNDED),
        ("partial_refund", "", midtrans.REFUNDED),
        ("authorize", "", midtrans.PENDING),
    ],
)
def test_each_midtrans_status_is_one_cakupan_state(status, fraud, state):
    assert midtrans.state_of(status, fraud) == state


@pytest.mark.parametrize(("text", "rupiah"), [("16800.00", 16800), ("201600", 201600), ("0.00", 0)])
def test_amounts_are_whole_rupiah(text, rupiah):
    assert midtrans.rupiah_of(text) == rupiah


@pytest.mark.parametrize("text", ["16800.50", "abc", "-1.00", "", "NaN"])
def test_an_amount_that_is_not_whole_rupiah_is_refused(text):
    with pytest.raises(ProviderError) as caught:
        midtrans.rupiah_of(text)
    assert (caught.value.code, caught.value.transient) == ("bad_amount", False)


def test_a_virtual_account_charge_gives_the_number_to_pay_into(api):
    charged = api.charge(order_id="SRT-1", gross_amount=201_600, method="va_bni", expiry_minutes=60)
    assert (charged.order_id, charged.state, charged.transaction_status) == ("SRT-1", "pending", "pending")
    assert (charged.payment_type, charged.gross_amount, charged.status_code) == (
        "bank_transfer",
        201_600,
        "201",
    )
    assert (charged.va_bank, charged.va_number) == ("bni", "98800000000001")
    assert charged.expiry_time


def test_permata_qris_and_gopay_each_say_how_to_pay(api, emulator):
    permata = api.charge(order_id="SRT-P", gross_amount=16_800, method="va_permata")
    qris = api.charge(order_id="SRT-Q", gross_amount=16_800, method="qris")
    gopay = api.charge(order_id="SRT-G", gross_amount=16_800, method="gopay")
    assert (permata.va_bank, permata.va_number) == ("permata", "877800000000001")
    assert qris.payment_type == "qris" and "SRT-Q" in qris.qr_string
    assert qris.action_url == f"{emulator.url}/qr/SRT-Q"
    assert gopay.action_url.startswith("gojek://gopay/")


def test_an_order_id_is_charged_once(api):
    api.charge(order_id="SRT-2", gross_amount=16_800, method="qris")
    with pytest.raises(ProviderError) as caught:
        api.charge(order_id="SRT-2", gross_amount=16_800, method="qris")
    assert (caught.value.code, caught.value.transient) == ("midtrans_406", False)


def test_a_wrong_server_key_is_refused(emulator):
    stranger = midtrans.MidtransCoreApi(base_url=emulator.url, server_key="SB-Mid-server-WRONG", timeout=10)
    with pytest.raises(ProviderError) as caught:
        stranger.charge(order_id="SRT-3", gross_amount=16_800, method="qris")
    assert (caught.value.code, caught.value.transient) == ("unauthorized", False)


def test_an_unknown_method_is_refused_before_any_call(api, emulator):
    with pytest.raises(ProviderError) as caught:
        api.charge(order_id="SRT-4", gross_amount=16_800, method="kartu")
    assert caught.value.code == "unknown_method"
    assert emulator.state.transactions == {}


def test_paying_changes_the_status_and_sends_a_notification_that_verifies(api, emulator):
    api.charge(order_id="SRT-5", gross_amount=50_400, method="va_bri")
    _control(emulator, "/_emulator/pay", {"order_id": "SRT-5"})
    assert api.status("SRT-5").state == midtrans.PAID
    [raw] = _notifications(emulator)
    notified = api.verify_notification(raw)
    assert (notified.order_id, notified.state, notified.gross_amount, notified.status_code) == (
        "SRT-5", "paid", 50_400, "200",
    )  # fmt: skip


def test_expired_and_declined_transactions_say_so(api, emulator):
    api.charge(order_id="SRT-6", gross_amount=16_800, method="va_bca")
    api.charge(order_id="SRT-7", gross_amount=16_800, method="gopay")
    _control(emulator, "/_emulator/expire", {"order_id": "SRT-6"})
    _control(emulator, "/_emulator/deny", {"order_id": "SRT-7"})
    expired, denied = api.status("SRT-6"), api.status("SRT-7")
    assert (expired.state, expired.status_code) == ("expired", "407")
    assert (denied.state, denied.fraud_status) == ("failed", "deny")
    # A transaction that has ended changes no more: paying an expired one is refused.
    assert _control(emulator, "/_emulator/pay", {"order_id": "SRT-6"})["status_code"] == "412"


def test_a_pending_charge_can_be_cancelled_once(api):
    api.charge(order_id="SRT-8", gross_amount=16_800, method="qris")
    assert api.cancel("SRT-8").state == midtrans.FAILED
    with pytest.raises(ProviderError) as caught:
        api.cancel("SRT-8")
    assert caught.value.code == "midtrans_412"


def test_an_unknown_order_is_not_found(api):
    with pytest.raises(ProviderError) as caught:
        api.status("SRT-none")
    assert (caught.value.code, caught.value.transient) == ("midtrans_404", False)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: body.update(gross_amount="1.00"),
        lambda body: body.update(transaction_status="settlement", status_code="200"),
        lambda body: body.update(order_id="SRT-other"),
        lambda body: body.update(signature_key="0" * 128),
        lambda body: body.pop("signature_key"),
    ],
)
def test_a_notification_that_was_changed_or_not_signed_is_refused(api, emulator, tamper):
    api.charge(order_id="SRT-9", gross_amount=16_800, method="qris")
    _control(emulator, "/_emulator/expire", {"order_id": "SRT-9"})
    [raw] = _notifications(emulator)
    body = json.loads(raw)
    tamper(body)
    with pytest.raises(SignatureError):
        api.verify_notification(json.dumps(body).encode())


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_notification_that_is_not_a_json_object_is_refused(api, raw):
    with pytest.raises(SignatureError):
        api.verify_notification(raw)


def test_a_notification_signed_with_another_key_is_refused(emulator):
    other = midtrans.MidtransCoreApi(base_url=emulator.url, server_key="SB-Mid-server-OTHER", timeout=10)
    api = midtrans.MidtransCoreApi(base_url=emulator.url, server_key=KEY, timeout=10)
    api.charge(order_id="SRT-10", gross_amount=16_800, method="qris")
    _control(emulator, "/_emulator/pay", {"order_id": "SRT-10"})
    [raw] = _notifications(emulator)
    with pytest.raises(SignatureError):
        other.verify_notification(raw)


def test_a_server_error_is_worth_a_retry_and_a_hang_times_out(api, emulator):
    _control(emulator, "/_emulator/faults", [{"status": 503}, {"hang": 3}])
    with pytest.raises(ProviderError) as first:
        api.charge(order_id="SRT-11", gross_amount=16_800, method="qris")
    assert (first.value.code, first.value.transient) == ("http_503", True)
    impatient = midtrans.MidtransCoreApi(base_url=emulator.url, server_key=KEY, timeout=0.5)
    with pytest.raises(ProviderError) as second:
        impatient.status("SRT-11")
    assert (second.value.code, second.value.transient) == ("timeout", True)


def test_the_expiry_is_counted_in_its_unit_and_a_bad_one_refused(api, emulator):
    payload = {
        "payment_type": "qris",
        "transaction_details": {"order_id": "SRT-12", "gross_amount": 16_800},
        "custom_expiry": {"expiry_duration": 2, "unit": "day"},
    }
    status, answer = emulator.charge(payload)
    opened = dt.datetime.fromisoformat(answer["transaction_time"])
    assert (status, dt.datetime.fromisoformat(answer["expiry_time"]) - opened) == (200, dt.timedelta(days=2))
    payload["transaction_details"]["order_id"] = "SRT-13"
    payload["custom_expiry"] = {"expiry_duration": "lama", "unit": "day"}
    assert emulator.charge(payload) == (
        400, {"status_code": "400", "status_message": "custom_expiry is invalid"},
    )  # fmt: skip
