"""The public status check, first tier: the web page and POST /api/v1/cek, their one answer for every
failure, the limits, the enumeration alert and the audit of look-ups."""

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cakupan.accounts.models import Role, User
from cakupan.audit.models import AuditAction, AuditEvent
from cakupan.coverage.services import membership_record
from cakupan.funding import services as funding
from cakupan.funding.models import FunderKind
from cakupan.portal.models import LookupOutcome, StatusLookup
from cakupan.registry.services import worker_register

TODAY = dt.date(2026, 11, 20)
DESA = "36.02.01.2002"
COVERED_NIK = "3602014506900001"
ARREARS_NIK = "3602014506900003"
LAPSED_NIK = "3602014506900004"
UNKNOWN_NIK = "3602014506900009"
NO_MATCH_STEPS = (
    "Data tidak ditemukan. Periksa lagi NIK dan 4 angka terakhir nomor KPJ atau nomor HP yang terdaftar. "
    "Belum terdaftar? Datang ke operator desa atau kantor BPJS Ketenagakerjaan dengan KTP. Perlindungan "
    "kecelakaan kerja dan kematian mulai Rp8.400 sebulan. Cara mendaftar: http://127.0.0.1:8000/cara-daftar/"
)
NO_MATCH = {"status": "tidak_cocok", "sampai": None, "langkah": NO_MATCH_STEPS}


def _person(nik, name, *, paid=None, kpj=None, phone=""):
    worker = worker_register(
        nik=nik, name=name, birth_date=dt.date(1990, 6, 5), sex="P", desa_code=DESA, sector="nelayan",
        monthly_income=1_500_000, phone=phone,
    )  # fmt: skip
    if paid:
        membership_record(worker=worker, kpj=kpj, segment="BPU", paid_through=paid)
    return worker


@pytest.fixture
def people(db, monkeypatch):
    monkeypatch.setattr("cakupan.portal.services.today_jakarta", lambda: TODAY)
    # Each test reads the programs it made, not those a server process kept from an earlier test.
    monkeypatch.setattr("cakupan.portal.selectors._programs", {})
    return {
        "covered": _person(
            COVERED_NIK, "Siti Aminah", paid=dt.date(2026, 12, 1), kpj="10000000042", phone="081234567890"
        ),
        "arrears": _person(ARREARS_NIK, "Nur Aisyah", paid=dt.date(2026, 9, 1), kpj="10000000003"),
        "lapsed": _person(LAPSED_NIK, "Ani", paid=dt.date(2026, 5, 1), kpj="10000000004"),
    }


def _api(client, nik, factor, ip="203.0.113.7"):
    return client.post(
        "/api/v1/cek", {"nik": nik, "faktor": factor}, content_type="application/json", REMOTE_ADDR=ip
    )


def test_a_covered_worker_learns_until_when_by_her_kpj_or_her_phone(client, people):
    for factor in ("0042", "7890"):
        answer = _api(client, COVERED_NIK, factor)
        assert answer.status_code == 200
        assert answer.json() == {
            "status": "terlindungi",
            "sampai": "2026-12",
            "langkah": "Bayar iuran Januari 2027 paling lambat 15 Januari 2027 agar tetap terlindungi. "
            "Cara bayar: http://127.0.0.1:8000/cara-bayar/",
        }


def test_a_worker_in_arrears_or_lapsed_is_not_active_and_told_what_to_do(client, people):
    arrears = _api(client, ARREARS_NIK, "0003").json()
    assert arrears == {
        "status": "tidak_aktif",
        "sampai": None,
        "langkah": "Belum terlindungi bulan ini: iuran belum dibayar sejak Oktober 2026. Bayar tunggakan "
        "secepatnya; bila tiga bulan tidak dibayar, kepesertaan menjadi nonaktif. Cara bayar: "
        "http://127.0.0.1:8000/cara-bayar/",
    }
    lapsed = _api(client, LAPSED_NIK, "0004").json()
    assert lapsed["status"] == "tidak_aktif" and lapsed["sampai"] is None
    assert lapsed["langkah"].startswith("Belum terlindungi: kepesertaan tidak aktif. Daftar lagi")
    assert (
        "Perlindungan kecelakaan kerja dan kematian mulai Rp8.400 sebulan. Cara bayar:" in lapsed["langkah"]
    )


def test_the_answer_says_when_the_discounted_price_ends(client, people, monkeypatch):
    # December 2026 is the PP 50/2025 discount's last month for most work: January costs the full price.
    monkeypatch.setattr("cakupan.portal.services.today_jakarta", lambda: dt.date(2026, 12, 10))
    steps = _api(client, UNKNOWN_NIK, "0042").json()["langkah"]
    assert "kematian mulai Rp8.400 sebulan (Rp16.800 mulai Januari 2027). Cara mendaftar:" in steps


