"""A named sponsorship from the request to the cover BPJS TK confirms, and every way it can go wrong."""

import datetime as dt
import json
import re

import pytest

from cakupan.core.errors import DomainError
from cakupan.funding.models import (
    AllocationPlan,
    FundedMonth,
    Invoice,
    LedgerAccount,
    LedgerTransaction,
    PlanStatus,
)
from cakupan.funding.services import payment_record
from cakupan.messaging.models import Message
from cakupan.providers import midtrans as midtrans_api
from cakupan.registry.models import Membership, Worker, WorkerSource
from cakupan.sponsors import selectors, services
from cakupan.sponsors.models import (
    NotificationOutcome,
    OrderState,
    PaymentNotification,
    PaymentOrder,
    SponsorshipStatus,
)
from cakupan.sponsors.services import common
from cakupan.sponsors.tests.conftest import DESA_A, KEY, batch_through_bpjs, control, notifications

MONTH = 16_800  # JKK 1% of Rp1.000.000 + JKM Rp6.800
DECEMBER = 8_400  # PP 50/2025's 50% cut, which for fishers lasts through December 2026 (the rules engine)
THREE = DECEMBER + 2 * MONTH


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def _token(message: Message) -> str:
    return re.search(r"/sertakan/setuju/([^/]+)/", message.body).group(1)


def _named(people, worker, **extra):
    return services.sponsorship_create_named(
        sponsor=people["sponsor"],
        nik=worker.nik,
        name=worker.name.upper(),
        desa_code=worker.desa_id,
        phone="0812 3456 7890",
        sector="",
        **extra,
    )


def _balances() -> dict[str, int]:
    program = common.sertakan_funder().programs.get()
    return dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))


def _pay(emulator, order) -> list[bytes]:
    control(emulator, "/_emulator/pay", {"order_id": order.order_id})
    return [body for body in notifications(emulator) if json.loads(body)["order_id"] == order.order_id]


