"""The claim pages through Django's test client: what each shows and to whom, the report form and each of its
refusals (in Bahasa, 400, nothing written), documents received with and without a scan, pause and resume,
BPJS TK's decision by form and by file, the holiday corrections, and no 500 for odd input."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cakupan.audit.models import AuditEvent
from cakupan.claims import services
from cakupan.claims.models import ClaimCase, ClaimDocument, ClaimStatus, HolidayChange
from cakupan.claims.services import HeirInput
from cakupan.claims.tests.conftest import OTHER_DESA

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JKM_DOCUMENTS = [
    "kpj_card",
    "death_certificate",
    "family_card",
    "heir_statement",
    "heir_ktp",
    "marriage_book",
    "savings_book",
]


def _report(actor, worker, *, incident=dt.date(2026, 12, 1), phone="081234567890") -> ClaimCase:
    return services.claim_report(
        actor=actor,
        worker=worker,
        kind="jkm",
        incident_date=incident,
        reporter_name="Aminah",
        reporter_relation="istri",
        reporter_phone=phone,
        heirs=[HeirInput("Aminah", "spouse", phone)],
    )


def _body(response) -> str:
    return response.content.decode()


@pytest.fixture
def member(make_worker):
    """A fisher of the operator's desa, paid up through December 2026 since January 2024."""
    return make_worker(paid_through=dt.date(2026, 12, 1), since=dt.date(2024, 1, 1), phone="081298765432")


@pytest.fixture
def case(people, member):
    return _report(people["operator"], member)


@pytest.fixture
def outside_case(people, make_worker):
    worker = make_worker(OTHER_DESA, paid_through=dt.date(2026, 12, 1), since=dt.date(2024, 1, 1))
    return _report(people["outsider"], worker)


def _as(client, user):
    client.force_login(user)
    return client


# --- the list and scoping -----------------------------------------------------------------------------------


def test_list_shows_only_the_area_and_defaults_by_role(client, people, case, outside_case):
    operator = _as(client, people["operator"])
    page = operator.get("/kasus-klaim/")
    assert page.status_code == 200
    body = _body(page)
    # The village operator lands on her attention list: nothing has escalated yet.
    assert 'aria-current="page" data-testid="tab-perhatian">Perlu perhatian saya (0)' in body
    assert 'data-testid="empty">Tidak ada kasus di daftar ini.' in body
    assert 'href="/kasus-klaim/baru/"' in body
    running = _body(operator.get("/kasus-klaim/", {"daftar": "berjalan"}))
    assert f'<tr data-number="{case.number}">' in running
    assert outside_case.number not in running
    assert "Cilangkahan" in running and "1 Desember 2026" in running and "Melengkapi berkas" in running
    assert operator.get(f"/kasus-klaim/{outside_case.number}/").status_code == 404

    outsider = _as(client, people["outsider"])
    everything = _body(outsider.get("/kasus-klaim/", {"daftar": "semua"}))
    assert outside_case.number in everything and case.number not in everything
    assert outsider.get(f"/kasus-klaim/{case.number}/").status_code == 404

    # The provincial coordinator has no attention level: the running cases, both areas, no report link.
    coordinator = _as(client, people["coordinator"])
    body = _body(coordinator.get("/kasus-klaim/"))
    assert 'aria-current="page" data-testid="tab-berjalan">Masih berjalan (2)' in body
    assert case.number in body and outside_case.number in body
    assert "tab-perhatian" not in body and 'href="/kasus-klaim/baru/"' not in body


@pytest.mark.parametrize(
    "query", [{"daftar": "rahasia"}, {"page": "0"}, {"page": "satu"}, {"page": "9" * 40}]
)
def test_list_refuses_bad_parameters(client, people, query):
    page = _as(client, people["operator"]).get("/kasus-klaim/", query)
    assert page.status_code == 400
    assert 'data-testid="error"' in _body(page)


