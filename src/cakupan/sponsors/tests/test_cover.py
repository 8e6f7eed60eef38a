"""What a sponsor sees of the cover: only the months their own money bought, as BPJS TK confirmed them;
never months another funder paid before, between or after, and nothing current once the sponsorship ended.
The same for the public receipt check (what that receipt bought) and the notices that follow the cover."""

import datetime as dt
import json
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.funding import services as funding_services
from cakupan.funding.models import FundedMonth, FunderKind, Invoice, PlanLine
from cakupan.funding.services import funder_create, funder_officer_add, payment_record, program_create
from cakupan.messaging.models import Message
from cakupan.registry.models import Membership
from cakupan.sponsors import selectors, services
from cakupan.sponsors.models import OrderState, PaymentOrder, Sponsorship, SponsorshipStatus
from cakupan.sponsors.selectors import receipt_code
from cakupan.sponsors.services import notices
from cakupan.sponsors.tests.conftest import agreed_named, batch_through_bpjs, control, notifications

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
MONTH = 16_800  # JKK 1% of Rp1.000.000 + JKM Rp6.800
DECEMBER = 8_400  # the 50% cut, which for fishers lasts through December 2026
KPJ = "12345678901"


def _agreed(people, worker, *, months: int = 1) -> Sponsorship:
    return agreed_named(people, worker, months=months)


def _paid(emulator, people, sponsorship, *, months: int) -> PaymentOrder:
    order = services.order_create(
        sponsorship=sponsorship, sponsor=people["sponsor"], method="qris", months=months
    )
    control(emulator, "/_emulator/pay", {"order_id": order.order_id})
    [body] = [b for b in notifications(emulator) if json.loads(b)["order_id"] == order.order_id]
    assert services.notification_receive(raw=body).code == "applied"
    order.refresh_from_db()
    return order


def _invoice_paid(plan, officer, *, amount: int | None = None, reference: str) -> None:
    invoice = Invoice.objects.get(plan=plan)
    payment_record(
        invoice=invoice,
        external_reference=reference,
        amount=invoice.amount if amount is None else amount,
        paid_on=dt.date(2026, 12, 3),
        actor=officer,
    )


def _at(monkeypatch, day: dt.date) -> None:
    """SERTAKAN's clock on another day (the funding flows above it ran on 3 December 2026)."""
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=JAKARTA)
    monkeypatch.setattr("cakupan.sponsors.services.common.now", lambda: moment)


def _page(client, people, sponsorship) -> str:
    client.force_login(people["sponsor"])
    response = client.get(f"/sponsor/dukungan/{sponsorship.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def _receipt(client, order) -> str:
    response = client.get(f"/cek/tanda-terima/{order.receipt_number}/{receipt_code(order.receipt_number)}/")
    assert response.status_code == 200
    return response.content.decode()


def _headline(page: str) -> str:
    return re.search(r'data-testid="cover-headline">([^<]*)<', page).group(1)


def _periods(page: str) -> list[tuple[str, str]]:
    """Each paid period on the page: its state and its text without the receipt number."""
    found = re.findall(r'data-testid="period" data-state="([a-z]+)">(.*?)</li>', page)
    return [(state, re.sub(r" <span.*", "", text)) for state, text in found]


def _sertakan_emails() -> list[str]:
    return list(
        Message.objects.filter(purpose="sertakan", channel="email")
        .order_by("id")
        .values_list("body", flat=True)
    )


# --- a person whose cover others paid before and after the sponsor's months -------------------------------


@pytest.fixture
def apbd(people):
    """The province's APBD funder, with the treasurer as its officer (the coordinator proposes)."""
    funder = funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    funder_officer_add(funder=funder, user=people["treasurer"], actor=people["admin"])
    return funder


def _apbd_plan(people, funder, *, start: dt.date, months: int):
    program = program_create(
        funder=funder,
        actor=people["treasurer"],
        name=f"Jamsostek Banten {start:%Y-%m}",
        budget=100_000,
        fiscal_year=start.year,
        start_month=start,
        months=months,
    )
    plan = funding_services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["treasurer"])
    plan.refresh_from_db()
    return plan