def test_named_neighbour_agrees_pays_and_is_confirmed_by_bpjs(
    midtrans, people, make_worker, sertakan_officer
):
    worker = make_worker(phone="+6281311112222", name="Siti Rahayu")
    sponsorship = _named(people, worker, months=3)
    assert sponsorship.status == SponsorshipStatus.AWAITING_CONSENT
    # The request goes by SMS to the number the registry holds, not the one the sponsor typed.
    [request] = Message.objects.filter(purpose="sertakan")
    assert (request.channel, request.address) == ("sms", "+6281311112222")
    assert request.body.startswith("Halo Siti, Sari ingin membayar iuran BPJS Ketenagakerjaan Anda")
    # Nothing can be paid before she agrees.
    assert _code(
        services.order_create, sponsorship=sponsorship, sponsor=people["sponsor"], method="qris"
    ) == ("consent_pending")
    agreed = services.sponsorship_answer(token=_token(request), agree=True)
    assert agreed.status == SponsorshipStatus.READY
    assert (
        _code(services.sponsorship_answer, token=_token(request), agree=False) == "consent_already_answered"
    )

    quote = services.quote(sponsorship=agreed, method="va_bca")
    assert (quote.first_month, quote.months, quote.contribution, quote.fee, quote.total) == (
        dt.date(2026, 12, 1),
        3,
        THREE,
        4_000,
        THREE + 4_000,
    )
    order = services.order_create(sponsorship=agreed, sponsor=people["sponsor"], method="va_bca")
    assert (order.state, order.gross_amount, order.instructions["va_bank"]) == ("pending", 46_000, "bca")
    assert len(order.instructions["va_number"]) >= 10

    [body] = _pay(midtrans, order)
    answer = services.notification_receive(raw=body)
    assert (answer.status, answer.code) == (200, "applied")
    order.refresh_from_db()
    assert (order.state, order.first_month, order.receipt_number) == (
        OrderState.PAID,
        dt.date(2026, 12, 1),
        f"SRT-2026-{order.pk:07d}",
    )
    assert list(FundedMonth.objects.filter(worker=worker).values_list("month", "cost")) == [
        (dt.date(2026, 12, 1), DECEMBER),
        (dt.date(2027, 1, 1), MONTH),
        (dt.date(2027, 2, 1), MONTH),
    ]
    assert _balances() == {"source": -THREE, "available": 0, "committed": THREE, "paid": 0, "covered": 0}
    assert sorted(
        LedgerTransaction.objects.filter(reference__startswith="sertakan:").values_list(
            "reference", flat=True
        )
    ) == [f"sertakan:{order.order_id}:commit", f"sertakan:{order.order_id}:in"]
    receipt = Message.objects.get(purpose="receipt")
    assert (receipt.channel, receipt.address) == ("email", "sari@contoh.id")
    assert f"nomor {order.receipt_number}" in receipt.body

    # The same notification again changes nothing.
    again = services.notification_receive(raw=body)
    assert (again.status, again.code) == (200, "duplicate")
    assert FundedMonth.objects.filter(worker=worker).count() == 3
    assert _balances()["committed"] == THREE
    assert list(PaymentNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        NotificationOutcome.APPLIED,
        NotificationOutcome.DUPLICATE,
    ]

    cover = selectors.cover_of(sponsorship)
    assert (cover.paid_months, cover.awaiting_months, cover.active, cover.confirmed_through) == (
        3,
        3,
        False,
        None,
    )
    assert (cover.label, cover.village) == ("S*** R*****", "Cilangkahan")

    # The enrolment pipeline: batch, BPJS TK accepts her, the SERTAKAN treasurer pays the invoice.
    plan = AllocationPlan.objects.get(pk=order.plan_id)
    assert plan.status == PlanStatus.APPROVED
    batch_through_bpjs(plan, people, accepted={worker.pk: "12345678901"})
    invoice = Invoice.objects.get(plan=plan)
    assert invoice.amount == THREE
    payment_record(
        invoice=invoice,
        external_reference="TRF-SERTAKAN-1",
        amount=THREE,
        paid_on=dt.date(2026, 12, 3),
        actor=sertakan_officer,
    )
    membership = Membership.objects.get(worker=worker)
    assert (membership.kpj, membership.paid_through) == ("12345678901", dt.date(2027, 2, 1))
    cover = selectors.cover_of(sponsorship)
    assert (
        cover.active,
        cover.confirmed_from,
        cover.confirmed_through,
        cover.active_until,
        cover.awaiting_months,
    ) == (
        True,
        dt.date(2026, 12, 1),
        dt.date(2027, 2, 1),
        dt.date(2027, 2, 28),
        0,
    )
    assert cover.renewal_due == dt.date(2027, 3, 1)

    # A renewal goes into a new plan (the first became a batch) and starts after the paid months.
    renewal = services.order_create(
        sponsorship=sponsorship, sponsor=people["sponsor"], method="qris", months=1
    )
    assert (renewal.first_month, renewal.contribution, renewal.fee) == (dt.date(2027, 3, 1), MONTH, 118)
    [renewed] = _pay(midtrans, renewal)
    assert services.notification_receive(raw=renewed).code == "applied"
    renewal.refresh_from_db()
    assert renewal.plan_id != plan.pk and renewal.first_month == dt.date(2027, 3, 1)


