"""The status check's second tier shows the worker's own claims (`claims.selectors.claims_of_worker`): the
number the family tracks, the kind, the status, the payment deadline while open, the missing documents by
name, the amount and day once paid; never the staff who handle them."""

import datetime as dt
import re

import pytest

from cakupan.claims.services import (
    HeirInput,
    claim_decide,
    claim_document_receive,
    claim_report,
)
from cakupan.claims.tests import conftest as claim_fixtures
from cakupan.portal.tests import test_second_tier
from cakupan.portal.tests.test_second_tier import IP, _request_code
from cakupan.portal.tests.test_status_check import ARREARS_NIK, _person

# The claim tests' staff and claim day (autouse), and the second tier's worker with her phone.
staff = claim_fixtures.people
today = claim_fixtures.today
media = claim_fixtures.media
worker = test_second_tier.worker


def _detail_page(client) -> str:
    reference, code = _request_code(client)
    page = client.post("/cek/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert page.status_code == 200
    return page.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _claim(html: str, number: str) -> str:
    match = re.search(
        rf'<li data-testid="claim-{number}">(.*?)</li>\s*(?=<li data-testid|</ul>\s*<p)', html, re.S
    )
    return _text(match.group(1))


def _jkk(liaison, person, incident):
    return claim_report(
        actor=liaison,
        worker=person,
        kind="jkk",
        incident_date=incident,
        jkk_cause="accident",
        jkk_outcome="treatment",
        reporter_name="Siti Nur Aminah",
        reporter_relation="peserta",
    )


def _complete(liaison, case):
    for code in case.documents.values_list("code", flat=True):
        claim_document_receive(actor=liaison, case=case, code=code)


@pytest.fixture
def claims(staff, worker, today):
    liaison = staff["liaison"]
    liaison.first_name, liaison.last_name = "Rahmat", "Hidayatullah"
    liaison.save(update_fields=["first_name", "last_name"])
    # Paid: complete on Monday 2 November, paid on Wednesday 4 November.
    today.set(dt.date(2026, 11, 2))
    paid = _jkk(liaison, worker, dt.date(2026, 10, 28))
    _complete(liaison, paid)
    today.set(dt.date(2026, 11, 4))
    claim_decide(
        actor=liaison,
        case=paid,
        decision="paid",
        on=dt.date(2026, 11, 4),
        amount=2_500_000,
        reference="KEP/BPJSTK/2026/771",
    )
    # Running: complete on Monday 7 December, due in 7 working days.
    today.set(dt.date(2026, 12, 7))
    running = _jkk(liaison, worker, dt.date(2026, 12, 1))
    _complete(liaison, running)
    # Collecting: two documents received, the others still missing.
    collecting = _jkk(liaison, worker, dt.date(2026, 12, 5))
    for code in ("form_kk1", "kpj_card"):
        claim_document_receive(actor=liaison, case=collecting, code=code)
    # Rejected.
    rejected = _jkk(liaison, worker, dt.date(2026, 11, 10))
    _complete(liaison, rejected)
    claim_decide(
        actor=liaison,
        case=rejected,
        decision="rejected",
        on=dt.date(2026, 12, 7),
        reason="Bukan kecelakaan kerja",
    )
    # Someone else's claim never shows on her page.
    other = _person(ARREARS_NIK, "Nur Aisyah", paid=dt.date(2026, 9, 1), kpj="10000000003")
    claim_report(
        actor=liaison,
        worker=other,
        kind="jkm",
        incident_date=dt.date(2026, 12, 2),
        reporter_name="Ahmad",
        reporter_relation="suami",
        heirs=[HeirInput("Ahmad", "spouse")],
    )
    return {"paid": paid, "running": running, "collecting": collecting, "rejected": rejected}


def test_her_claims_with_number_kind_status_deadline_documents_and_payment(client, claims):
    html = _detail_page(client)
    assert "Belum ada klaim yang tercatat" not in html
    numbers = re.findall(r'<li data-testid="claim-(KL-[0-9-]+)">', html)
    # Newest first.
    assert numbers == [claims[name].number for name in ("rejected", "collecting", "running", "paid")]
    assert _claim(html, claims["paid"].number) == (
        f"{claims['paid'].number} · JKK · Dibayar Rp2.500.000 dibayar 4 November 2026."
    )
    assert _claim(html, claims["running"].number) == (
        f"{claims['running'].number} · JKK · Berkas lengkap, diproses Dibayar paling lambat 16 Desember 2026."
    )
    collecting = _claim(html, claims["collecting"].number)
    assert collecting.startswith(
        f"{claims['collecting'].number} · JKK · Melengkapi berkas "
        "Batas pembayaran dihitung setelah berkas lengkap. Dokumen yang masih kurang:"
    )
    missing = re.search(
        rf'<li data-testid="claim-{claims["collecting"].number}">.*?'
        r'<ul data-testid="claim-missing">(.*?)</ul>',
        html,
        re.S,
    ).group(1)
    assert re.findall(r"<li>(.*?)</li>", missing) == [
        "Formulir KK2 (laporan Tahap II)",
        "Surat keterangan dokter (KK3)",
        "e-KTP peserta",
        "Kronologi kejadian dengan 2 saksi dan e-KTP saksi",
        "Kuitansi biaya pengobatan",
        "Buku tabungan penerima",
    ]
    assert _claim(html, claims["rejected"].number) == (
        f"{claims['rejected'].number} · JKK · Ditolak Keputusan BPJS Ketenagakerjaan 7 Desember 2026."
    )
    assert html.count('data-testid="claim-missing"') == 1


def test_no_staff_and_no_one_elses_claim(client, claims, staff):
    html = _detail_page(client)
    for secret in ("Rahmat", "Hidayatullah", "bpjs@bpjsketenagakerjaan.go.id", "KEP/BPJSTK", "Nur Aisyah"):
        assert secret not in html
    assert html.count('<li data-testid="claim-') == 4
    assert "JKM" not in _text(
        re.search(r'<ul class="claims" data-testid="claims">(.*?)</ul>\s*<p', html, re.S)[1]
    )


def test_without_claims_the_page_says_so(client, worker, staff):
    html = _detail_page(client)
    assert 'data-testid="claims">Belum ada klaim yang tercatat di Cakupan.' in html
    assert 'data-testid="claim-' not in html