@pytest.fixture
def surrounded(midtrans, people, make_worker, apbd, sertakan_officer):
    """APBD pays December 2026, the sponsor January to March 2027, APBD again April to June 2027. BPJS TK
    accepts her in each batch and APBD's invoices are paid; SERTAKAN's invoice is not paid yet, so her
    membership is paid through June while the sponsor's months are not yet paid to BPJS TK."""
    worker = make_worker(phone="+6281311112222", name="Siti Rahayu")
    sponsorship = _agreed(people, worker, months=3)
    before = _apbd_plan(people, apbd, start=dt.date(2026, 12, 1), months=1)
    order = _paid(midtrans, people, sponsorship, months=3)
    after = _apbd_plan(people, apbd, start=dt.date(2027, 4, 1), months=3)
    assert list(
        FundedMonth.objects.filter(worker=worker).order_by("month").values_list("month", flat=True)
    ) == [
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
        dt.date(2027, 3, 1),
        dt.date(2027, 4, 1),
        dt.date(2027, 5, 1),
        dt.date(2027, 6, 1),
    ]
    assert (order.first_month, order.contribution) == (dt.date(2027, 1, 1), 3 * MONTH)
    batch_through_bpjs(before, people, accepted={worker.pk: KPJ})
    _invoice_paid(before, people["treasurer"], reference="TRF-APBD-DES")
    batch_through_bpjs(order.plan, people, accepted={worker.pk: KPJ})
    batch_through_bpjs(after, people, accepted={worker.pk: KPJ})
    _invoice_paid(after, people["treasurer"], reference="TRF-APBD-APR")
    assert Membership.objects.get(worker=worker).paid_through == dt.date(2027, 6, 1)
    return {"worker": worker, "sponsorship": sponsorship, "order": order}


def test_months_others_paid_never_confirm_the_sponsors_months(surrounded, client, people):
    sponsorship, order, worker = surrounded["sponsorship"], surrounded["order"], surrounded["worker"]
    # Her membership runs through June, but the sponsor's own months are not yet paid to BPJS TK.
    cover = selectors.cover_of(sponsorship)
    assert (
        cover.paid_months,
        cover.awaiting_months,
        cover.confirmed_from,
        cover.confirmed_through,
        cover.active,
        cover.active_until,
        cover.upcoming_from,
        cover.last_paid_month,
    ) == (3, 3, None, None, False, None, None, dt.date(2027, 3, 1))
    page = _page(client, people, sponsorship)
    assert _headline(page) == "Dibayar, menunggu konfirmasi BPJS Ketenagakerjaan"
    assert _periods(page) == [
        ("awaiting", "1 Januari 2027 – 31 Maret 2027 (3 bulan): menunggu konfirmasi BPJS Ketenagakerjaan")
    ]
    assert "Aktif sampai" not in page and "Juni 2027" not in page and "Desember 2026" not in page
    for private in (worker.nik, "Rahayu", "81311112222", "800.000"):
        assert private not in page, private
    client.logout()
    receipt = _receipt(client, order)
    assert "Iuran 3 bulan: 1 Januari 2027 – 31 Maret 2027" in receipt
    assert 'data-state="awaiting">Menunggu konfirmasi BPJS Ketenagakerjaan<' in receipt
    assert "Juni 2027" not in receipt and "Terlindungi sampai" not in receipt and worker.nik not in receipt
    # No "cover confirmed" notice for months others paid.
    assert notices.sponsorship_notices_run(today=dt.date(2026, 12, 3))["confirmed"] == 0
    assert _sertakan_emails() == []

    # SERTAKAN's treasurer pays BPJS TK: now the sponsor's months are confirmed, and only they.
    _invoice_paid(order.plan, people["treasurer"], reference="TRF-SERTAKAN-1")
    cover = selectors.cover_of(sponsorship)
    assert (
        cover.paid_months,
        cover.awaiting_months,
        cover.confirmed_from,
        cover.confirmed_through,
        cover.confirmed_until,
        cover.active,
        cover.upcoming_from,
        cover.renewal_due,
    ) == (
        3,
        0,
        dt.date(2027, 1, 1),
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 31),
        False,
        dt.date(2027, 1, 1),
        dt.date(2027, 7, 1),
    )
    page = _page(client, people, sponsorship)
    # December is APBD's month: the sponsor's cover starts in January, and says nothing about December.
    assert _headline(page) == "Terlindungi dari dukungan Anda mulai 1 Januari 2027"
    assert _periods(page) == [
        ("confirmed", "1 Januari 2027 – 31 Maret 2027 (3 bulan): dikonfirmasi BPJS Ketenagakerjaan")
    ]
    assert "Aktif sampai" not in page and "30 Juni 2027" not in page and "Desember 2026" not in page
    client.logout()
    receipt = _receipt(client, order)
    assert 'data-state="confirmed">Bulan-bulan ini dikonfirmasi BPJS Ketenagakerjaan<' in receipt
    assert "Juni 2027" not in receipt
    counts = notices.sponsorship_notices_run(today=dt.date(2026, 12, 3))
    assert counts == {"confirmed": 1, "lapse_notices": 0, "charged": 0, "declined": 0}
    [confirmed] = _sertakan_emails()
    assert "sampai 31 Maret 2027, dari iuran yang Anda bayar" in confirmed
    sponsorship.refresh_from_db()
    assert sponsorship.confirmed_notice_through == dt.date(2027, 3, 1)
    # Her cover does not lapse when the sponsor's months end (APBD pays April to June), and when APBD's
    # months end that is not the sponsor's to hear of: no "before lapse" notice at either.
    for day in (dt.date(2027, 3, 25), dt.date(2027, 6, 25)):
        counts = notices.sponsorship_notices_run(today=day)
        assert counts == {"confirmed": 0, "lapse_notices": 0, "charged": 0, "declined": 0}, day
    assert len(_sertakan_emails()) == 1


