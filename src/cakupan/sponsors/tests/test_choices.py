"""Pools, gifts, company matching, recurring cards and the notices that follow the cover."""

import datetime as dt
import json
import re

import pytest
from django.core.management import call_command

from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError
from cakupan.funding.models import FundedMonth, LedgerAccount, PlanLine
from cakupan.funding.services import program_create
from cakupan.messaging.models import Message
from cakupan.providers.emulators.midtrans import ACCEPTED_CARD, DENIED_CARD
from cakupan.sponsors import services
from cakupan.sponsors.models import GiftListing, MatchGrant, OrderState, PaymentOrder, SponsorshipStatus
from cakupan.sponsors.services import notices, staff
from cakupan.sponsors.tests.conftest import (
    DESA_A,
    DESA_B,
    agreed_named,
    batch_through_bpjs,
    browser_card_token,
    control,
    notifications,
)


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def _settle(emulator, order):
    control(emulator, "/_emulator/pay", {"order_id": order.order_id})
    [body] = [
        b
        for b in notifications(emulator)
        if json.loads(b)["order_id"] == order.order_id and json.loads(b)["transaction_status"] == "settlement"
    ]
    return services.notification_receive(raw=body)


def _agreed(people, worker, **extra):
    return agreed_named(people, worker, **extra)


def test_pool_picks_the_most_vulnerable_uncovered_worker_not_yet_sponsored(people, make_worker):
    make_worker(DESA_A, decile=5)
    poorest = make_worker(DESA_B, decile=1)
    second = make_worker(DESA_A, decile=2)
    make_worker(DESA_A, decile=1, kpj="22222222222", paid_through=dt.date(2027, 6, 1))  # covered already
    make_worker("36.71.01.1001", decile=1)  # another kecamatan
    farmer = make_worker(DESA_A, decile=9, sector="petani")
    first = services.sponsorship_create_pool(sponsor=people["sponsor"], area_code="36.02.01", months=3)
    assert (first.worker_id, first.status, first.months) == (poorest.pk, SponsorshipStatus.READY, 3)
    following = services.sponsorship_create_pool(sponsor=people["other_sponsor"], area_code="36.02.01")
    assert following.worker_id == second.pk
    by_sector = services.sponsorship_create_pool(sponsor=people["sponsor"], area_code=DESA_A, sector="petani")
    assert by_sector.worker_id == farmer.pk
    assert (
        _code(services.sponsorship_create_pool, sponsor=people["sponsor"], area_code=DESA_A, sector="petani")
        == "pool_empty"
    )
    assert (
        _code(services.sponsorship_create_pool, sponsor=people["sponsor"], area_code="99") == "region_unknown"
    )
    assert (
        _code(services.sponsorship_create_pool, sponsor=people["sponsor"], area_code=DESA_A, sector="formal")
        == "sector_unknown"
    )
    assert (
        _code(services.sponsorship_create_pool, sponsor=people["sponsor"], area_code=DESA_A, months=2)
        == "months_invalid"
    )


def test_gift_to_a_zakat_program_grows_its_budget(midtrans, people):
    from cakupan.funding.services import funder_create, funder_officer_add

    baznas = funder_create(name="BAZNAS Banten", kind="zakat", area_code="36")
    funder_officer_add(funder=baznas, user=people["treasurer"], actor=people["admin"])
    program = program_create(
        funder=baznas,
        actor=people["treasurer"],
        name="Zakat pekerja",
        budget=500_000,
        fiscal_year=2026,
        start_month=dt.date(2026, 12, 1),
        months=12,
    )
    listing = staff.gift_listing_create(
        actor=people["treasurer"],
        values={"program": str(program.pk), "judul": "Zakat untuk nelayan", "keterangan": "Khusus mustahik."},
    )
    assert (
        _code(
            staff.gift_listing_create,
            actor=people["csr_officer"],
            values={"program": str(program.pk), "judul": "x", "keterangan": "y"},
        )
        == "matching_not_allowed"
    )
    gift = services.sponsorship_create_gift(sponsor=people["sponsor"], listing_id=listing.pk)
    assert _code(services.quote, sponsorship=gift, amount=5_000) == "gift_amount_invalid"
    order = services.order_create(sponsorship=gift, sponsor=people["sponsor"], method="qris", amount=100_000)
    assert (order.contribution, order.fee, order.gross_amount, order.months) == (100_000, 700, 100_700, 0)
    assert _settle(midtrans, order).code == "applied"
    program.refresh_from_db()
    assert program.budget == 600_000
    assert dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))[
        "available"
    ] == (600_000)
    assert FundedMonth.objects.count() == 0
    GiftListing.objects.filter(pk=listing.pk).update(active=False)
    assert _code(services.sponsorship_create_gift, sponsor=people["sponsor"], listing_id=listing.pk) == (
        "gift_program_unknown"
    )


