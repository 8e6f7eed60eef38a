"""Money taken back after it was paid (a refund, a card's void), a second checkout while a card is being
charged, renewals that cannot extend the worker's line (a new year, a gap another funder filled), and the
audit trail of what a booking writes."""

import datetime as dt
import json
import zoneinfo

import pytest

from cakupan.audit.models import AuditEvent, RowChange, RowOperation
from cakupan.core.errors import DomainError
from cakupan.funding import ledger
from cakupan.funding.models import AllocationPlan, FundedMonth, FundingProgram, PlanLine, PlanStatus
from cakupan.funding.rowaudit import FUNDED_MONTH_ROWS, PLAN_LINE_ROWS
from cakupan.messaging.models import Message
from cakupan.providers.emulators.midtrans import ACCEPTED_CARD
from cakupan.sponsors import services
from cakupan.sponsors.models import OrderState, PaymentOrder, SponsorshipStatus
from cakupan.sponsors.services import booking, common, reversal
from cakupan.sponsors.tests.conftest import (
    agreed_named,
    batch_through_bpjs,
    browser_card_token,
    control,
    notifications,
)

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def _agreed(people, worker, **extra):
    return agreed_named(people, worker, **extra)


def _notification(emulator, order, status: str) -> bytes:
    [body] = [
        b
        for b in notifications(emulator)
        if json.loads(b)["order_id"] == order.order_id and json.loads(b)["transaction_status"] == status
    ]
    return body


def _paid(emulator, sponsorship, sponsor, method="qris", months=None):
    order = services.order_create(sponsorship=sponsorship, sponsor=sponsor, method=method, months=months)
    control(emulator, "/_emulator/pay", {"order_id": order.order_id})
    assert services.notification_receive(raw=_notification(emulator, order, "settlement")).code == "applied"
    order.refresh_from_db()
    return order


def _program(year=2026) -> FundingProgram:
    return FundingProgram.objects.get(funder=common.sertakan_funder(), fiscal_year=year)


def test_a_refund_while_the_months_wait_in_the_open_plan_takes_them_out_and_gives_the_money_back(
    midtrans, people, make_worker
):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    december = _paid(midtrans, sponsorship, people["sponsor"])
    january = _paid(midtrans, sponsorship, people["sponsor"], months=3)
    assert (december.contribution, january.contribution, january.first_month) == (
        8_400,
        3 * 16_800,
        dt.date(2027, 1, 1),
    )
    line = PlanLine.objects.get(worker=worker)
    assert (line.first_month, line.months, line.cost) == (dt.date(2026, 12, 1), 4, 8_400 + 50_400)
    plan = AllocationPlan.objects.get(pk=line.plan_id)
    assert (plan.funded, plan.cost) == (1, 58_800)
    program = _program()
    assert (program.budget, ledger.balances(program)["committed"]) == (58_800, 58_800)

    # The payer is refunded at the provider (the merchant's dashboard): Midtrans notifies "refund".
    common.midtrans().refund(january.order_id, amount=january.gross_amount, reason="tes", refund_key="r-1")
    body = _notification(midtrans, january, "refund")
    answer = services.notification_receive(raw=body)
    assert (answer.status, answer.code) == (200, "reversed")
    january.refresh_from_db()
    assert january.state == OrderState.REVERSED
    assert january.failure == (
        "Dikembalikan penyedia; bulan Januari 2027–Maret 2027 dikeluarkan dari rencana."
    )
    line.refresh_from_db()
    plan.refresh_from_db()
    assert (line.first_month, line.months, line.cost) == (dt.date(2026, 12, 1), 1, 8_400)
    assert (plan.funded, plan.cost) == (1, 8_400)
    assert list(FundedMonth.objects.filter(worker=worker).values_list("month", flat=True)) == [
        dt.date(2026, 12, 1)
    ]
    program.refresh_from_db()
    balances = ledger.balances(program)
    assert (program.budget, balances["available"], balances["committed"], balances["source"]) == (
        8_400,
        0,
        8_400,
        -8_400,
    )
    # The reversal's event holds the rows it took out: three months deleted, the line before its change.
    event = AuditEvent.objects.get(
        object_type="sponsors.paymentorder", object_id=str(january.pk), changes__state__1="reversed"
    )
    assert event.metadata["given_back"] is True and event.metadata["to_recover"] == 0
    rows = RowChange.objects.filter(event=event)
    assert sorted((r.kind, r.operation) for r in rows) == [
        (FUNDED_MONTH_ROWS.code, RowOperation.DELETE),
        (FUNDED_MONTH_ROWS.code, RowOperation.DELETE),
        (FUNDED_MONTH_ROWS.code, RowOperation.DELETE),
        (PLAN_LINE_ROWS.code, RowOperation.UPDATE),
    ]
    # A replay of the refund changes nothing.
    assert services.notification_receive(raw=body).code == "duplicate"
    assert ledger.balances(program)["committed"] == 8_400
    # The freed months can be paid again.
    again = _paid(midtrans, sponsorship, people["sponsor"])
    assert (again.state, again.first_month) == (OrderState.PAID, dt.date(2027, 1, 1))