def test_the_page_follows_the_sponsors_months_and_ends_with_the_sponsorship(
    surrounded, client, people, monkeypatch
):
    sponsorship, order = surrounded["sponsorship"], surrounded["order"]
    _invoice_paid(order.plan, people["treasurer"], reference="TRF-SERTAKAN-1")
    _at(monkeypatch, dt.date(2027, 2, 10))
    cover = selectors.cover_of(sponsorship)
    assert (cover.active, cover.active_through, cover.active_until, cover.upcoming_from) == (
        True,
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 31),
        None,
    )
    page = _page(client, people, sponsorship)
    # Through March, the sponsor's last month: not through June, which APBD paid.
    assert _headline(page) == "Aktif sampai 31 Maret 2027"
    assert 'data-testid="renewal-due"' in page and 'data-testid="pay"' in page

    _at(monkeypatch, dt.date(2027, 4, 10))
    cover = selectors.cover_of(sponsorship)
    assert (cover.active, cover.active_until, cover.confirmed_until) == (False, None, dt.date(2027, 3, 31))
    assert (
        _headline(_page(client, people, sponsorship))
        == "Perlindungan dari dukungan Anda berakhir 31 Maret 2027"
    )

    # She ends it in February, while the sponsor's months still run.
    _at(monkeypatch, dt.date(2027, 2, 10))
    client.force_login(people["sponsor"])
    assert client.post(f"/sponsor/dukungan/{sponsorship.reference}/hentikan/").status_code == 302
    sponsorship.refresh_from_db()
    cover = selectors.cover_of(sponsorship)
    assert (
        cover.ended,
        cover.ended_on.astimezone(JAKARTA).date(),
        cover.active,
        cover.active_until,
        cover.renewal_due,
        cover.upcoming_from,
        cover.paid_months,
    ) == (True, dt.date(2027, 2, 10), False, None, None, None, 3)
    page = _page(client, people, sponsorship)
    assert _headline(page) == "Dukungan berakhir 10 Februari 2027"
    assert _periods(page) == [
        ("confirmed", "1 Januari 2027 – 31 Maret 2027 (3 bulan): dikonfirmasi BPJS Ketenagakerjaan")
    ]
    for absent in (
        "Aktif sampai",
        'data-testid="renewal-due"',
        'data-testid="pay"',
        "Perpanjang",
        'data-testid="end"',
        "Bila terjadi sesuatu",
        "Juni 2027",
    ):
        assert absent not in page, absent
    # The receipt still says what it bought.
    client.logout()
    assert "Iuran 3 bulan: 1 Januari 2027 – 31 Maret 2027" in _receipt(client, order)
    # And the sponsor hears nothing more about her cover.
    counts = notices.sponsorship_notices_run(today=dt.date(2027, 3, 25))
    assert counts == {"confirmed": 0, "lapse_notices": 0, "charged": 0, "declined": 0}
    assert _sertakan_emails() == []


# --- the sponsor's own months: partly confirmed, refused, refunded, several orders ------------------------