def test_company_match_protects_another_worker_nearby_within_its_caps(
    midtrans, people, make_worker, csr_program
):
    rule = staff.matching_rule_create(
        actor=people["csr_officer"],
        values={
            "program": str(csr_program.pk),
            "judul": "Pabrik ikut melindungi",
            "rasio": "100",
            "batas_sponsor": "30000",
            "batas_total": "1000000",
            "mulai": "2026-12-01",
            "selesai": "2026-12-31",
            "domain": "pabrik.co.id",
        },
    )
    assert _code(
        staff.matching_rule_create, actor=people["sponsor"], values={"program": str(csr_program.pk)}
    ) == ("matching_not_allowed")
    assert (
        _code(
            staff.matching_rule_create,
            actor=people["csr_officer"],
            values={
                "program": str(csr_program.pk),
                "judul": "x",
                "rasio": "0",
                "batas_sponsor": "1",
                "batas_total": "1",
                "mulai": "2026-12-01",
                "selesai": "2026-12-31",
            },
        )
        == "rasio_invalid"
    )
    sponsored = make_worker(DESA_A, decile=3)
    neighbour = make_worker(DESA_B, decile=1)  # same kecamatan, poorer
    # Budi's address is the company's: matched. Sari's is not.
    budi = services.sponsorship_create_named(
        sponsor=people["other_sponsor"],
        nik=sponsored.nik,
        name=sponsored.name,
        desa_code=DESA_A,
        phone="081234567890",
        sector="",
        months=3,
    )
    token = re.search(r"/sertakan/setuju/([^/]+)/", Message.objects.get(purpose="sertakan").body).group(1)
    services.sponsorship_answer(token=token, agree=True)
    order = services.order_create(sponsorship=budi, sponsor=people["other_sponsor"], method="qris")
    assert order.contribution == 42_000
    assert _settle(midtrans, order).code == "applied"
    order.refresh_from_db()
    # The Rp30.000 cap per sponsor buys one month for the neighbour (the rules price 1, 3, 6 or 12 months;
    # three would cost Rp42.000).
    assert (order.matched_amount, order.matched_months) == (8_400, 1)
    line = PlanLine.objects.get(program=csr_program)
    assert (line.worker_id, line.first_month, line.months, line.cost, line.plan_id) == (
        neighbour.pk,
        dt.date(2026, 12, 1),
        1,
        8_400,
        order.plan_id,
    )
    balances = dict(LedgerAccount.objects.filter(program=csr_program).values_list("kind", "balance"))
    assert (balances["available"], balances["committed"]) == (1_000_000 - 8_400, 8_400)
    rule.refresh_from_db()
    assert rule.matched_total == 8_400
    assert MatchGrant.objects.get().amount == 8_400
    # Sari is not the company's employee: her sponsorship is not matched.
    sari = _agreed(people, make_worker(DESA_A, decile=2))
    assert (
        _settle(
            midtrans, services.order_create(sponsorship=sari, sponsor=people["sponsor"], method="qris")
        ).code
        == "applied"
    )
    assert MatchGrant.objects.count() == 1
    # A replay matches nothing more.
    body = next(b for b in notifications(midtrans) if json.loads(b)["order_id"] == order.order_id)
    assert services.notification_receive(raw=body).code == "duplicate"
    assert MatchGrant.objects.count() == 1


