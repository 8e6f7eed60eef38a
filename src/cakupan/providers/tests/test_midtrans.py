"""The Midtrans Core API adapter against the local emulator: charges, status, notifications and faults."""

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest

from cakupan.providers import midtrans
from cakupan.providers.base import ProviderError, SignatureError
from cakupan.providers.emulators.midtrans import ACCEPTED_CARD, DENIED_CARD, MidtransConfig, MidtransEmulator

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


# --- cards: a one-time token, a charge that saves the card, and the recurring charges with the saved token


CLIENT_KEY = "SB-Mid-client-TEST"


@pytest.fixture
def card_emulator():
    with MidtransEmulator(MidtransConfig(server_key=KEY, client_key=CLIENT_KEY)) as running:
        yield running


@pytest.fixture
def cards(card_emulator):
    return midtrans.MidtransCoreApi(
        base_url=card_emulator.url, server_key=KEY, client_key=CLIENT_KEY, timeout=10
    )


def _token(cards, number: str = ACCEPTED_CARD, **details) -> str:
    return cards.card_token(
        card_number=number, exp_month=details.get("month", 12), exp_year=details.get("year", 2099), cvv="123"
    )


def test_a_card_is_charged_at_once_and_saved_for_the_recurring_charges(cards, card_emulator):
    token = cards.card_token(card_number="4811 1111 1111 1114", exp_month=2, exp_year=2099, cvv="123")
    first = cards.charge_card(
        order_id="SRT-C1", gross_amount=201_600, token_id=token, save_card=True, authenticate=True
    )
    assert (first.state, first.transaction_status, first.fraud_status, first.status_code) == (
        midtrans.PAID, "capture", "accept", "200",
    )  # fmt: skip
    assert (first.payment_type, first.gross_amount, first.masked_card) == (
        "credit_card",
        201_600,
        "48111111-1114",
    )
    # Valid to the end of the card's expiry month, in Midtrans's local time.
    assert first.saved_token_id and first.saved_token_id_expired_at == "2099-02-28 23:59:59"
    assert card_emulator.state.transactions["SRT-C1"]["eci"] == "05"

    later = cards.charge_card(order_id="SRT-C2", gross_amount=201_600, token_id=first.saved_token_id)
    assert (later.state, later.transaction_status, later.masked_card) == (
        midtrans.PAID,
        "capture",
        "48111111-1114",
    )
    assert "eci" not in card_emulator.state.transactions["SRT-C2"]  # no 3-D Secure: the payer is not there
    assert later.saved_token_id == ""  # not asked to save again; the saved token stays as it was
    again = cards.charge_card(
        order_id="SRT-C3", gross_amount=50_400, token_id=first.saved_token_id, save_card=True
    )
    assert (again.state, again.saved_token_id) == (midtrans.PAID, first.saved_token_id)

    notified = [cards.verify_notification(raw) for raw in _notifications(card_emulator)]
    assert [(n.order_id, n.state, n.status_code) for n in notified] == [
        ("SRT-C1", "paid", "200"), ("SRT-C2", "paid", "200"), ("SRT-C3", "paid", "200"),
    ]  # fmt: skip
    assert notified[0].saved_token_id == first.saved_token_id
    assert cards.status("SRT-C2").state == midtrans.PAID


def test_a_one_time_card_token_pays_once(cards):
    token = _token(cards)
    cards.charge_card(order_id="SRT-C4", gross_amount=16_800, token_id=token)
    with pytest.raises(ProviderError) as caught:
        cards.charge_card(order_id="SRT-C5", gross_amount=16_800, token_id=token)
    assert (caught.value.code, caught.value.transient) == ("midtrans_411", False)


