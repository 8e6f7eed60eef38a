"""SERTAKAN's pages through Django's test client: what each shows, who may open it, bad input answered in
Bahasa with 400 and never 500."""

import json
import re

import pytest

from cakupan.messaging.models import Message
from cakupan.sponsors.models import OrderState, PaymentOrder, Sponsorship, SponsorshipStatus
from cakupan.sponsors.selectors import receipt_code
from cakupan.sponsors.tests.conftest import DESA_A, control, notifications


@pytest.fixture
def sponsor_client(client, people):
    client.force_login(people["sponsor"])
    return client


def _consent_token() -> str:
    body = Message.objects.filter(purpose="sertakan", channel="sms").latest("id").body
    return re.search(r"/sertakan/setuju/([^/]+)/", body).group(1)


def test_named_journey_through_the_pages(sponsor_client, client, people, make_worker, midtrans):
    worker = make_worker(name="Siti Rahayu")
    assert sponsor_client.get("/sponsor/").status_code == 200
    page = sponsor_client.get("/sponsor/dukung/")
    assert "Rp8.400 sebulan" in page.content.decode()
    found = sponsor_client.get("/sponsor/wilayah/", {"q": "Cilang", "tingkat": "desa"}).content.decode()
    assert f'value="{DESA_A}"' in found
    bad = sponsor_client.post(
        "/sponsor/dukung/kenal/",
        {"nik": "123", "nama": "Siti", "desa": DESA_A, "hp": "081234567890", "bulan": "1"},
    )
    assert bad.status_code == 400
    assert 'data-code="nik_wrong_length"' in bad.content.decode()
    made = sponsor_client.post(
        "/sponsor/dukung/kenal/",
        {"nik": worker.nik, "nama": "siti rahayu", "desa": DESA_A, "hp": "081234567890", "bulan": "3"},
    )
    sponsorship = Sponsorship.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/sponsor/dukungan/{sponsorship.reference}/"
    detail = sponsor_client.get(made["Location"]).content.decode()
    assert "Menunggu persetujuan pekerja" in detail and worker.nik not in detail and "Rahayu" not in detail
    assert 'data-testid="pay"' not in detail

    # The worker's link, in the public.
    client.logout()
    token = _consent_token()
    assert "Sari</strong> ingin membayar" in client.get(f"/sertakan/setuju/{token}/").content.decode()
    assert client.post(f"/sertakan/setuju/{token}/", {"jawaban": "apa"}).status_code == 400
    agreed = client.post(f"/sertakan/setuju/{token}/", {"jawaban": "setuju"}).content.decode()
    assert "persetujuan Anda sudah kami catat" in agreed
    assert client.get("/sertakan/setuju/bukan-token-yang-benar/").status_code == 404

    client.force_login(people["sponsor"])
    quote = client.get(
        made["Location"], {"bulan": "3", "cara": "va_bni"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="quote-total">Rp46.000<' in quote
    refused = client.post(f"{made['Location']}bayar/", {"bulan": "2", "cara": "qris"})
    assert refused.status_code == 400 and 'data-code="months_invalid"' in refused.content.decode()
    paid = client.post(f"{made['Location']}bayar/", {"bulan": "3", "cara": "va_bni"})
    order = PaymentOrder.objects.get()
    assert paid["Location"] == f"/sponsor/pesanan/{order.order_id}/"
    pending = client.get(paid["Location"]).content.decode()
    assert order.instructions["va_number"] in pending and 'data-state="pending"' in pending
    control(midtrans, "/_emulator/pay", {"order_id": order.order_id})
    [body] = notifications(midtrans)
    answer = client.post("/api/v1/sertakan/midtrans/notifikasi", body, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (200, "applied")
    forged = dict(json.loads(body), signature_key="0" * 128)
    answer = client.post("/api/v1/sertakan/midtrans/notifikasi", forged, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (403, "signature_invalid")
    state = client.get(paid["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="paid"' in state
    order.refresh_from_db()
    pdf = client.get(f"/sponsor/pesanan/{order.order_id}/tanda-terima.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    verify = client.get(f"/cek/tanda-terima/{order.receipt_number}/{receipt_code(order.receipt_number)}/")
    assert verify.status_code == 200 and "Rp46.000" in verify.content.decode()
    assert "Menunggu konfirmasi BPJS Ketenagakerjaan" in verify.content.decode()
    assert client.get(f"/cek/tanda-terima/{order.receipt_number}/0000000000000000/").status_code == 404

    # Another sponsor sees none of it.
    client.force_login(people["other_sponsor"])
    assert client.get(made["Location"]).status_code == 404
    assert client.get(paid["Location"]).status_code == 404
    assert client.get(f"/sponsor/pesanan/{order.order_id}/tanda-terima.pdf").status_code == 404
    assert client.post(f"{made['Location']}hentikan/").status_code == 404
    # Staff are sent to their own pages.
    client.force_login(people["coordinator"])
    assert client.get("/sponsor/").status_code == 403
    trail = client.get("/dana/sertakan/").content.decode()
    assert order.order_id in trail and "Rp46.000" in trail


def test_odd_input_never_fails_the_server(sponsor_client, people, midtrans):
    for path, data in [
        ("/sponsor/dukung/kenal/", {"nik": "x" * 500, "bulan": "abc", "desa": "'; DROP", "hp": "\x00"}),
        ("/sponsor/dukung/wilayah/", {"wilayah": "36" * 40, "sektor": "zzz", "bulan": "-1"}),
        ("/sponsor/dukung/sumbangan/", {"program": "999999999999999999999"}),
    ]:
        assert sponsor_client.post(path, data).status_code == 400, path
    assert sponsor_client.get("/sponsor/dukungan/bukan-uuid/").status_code == 404
    assert sponsor_client.get("/sponsor/pesanan/" + "A" * 80 + "/").status_code == 404
    assert sponsor_client.get("/sponsor/pesanan/SRT%00/").status_code == 404
    named = {
        "nik": "3602014505900001",
        "nama": "Ani\x00 Rahayu",
        "desa": DESA_A,
        "hp": "081234567890",
        "sektor": "prt",
        "bulan": "1",
    }
    assert sponsor_client.post("/sponsor/dukung/kenal/", named).status_code == 302
    assert sponsor_client.get("/sponsor/wilayah/", {"q": "\x00" * 100}).status_code == 200
    assert sponsor_client.get("/cek/tanda-terima/" + "9" * 40 + "/x/").status_code == 404
    for raw in (b"", b"{", b"null", json.dumps({"order_id": 5}).encode()):
        answer = sponsor_client.post(
            "/api/v1/sertakan/midtrans/notifikasi", raw, content_type="application/json"
        )
        assert answer.status_code in (400, 403), raw


def test_officers_set_matching_and_gift_listings(client, people, csr_program):
    client.force_login(people["csr_officer"])
    page = client.get("/dana/sertakan/").content.decode()
    assert "CSR Pabrik peduli" in page and "Pesanan menurut status" not in page
    bad = client.post(
        "/dana/sertakan/pendamping/",
        {
            "program": str(csr_program.pk),
            "judul": "x",
            "rasio": "100",
            "batas_sponsor": "1",
            "batas_total": "1",
            "mulai": "2026-12-31",
            "selesai": "2026-12-01",
        },
    )
    assert bad.status_code == 400 and 'data-code="dates_order"' in bad.content.decode()
    ok = client.post(
        "/dana/sertakan/pendamping/",
        {
            "program": str(csr_program.pk),
            "judul": "Pabrik peduli",
            "rasio": "50",
            "batas_sponsor": "100000",
            "batas_total": "500000",
            "mulai": "2026-12-01",
            "selesai": "2027-06-30",
        },
    )
    assert ok.status_code == 302
    listed = client.post(
        "/dana/sertakan/sumbangan/",
        {"program": str(csr_program.pk), "judul": "Peduli nelayan", "keterangan": "Iuran nelayan Lebak."},
    )
    assert listed.status_code == 302
    client.force_login(people["sponsor"])
    assert "Peduli nelayan" in client.get("/sponsor/dukung/sumbangan/").content.decode()
    assert client.get("/dana/sertakan/").status_code == 403


def test_closed_orders_show_why(sponsor_client, people, make_worker, midtrans):
    from cakupan.sponsors import services

    worker = make_worker()
    sponsorship = services.sponsorship_create_pool(sponsor=people["sponsor"], area_code=DESA_A)
    assert sponsorship.worker_id == worker.pk and sponsorship.status == SponsorshipStatus.READY
    order = services.order_create(sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
    assert (
        "Kode QRIS untuk membayar"
        in sponsor_client.get(f"/sponsor/pesanan/{order.order_id}/").content.decode()
    )
    assert sponsor_client.post(f"/sponsor/pesanan/{order.order_id}/batal/").status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    page = sponsor_client.get(f"/sponsor/pesanan/{order.order_id}/").content.decode()
    assert "Dibatalkan" in page and "Tidak ada uang yang ditarik" in page


def test_a_card_is_asked_for_only_when_chosen_and_a_declined_card_says_so(
    sponsor_client, people, make_worker, midtrans
):
    from cakupan.providers.emulators.midtrans import ACCEPTED_CARD, DENIED_CARD
    from cakupan.sponsors import services
    from cakupan.sponsors.tests.conftest import browser_card_token

    worker = make_worker()
    sponsorship = services.sponsorship_create_pool(
        sponsor=people["sponsor"], area_code=DESA_A, recurring=True
    )
    assert sponsorship.worker_id == worker.pk
    page = f"/sponsor/dukungan/{sponsorship.reference}/"
    assert 'data-testid="card-fields"' not in sponsor_client.get(page).content.decode()
    card_page = sponsor_client.get(page, {"cara": "card"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="card-fields"' in card_page and "perpanjangan otomatis" in card_page
    assert 'data-testid="quote-fee">Rp2.244<' in card_page
    # The card's inputs have no name, so the form can never post them here: the browser exchanges them at
    # the provider's token endpoint, which the page's policy lets it call, and posts the token only.
    assert f'data-card-token-url="{midtrans.url}/v2/token"' in card_page
    assert 'data-client-key="SB-Mid-client-TESTS"' in card_page
    assert re.findall(r'<input id="(?:kartu|bulan-kartu|tahun-kartu|cvv)"[^>]*>', card_page)
    assert not re.findall(r'<input id="(?:kartu|bulan-kartu|tahun-kartu|cvv)"[^>]*name=', card_page)
    full_page = sponsor_client.get(page, {"cara": "card"})
    assert f"connect-src 'self' {midtrans.url}" in full_page["Content-Security-Policy"]
    card = {"bulan": "1", "cara": "card"}
    for posted in ({}, {"token_kartu": "4811111111111114"}, {"kartu": ACCEPTED_CARD, "cvv": "123"}):
        bad = sponsor_client.post(f"{page}bayar/", {**card, **posted})
        assert bad.status_code == 400 and 'data-code="card_token_missing"' in bad.content.decode()
        assert f"connect-src 'self' {midtrans.url}" in bad["Content-Security-Policy"]
    assert not PaymentOrder.objects.exists()
    denied = sponsor_client.post(f"{page}bayar/", {**card, "token_kartu": browser_card_token(DENIED_CARD)})
    order = PaymentOrder.objects.filter(state=OrderState.DENIED).get()
    assert denied["Location"] == f"/sponsor/pesanan/{order.order_id}/"
    assert "Ditolak bank" in sponsor_client.get(denied["Location"]).content.decode()
    paid = sponsor_client.post(f"{page}bayar/", {**card, "token_kartu": browser_card_token(ACCEPTED_CARD)})
    assert 'data-state="paid"' in sponsor_client.get(paid["Location"]).content.decode()
    sponsorship.refresh_from_db()
    assert sponsorship.card_token and sponsorship.card_label.endswith("1114")


def test_a_receipt_check_with_odd_characters_is_not_found(client, db):
    assert client.get("/cek/tanda-terima/SRT-2025-0000001/%C3%A9/").status_code == 404
    assert client.get("/cek/tanda-terima/SRT%00/abc/").status_code == 404


def test_forged_notifications_are_kept_only_up_to_the_address_limit(client, settings, midtrans, db):
    from cakupan.sponsors.models import NotificationOutcome, PaymentNotification

    settings.SERTAKAN = {**settings.SERTAKAN, "forged_notifications_rate": "3/h"}
    forged = {
        "order_id": "SRT-tidak-ada",
        "status_code": "200",
        "gross_amount": "1.00",
        "signature_key": "0" * 128,
    }
    url = "/api/v1/sertakan/midtrans/notifikasi"
    answers = [client.post(url, forged, content_type="application/json") for _ in range(4)]
    answers.append(client.post(url, b"bukan json", content_type="application/json"))
    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (403, "signature_invalid"),
        (403, "signature_invalid"),
        (403, "signature_invalid"),
        (429, "notification_limit_reached"),
        (429, "notification_limit_reached"),
    ]
    assert PaymentNotification.objects.filter(outcome=NotificationOutcome.FORGED).count() == 3
    # Another address is counted on its own.
    other = client.post(url, forged, content_type="application/json", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 403
