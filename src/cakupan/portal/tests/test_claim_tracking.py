"""The family's claim tracking (/cek/klaim/): a death claim's worker cannot receive the status check's code,
so the family who reported the claim follows it by its number and the last four digits of the phone they
gave, then a one-time code to that phone. The status check's rules hold: one calm answer for every failure,
the same limits, every try recorded without the claim number in clear."""

import datetime as dt
import re

import pytest

from cakupan.claims.models import ClaimCase
from cakupan.claims.services import HeirInput, claim_document_receive, claim_report
from cakupan.claims.tests import conftest as claim_fixtures
from cakupan.core.templatetags.format_id import tanggal
from cakupan.messaging.models import Message
from cakupan.portal import services
from cakupan.portal.models import CodeChallenge, LookupChannel, LookupOutcome, StatusLookup
from cakupan.portal.tests.test_status_check import _without_csrf

# The claim tests' staff, workers and claim day (autouse: Monday 7 December 2026).
people = claim_fixtures.people
make_worker = claim_fixtures.make_worker
today = claim_fixtures.today
media = claim_fixtures.media

IP = "203.0.113.7"
NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
REPORTER_PHONE = "+6281234567891"


@pytest.fixture
def clock(db, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr("cakupan.portal.services._now", lambda: NOW)
    # One window of the limiter for the whole test, whatever the clock does meanwhile.
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000)


def _jkm(people, worker, *, phone="081234567891") -> ClaimCase:
    return claim_report(
        actor=people["operator"],
        worker=worker,
        kind="jkm",
        incident_date=dt.date(2026, 12, 1),
        reporter_name="Budi Santoso",
        reporter_relation="suami",
        reporter_phone=phone,
        heirs=[HeirInput("Budi Santoso", "spouse")],
    )


@pytest.fixture
def case(people, make_worker, clock):
    worker = make_worker(paid_through=dt.date(2026, 12, 1), since=dt.date(2026, 1, 1), phone="081299990000")
    case = _jkm(people, worker)
    Message.objects.all().delete()  # the claim service's own SMS to the reporter; only the codes below
    return case


def _check(client, number, factor, ip=IP):
    return client.post("/cek/klaim/", {"nomor": number, "faktor": factor}, REMOTE_ADDR=ip)


def _request_code(client, number) -> tuple[str, str]:
    page = _check(client, number, "7891")
    assert page.status_code == 200
    reference = re.search(r'name="rujukan" value="([^"]+)"', page.content.decode()).group(1)
    message = Message.objects.get(purpose="otp")
    return reference, re.search(r"Kode Cakupan Anda: (\d{6})\.", message.body).group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _claim_text(html: str) -> str:
    return _text(html.split("<h1>Status klaim</h1>")[1].split("Simpan nomor klaim")[0])


def test_the_family_gets_a_code_on_the_reporters_phone_and_sees_that_claim(client, case):
    reference, code = _request_code(client, case.number)
    message = Message.objects.get()
    assert (message.channel, message.address, message.state, message.template.key) == (
        "sms", REPORTER_PHONE, "queued", "kode_sekali_pakai",
    )  # fmt: skip
    challenge = CodeChallenge.objects.get()
    assert (challenge.claim_id, challenge.worker_id) == (case.pk, case.worker_id)
    assert code not in challenge.code_digest and challenge.expires_at == NOW + dt.timedelta(minutes=5)

    page = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert page.status_code == 200
    html = page.content.decode()
    missing = list(case.documents.order_by("position").values_list("label", flat=True))
    assert missing
    assert _claim_text(html) == (
        f"Nomor klaim {case.number} Jenis JKM Status Melengkapi berkas "
        "Batas pembayaran Dihitung setelah berkas lengkap. "
        f"Dokumen yang masih kurang {' '.join(missing)} "
        "Bawa dokumen ini ke operator desa atau kantor BPJS Ketenagakerjaan, dengan nomor klaim."
    )
    worker = case.worker
    assert worker.nik not in html and worker.name not in html and "Budi" not in html
    assert "<script" not in html
    # Once used, the code opens nothing.
    again = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert services.CLAIM_CODE_FAILED in again.content.decode()
    rows = list(StatusLookup.objects.order_by("id").values_list("channel", "outcome", "nik_digest"))
    assert [row[:2] for row in rows] == [
        (LookupChannel.CLAIM, LookupOutcome.MATCHED),
        (LookupChannel.CLAIM_CODE, LookupOutcome.CODE_SENT),
        (LookupChannel.CLAIM_VERIFY, LookupOutcome.CODE_ACCEPTED),
        (LookupChannel.CLAIM_VERIFY, LookupOutcome.CODE_WRONG),
    ]
    assert len(rows[0][2]) == 64 and case.number not in str(rows)