def test_staff_without_the_action_and_the_public(client, people, case):
    assert client.get("/kasus-klaim/").status_code == 302
    funder = _as(client, people["outsider"])
    funder.logout()
    from cakupan.accounts.models import Role, User

    baznas = User.objects.create_user(username="baznas", password="x", role=Role.FUNDER_OFFICER, area_id="36")
    _as(client, baznas)
    assert client.get("/kasus-klaim/").status_code == 403
    assert client.get(f"/kasus-klaim/{case.number}/").status_code == 403
    _as(client, people["regency"])
    assert client.get("/kasus-klaim/baru/").status_code == 403
    assert client.get("/kasus-klaim/keputusan/").status_code == 403


# --- reporting ----------------------------------------------------------------------------------------------


def _form(worker, **changes):
    values = {
        "nik": worker.nik,
        "jenis": "jkm",
        "tanggal_kejadian": "2026-12-01",
        "nama_pelapor": "Aminah",
        "hubungan_pelapor": "istri",
        "hp_pelapor": "0812-3456-7890",
        "ahli_waris_1_nama": "Aminah",
        "ahli_waris_1_hubungan": "spouse",
        "ahli_waris_1_hp": "",
    }
    values.update(changes)
    return values


def test_report_form_records_the_case_and_opens_it(client, people, member):
    operator = _as(client, people["operator"])
    form = operator.get("/kasus-klaim/baru/")
    assert form.status_code == 200
    body = _body(form)
    # The school levels come from the rules in force.
    for code, label in (("tk", "TK"), ("sd", "SD"), ("smp", "SMP"), ("sma", "SMA")):
        assert f'<option value="{code}">{label}</option>' in body
    made = operator.post("/kasus-klaim/baru/", _form(member))
    case = ClaimCase.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/kasus-klaim/{case.number}/"
    assert case.number == f"KL-26-{case.pk:06d}"
    assert (case.kind, case.incident_date, case.reporter_phone) == (
        "jkm",
        dt.date(2026, 12, 1),
        "+6281234567890",
    )
    assert list(case.heirs.values_list("name", "relation", "rank")) == [("Aminah", "spouse", 1)]
    assert list(case.documents.values_list("code", flat=True)) == JKM_DOCUMENTS
    page = _body(operator.get(made["Location"]))
    assert 'data-testid="status">Melengkapi berkas<' in page
    assert f'data-testid="nik">{member.nik}<' in page
    assert 'data-testid="eligible">Berhak<' in page
    assert 'data-testid="benefit-total">Rp42.000.000<' in page
    assert 'data-testid="documents-count">0 dari 7 dokumen diterima. Masih kurang 7.' in page
    assert "Aminah — Suami / istri (urutan 1)" in page
    assert 'data-testid="receive-kpj_card"' in page
    assert 'data-testid="clock-state">Belum berjalan<' in page
    assert "0812-3456-7890" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"nik": "123"}, "nik", "NIK harus 16 angka."),
        ({"tanggal_kejadian": "2026-12-08"}, "tanggal_kejadian", "belum terjadi: hari ini 7 Desember 2026"),
        ({"tanggal_kejadian": "2026-02-30"}, "tanggal_kejadian", "Tanggal kejadian tidak ada di kalender"),
        ({"tanggal_kejadian": "kemarin sore"}, "tanggal_kejadian", "Tanggal kejadian tidak sah"),
        ({"tanggal_kejadian": ""}, "tanggal_kejadian", "Tanggal kejadian wajib diisi."),
        ({"tanggal_kejadian": "0001-01-01"}, "tanggal_kejadian", "di luar rentang yang masuk akal"),
        ({"tanggal_kejadian": "2010-01-04"}, "tanggal_kejadian", "Aturan untuk tanggal 2010-01-04 tidak"),
        ({"jenis": "asuransi"}, "jenis", "Pilih jenis klaim."),
        ({"ahli_waris_1_nama": "", "ahli_waris_1_hubungan": ""}, "ahli_waris", "satu ahli waris"),
        ({"ahli_waris_1_hubungan": ""}, "ahli_waris_1_hubungan", "Pilih hubungan ahli waris ke-1."),
        ({"nama_pelapor": ""}, "nama_pelapor", "Nama pelapor wajib diisi."),
        ({"nama_pelapor": "A" * 5000}, "nama_pelapor", "Nama pelapor paling panjang 150 karakter."),
        ({"hp_pelapor": "12"}, "hp_pelapor", "Nomor HP tidak dapat dipakai untuk SMS."),
        ({"jenis": "jkk", "penyebab": ""}, "penyebab", "Pilih penyebab"),
        ({"jenis": "beasiswa", "nama_anak": "Budi", "jenjang": "sd", "tahun_jenjang": "99",
          "dasar_beasiswa": "jkm"}, "tahun_jenjang",
         "Tahun ke- terlalu besar."),
    ],
)  # fmt: skip
def test_report_refusals_are_in_bahasa_beside_the_field(client, people, member, changes, field, message):
    page = _as(client, people["operator"]).post("/kasus-klaim/baru/", _form(member, **changes))
    assert page.status_code == 400
    body = _body(page)
    assert message in body
    assert f'data-testid="error-{field}"' in body
    assert ClaimCase.objects.count() == 0