def test_a_partly_paid_invoice_confirms_only_the_months_it_paid(
    midtrans, people, make_worker, sertakan_officer, client
):
    worker = make_worker(phone="+6281311112222")
    sponsorship = _agreed(people, worker, months=3)
    order = _paid(midtrans, people, sponsorship, months=3)
    batch_through_bpjs(order.plan, people, accepted={worker.pk: KPJ})
    # The treasurer pays December and January only (months are paid oldest first).
    _invoice_paid(order.plan, sertakan_officer, amount=DECEMBER + MONTH, reference="TRF-SEBAGIAN")
    assert Membership.objects.get(worker=worker).paid_through == dt.date(2027, 1, 1)
    cover = selectors.cover_of(sponsorship)
    assert (
        cover.paid_months,
        cover.awaiting_months,
        cover.active,
        cover.active_until,
        cover.confirmed_through,
    ) == (
        3,
        1,
        True,
        dt.date(2027, 1, 31),
        dt.date(2027, 1, 1),
    )
    [period] = cover.periods
    assert (period.first, period.last, period.until, period.funded, period.confirmed, period.state) == (
        dt.date(2026, 12, 1),
        dt.date(2027, 2, 1),
        dt.date(2027, 2, 28),
        3,
        2,
        "partial",
    )
    page = _page(client, people, sponsorship)
    assert _headline(page) == "Aktif sampai 31 Januari 2027"
    assert _periods(page) == [
        (
            "partial",
            "1 Desember 2026 – 28 Februari 2027 (3 bulan): 2 dari 3 bulan dikonfirmasi BPJS Ketenagakerjaan",
        )
    ]
    assert "(1 menunggu konfirmasi)" in page
    client.logout()
    receipt = _receipt(client, order)
    assert "Iuran 3 bulan: 1 Desember 2026 – 28 Februari 2027" in receipt
    assert "2 dari 3 bulan ini dikonfirmasi BPJS Ketenagakerjaan, sisanya menunggu konfirmasi" in receipt


def test_months_bpjs_refused_are_shown_as_refused_not_as_cover(midtrans, people, make_worker, client):
    worker = make_worker(phone="+6281311112222")
    sponsorship = _agreed(people, worker, months=1)
    order = _paid(midtrans, people, sponsorship, months=1)
    batch_through_bpjs(order.plan, people, accepted={})
    assert FundedMonth.objects.filter(worker=worker).count() == 0
    assert PlanLine.objects.get(plan=order.plan, worker=worker).released
    cover = selectors.cover_of(sponsorship)
    assert (
        cover.paid_months,
        cover.awaiting_months,
        cover.confirmed_through,
        cover.active,
        cover.rejected,
    ) == (
        0,
        0,
        None,
        False,
        True,
    )
    page = _page(client, people, sponsorship)
    assert _headline(page) == "Pendaftaran tidak diterima BPJS Ketenagakerjaan"
    assert _periods(page) == [
        (
            "rejected",
            "1 Desember 2026 – 31 Desember 2026 (1 bulan): "
            "pendaftarannya tidak diterima BPJS Ketenagakerjaan",
        )
    ]
    client.logout()
    receipt = _receipt(client, order)
    assert (
        'data-state="rejected">Pendaftarannya tidak diterima BPJS Ketenagakerjaan; '
        "bulan-bulan ini tidak berlaku<" in receipt
    )
    # Nothing to confirm, nothing to renew before a lapse of months that never were.
    counts = notices.sponsorship_notices_run(today=dt.date(2026, 12, 25))
    assert counts == {"confirmed": 0, "lapse_notices": 0, "charged": 0, "declined": 0}


def test_a_receipt_kept_for_refund_shows_no_months(midtrans, people, make_worker, client):
    worker = make_worker(phone="+6281311112222")
    sponsorship = _agreed(people, worker)
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    # The ending's cancel cannot reach the provider, so the QR code is still paid afterwards.
    control(midtrans, "/_emulator/faults", [{"status": 503}])
    services.sponsorship_end(sponsorship=sponsorship, by="sponsor", actor=people["sponsor"])
    control(midtrans, "/_emulator/pay", {"order_id": order.order_id})
    [body] = [b for b in notifications(midtrans) if json.loads(b)["order_id"] == order.order_id]
    assert services.notification_receive(raw=body).code == "applied"
    order.refresh_from_db()
    assert order.state == OrderState.REFUND_DUE
    assert selectors.receipt_cover(order) is None
    receipt = _receipt(client, order)
    assert "Pembayaran ini dicatat untuk dikembalikan kepada pembayar." in receipt
    assert (
        'data-testid="receipt-months"' not in receipt and 'data-testid="receipt-confirmation"' not in receipt
    )
    sponsorship.refresh_from_db()
    cover = selectors.cover_of(sponsorship)
    assert (cover.ended, cover.paid_months, cover.periods, cover.renewal_due) == (True, 0, (), None)
    page = _page(client, people, sponsorship)
    assert _headline(page) == "Dukungan berakhir 3 Desember 2026"
    assert 'data-testid="periods"' not in page and "Aktif sampai" not in page