def test_a_complete_claim_shows_its_deadline_and_a_paid_one_its_amount(client, case, people):
    for code in case.documents.values_list("code", flat=True):
        claim_document_receive(actor=people["operator"], case=case, code=code)
    case.refresh_from_db()
    assert case.due_on and case.clock_state == "on_track"
    reference, code = _request_code(client, case.number)
    html = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    text = _claim_text(html.content.decode())
    assert text == (
        f"Nomor klaim {case.number} Jenis JKM Status Berkas lengkap, diproses "
        f"Batas pembayaran Dibayar paling lambat {tanggal(case.due_on)}."
    )
    # Paid (the decision recorded on the row, as the decision import leaves it).
    ClaimCase.objects.filter(pk=case.pk).update(
        status="paid", clock_state="met", decided_on=dt.date(2026, 12, 9), paid_amount=42_000_000
    )
    Message.objects.all().delete()
    reference, code = _request_code(client, case.number)
    html = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert _claim_text(html.content.decode()) == (
        f"Nomor klaim {case.number} Jenis JKM Status Dibayar Dibayar Rp42.000.000 dibayar 9 Desember 2026."
    )


def test_an_unknown_number_a_wrong_factor_and_no_reporter_phone_get_one_answer(
    client, case, people, make_worker
):
    silent = _jkm(people, make_worker(paid_through=dt.date(2026, 12, 1)), phone="")
    answers = [
        _check(client, case.number, "1234"),  # wrong factor
        _check(client, "KL-26-999999", "7891"),  # unknown number
        _check(client, silent.number, "7891"),  # no reporter's phone
        _check(client, silent.number, "\x00\x00\x00\x00"),
        _check(client, "abc", ""),  # refused unread
    ]
    assert {answer.status_code for answer in answers} == {200}
    bodies = {_without_csrf(answer.content.decode()) for answer in answers}
    assert len(bodies) == 1
    body = bodies.pop()
    assert services.CLAIM_FAILED in body and case.number not in body
    assert not Message.objects.filter(purpose="otp").exists() and not CodeChallenge.objects.exists()
    outcomes = list(StatusLookup.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["no_match", "no_match", "no_match", "refused", "refused"]


def test_a_wrong_code_is_refused_and_five_tries_end_the_code(client, case):
    reference, code = _request_code(client, case.number)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        page = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": wrong}, REMOTE_ADDR=IP)
        assert services.CLAIM_CODE_FAILED in page.content.decode()
        assert 'data-testid="claim-number"' not in page.content.decode()
    late = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert services.CLAIM_CODE_FAILED in late.content.decode()
    assert CodeChallenge.objects.get().tries == 5


def test_an_expired_code_opens_nothing(client, case, monkeypatch):
    reference, code = _request_code(client, case.number)
    monkeypatch.setattr("cakupan.portal.services._now", lambda: NOW + dt.timedelta(minutes=5))
    page = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert services.CLAIM_CODE_FAILED in page.content.decode()
    assert CodeChallenge.objects.get().used_at is None


def test_a_claim_code_and_a_workers_code_open_only_what_they_were_sent_for(client, case):
    reference, code = _request_code(client, case.number)
    # The claim's code does not open the worker's own cover on the status check's second tier...
    page = client.post("/cek/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert services.CODE_FAILED in page.content.decode()
    assert CodeChallenge.objects.get().tries == 0
    # ...and still opens the claim.
    page = client.post("/cek/klaim/rincian/", {"rujukan": reference, "kode": code}, REMOTE_ADDR=IP)
    assert 'data-testid="claim-number"' in page.content.decode()


def test_one_claim_number_is_limited_whatever_address_asks(client, case):
    codes = [_check(client, case.number, "1111", ip=f"198.51.{n}.1") for n in range(10)]
    assert all(services.CLAIM_FAILED in answer.content.decode() for answer in codes)
    # Past the limit even the right factor learns nothing and no code is sent.
    right = _check(client, case.number, "7891", ip="192.0.2.1")
    assert right.status_code == 200 and _without_csrf(right.content.decode()) == _without_csrf(
        codes[0].content.decode()
    )
    assert not Message.objects.filter(purpose="otp").exists()
    assert StatusLookup.objects.filter(outcome=LookupOutcome.LIMITED).count() == 1


def test_one_address_is_limited_across_claim_numbers(client, case, settings):
    settings.STATUS_CHECK = {**settings.STATUS_CHECK, "limit_ip": "5/h"}
    for n in range(5):
        _check(client, f"KL-26-{900000 + n}", "7891")
    assert services.CLAIM_FAILED in _check(client, case.number, "7891").content.decode()
    assert not Message.objects.filter(purpose="otp").exists()
    # Another address of another network is not held back.
    assert 'data-testid="code-sent"' in _check(client, case.number, "7891", ip="192.0.2.1").content.decode()


def test_the_reporters_phone_gets_at_most_three_codes_an_hour(client, case):
    for _ in range(3):
        assert 'data-testid="code-sent"' in _check(client, case.number, "7891").content.decode()
    fourth = _check(client, case.number, "7891")
    assert services.CLAIM_FAILED in fourth.content.decode()
    assert Message.objects.filter(purpose="otp").count() == 3


def test_a_number_is_forgiven_its_case_and_spaces(client, case):
    page = _check(client, f"  {case.number.lower().replace('-', ' ')} ", " 7891 ")
    assert 'data-testid="code-sent"' in page.content.decode()


def test_without_the_limiter_the_page_says_try_later(client, case, settings):
    settings.CACHES = {**settings.CACHES, "limits": {**settings.CACHES["limits"], "LOCATION": "127.0.0.1:9"}}
    page = _check(client, case.number, "7891")
    assert page.status_code == 503 and services.UNAVAILABLE_STEPS in page.content.decode()
    assert not Message.objects.filter(purpose="otp").exists()


JUNK = ["", "\x00", "KL-26-000001\x00", "x" * 5000, "٣٤٥٦", "KL-26-" + "9" * 5000, "<script>", "%00", "🙂"]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_never_answers_500(client, case, junk):
    assert _check(client, junk, junk).status_code == 200
    assert _check(client, case.number, junk).status_code == 200
    page = client.post("/cek/klaim/rincian/", {"rujukan": junk, "kode": junk}, REMOTE_ADDR=IP)
    assert page.status_code == 200 and services.CLAIM_CODE_FAILED in page.content.decode()
    assert client.get("/cek/klaim/", {"nomor": junk}).status_code == 200


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
@pytest.mark.parametrize("url", ["/cek/klaim/", "/cek/klaim/rincian/"])
def test_other_methods_are_refused(client, method, url):
    assert getattr(client, method)(url).status_code == 405
    if url.endswith("rincian/"):
        assert client.get(url).status_code == 405


def test_the_page_works_without_javascript_and_is_linked(client, db):
    page = client.get("/cek/klaim/").content.decode()
    assert "<script" not in page and 'name="nomor"' in page and 'name="faktor"' in page
    for url in ("/cek/", "/klaim/"):
        assert 'href="/cek/klaim/"' in client.get(url).content.decode()