def test_report_refuses_a_worker_outside_the_area_and_a_duplicate(client, people, member, make_worker):
    stranger = make_worker(OTHER_DESA, paid_through=dt.date(2026, 12, 1))
    operator = _as(client, people["operator"])
    page = operator.post("/kasus-klaim/baru/", _form(stranger))
    assert page.status_code == 400
    assert "Peserta dengan NIK ini tidak ada di registri wilayah Anda." in _body(page)
    assert ClaimCase.objects.count() == 0
    assert operator.post("/kasus-klaim/baru/", _form(member)).status_code == 302
    again = operator.post("/kasus-klaim/baru/", _form(member))
    assert again.status_code == 400
    assert "sudah tercatat" in _body(again)
    # What was typed is kept.
    assert f'value="{member.nik}"' in _body(again)
    assert ClaimCase.objects.count() == 1


def test_report_with_odd_bytes_is_refused_not_a_500(client, people, member):
    operator = _as(client, people["operator"])
    page = operator.post("/kasus-klaim/baru/", _form(member, nama_pelapor="Ami\x00nah", nik="\x00" * 16))
    assert page.status_code == 400
    assert operator.post("/kasus-klaim/baru/", {}).status_code == 400
    assert operator.put("/kasus-klaim/baru/").status_code == 405


# --- documents ----------------------------------------------------------------------------------------------


def test_documents_received_one_by_one_until_complete(client, people, case):
    operator = _as(client, people["operator"])
    url = f"/kasus-klaim/{case.number}/dokumen/"
    done = operator.post(url, {"dokumen": "kpj_card", "catatan": "asli dilihat"})
    assert done.status_code == 302 and done["Location"] == f"/kasus-klaim/{case.number}/#dokumen"
    document = ClaimDocument.objects.get(case=case, code="kpj_card")
    assert (document.received_by, document.note, document.file.name) == (
        people["operator"],
        "asli dilihat",
        "",
    )
    again = operator.post(url, {"dokumen": "kpj_card"})
    assert again.status_code == 400
    assert "Kartu peserta BPJS Ketenagakerjaan (KPJ) sudah diterima" in _body(again)
    assert 'data-testid="received-kpj_card">Diterima 7 Desember 2026, diperiksa oleh desa' in _body(again)
    unknown = operator.post(url, {"dokumen": "surat_sakti"})
    assert unknown.status_code == 400 and "tidak ada dalam daftar klaim ini" in _body(unknown)

    for code in JKM_DOCUMENTS[1:]:
        assert operator.post(url, {"dokumen": code}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.complete_on, case.due_on) == (
        "running",
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 10),
    )
    page = _body(operator.get(f"/kasus-klaim/{case.number}/"))
    assert 'data-testid="status">Berkas lengkap, diproses<' in page
    assert "7 dari 7 dokumen diterima. Berkas lengkap." in page
    assert 'data-testid="complete-on">7 Desember 2026<' in page
    assert 'data-testid="due-on">10 Desember 2026<' in page
    assert 'data-testid="clock-state">Sesuai jadwal<' in page
    assert 'data-testid="receive-' not in page
    listed = _body(operator.get("/kasus-klaim/", {"daftar": "berjalan"}))
    assert 'data-testid="due">10 Desember 2026<' in listed
    late = operator.post(url, {"dokumen": "kpj_card"})
    assert late.status_code == 400 and "sudah lengkap atau sudah diputuskan" in _body(late)