def test_a_worker_not_covered_learns_who_funds_cover_where_she_lives(client, people, monkeypatch):
    admin = User.objects.create_superuser(username="admin", password="x")
    officer = User.objects.create_user(
        username="baznas", password="x", role=Role.FUNDER_OFFICER, area_id="36"
    )
    zakat = funding.funder_create(name="BAZNAS Banten", kind=FunderKind.ZAKAT, area_code="36")
    village = funding.funder_create(name="Dana Desa Cilangkahan", kind=FunderKind.DANA_DESA, area_code=DESA)
    elsewhere = funding.funder_create(
        name="Pemkot Tangerang", kind=FunderKind.APBD_REGENCY, area_code="36.71"
    )
    for funder in (zakat, village, elsewhere):
        funding.funder_officer_add(funder=funder, user=officer, actor=admin)
        funding.program_create(
            funder=funder, actor=officer, name=f"Program {funder.name}", budget=201_600, fiscal_year=2026,
            start_month=dt.date(2026, 11, 1), months=12, mustahik_only=funder is zakat,
        )  # fmt: skip
    steps = _api(client, LAPSED_NIK, "0004").json()["langkah"]
    assert steps.endswith(
        " Di wilayah Anda, iuran pekerja rentan dapat dibiayai oleh: BAZNAS Banten (zakat, khusus mustahik); "
        "Dana Desa Cilangkahan (Dana Desa). Tanyakan kepada operator desa."
    )
    covered = _api(client, COVERED_NIK, "0042").json()["langkah"]
    assert "dibiayai oleh" not in covered


def _shape(sql: str) -> str:
    """A query with its literals taken out: what it reads, not for whom."""
    return re.sub(r"'[^']*'|\d+", "?", sql)


def _reads_registry(sql: str) -> bool:
    # On PostgreSQL the check's read runs as its prepared statement (cakupan.core.prepared).
    return "registry_worker" in sql or "cakupan_cek_facts" in sql


def test_an_unknown_nik_and_a_wrong_factor_get_one_answer_from_the_same_reads(client, people):
    _api(client, LAPSED_NIK, "0004")  # the programs are read once a minute, whoever asks
    answers, shapes = [], []
    for nik, factor in ((UNKNOWN_NIK, "0042"), (COVERED_NIK, "1111")):
        with CaptureQueriesContext(connection) as queries:
            response = _api(client, nik, factor)
        answers.append((response.status_code, response.json()))
        shapes.append([_shape(query["sql"]) for query in queries.captured_queries])
    assert answers[0] == answers[1] == (200, NO_MATCH)
    assert shapes[0] == shapes[1]
    assert any(_reads_registry(shape) for shape in shapes[0])


@pytest.mark.parametrize(
    ("nik", "factor"),
    [
        ("360201450690001", "0042"),  # 15 digits
        ("36020145069ABCDE", "0042"),  # letters
        ("9902014506900001", "0042"),  # unknown region
        ("3602013102900001", "0042"),  # 31 February
        ("1111111111111111", "0042"),  # repeated digits
        (COVERED_NIK, "42"),  # a factor of two digits
        (COVERED_NIK, "abcd"),
    ],
)
def test_bad_input_gets_the_same_calm_answer_without_reading_the_registry(client, people, nik, factor):
    with CaptureQueriesContext(connection) as queries:
        response = _api(client, nik, factor)
    assert (response.status_code, response.json()) == (200, NO_MATCH)
    assert not any(_reads_registry(query["sql"]) for query in queries.captured_queries)
    assert StatusLookup.objects.get().outcome == LookupOutcome.REFUSED


@pytest.mark.parametrize("body", [{}, {"nik": COVERED_NIK}, {"nik": 3602014506900001, "faktor": 42}, []])
def test_a_malformed_request_is_refused_with_a_stable_code(client, people, body):
    response = client.post("/api/v1/cek", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "parameter_invalid"
    assert not StatusLookup.objects.exists()


def test_every_look_up_is_recorded_without_the_nik(client, people):
    _api(client, COVERED_NIK, "0042")
    _api(client, UNKNOWN_NIK, "0042")
    _api(client, "12345", "0042")
    rows = list(StatusLookup.objects.order_by("id").values())
    assert [row["outcome"] for row in rows] == ["matched", "no_match", "refused"]
    assert [row["network"] for row in rows] == ["203.0.113.0/24"] * 3
    assert len(rows[0]["nik_digest"]) == 64 and rows[2]["nik_digest"] == ""
    for row in rows:
        assert not any(COVERED_NIK in str(value) or UNKNOWN_NIK in str(value) for value in row.values())


def _random_niks(count: int, seed: int = 16) -> list[str]:
    """Valid-looking NIKs of Pandeglang's first kecamatan: real dates, serials from 0001."""
    generator = random.Random(seed)
    niks = set()
    while len(niks) < count:
        day = generator.randint(1, 28) + generator.choice((0, 40))
        nik = f"360201{day:02d}{generator.randint(1, 12):02d}{generator.randint(60, 99):02d}"
        niks.add(nik + f"{generator.randint(1, 9999):04d}")
    return sorted(niks)


def test_a_thousand_random_niks_from_one_address_are_stopped_after_the_limit(client, people, monkeypatch):
    # One window of the limiter for the whole test, whatever the clock does meanwhile.
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000)
    answers = [_api(client, nik, "0042") for nik in _random_niks(1000)]
    codes = [answer.status_code for answer in answers]
    assert codes == [200] * 60 + [429] * 940
    assert all(answer.json() == NO_MATCH for answer in answers)
    # Past the limit even the right NIK and factor learn nothing, and the registry is not read.
    with CaptureQueriesContext(connection) as queries:
        right = _api(client, COVERED_NIK, "0042")
    assert (right.status_code, right.json()) == (429, NO_MATCH)
    assert not any(_reads_registry(query["sql"]) for query in queries.captured_queries)
    assert StatusLookup.objects.filter(outcome=LookupOutcome.LIMITED).count() == 941