def test_the_only_line_refunded_leaves_the_plan_and_the_year_s_budget_on_rp1(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = _paid(midtrans, sponsorship, people["sponsor"])
    common.midtrans().refund(order.order_id, amount=order.gross_amount, reason="tes", refund_key="r-1")
    assert services.notification_receive(raw=_notification(midtrans, order, "refund")).code == "reversed"
    assert not PlanLine.objects.filter(worker=worker).exists()
    assert not FundedMonth.objects.filter(worker=worker).exists()
    plan = AllocationPlan.objects.get(pk=order.plan_id)
    assert (plan.funded, plan.cost) == (0, 0)
    program = _program()
    balances = ledger.balances(program)
    assert (balances["available"], balances["committed"], balances["source"]) == (0, 0, 0)
    # A program's budget is never zero: Rp1 stays on paper, and the audit says so.
    assert program.budget == 1
    shrink = AuditEvent.objects.get(object_type="funding.fundingprogram", metadata__reversed=order.order_id)
    assert shrink.changes == {"budget": [8_400, 1]}


def test_a_refund_after_the_months_went_to_bpjs_tk_keeps_the_cover_and_lists_the_money_to_recover(
    midtrans, people, make_worker
):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = _paid(midtrans, sponsorship, people["sponsor"])
    batch_through_bpjs(order.plan, people, accepted={worker.pk: "12345678901"})
    assert AllocationPlan.objects.get(pk=order.plan_id).status == PlanStatus.BATCHED
    program = _program()
    before = ledger.balances(program)
    common.midtrans().refund(order.order_id, amount=order.gross_amount, reason="tes", refund_key="r-1")
    assert services.notification_receive(raw=_notification(midtrans, order, "refund")).code == "reversed"
    order.refresh_from_db()
    assert order.state == OrderState.REVERSED
    assert order.failure == (
        "Dikembalikan penyedia setelah bulan iuran dikirim ke BPJS TK; perlindungan tetap, Rp8.400 perlu "
        "ditagih kembali."
    )
    assert ledger.balances(program) == before
    assert FundedMonth.objects.filter(worker=worker).count() == 1
    event = AuditEvent.objects.get(object_id=str(order.pk), changes__state__1="reversed")
    assert (event.metadata["given_back"], event.metadata["to_recover"]) == (False, 8_400)
    from cakupan.sponsors.selectors import money_trail

    assert order in money_trail()["reversed"]


def test_a_card_capture_voided_after_it_was_paid_is_a_reversal(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = services.order_create(
        sponsorship=sponsorship,
        sponsor=people["sponsor"],
        method="card",
        card_token=browser_card_token(ACCEPTED_CARD),
    )
    assert order.state == OrderState.PAID
    # The merchant voids the capture at the provider before it settles.
    common.midtrans().cancel(order.order_id)
    answer = services.notification_receive(raw=_notification(midtrans, order, "cancel"))
    assert answer.code == "reversed"
    order.refresh_from_db()
    assert order.state == OrderState.REVERSED
    assert not FundedMonth.objects.filter(worker=worker).exists()


def test_a_partial_refund_at_the_provider_is_kept_for_the_treasurer_and_changes_nothing(
    midtrans, people, make_worker
):
    worker = make_worker()
    order = _paid(midtrans, _agreed(people, worker), people["sponsor"])
    common.midtrans().refund(order.order_id, amount=1_000, reason="tes", refund_key="r-1")
    body = _notification(midtrans, order, "partial_refund")
    answer = services.notification_receive(raw=body)
    assert (answer.status, answer.code) == (200, "partial_refund")
    order.refresh_from_db()
    assert (order.state, order.provider_status) == (OrderState.PAID, "partial_refund")
    assert FundedMonth.objects.filter(worker=worker).count() == 1
    assert AuditEvent.objects.filter(object_id=str(order.pk), metadata__partial_refund=True).count() == 1
    # The treasurer sees it among the money owed back; a replay is a duplicate, audited once.
    from cakupan.sponsors.selectors import money_trail

    assert order in money_trail()["refunds"]
    services.notification_receive(raw=body)
    assert AuditEvent.objects.filter(object_id=str(order.pk), metadata__partial_refund=True).count() == 1


def _fund_elsewhere(worker, program, month, plan_owner):
    """Another funder's plan takes the worker's `month` meanwhile."""
    other = AllocationPlan.objects.create(
        kind="allocation", status=PlanStatus.APPROVED, region_code="36", created_by=plan_owner
    )
    line = PlanLine.objects.create(
        plan=other,
        program=program,
        worker=worker,
        desa_id=worker.desa_id,
        first_month=month,
        months=1,
        cost=16_800,
        weight=0,
    )
    FundedMonth.objects.create(worker=worker, month=month, program=program, line=line, cost=16_800)


def _refund_due(midtrans, people, make_worker, csr_program, method):
    """An order for December paid after a company funded her December: listed for refund."""
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method=method)
    _fund_elsewhere(worker, csr_program, dt.date(2026, 12, 1), people["admin"])
    control(midtrans, "/_emulator/pay", {"order_id": order.order_id})
    services.notification_receive(raw=_notification(midtrans, order, "settlement"))
    order.refresh_from_db()
    assert (order.state, order.failure) == (
        OrderState.REFUND_DUE,
        "Iuran untuk Januari 2027 berbeda dari pesanan (Rp16.800).",
    )
    return order


def test_refunds_by_api_and_by_transfer(midtrans, people, make_worker, csr_program, sertakan_officer):
    qris = _refund_due(midtrans, people, make_worker, csr_program, "qris")
    va = _refund_due(midtrans, people, make_worker, csr_program, "va_bca")
    program = _program()
    assert (program.budget, ledger.balances(program)["available"]) == (16_800, 16_800)
    # Only what is listed for refund can be refunded.
    paid = _paid(midtrans, _agreed(people, make_worker()), people["sponsor"])
    assert _code(reversal.order_refund, order=paid, actor=sertakan_officer) == "order_not_refund_due"
    reversed_qris = reversal.order_refund(order=qris, actor=sertakan_officer)
    assert (reversed_qris.state, reversed_qris.failure) == (
        OrderState.REVERSED,
        "Dikembalikan kepada pembayar.",
    )
    assert ledger.balances(program)["available"] == 8_400  # the VA order's, still to refund
    # The provider's own notification of that refund is a replay.
    assert services.notification_receive(raw=_notification(midtrans, qris, "refund")).code == "duplicate"
    # A virtual account cannot be refunded through the API: the treasurer's transfer is recorded instead.
    assert _code(reversal.order_refund, order=va, actor=sertakan_officer, transfer_reference=" 12 ") == (
        "transfer_reference_required"
    )
    assert PaymentOrder.objects.get(pk=va.pk).state == OrderState.REFUND_DUE
    done = reversal.order_refund(order=va, actor=sertakan_officer, transfer_reference="TRF-BCA-0099")
    assert (done.state, done.failure) == (
        OrderState.REVERSED,
        "Dikembalikan kepada pembayar. Bukti transfer: TRF-BCA-0099.",
    )
    event = AuditEvent.objects.get(object_id=str(va.pk), changes__state__1="reversed")
    assert (event.actor_id, event.changes) == (sertakan_officer.pk, {"state": ["refund_due", "reversed"]})
    program.refresh_from_db()
    balances = ledger.balances(program)
    # What is left is the third sponsor's paid month, committed.
    assert (program.budget, balances["available"], balances["committed"]) == (8_400, 0, 8_400)
    # A provider that refuses the refund changes nothing.
    third = _refund_due(midtrans, people, make_worker, csr_program, "gopay")
    # The status query answers; the refund itself is refused (an empty fault lets a call through).
    control(midtrans, "/_emulator/faults", [{}, {"status": 500}])
    assert _code(reversal.order_refund, order=third, actor=sertakan_officer) == "refund_refused"
    assert control(midtrans, "/_emulator/faults", []) == {"queued": 0}
    assert PaymentOrder.objects.get(pk=third.pk).state == OrderState.REFUND_DUE


def test_a_second_checkout_while_a_card_is_being_charged_is_refused(
    midtrans, people, make_worker, monkeypatch
):
    """The double tap: the second request arrives while the first card's charge is still under way. It is
    refused, and the first card's capture is never voided behind its own request's back."""
    sponsorship = _agreed(people, make_worker(), recurring=False)
    real = common.midtrans
    seen = {}

    class Tapping:
        def __init__(self):
            self.api = real()

        def __getattr__(self, name):
            return getattr(self.api, name)

        def charge_card(self, **kwargs):
            seen["second"] = _code(
                services.order_create,
                sponsorship=sponsorship,
                sponsor=people["sponsor"],
                method="qris",
            )
            return self.api.charge_card(**kwargs)

    monkeypatch.setattr(common, "midtrans", Tapping)
    order = services.order_create(
        sponsorship=sponsorship,
        sponsor=people["sponsor"],
        method="card",
        card_token=browser_card_token(ACCEPTED_CARD),
    )
    assert seen["second"] == "card_payment_in_progress"
    assert order.state == OrderState.PAID
    assert PaymentOrder.objects.filter(sponsorship=sponsorship).count() == 1


def test_a_card_order_left_pending_is_settled_from_the_provider_not_cancelled(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = services.order_create(
        sponsorship=sponsorship,
        sponsor=people["sponsor"],
        method="card",
        card_token=browser_card_token(ACCEPTED_CARD),
    )
    # As if the request died after the charge and before it applied the answer, long ago.
    long_ago = dt.datetime(2026, 1, 1, tzinfo=WIB)
    PaymentOrder.objects.filter(pk=order.pk).update(
        state=OrderState.PENDING, paid_at=None, created_at=long_ago
    )
    services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert PaymentOrder.objects.filter(sponsorship=sponsorship, state=OrderState.PENDING).count() == 1


def test_a_renewal_in_a_new_year_opens_a_line_of_its_own_instead_of_a_refund(
    midtrans, people, make_worker, monkeypatch
):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    december = _paid(midtrans, sponsorship, people["sponsor"])
    plan = AllocationPlan.objects.get(pk=december.plan_id)
    # January 2027: the renewal is received into the new year's program, so it cannot extend December's
    # line (last year's program) in the still open plan.
    monkeypatch.setattr(common, "now", lambda: dt.datetime(2027, 1, 5, 9, 0, tzinfo=WIB))
    january = _paid(midtrans, sponsorship, people["sponsor"])
    assert (january.state, january.first_month) == (OrderState.PAID, dt.date(2027, 1, 1))
    assert january.plan_id != plan.pk
    lines = PlanLine.objects.filter(worker=worker).order_by("first_month")
    assert [(line.plan_id, line.program.fiscal_year, line.months) for line in lines] == [
        (plan.pk, 2026, 1),
        (january.plan_id, 2027, 1),
    ]
    assert _program(2027).budget == 16_800
    # February continues January's line in the new plan.
    february = _paid(midtrans, sponsorship, people["sponsor"])
    assert (february.plan_id, PlanLine.objects.get(plan_id=january.plan_id).months) == (january.plan_id, 2)


def test_a_renewal_after_a_gap_another_funder_filled_is_placed_not_refunded(
    midtrans, people, make_worker, csr_program
):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    december = _paid(midtrans, sponsorship, people["sponsor"])
    # A company funds her January in a plan of its own meanwhile.
    _fund_elsewhere(worker, csr_program, dt.date(2027, 1, 1), people["admin"])
    renewal = _paid(midtrans, sponsorship, people["sponsor"])
    assert (renewal.state, renewal.first_month) == (OrderState.PAID, dt.date(2027, 2, 1))
    assert renewal.plan_id != december.plan_id
    assert booking.open_plans()[0].pk == december.plan_id


def test_a_booking_leaves_its_rows_and_the_sponsorship_s_start_in_the_trail(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    first = _paid(midtrans, sponsorship, people["sponsor"])
    event = AuditEvent.objects.get(
        object_type="sponsors.paymentorder", object_id=str(first.pk), changes__has_key="booked_at"
    )
    line = PlanLine.objects.get(worker=worker)
    month = FundedMonth.objects.get(worker=worker)
    assert sorted(RowChange.objects.filter(event=event).values_list("kind", "object_id", "operation")) == [
        (FUNDED_MONTH_ROWS.code, month.pk, RowOperation.INSERT),
        (PLAN_LINE_ROWS.code, line.pk, RowOperation.INSERT),
    ]
    started = AuditEvent.objects.get(object_type="sponsors.sponsorship", changes__status__1="active")
    assert (started.changes, started.metadata) == (
        {"status": [SponsorshipStatus.READY, SponsorshipStatus.ACTIVE]},
        {"first_payment": first.order_id},
    )
    second = _paid(midtrans, sponsorship, people["sponsor"], months=3)
    event = AuditEvent.objects.get(object_id=str(second.pk), changes__has_key="booked_at")
    rows = RowChange.objects.filter(event=event)
    assert sorted((r.kind, r.operation) for r in rows) == [
        (FUNDED_MONTH_ROWS.code, RowOperation.INSERT),
        (FUNDED_MONTH_ROWS.code, RowOperation.INSERT),
        (FUNDED_MONTH_ROWS.code, RowOperation.INSERT),
        (PLAN_LINE_ROWS.code, RowOperation.UPDATE),
    ]
    changed = rows.get(kind=PLAN_LINE_ROWS.code)
    assert (changed.before.count("8400"), changed.after.count("58800")) == (1, 1)
    # The year's program grew by the second payment: audited with its reference.
    grew = AuditEvent.objects.get(object_type="funding.fundingprogram", metadata__reference__endswith=":in")
    assert grew.changes == {"budget": [8_400, 58_800]}


def test_the_refund_page_is_the_sertakan_treasurer_s(
    client, midtrans, people, make_worker, csr_program, sertakan_officer
):
    qris = _refund_due(midtrans, people, make_worker, csr_program, "qris")
    va = _refund_due(midtrans, people, make_worker, csr_program, "va_bri")
    client.force_login(sertakan_officer)
    trail = client.get("/dana/sertakan/").content.decode()
    assert f'data-testid="refund-{qris.order_id}">Kembalikan lewat penyedia<' in trail
    assert f'data-testid="refund-{va.order_id}">Catat pengembalian<' in trail
    # Others who see the money trail cannot give money back.
    for who in ("coordinator", "csr_officer", "sponsor"):
        client.force_login(people[who])
        assert client.post(f"/dana/sertakan/kembalikan/{qris.order_id}/").status_code == 403
        assert 'data-testid="refund-form"' not in client.get("/dana/sertakan/").content.decode()
    client.force_login(sertakan_officer)
    assert client.post("/dana/sertakan/kembalikan/SRT-0-TIDAKADA/").status_code == 404
    assert client.post("/dana/sertakan/kembalikan/%00/").status_code == 404
    assert client.get(f"/dana/sertakan/kembalikan/{qris.order_id}/").status_code == 405
    missing = client.post(f"/dana/sertakan/kembalikan/{va.order_id}/", {"bukti": ""})
    assert missing.status_code == 400 and "nomor bukti transfernya" in missing.content.decode()
    done = client.post(f"/dana/sertakan/kembalikan/{qris.order_id}/")
    assert done["Location"] == "/dana/sertakan/?ok=dikembalikan"
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="refunded"' in page and 'data-testid="reversed"' in page
    assert PaymentOrder.objects.get(pk=qris.pk).state == OrderState.REVERSED
    again = client.post(f"/dana/sertakan/kembalikan/{qris.order_id}/")
    assert again.status_code == 400 and "tidak tercatat untuk dikembalikan" in again.content.decode()


def test_each_notice_flag_is_audited_once(midtrans, people, make_worker, sertakan_officer):
    from cakupan.funding.models import Invoice
    from cakupan.funding.services import payment_record
    from cakupan.sponsors.services import notices

    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = _paid(midtrans, sponsorship, people["sponsor"])
    batch_through_bpjs(order.plan, people, accepted={worker.pk: "12345678901"})
    invoice = Invoice.objects.get(plan=order.plan)
    payment_record(
        invoice=invoice,
        external_reference="TRF-1",
        amount=invoice.amount,
        paid_on=dt.date(2026, 12, 3),
        actor=sertakan_officer,
    )
    assert notices.sponsorship_notices_run(today=dt.date(2026, 12, 3))["confirmed"] == 1
    assert notices.sponsorship_notices_run(today=dt.date(2026, 12, 26))["lapse_notices"] == 1
    notices.sponsorship_notices_run(today=dt.date(2026, 12, 27))
    flags = AuditEvent.objects.filter(
        object_type="sponsors.sponsorship", object_id=str(sponsorship.pk), metadata__notice=True
    ).order_by("id")
    assert [event.changes for event in flags] == [
        {"confirmed_notice_through": [None, "2026-12-01"]},
        {"lapse_notice_for": [None, "2026-12-01"]},
    ]


def test_a_receipt_that_cannot_be_queued_never_undoes_the_payment(midtrans, people, make_worker):
    from cakupan.messaging.models import MessageTemplate

    MessageTemplate.objects.filter(key=booking.RECEIPT_TEMPLATE).delete()
    worker = make_worker()
    order = _paid(midtrans, _agreed(people, worker), people["sponsor"])
    assert (order.state, order.failure) == (OrderState.PAID, "")
    assert FundedMonth.objects.filter(worker=worker).count() == 1
    assert not Message.objects.filter(idempotency_key=f"sertakan:receipt:{order.order_id}").exists()


def test_months_bpjs_tk_refused_are_owed_back_and_refunded_from_available(
    midtrans, people, make_worker, sertakan_officer
):
    worker = make_worker()
    order = _paid(midtrans, _agreed(people, worker), people["sponsor"])
    batch_through_bpjs(order.plan, people, accepted={})
    line = PlanLine.objects.get(worker=worker)
    assert line.released
    program = _program()
    assert ledger.balances(program)["available"] == 8_400
    from cakupan.sponsors.selectors import money_trail

    assert order in money_trail()["refunds"]
    done = reversal.order_refund(order=order, actor=sertakan_officer)
    assert (done.state, done.failure) == (
        OrderState.REVERSED,
        "Dikembalikan kepada pembayar; BPJS TK tidak menerima pendaftarannya.",
    )
    balances = ledger.balances(program)
    assert (balances["available"], balances["committed"], balances["source"]) == (0, 0, 0)
    assert order not in money_trail()["refunds"]


def test_a_refund_the_provider_already_made_is_applied_not_refused(
    midtrans, people, make_worker, csr_program, sertakan_officer
):
    order = _refund_due(midtrans, people, make_worker, csr_program, "qris")
    # Refunded at the provider's dashboard; its notification never arrived.
    common.midtrans().refund(order.order_id, amount=order.gross_amount, reason="tes", refund_key="dash-1")
    done = reversal.order_refund(order=order, actor=sertakan_officer)
    assert (done.state, done.provider_status) == (OrderState.REVERSED, "refund")


def test_a_partial_refund_is_finished_with_the_transfer_recorded_once(
    midtrans, people, make_worker, sertakan_officer
):
    order = _paid(midtrans, _agreed(people, make_worker()), people["sponsor"])
    common.midtrans().refund(order.order_id, amount=1_000, reason="tes", refund_key="r-1")
    services.notification_receive(raw=_notification(midtrans, order, "partial_refund"))
    assert _code(reversal.order_refund, order=order, actor=sertakan_officer) == "transfer_reference_required"
    reversal.order_refund(order=order, actor=sertakan_officer, transfer_reference="TRF-SISA-01")
    # A second treasurer recording the same refund is told, and nothing is recorded twice.
    assert (
        _code(reversal.order_refund, order=order, actor=sertakan_officer, transfer_reference="TRF-SISA-02")
        == "order_not_refund_due"
    )
    assert PaymentOrder.objects.get(pk=order.pk).failure.endswith("Bukti transfer: TRF-SISA-01.")


def test_cancelling_a_card_order_never_voids_its_capture(midtrans, people, make_worker):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = services.order_create(
        sponsorship=sponsorship,
        sponsor=people["sponsor"],
        method="card",
        card_token=browser_card_token(ACCEPTED_CARD),
    )
    # As if its request were still applying the charge when the sponsor pressed "Batalkan".
    PaymentOrder.objects.filter(pk=order.pk).update(state=OrderState.PENDING, paid_at=None)
    services.order_cancel(order=PaymentOrder.objects.get(pk=order.pk), actor=people["sponsor"])
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert common.midtrans().status(order.order_id).transaction_status == "capture"


def test_a_card_number_typed_where_the_token_goes_is_never_sent(midtrans, people, make_worker):
    sponsorship = _agreed(people, make_worker())
    for typed in ("4811 1111 1111 1114", "4811-1111-1111-1114"):
        assert (
            _code(
                services.order_create,
                sponsorship=sponsorship,
                sponsor=people["sponsor"],
                method="card",
                card_token=typed,
            )
            == "card_token_missing"
        )
    assert not PaymentOrder.objects.filter(sponsorship=sponsorship).exists()


def test_the_receipt_of_a_reversed_payment_is_no_longer_served(client, midtrans, people, make_worker):
    order = _paid(midtrans, _agreed(people, make_worker()), people["sponsor"])
    client.force_login(people["sponsor"])
    assert client.get(f"/sponsor/pesanan/{order.order_id}/tanda-terima.pdf").status_code == 200
    common.midtrans().refund(order.order_id, amount=order.gross_amount, reason="tes", refund_key="r-1")
    services.notification_receive(raw=_notification(midtrans, order, "refund"))
    assert client.get(f"/sponsor/pesanan/{order.order_id}/tanda-terima.pdf").status_code == 404


def test_the_sponsor_is_told_of_a_reversal_without_the_treasury_s_notes(
    client, midtrans, people, make_worker
):
    worker = make_worker()
    sponsorship = _agreed(people, worker)
    order = _paid(midtrans, sponsorship, people["sponsor"])
    batch_through_bpjs(order.plan, people, accepted={worker.pk: "12345678901"})
    common.midtrans().refund(order.order_id, amount=order.gross_amount, reason="tes", refund_key="r-1")
    services.notification_receive(raw=_notification(midtrans, order, "refund"))
    assert "ditagih kembali" in PaymentOrder.objects.get(pk=order.pk).failure
    client.force_login(people["sponsor"])
    for page in (f"/sponsor/pesanan/{order.order_id}/", f"/sponsor/dukungan/{sponsorship.reference}/"):
        body = client.get(page).content.decode()
        assert "Dibatalkan setelah dibayar" in body or 'data-testid="reversed"' in body
        assert "ditagih kembali" not in body and "SERTAKAN 2026" not in body