def test_papers_received_on_an_earlier_day_start_the_clock_that_day(client, people, case):
    operator = _as(client, people["operator"])
    url = f"/kasus-klaim/{case.number}/dokumen/"
    future = operator.post(url, {"dokumen": "kpj_card", "diterima": "2026-12-08"})
    assert future.status_code == 400 and "Tanggal diterima belum terjadi." in _body(future)
    impossible = operator.post(url, {"dokumen": "kpj_card", "diterima": "31/11/2026"})
    assert impossible.status_code == 400
    assert "Tanggal diterima tidak ada di kalender" in _body(impossible)
    for code in JKM_DOCUMENTS:
        assert operator.post(url, {"dokumen": code, "diterima": "04/12/2026"}).status_code == 302
    case.refresh_from_db()
    # Friday's papers: the clock counts Monday 7, Tuesday 8 and Wednesday 9 December.
    assert (case.complete_on, case.due_on) == (dt.date(2026, 12, 4), dt.date(2026, 12, 9))
    page = _body(operator.get(f"/kasus-klaim/{case.number}/"))
    assert 'data-testid="received-heir_ktp">Diterima 4 Desember 2026, diperiksa oleh desa' in page
    assert 'data-testid="elapsed">1 dari 3 (33%)<' in page


def test_scan_upload_checks_the_file_and_downloads_as_an_audited_attachment(client, people, case):
    operator = _as(client, people["operator"])
    url = f"/kasus-klaim/{case.number}/dokumen/"
    text = SimpleUploadedFile("ktp.pdf", b"bukan pdf", content_type="application/pdf")
    refused = operator.post(url, {"dokumen": "family_card", "berkas": text})
    assert refused.status_code == 400
    assert "Berkas harus PDF, JPG, atau PNG." in _body(refused)
    big = SimpleUploadedFile("kk.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    refused = operator.post(url, {"dokumen": "family_card", "berkas": big})
    assert refused.status_code == 400 and "Berkas paling besar 5 MB." in _body(refused)
    assert ClaimDocument.objects.get(case=case, code="family_card").received_at is None

    scan = SimpleUploadedFile("kk.pdf", PDF, content_type="application/pdf")
    assert operator.post(url, {"dokumen": "family_card", "berkas": scan}).status_code == 302
    link = f"/kasus-klaim/{case.number}/dokumen/family_card/berkas"
    assert f'href="{link}"' in _body(operator.get(f"/kasus-klaim/{case.number}/"))

    # The scans are identifiers in full: the auditor, who sees them masked, gets neither link nor file.
    auditor = _as(client, people["auditor"])
    assert link not in _body(auditor.get(f"/kasus-klaim/{case.number}/"))
    assert auditor.get(link).status_code == 403
    liaison = _as(client, people["liaison"])
    download = liaison.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{case.number}-family_card.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert (event.actor_username, event.metadata["document"]) == ("bpjs", "family_card")
    assert liaison.get(f"/kasus-klaim/{case.number}/dokumen/kpj_card/berkas").status_code == 404
    assert liaison.get(f"/kasus-klaim/{case.number}/dokumen/{'x' * 3000}/berkas").status_code == 404
    _as(client, people["outsider"])
    assert client.get(link).status_code == 404


def test_masked_roles_see_no_identifiers_on_the_case(client, people, case, member):
    page = _body(_as(client, people["regency"]).get(f"/kasus-klaim/{case.number}/"))
    assert f'data-testid="nik">{member.nik[:6]}**********<' in page
    assert member.nik not in page and "3456-7890" not in page and "0812********" in page
    # Reading only: no forms for the labour office.
    assert 'data-testid="receive-' not in page and "/tunda/" not in page and "/keputusan/" not in page


# --- pause, resume, decision --------------------------------------------------------------------------------


def _complete(case, actor):
    for code in JKM_DOCUMENTS:
        services.claim_document_receive(actor=actor, case=case, code=code)
    case.refresh_from_db()
    return case


def test_pause_needs_a_reason_and_resume_restarts(client, people, case):
    _complete(case, people["operator"])
    operator = _as(client, people["operator"])
    refused = operator.post(f"/kasus-klaim/{case.number}/tunda/", {"alasan": "   "})
    assert refused.status_code == 400
    assert "Alasan (dokumen yang ditunggu) wajib diisi." in _body(refused)
    assert 'data-testid="error-tunda-alasan"' in _body(refused)
    paused = operator.post(
        f"/kasus-klaim/{case.number}/tunda/", {"alasan": "Surat keterangan ahli waris dari desa"}
    )
    assert paused.status_code == 302 and paused["Location"].endswith("#waktu")
    case.refresh_from_db()
    assert case.status == ClaimStatus.WAITING_HEIRS
    page = _body(operator.get(f"/kasus-klaim/{case.number}/"))
    assert 'data-testid="clock-state">Dihentikan sementara<' in page
    assert "Menunggu dokumen ahli waris: Surat keterangan ahli waris dari desa" in page
    assert operator.post(f"/kasus-klaim/{case.number}/lanjut/").status_code == 302
    case.refresh_from_db()
    assert case.status == ClaimStatus.RUNNING
    twice = operator.post(f"/kasus-klaim/{case.number}/lanjut/")
    assert twice.status_code == 400 and "tidak sedang menunggu dokumen ahli waris" in _body(twice)
    # The labour office reads, it does not stop the clock.
    _as(client, people["regency"])
    assert client.post(f"/kasus-klaim/{case.number}/tunda/", {"alasan": "x"}).status_code == 403


def test_liaison_records_the_payment_and_others_may_not(client, people, case):
    _complete(case, people["operator"])
    operator = _as(client, people["operator"])
    paid = {
        "keputusan": "dibayar",
        "tanggal": "2026-12-07",
        "jumlah": "42.000.000",
        "nomor_keputusan": "PTS-1",
    }
    assert operator.post(f"/kasus-klaim/{case.number}/keputusan/", paid).status_code == 403

    liaison = _as(client, people["liaison"])
    url = f"/kasus-klaim/{case.number}/keputusan/"
    for changes, message in (
        ({"jumlah": "9" * 30}, "Jumlah dibayar terlalu besar."),
        ({"jumlah": ""}, "Jumlah dibayar wajib diisi."),
        ({"jumlah": "empat puluh"}, "Jumlah dibayar harus angka bulat."),
        ({"tanggal": "2026-12-31"}, "belum terjadi"),
        ({"keputusan": "mungkin"}, "Pilih keputusan: dibayar atau ditolak."),
        ({"keputusan": "ditolak", "alasan": ""}, "Alasan wajib diisi."),
    ):
        refused = liaison.post(url, {**paid, **changes})
        assert refused.status_code == 400, changes
        assert message in _body(refused), changes
    done = liaison.post(url, paid)
    assert done.status_code == 302 and done["Location"] == f"/kasus-klaim/{case.number}/#keputusan"
    case.refresh_from_db()
    assert (case.status, case.paid_amount, case.decided_on, case.decision_reference) == (
        "paid", 42_000_000, dt.date(2026, 12, 7), "PTS-1"
    )  # fmt: skip
    page = _body(liaison.get(f"/kasus-klaim/{case.number}/"))
    assert (
        'data-testid="decision">Dibayar Rp42.000.000 pada 7 Desember 2026 (nomor keputusan PTS-1).<' in page
    )
    assert 'data-testid="clock-state">Selesai tepat waktu<' in page
    again = liaison.post(url, paid)
    assert again.status_code == 400 and "sudah diputuskan" in _body(again)


def test_posts_only_and_no_500_for_odd_numbers(client, people, case):
    operator = _as(client, people["operator"])
    for action in ("dokumen/", "tunda/", "lanjut/", "keputusan/"):
        assert operator.get(f"/kasus-klaim/{case.number}/{action}").status_code == 405
    assert operator.post(f"/kasus-klaim/{case.number}/").status_code == 405
    for number in ("KL-26-999999", "x" * 5000, "%00", "KL%00", "..%2F..", "😀"):
        assert operator.get(f"/kasus-klaim/{number}/").status_code == 404, number
        assert operator.post(f"/kasus-klaim/{number}/dokumen/", {"dokumen": "kpj_card"}).status_code == 404


# --- BPJS TK's decision file --------------------------------------------------------------------------------


def test_decision_file_applied_and_refused(client, people, case, outside_case):
    _complete(case, people["operator"])
    _complete(outside_case, people["outsider"])
    liaison = _as(client, people["liaison"])
    page = _body(liaison.get("/kasus-klaim/keputusan/"))
    assert "nomor_klaim;keputusan;tanggal;jumlah;nomor_keputusan;alasan" in page
    content = (
        "nomor_klaim;keputusan;tanggal;jumlah;nomor_keputusan;alasan\n"
        f"{case.number};dibayar;2026-12-07;42000000;PTS-0091;\n"
        f"{outside_case.number};ditolak;2026-12-07;;PTS-0092;Iuran bulan kejadian belum dibayar\n"
    ).encode()
    done = liaison.post("/kasus-klaim/keputusan/", {"berkas": SimpleUploadedFile("putusan.csv", content)})
    assert done.status_code == 302
    assert done["Location"].startswith("/kasus-klaim/keputusan/?hasil=")
    shown = _body(liaison.get(done["Location"]))
    assert "Berkas putusan.csv diterapkan: 2 keputusan (1 dibayar, 1 ditolak)." in shown
    case.refresh_from_db()
    outside_case.refresh_from_db()
    assert (case.status, case.paid_amount, outside_case.status) == ("paid", 42_000_000, "rejected")

    again = liaison.post("/kasus-klaim/keputusan/", {"berkas": SimpleUploadedFile("lagi.csv", content)})
    assert again.status_code == 400 and "Berkas keputusan ini sudah pernah diimpor." in _body(again)
    wrong = liaison.post(
        "/kasus-klaim/keputusan/", {"berkas": SimpleUploadedFile("salah.csv", b"nomor;status\nKL-1;ok\n")}
    )
    assert wrong.status_code == 400
    assert "Kolom harus tepat: nomor_klaim;keputusan;tanggal;jumlah;nomor_keputusan;alasan." in _body(wrong)
    unknown = liaison.post(
        "/kasus-klaim/keputusan/",
        {"berkas": SimpleUploadedFile("x.csv", content.replace(case.number.encode(), b"KL-26-999999"))},
    )
    assert unknown.status_code == 400 and "baris 2: klaim KL-26-999999 tidak dikenal" in _body(unknown)
    empty = liaison.post("/kasus-klaim/keputusan/", {})
    assert empty.status_code == 400 and "Pilih berkas keputusan BPJS TK (CSV)." in _body(empty)
    nul = liaison.post("/kasus-klaim/keputusan/", {"berkas": SimpleUploadedFile("nul.csv", b"\x00\x00")})
    assert nul.status_code == 400
    assert liaison.get("/kasus-klaim/keputusan/", {"hasil": "\x00" * 3}).status_code == 200


# --- the calendar and the figures ---------------------------------------------------------------------------


def test_calendar_corrections_by_the_coordinator_only(client, people, case):
    _complete(case, people["operator"])
    operator = _as(client, people["operator"])
    page = _body(operator.get("/kasus-klaim/kalender/"))
    assert "Belum ada perubahan" in page and 'data-testid="save"' not in page
    change = {
        "tanggal": "2026-12-09",
        "perubahan": "tambah",
        "nama": "Pilkada serentak",
        "dasar": "Keppres 1/2026",
    }
    assert operator.post("/kasus-klaim/kalender/", change).status_code == 403

    coordinator = _as(client, people["coordinator"])
    bad = coordinator.post("/kasus-klaim/kalender/", {**change, "tanggal": "2026-13-01"})
    assert bad.status_code == 400 and "Tanggal tidak ada di kalender" in _body(bad)
    missing = coordinator.post("/kasus-klaim/kalender/", {**change, "dasar": ""})
    assert missing.status_code == 400 and "Dasar keputusan wajib diisi." in _body(missing)
    done = coordinator.post("/kasus-klaim/kalender/", change)
    assert done.status_code == 302 and done["Location"] == "/kasus-klaim/kalender/?tersimpan=1"
    assert list(HolidayChange.objects.values_list("day", "change", "name")) == [
        (dt.date(2026, 12, 9), "add", "Pilkada serentak")
    ]
    listed = _body(coordinator.get(done["Location"]))
    assert "9 Desember 2026" in listed and "Pilkada serentak" in listed and 'data-testid="saved"' in listed
    # The open case's due date moves a working day later.
    case.refresh_from_db()
    assert case.due_on == dt.date(2026, 12, 11)


def test_service_figures_page(client, people, case):
    _complete(case, people["operator"])
    services.claim_decide(
        actor=people["liaison"], case=case, decision="paid", on=dt.date(2026, 12, 7), amount=42_000_000
    )
    page = _as(client, people["regency"]).get("/kasus-klaim/layanan/")
    assert page.status_code == 200
    body = _body(page)
    assert "Kabupaten Lebak" in body
    assert '<td class="num">100%</td>' in body
    assert '<td class="num">6</td>' in body  # 1 → 7 December


ODD_VALUES = ("\x00", "9" * 5000, "😀", "-1", "2026-02-30", " ", "<script>x</script>")


def test_no_route_answers_500_to_odd_input(client, people, case):
    from cakupan.claims import forms

    fields = [*forms.REPORT_FIELDS, *forms.DECISION_FIELDS, *forms.CALENDAR_FIELDS, "dokumen", "diterima"]
    routes = [
        "/kasus-klaim/",
        "/kasus-klaim/baru/",
        "/kasus-klaim/keputusan/",
        "/kasus-klaim/kalender/",
        "/kasus-klaim/layanan/",
        f"/kasus-klaim/{case.number}/",
        f"/kasus-klaim/{case.number}/dokumen/",
        f"/kasus-klaim/{case.number}/dokumen/kpj_card/berkas",
        f"/kasus-klaim/{case.number}/tunda/",
        f"/kasus-klaim/{case.number}/lanjut/",
        f"/kasus-klaim/{case.number}/keputusan/",
    ]
    for who in ("operator", "liaison", "coordinator"):
        _as(client, people[who])
        for value in ODD_VALUES:
            data = dict.fromkeys(fields, value)
            for route in routes:
                for method in (client.get, client.post):
                    answer = method(route, data)
                    assert answer.status_code < 500, (who, route, method, value[:10])
                    if not answer.streaming:
                        assert "<script>x</script>" not in _body(answer), (who, route)


def test_the_decision_forms_wait_for_complete_documents(client, people, case):
    liaison = _as(client, people["liaison"])
    form = f'action="/kasus-klaim/{case.number}/keputusan/"'
    assert form not in _body(liaison.get(f"/kasus-klaim/{case.number}/"))
    _complete(case, people["operator"])
    assert form in _body(liaison.get(f"/kasus-klaim/{case.number}/"))