def test_one_nik_is_limited_whatever_address_asks(client, people, monkeypatch):
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000)
    codes = [_api(client, COVERED_NIK, "1111", ip=f"198.51.{n}.1").status_code for n in range(11)]
    assert codes == [200] * 10 + [429]
    assert _api(client, COVERED_NIK, "0042", ip="192.0.2.1").status_code == 429


def test_one_network_is_limited_across_its_addresses(client, people, settings, monkeypatch):
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000)
    settings.STATUS_CHECK = {**settings.STATUS_CHECK, "limit_network": "5/h"}
    codes = [_api(client, UNKNOWN_NIK, "0042", ip=f"203.0.113.{n}").status_code for n in range(1, 8)]
    assert codes == [200] * 5 + [429] * 2
    assert _api(client, UNKNOWN_NIK, "0042", ip="203.0.114.1").status_code == 200


def test_a_network_asking_about_many_niks_raises_one_alert(client, people, settings, monkeypatch):
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000)
    settings.STATUS_CHECK = {**settings.STATUS_CHECK, "alert_distinct_niks": 5}
    niks = _random_niks(8, seed=3)
    for index, nik in enumerate(niks[:4]):
        _api(client, nik, "0042", ip=f"203.0.113.{index + 1}")
        _api(client, nik, "0042", ip=f"203.0.113.{index + 1}")  # the same NIK again counts once
    assert not AuditEvent.objects.filter(action=AuditAction.ALERT).exists()
    for nik in niks[4:]:
        _api(client, nik, "0042", ip="203.0.113.99")
    alert = AuditEvent.objects.get(action=AuditAction.ALERT)
    assert alert.metadata == {
        "alert": "status_lookup_enumeration",
        "network": "203.0.113.0/24",
        "distinct_niks": 5,
    }
    assert alert.region_code == ""


def test_without_the_limiter_the_check_says_try_later_and_reads_nothing(client, people, settings):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {**settings.CACHES["limits"], "LOCATION": "127.0.0.1:9"},
    }
    with CaptureQueriesContext(connection) as queries:
        response = _api(client, COVERED_NIK, "0042")
    assert response.status_code == 503
    assert response.json() == {
        "status": "tidak_cocok",
        "sampai": None,
        "langkah": "Layanan pemeriksaan sedang sibuk. Coba lagi beberapa menit lagi.",
    }
    assert not any(_reads_registry(query["sql"]) for query in queries.captured_queries)
    assert StatusLookup.objects.get().outcome == LookupOutcome.UNAVAILABLE


def test_the_page_answers_without_javascript_and_shows_no_name(client, people):
    page = client.get("/cek/")
    assert page.status_code == 200 and "<script" not in page.content.decode()
    answer = client.post("/cek/", {"nik": COVERED_NIK, "faktor": "0042"}, REMOTE_ADDR="203.0.113.7")
    text = answer.content.decode()
    assert 'data-testid="headline">Terlindungi sampai Desember 2026<' in text
    assert "Siti" not in text and COVERED_NIK not in text and "10000000042" not in text
    assert 'data-testid="send-code"' in text
    wrong = client.post("/cek/", {"nik": COVERED_NIK, "faktor": "9999"}, REMOTE_ADDR="203.0.113.7")
    unknown = client.post("/cek/", {"nik": UNKNOWN_NIK, "faktor": "0042"}, REMOTE_ADDR="203.0.113.7")
    invalid = client.post("/cek/", {"nik": "abc", "faktor": ""}, REMOTE_ADDR="203.0.113.7")
    bodies = {_without_csrf(response.content.decode()) for response in (wrong, unknown, invalid)}
    assert len(bodies) == 1
    assert "Status tidak dapat ditampilkan" in bodies.pop()
    assert 'data-testid="send-code"' not in wrong.content.decode()


def _without_csrf(html: str) -> str:
    """The page without what differs on every response whoever asks: the CSRF token and the CSP nonce."""
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"', "", html)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused_calmly(client, method):
    assert getattr(client, method)("/cek/").status_code == 405