def test_recurring_card_is_charged_before_lapse_and_a_decline_is_told(
    midtrans, people, make_worker, sertakan_officer, monkeypatch
):
    worker = make_worker()
    sponsorship = _agreed(people, worker, months=1, recurring=True)
    # Without the browser's token (a page without JavaScript, or card digits typed into the field) no
    # order is opened and nothing reaches the provider.
    for token in ("", "4811111111111114", "tok\x00en-123456"):
        bad = _code(
            services.order_create,
            sponsorship=sponsorship,
            sponsor=people["sponsor"],
            method="card",
            card_token=token,
        )
        assert bad == "card_token_missing"
    assert not PaymentOrder.objects.filter(sponsorship=sponsorship).exists()
    denied = services.order_create(
        sponsorship=sponsorship,
        sponsor=people["sponsor"],
        method="card",
        card_token=browser_card_token(DENIED_CARD),
    )
    assert denied.state == OrderState.DENIED
    token = browser_card_token(ACCEPTED_CARD)
    order = services.order_create(
        sponsorship=sponsorship, sponsor=people["sponsor"], method="card", card_token=token
    )
    assert (order.state, order.contribution, order.fee) == (OrderState.PAID, 8_400, 2_000 + 244)
    sponsorship.refresh_from_db()
    assert sponsorship.card_token and sponsorship.card_label.endswith("1114")
    # The saved card is audited by its masked label, never by its token.
    saved = AuditEvent.objects.filter(object_type="sponsors.sponsorship", object_id=str(sponsorship.pk))
    saved = saved.filter(changes__has_key="card_label").get()
    assert saved.changes == {"card_label": ["", sponsorship.card_label], "card_saved": [False, True]}
    assert sponsorship.card_token not in json.dumps([saved.changes, saved.metadata])
    # The same one-time token again (a reload that posts the form twice) pays nothing more.
    again = _code(
        services.order_create,
        sponsorship=sponsorship,
        sponsor=people["sponsor"],
        method="card",
        card_token=token,
    )
    assert again == "card_token_used"
    assert PaymentOrder.objects.filter(sponsorship=sponsorship, state=OrderState.PAID).count() == 1
    batch_through_bpjs(order.plan, people, accepted={worker.pk: "12345678901"})
    from cakupan.funding.models import Invoice
    from cakupan.funding.services import payment_record

    invoice = Invoice.objects.get(plan=order.plan)
    payment_record(
        invoice=invoice,
        external_reference="TRF-1",
        amount=invoice.amount,
        paid_on=dt.date(2026, 12, 3),
        actor=sertakan_officer,
    )
    # Cover confirmed through December: the sponsor hears it once.
    counts = notices.sponsorship_notices_run(today=dt.date(2026, 12, 3))
    assert counts == {"confirmed": 1, "lapse_notices": 0, "charged": 0, "declined": 0}
    confirmed = Message.objects.get(purpose="sertakan", channel="email")
    assert "sampai 31 Desember 2026" in confirmed.body
    assert notices.sponsorship_notices_run(today=dt.date(2026, 12, 3))["confirmed"] == 0
    # A week before it ends, the saved card pays January.
    counts = notices.sponsorship_notices_run(today=dt.date(2026, 12, 25))
    assert counts == {"confirmed": 0, "lapse_notices": 0, "charged": 1, "declined": 0}
    january = PaymentOrder.objects.get(first_month=dt.date(2027, 1, 1), recurring_charge=True)
    assert (january.state, january.recurring_charge, january.contribution) == (OrderState.PAID, True, 16_800)
    assert notices.sponsorship_notices_run(today=dt.date(2026, 12, 26))["charged"] == 0
    # February's charge is declined by the bank: the sponsor is told, nothing is funded.
    control(midtrans, "/_emulator/card/decline", {"saved_token_id": sponsorship.card_token})
    counts = notices.sponsorship_notices_run(today=dt.date(2027, 1, 25))
    assert counts == {"confirmed": 0, "lapse_notices": 1, "charged": 0, "declined": 1}
    declined = PaymentOrder.objects.filter(recurring_charge=True).latest("id")
    assert declined.state == OrderState.DENIED
    assert not FundedMonth.objects.filter(month=dt.date(2027, 2, 1)).exists()
    subjects = list(
        Message.objects.filter(channel="email", purpose="sertakan").values_list("subject", flat=True)
    )
    assert "Pembayaran berulang Rp19.288 ditolak" in subjects
    assert any(subject.startswith("Perlindungan S*** P") for subject in subjects)


def test_the_daily_command_runs(people):
    from io import StringIO

    out = StringIO()
    call_command("sertakan", "kabar", stdout=out)
    assert json.loads(out.getvalue()) == {"charged": 0, "confirmed": 0, "declined": 0, "lapse_notices": 0}