def test_bad_signatures_unknown_orders_and_amounts_change_nothing(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _named(people, worker)
    services.sponsorship_answer(token=_token(Message.objects.get(purpose="sertakan")), agree=True)
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    [body] = _pay(midtrans, order)

    forged = json.loads(body)
    forged["signature_key"] = "0" * 128
    answer = services.notification_receive(raw=json.dumps(forged).encode())
    assert (answer.status, answer.code) == (403, "signature_invalid")
    # Signed with another key: the same.
    other = dict(
        forged, signature_key=midtrans_api.signature_key(order.order_id, "200", forged["gross_amount"], "x")
    )
    assert services.notification_receive(raw=json.dumps(other).encode()).code == "signature_invalid"
    assert services.notification_receive(raw=b"not json").code == "notification_malformed"
    assert services.notification_receive(raw=b"[1, 2]").code == "notification_malformed"
    unknown = {
        "order_id": "SRT-0-NOPE",
        "status_code": "200",
        "gross_amount": "16918.00",
        "transaction_status": "settlement",
    }
    unknown["signature_key"] = midtrans_api.signature_key("SRT-0-NOPE", "200", "16918.00", KEY)
    assert services.notification_receive(raw=json.dumps(unknown).encode()).status == 404
    # A notification that says "settlement" while the provider, asked again, does not: not paid.
    pending = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="va_bni")
    lie = {
        "order_id": pending.order_id,
        "status_code": "200",
        "gross_amount": f"{pending.gross_amount}.00",
        "transaction_status": "settlement",
    }
    lie["signature_key"] = midtrans_api.signature_key(pending.order_id, "200", lie["gross_amount"], KEY)
    assert services.notification_receive(raw=json.dumps(lie).encode()).code == "pending"
    pending.refresh_from_db()
    assert pending.state == OrderState.PENDING
    # The first order, paid in the emulator but never believed above, was not cancelled by the new
    # order: the provider refused the cancel (already settled) and its status booked it.
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert FundedMonth.objects.count() == 1
    assert set(
        LedgerTransaction.objects.filter(reference__startswith="sertakan:").values_list(
            "reference", flat=True
        )
    ) == {f"sertakan:{order.order_id}:in", f"sertakan:{order.order_id}:commit"}
    outcomes = list(PaymentNotification.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["forged", "forged", "forged", "forged", "unknown_order", "applied", "not_final"]


def test_an_amount_that_differs_from_the_order_is_kept_and_not_booked(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _named(people, worker)
    services.sponsorship_answer(token=_token(Message.objects.get(purpose="sertakan")), agree=True)
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    [body] = _pay(midtrans, order)
    # Our order says more than the provider collected.
    PaymentOrder.objects.filter(pk=order.pk).update(
        contribution=order.contribution + 1_000, gross_amount=order.gross_amount + 1_000
    )
    answer = services.notification_receive(raw=body)
    assert (answer.status, answer.code) == (400, "amount_mismatch")
    assert "berbeda dari pesanan" in answer.message
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert FundedMonth.objects.count() == 0
    assert PaymentNotification.objects.get().outcome == NotificationOutcome.MISMATCH


def test_expired_virtual_account_and_cancel(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _named(people, worker)
    services.sponsorship_answer(token=_token(Message.objects.get(purpose="sertakan")), agree=True)
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="va_bri")
    control(midtrans, "/_emulator/expire", {"order_id": order.order_id})
    [body] = [b for b in notifications(midtrans) if json.loads(b)["order_id"] == order.order_id]
    assert services.notification_receive(raw=body).code == "closed"
    order.refresh_from_db()
    assert (order.state, order.failure) == (
        OrderState.EXPIRED,
        "Batas waktu pembayaran habis (virtual account/QRIS kedaluwarsa).",
    )
    assert services.notification_receive(raw=body).code == "duplicate"
    # A new order cancels the pending one with the provider first: only one can be paid.
    first = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    second = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    first.refresh_from_db()
    assert (first.state, second.state) == (OrderState.CANCELLED, OrderState.PENDING)
    assert FundedMonth.objects.count() == 0


def test_provider_down_leaves_a_failed_order_and_no_money(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _named(people, worker)
    services.sponsorship_answer(token=_token(Message.objects.get(purpose="sertakan")), agree=True)
    control(midtrans, "/_emulator/faults", [{"status": 503}])
    assert _code(
        services.order_create, sponsorship=sponsorship, sponsor=people["sponsor"], method="qris"
    ) == ("payment_provider_unavailable")
    order = PaymentOrder.objects.get()
    assert (order.state, order.failure) == (
        OrderState.FAILED,
        "Penyedia pembayaran tidak dapat dihubungi (http_503).",
    )


def test_worker_declines_and_nothing_is_paid(midtrans, people, make_worker):
    worker = make_worker()
    _named(people, worker)
    declined = services.sponsorship_answer(token=_token(Message.objects.get(purpose="sertakan")), agree=False)
    assert declined.status == SponsorshipStatus.DECLINED
    assert _code(services.order_create, sponsorship=declined, sponsor=people["sponsor"], method="qris") == (
        "sponsorship_declined"
    )
    # Declined frees her: another sponsor may ask.
    assert (
        services.sponsorship_create_named(
            sponsor=people["other_sponsor"],
            nik=worker.nik,
            name=worker.name,
            desa_code=worker.desa_id,
            phone="081234567890",
            sector="",
        ).status
        == SponsorshipStatus.AWAITING_CONSENT
    )
    assert PaymentOrder.objects.count() == 0


def test_ending_cancels_the_orders_still_waiting_with_the_provider(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _named(people, worker)
    services.sponsorship_answer(token=_token(Message.objects.get(purpose="sertakan")), agree=True)
    waiting = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="va_bca")
    services.sponsorship_end(sponsorship=sponsorship, by="sponsor", actor=people["sponsor"])
    waiting.refresh_from_db()
    assert (waiting.state, waiting.failure) == (
        OrderState.CANCELLED,
        "Dukungan dihentikan; pembayaran dibatalkan.",
    )
    # The provider closed it too: the virtual account can no longer be paid.
    assert common.midtrans().status(waiting.order_id).transaction_status == "cancel"
    assert FundedMonth.objects.count() == 0


def test_worker_ends_after_paying_money_arriving_later_is_kept_for_refund(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _named(people, worker)
    token = _token(Message.objects.get(purpose="sertakan"))
    services.sponsorship_answer(token=token, agree=True)
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    # The cancel that follows the ending cannot reach Midtrans, so the QR code stays payable and is paid.
    control(midtrans, "/_emulator/faults", [{"status": 503}])
    services.sponsorship_end(sponsorship=sponsorship, by="worker", token=token)
    assert Message.objects.get(purpose="sertakan", channel="email").body.startswith("S*** P****** ")
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    [body] = _pay(midtrans, order)
    assert services.notification_receive(raw=body).code == "applied"
    order.refresh_from_db()
    assert (order.state, order.failure) == (
        OrderState.REFUND_DUE,
        "Dukungan sudah berakhir sebelum pembayaran diterima.",
    )
    assert FundedMonth.objects.count() == 0
    assert _balances() == {
        "source": -order.contribution,
        "available": order.contribution,
        "committed": 0,
        "paid": 0,
        "covered": 0,
    }
    assert (
        _code(services.sponsorship_end, sponsorship=sponsorship, by="worker", token=token)
        == "sponsorship_closed"
    )


def test_named_sponsorship_refusals(people, make_worker):
    covered = make_worker(kpj="11111111111", paid_through=dt.date(2027, 1, 1))
    assert _code(_named, people, covered) == "worker_already_covered"
    worker = make_worker()
    assert (
        _code(
            services.sponsorship_create_named,
            sponsor=people["sponsor"],
            nik=worker.nik,
            name="Orang Lain",
            desa_code=worker.desa_id,
            phone="081234567890",
            sector="",
        )
        == "worker_details_mismatch"
    )
    assert (
        _code(
            services.sponsorship_create_named,
            sponsor=people["sponsor"],
            nik="1234",
            name="A",
            desa_code=DESA_A,
            phone="081234567890",
            sector="nelayan",
        )
        == "nik_wrong_length"
    )
    assert (
        _code(
            services.sponsorship_create_named,
            sponsor=people["sponsor"],
            nik=worker.nik,
            name=worker.name,
            desa_code=worker.desa_id,
            phone="12",
            sector="",
        )
        == "phone_invalid"
    )
    assert _code(
        services.sponsorship_create_named,
        sponsor=people["coordinator"],
        nik=worker.nik,
        name=worker.name,
        desa_code=worker.desa_id,
        phone="081234567890",
        sector="",
    ) == ("sponsor_not_allowed")
    _named(people, worker)
    assert _code(
        services.sponsorship_create_named,
        sponsor=people["other_sponsor"],
        nik=worker.nik,
        name=worker.name,
        desa_code=worker.desa_id,
        phone="081234567890",
        sector="",
    ) == ("worker_already_sponsored")


def test_a_new_person_is_registered_through_the_registry_rules(people):
    nik = "3602014505900001"  # a woman born 5 May 1990, kecamatan 36.02.01
    sponsorship = services.sponsorship_create_named(
        sponsor=people["sponsor"],
        nik=nik,
        name="  Ani   Rahayu ",
        desa_code=DESA_A,
        phone="0812-3456-7890",
        sector="prt",
    )
    worker = Worker.objects.get(nik=nik)
    # The number the sponsor typed is not the registry's: it waits on the sponsorship for the village
    # operator's check (test_phone_check), and nothing is sent yet.
    assert (worker.name, worker.birth_date, worker.sex, worker.sector, worker.source, worker.phone) == (
        "Ani Rahayu",
        dt.date(1990, 5, 5),
        "P",
        "prt",
        WorkerSource.SPONSOR,
        "",
    )
    assert sponsorship.worker_id == worker.pk
    assert (sponsorship.consent_phone, sponsorship.phone_check) == ("+6281234567890", "pending")
    assert not Message.objects.filter(purpose="sertakan").exists()
    assert (
        _code(
            services.sponsorship_create_named,
            sponsor=people["sponsor"],
            nik="3602014505900002",
            name="Ani",
            desa_code="36.02.01",
            phone="081234567890",
            sector="prt",
        )
        == "region_unknown"
    )
    assert (
        _code(
            services.sponsorship_create_named,
            sponsor=people["sponsor"],
            nik="3602014505900002",
            name="Ani",
            desa_code=DESA_A,
            phone="081234567890",
            sector="formal",
        )
        == "sector_unknown"
    )
    assert not Worker.objects.filter(nik="3602014505900002").exists()


def test_hostile_notifications_are_refused_not_crashed(midtrans, people, make_worker):
    deep = b"[" * 5000 + b"]" * 5000
    assert services.notification_receive(raw=deep).code == "notification_malformed"
    non_ascii = {"order_id": "x", "status_code": "200", "gross_amount": "1", "signature_key": "é"}
    assert services.notification_receive(raw=json.dumps(non_ascii).encode()).code == "signature_invalid"
    with_nul = {"order_id": "x\u0000", "status_code": "200", "gross_amount": "1", "signature_key": "0"}
    assert services.notification_receive(raw=json.dumps(with_nul).encode()).code == "signature_invalid"
    assert list(PaymentNotification.objects.values_list("outcome", flat=True)) == ["forged"] * 3


def test_an_expired_link_ends_the_request_and_frees_the_person(people, make_worker, monkeypatch):
    worker = make_worker()
    sponsorship = _named(people, worker)
    token = _token(Message.objects.get(purpose="sertakan"))
    later = common.now() + dt.timedelta(days=8)
    monkeypatch.setattr("cakupan.sponsors.services.common.now", lambda: later)
    assert _code(services.sponsorship_answer, token=token, agree=True) == "consent_link_expired"
    sponsorship.refresh_from_db()
    assert (sponsorship.status, sponsorship.end_reason) == (SponsorshipStatus.ENDED, "consent_expired")
    again = services.sponsorship_create_named(
        sponsor=people["other_sponsor"], nik=worker.nik, name=worker.name, desa_code=worker.desa_id,
        phone="081234567890", sector="",
    )  # fmt: skip
    assert again.status == SponsorshipStatus.AWAITING_CONSENT


def test_cancelling_an_order_paid_meanwhile_keeps_it_paid(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _named(people, worker)
    services.sponsorship_answer(token=_token(Message.objects.get(purpose="sertakan")), agree=True)
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="va_bca")
    control(midtrans, "/_emulator/pay", {"order_id": order.order_id})
    services.order_cancel(order=order, actor=people["sponsor"])
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.booked_at is not None
    assert FundedMonth.objects.filter(worker=worker).count() == 1