def test_each_order_shows_its_own_months_in_a_bounded_number_of_queries(
    midtrans, people, make_worker, client
):
    worker = make_worker(phone="+6281311112222")
    sponsorship = _agreed(people, worker, months=1)
    first = _paid(midtrans, people, sponsorship, months=1)

    def counted():
        sponsorship_fresh = Sponsorship.objects.select_related("worker__desa").get(pk=sponsorship.pk)
        with CaptureQueriesContext(connection) as queries:
            cover = selectors.cover_of(sponsorship_fresh)
        return cover, len(queries)

    _cover, one_order = counted()
    second = _paid(midtrans, people, sponsorship, months=3)
    third = _paid(midtrans, people, sponsorship, months=1)
    # Renewals in the same open plan lengthen the worker's one line: each order still knows its months.
    assert {first.plan_id, second.plan_id, third.plan_id} == {first.plan_id}
    assert PlanLine.objects.get(plan=first.plan, worker=worker).months == 5
    cover, three_orders = counted()
    assert three_orders == one_order <= 6
    assert [(p.order_id, p.first, p.last, p.funded, p.state) for p in cover.periods] == [
        (first.order_id, dt.date(2026, 12, 1), dt.date(2026, 12, 1), 1, "awaiting"),
        (second.order_id, dt.date(2027, 1, 1), dt.date(2027, 3, 1), 3, "awaiting"),
        (third.order_id, dt.date(2027, 4, 1), dt.date(2027, 4, 1), 1, "awaiting"),
    ]
    assert (cover.paid_months, cover.awaiting_months, cover.last_paid_month, cover.renewal_due) == (
        5,
        5,
        dt.date(2027, 4, 1),
        dt.date(2027, 5, 1),
    )
    page = _page(client, people, sponsorship)
    assert [text for _state, text in _periods(page)] == [
        "1 Desember 2026 – 31 Desember 2026 (1 bulan): menunggu konfirmasi BPJS Ketenagakerjaan",
        "1 Januari 2027 – 31 Maret 2027 (3 bulan): menunggu konfirmasi BPJS Ketenagakerjaan",
        "1 April 2027 – 30 April 2027 (1 bulan): menunggu konfirmasi BPJS Ketenagakerjaan",
    ]
    # Each receipt shows its own months only.
    client.logout()
    assert "Iuran 3 bulan: 1 Januari 2027 – 31 Maret 2027" in _receipt(client, second)
    assert "Iuran 1 bulan: 1 April 2027 – 30 April 2027" in _receipt(client, third)


def test_a_renewal_waiting_for_bpjs_is_not_shown_as_cover_that_ended(
    midtrans, people, make_worker, sertakan_officer, client, monkeypatch
):
    worker = make_worker(phone="+6281311112222")
    sponsorship = _confirmed_december(midtrans, people, worker, sertakan_officer, "T-1")
    renewal = _paid(midtrans, people, sponsorship, months=1)
    assert renewal.first_month == dt.date(2027, 1, 1)
    _at(monkeypatch, dt.date(2027, 1, 10))
    cover = selectors.cover_of(sponsorship)
    assert (
        cover.active,
        cover.confirmed_through,
        cover.awaiting_months,
        cover.awaiting_ahead,
        cover.renewal_due,
    ) == (False, dt.date(2026, 12, 1), 1, 1, dt.date(2027, 2, 1))
    page = _page(client, people, sponsorship)
    assert _headline(page) == "Dibayar, menunggu konfirmasi BPJS Ketenagakerjaan"
    assert _periods(page) == [
        ("confirmed", "1 Desember 2026 – 31 Desember 2026 (1 bulan): dikonfirmasi BPJS Ketenagakerjaan"),
        ("awaiting", "1 Januari 2027 – 31 Januari 2027 (1 bulan): menunggu konfirmasi BPJS Ketenagakerjaan"),
    ]
    # Had the renewal never been paid to BPJS TK, by March the sponsor's cover has ended in December.
    _at(monkeypatch, dt.date(2027, 3, 10))
    cover = selectors.cover_of(sponsorship)
    assert (cover.awaiting_months, cover.awaiting_ahead) == (1, 0)
    assert _headline(_page(client, people, sponsorship)) == (
        "Perlindungan dari dukungan Anda berakhir 31 Desember 2026"
    )


