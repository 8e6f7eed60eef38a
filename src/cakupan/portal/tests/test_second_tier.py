"""The status check's second tier: a one-time code through the outbox to the registered phone, then the
worker's own cover (masked name, months paid, who pays, claims)."""

import datetime as dt
import re

import pytest

from cakupan.messaging.models import Message
from cakupan.portal import services
from cakupan.portal.models import CodeChallenge, LookupOutcome, StatusLookup
from cakupan.portal.tests.test_status_check import COVERED_NIK, TODAY, _person

IP = "203.0.113.7"
NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def worker(db, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr("cakupan.portal.services.today_jakarta", lambda: TODAY)
    monkeypatch.setattr("cakupan.portal.views.status.today_jakarta", lambda: TODAY)
    monkeypatch.setattr("cakupan.portal.services._now", lambda: NOW)
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000)
    return _person(COVERED_NIK, "Siti Nur Aminah", paid=dt.date(2026, 12, 1), kpj="10000000042",
                   phone="081234567890")  # fmt: skip


def _ticket(client) -> str:
    page = client.post("/cek/", {"nik": COVERED_NIK, "faktor": "0042"}, REMOTE_ADDR=IP).content.decode()
    return re.search(r'name="tiket" value="([^"]+)"', page).group(1)


def _request_code(client) -> tuple[str, str]:
    page = client.post("/cek/kode/", {"tiket": _ticket(client)}, REMOTE_ADDR=IP).content.decode()
    reference = re.search(r'name="rujukan" value="([^"]+)"', page).group(1)
    message = Message.objects.get(purpose="otp")
    return reference, re.search(r"Kode Cakupan Anda: (\d{6})\.", message.body).group(1)


def test_the_code_goes_through_the_outbox_and_opens_her_own_cover(client, worker):
    reference, code = _request_code(client)
    message = Message.objects.get()
    assert (message.channel, message.address, message.state, message.worker_id) == (
        "sms", "+6281234567890", "queued", worker.pk,
    )  # fmt: skip
    challenge = CodeChallenge.objects.get()
    assert code not in challenge.code_digest and challenge.expires_at == NOW + dt.timedelta(minutes=5)
    page = client.post("/cek/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    text = page.content.decode()
    assert 'data-testid="masked-name">S*** N** A*****<' in text
    assert 'data-testid="state">Terlindungi sampai Desember 2026<' in text
    assert 'data-testid="paid-months">0 bulan<' in text
    assert "Tidak ada pemberi dana yang tercatat: iuran dibayar sendiri." in text
    assert "Belum ada klaim yang tercatat di Cakupan." in text
    assert "Siti Nur Aminah" not in text and COVERED_NIK not in text
    # Once used, the code opens nothing.
    again = client.post("/cek/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert 'data-testid="code-wrong"' in again.content.decode()
    outcomes = list(StatusLookup.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["matched", "code_sent", "code_accepted", "code_wrong"]


def test_a_wrong_code_is_refused_calmly_and_five_tries_end_the_code(client, worker):
    reference, code = _request_code(client)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        page = client.post("/cek/rincian/", {"rujukan": reference, "kode": wrong}, REMOTE_ADDR=IP)
        assert services.CODE_FAILED in page.content.decode()
    late = client.post("/cek/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert services.CODE_FAILED in late.content.decode()
    assert CodeChallenge.objects.get().tries == 5


def test_an_expired_code_opens_nothing(client, worker, monkeypatch):
    reference, code = _request_code(client)
    monkeypatch.setattr("cakupan.portal.services._now", lambda: NOW + dt.timedelta(minutes=5))
    page = client.post("/cek/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert services.CODE_FAILED in page.content.decode()
    assert CodeChallenge.objects.get().used_at is None


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("not-a-uuid", "123456"),
        ("0d5f0f3e-7b7e-4c4a-9a55-1d0f3c1f0000", "123456"),
        ("", ""),
        ("x" * 500, "1"),
    ],
)
def test_a_made_up_reference_opens_nothing(client, worker, reference, code):
    page = client.post("/cek/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert page.status_code == 200 and services.CODE_FAILED in page.content.decode()
    assert StatusLookup.objects.get().outcome == LookupOutcome.CODE_WRONG


@pytest.mark.parametrize("ticket", ["", "forged", "x" * 600])
def test_a_forged_ticket_sends_nothing(client, worker, ticket):
    page = client.post("/cek/kode/", {"tiket": ticket}, REMOTE_ADDR=IP)
    assert 'data-testid="code-failed"' in page.content.decode()
    assert not Message.objects.exists() and not CodeChallenge.objects.exists()


def test_an_old_ticket_sends_nothing(client, worker, monkeypatch):
    monkeypatch.setattr("django.core.signing.time.time", lambda: 1_800_000_000)
    ticket = _ticket(client)
    monkeypatch.setattr("django.core.signing.time.time", lambda: 1_800_000_000 + 11 * 60)
    assert not services._ticket_worker(ticket)
    page = client.post("/cek/kode/", {"tiket": ticket}, REMOTE_ADDR=IP)
    assert 'data-testid="code-failed"' in page.content.decode()


def test_a_phone_gets_at_most_three_codes_an_hour(client, worker):
    for _ in range(3):
        page = client.post("/cek/kode/", {"tiket": _ticket(client)}, REMOTE_ADDR=IP)
        assert 'data-testid="code-sent"' in page.content.decode()
    fourth = client.post("/cek/kode/", {"tiket": _ticket(client)}, REMOTE_ADDR=IP)
    assert 'data-testid="code-failed"' in fourth.content.decode()
    assert Message.objects.filter(purpose="otp").count() == 3


def test_without_a_registered_phone_the_page_says_so(client, worker):
    worker.phone = ""
    worker.save(update_fields=["phone"])
    page = client.post("/cek/", {"nik": COVERED_NIK, "faktor": "0042"}, REMOTE_ADDR=IP).content.decode()
    assert "Belum ada nomor HP yang terdaftar" in page and 'data-testid="send-code"' not in page


def test_asking_for_a_code_by_get_leads_back_to_the_check(client, db):
    response = client.get("/cek/kode/")
    assert (response.status_code, response["Location"]) == (302, "/cek/")
    assert client.get("/cek/rincian/").status_code == 405