def test_the_sandbox_card_the_bank_denies_is_denied_and_not_saved(cards, card_emulator):
    denied = cards.charge_card(
        order_id="SRT-C6", gross_amount=16_800, token_id=_token(cards, DENIED_CARD), save_card=True
    )
    assert (denied.state, denied.status_code, denied.transaction_status, denied.fraud_status) == (
        midtrans.FAILED, "202", "deny", "accept",
    )  # fmt: skip
    assert denied.saved_token_id == "" and card_emulator.state.saved_tokens == {}
    assert denied.status_message
    [raw] = _notifications(card_emulator)
    notified = cards.verify_notification(raw)
    assert (notified.state, notified.status_code) == (midtrans.FAILED, "202")
    assert cards.status("SRT-C6").transaction_status == "deny"


def test_the_card_the_fraud_check_denies_says_so(cards):
    denied = cards.charge_card(
        order_id="SRT-C7", gross_amount=16_800, token_id=_token(cards, "4611111111111116")
    )
    assert (denied.state, denied.status_code, denied.fraud_status) == (midtrans.FAILED, "202", "deny")


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"number": "4811111111111115"}, "card_number fails the Luhn check"),
        ({"number": "4811-1111"}, "card_number fails the Luhn check"),
        ({"month": 13}, "card_exp_month is invalid"),
        ({"year": "20x9"}, "card_exp_year is invalid"),
        ({"year": 2001}, "card is expired"),
    ],
)
def test_card_details_midtrans_refuses_get_no_token(cards, details, message):
    with pytest.raises(ProviderError) as caught:
        _token(cards, details.pop("number", ACCEPTED_CARD), **details)
    assert (caught.value.code, caught.value.transient) == ("midtrans_400", False)
    assert message in caught.value.detail


def test_a_short_cvv_is_refused(cards):
    with pytest.raises(ProviderError) as caught:
        cards.card_token(card_number=ACCEPTED_CARD, exp_month=12, exp_year=2099, cvv="12")
    assert caught.value.code == "midtrans_400" and "card_cvv is invalid" in caught.value.detail


def test_a_card_token_needs_the_right_client_key(card_emulator):
    stranger = midtrans.MidtransCoreApi(
        base_url=card_emulator.url, server_key=KEY, client_key="SB-Mid-client-WRONG", timeout=10
    )
    with pytest.raises(ProviderError) as wrong:
        _token(stranger)
    assert (wrong.value.code, wrong.value.transient) == ("unauthorized", False)
    keyless = midtrans.MidtransCoreApi(base_url=card_emulator.url, server_key=KEY, timeout=10)
    with pytest.raises(ProviderError) as missing:
        _token(keyless)
    assert missing.value.code == "no_client_key"
    assert card_emulator.state.card_tokens == {}


def test_a_card_charge_without_a_token_is_refused_before_any_call(cards, card_emulator):
    with pytest.raises(ProviderError) as caught:
        cards.charge_card(order_id="SRT-C8", gross_amount=16_800, token_id="")
    assert caught.value.code == "missing_token"
    assert card_emulator.state.transactions == {}


def _saved(cards, order_id: str = "SRT-S0") -> str:
    return cards.charge_card(
        order_id=order_id, gross_amount=16_800, token_id=_token(cards), save_card=True
    ).saved_token_id


def test_a_saved_card_the_bank_declines_on_a_recurring_charge(cards, card_emulator):
    saved = _saved(cards)
    declined = _control(card_emulator, "/_emulator/card/decline", {"saved_token_id": saved})
    assert declined["declines"] == 1
    refused = cards.charge_card(order_id="SRT-S1", gross_amount=16_800, token_id=saved)
    assert (refused.state, refused.status_code, refused.transaction_status) == (
        midtrans.FAILED,
        "202",
        "deny",
    )
    # Only the next charge: the card is not blocked, and the month after is paid again.
    assert cards.charge_card(order_id="SRT-S2", gross_amount=16_800, token_id=saved).state == midtrans.PAID
    _control(card_emulator, "/_emulator/card/decline", {"saved_token_id": saved, "times": 2})
    states = [
        cards.charge_card(order_id=f"SRT-S{n}", gross_amount=16_800, token_id=saved).state for n in (3, 4, 5)
    ]
    assert states == [midtrans.FAILED, midtrans.FAILED, midtrans.PAID]
    notified = [cards.verify_notification(raw) for raw in _notifications(card_emulator)]
    assert [n.status_code for n in notified] == ["200", "202", "200", "202", "202", "200"]