def test_a_declined_sponsorship_ended_the_day_she_declined(people, make_worker, client):
    worker = make_worker(phone="+6281311112222")
    services.sponsorship_create_named(
        sponsor=people["sponsor"],
        nik=worker.nik,
        name=worker.name,
        desa_code=worker.desa_id,
        phone="081234567890",
        sector="",
    )
    body = Message.objects.filter(purpose="sertakan", channel="sms").latest("id").body
    token = re.search(r"/sertakan/setuju/([^/]+)/", body).group(1)
    sponsorship = services.sponsorship_answer(token=token, agree=False)
    cover = selectors.cover_of(sponsorship)
    assert (cover.ended, cover.ended_on, cover.renewal_due, cover.paid_months, cover.periods) == (
        True,
        sponsorship.declined_at,
        None,
        0,
        (),
    )
    page = _page(client, people, sponsorship)
    assert _headline(page) == "Dukungan berakhir 3 Desember 2026"
    assert 'data-testid="declined"' in page
    for absent in ('data-testid="renewal-due"', 'data-testid="pay"', 'data-testid="end"', "Aktif sampai"):
        assert absent not in page, absent


# --- notices ---------------------------------------------------------------------------------------------


def _confirmed_december(midtrans, people, worker, officer, reference: str) -> Sponsorship:
    sponsorship = _agreed(people, worker, months=1)
    order = _paid(midtrans, people, sponsorship, months=1)
    batch_through_bpjs(order.plan, people, accepted={worker.pk: worker.nik[-11:]})
    _invoice_paid(order.plan, officer, reference=reference)
    return sponsorship


def test_notices_go_to_running_sponsorships_only(midtrans, people, make_worker, sertakan_officer):
    ended = _confirmed_december(
        midtrans, people, make_worker(phone="+6281311112222"), sertakan_officer, "T-1"
    )
    services.sponsorship_end(sponsorship=ended, by="sponsor", actor=people["sponsor"])
    running = _confirmed_december(
        midtrans, people, make_worker(phone="+6281311113333"), sertakan_officer, "T-2"
    )
    assert selectors.cover_of(ended).confirmed_through == dt.date(2026, 12, 1)
    # On 25 December both would be due a "confirmed" and a "before lapse" notice: only the running one is.
    counts = notices.sponsorship_notices_run(today=dt.date(2026, 12, 25))
    assert counts == {"confirmed": 1, "lapse_notices": 1, "charged": 0, "declined": 0}
    bodies = _sertakan_emails()
    assert len(bodies) == 2
    assert "sampai 31 Desember 2026, dari iuran yang Anda bayar" in bodies[0]
    assert "berakhir 31 Desember 2026. Tanpa iuran berikutnya" in bodies[1]
    assert all(str(running.reference) in body for body in bodies)
    ended.refresh_from_db()
    assert (ended.confirmed_notice_through, ended.lapse_notice_for) == (None, None)


def test_a_sponsorship_ended_during_the_pass_hears_nothing(
    midtrans, people, make_worker, sertakan_officer, monkeypatch
):
    sponsorship = _confirmed_december(
        midtrans, people, make_worker(phone="+6281311112222"), sertakan_officer, "T"
    )
    real = selectors.cover_of

    def ended_meanwhile(found):
        # The pass judged the cover of a running sponsorship; the sponsor ends it before its notices are
        # claimed.
        cover = real(found)
        services.sponsorship_end(sponsorship=found, by="sponsor", actor=people["sponsor"])
        return cover

    monkeypatch.setattr("cakupan.sponsors.selectors.cover_of", ended_meanwhile)
    counts = notices.sponsorship_notices_run(today=dt.date(2026, 12, 25))
    assert counts == {"confirmed": 0, "lapse_notices": 0, "charged": 0, "declined": 0}
    assert _sertakan_emails() == []
    sponsorship.refresh_from_db()
    assert (sponsorship.status, sponsorship.confirmed_notice_through, sponsorship.lapse_notice_for) == (
        SponsorshipStatus.ENDED,
        None,
        None,
    )