def test_an_expired_or_unknown_saved_token_is_refused_and_the_order_stays_free(cards, card_emulator):
    saved = _saved(cards)
    _control(card_emulator, "/_emulator/card/expire", {"saved_token_id": saved})
    for token in (saved, "481111ffffffffffffffffffffffff1114"):
        with pytest.raises(ProviderError) as caught:
            cards.charge_card(order_id="SRT-E1", gross_amount=16_800, token_id=token)
        assert (caught.value.code, caught.value.transient) == ("midtrans_411", False)
    with urllib.request.urlopen(card_emulator.url + "/_emulator/saved_tokens", timeout=10) as response:
        [listed] = json.loads(response.read())
    assert listed["saved_token_id"] == saved and listed["masked_card"] == "48111111-1114"
    # The payer gives the card again; the order refused for its token is charged now.
    renewed = cards.charge_card(
        order_id="SRT-E1", gross_amount=16_800, token_id=_token(cards), save_card=True
    )
    assert renewed.state == midtrans.PAID and renewed.saved_token_id not in ("", saved)


@pytest.mark.parametrize(
    ("path", "payload", "status_code"),
    [
        ("/_emulator/card/decline", {"saved_token_id": "unknown"}, "404"),
        ("/_emulator/card/expire", {"saved_token_id": "unknown"}, "404"),
        ("/_emulator/card/decline", {"saved_token_id": "unknown", "times": 0}, "400"),
        ("/_emulator/card/decline", [1, 2], "404"),  # not an object: it names no saved card
    ],
)
def test_card_controls_refuse_what_they_cannot_do(card_emulator, path, payload, status_code):
    assert _control(card_emulator, path, payload)["status_code"] == status_code


def test_a_captured_card_payment_is_settled_or_cancelled_but_not_expired(cards, card_emulator):
    cards.charge_card(order_id="SRT-K1", gross_amount=16_800, token_id=_token(cards))
    cards.charge_card(order_id="SRT-K2", gross_amount=16_800, token_id=_token(cards))
    assert _control(card_emulator, "/_emulator/expire", {"order_id": "SRT-K1"})["status_code"] == "412"
    assert (
        _control(card_emulator, "/_emulator/pay", {"order_id": "SRT-K1"})["transaction_status"]
        == "settlement"
    )
    assert cards.status("SRT-K1").state == midtrans.PAID
    assert cards.cancel("SRT-K2").state == midtrans.FAILED


def test_the_card_token_endpoint_has_faults_too(cards, card_emulator):
    _control(card_emulator, "/_emulator/faults", [{"status": 503}])
    with pytest.raises(ProviderError) as caught:
        _token(cards)
    assert (caught.value.code, caught.value.transient) == ("http_503", True)


def test_a_card_charge_that_asks_for_3ds_gives_the_page_to_open():
    # What Midtrans itself answers when the bank wants the payer to authenticate first (not emulated).
    pending = midtrans.Transaction.from_api(
        {"status_code": "201", "order_id": "SRT-3", "transaction_status": "pending", "fraud_status": "accept",
         "payment_type": "credit_card", "gross_amount": "16800.00", "masked_card": "48111111-1114",
         "redirect_url": "https://api.sandbox.midtrans.com/v2/token/rba/redirect/481111-1114-x"}
    )  # fmt: skip
    assert (pending.state, pending.action_url) == (
        midtrans.PENDING,
        "https://api.sandbox.midtrans.com/v2/token/rba/redirect/481111-1114-x",
    )
