"""The web import flow: upload → background check → another officer approves → background apply."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.approvals.models import Approval
from cakupan.registry.models import ImportStatus, Worker, WorkerImport

CSV = (
    "NIK;Nama Lengkap;Tanggal Lahir;JK;Kode Desa/Kelurahan;Sektor;Penghasilan;Desil;No HP\n"
    "3602014506900001;Siti Aminah;05/06/1990;P;36.02.01.2002;Nelayan;1.500.000;2;081234567890\n"
    "3602011506900002;Budi;1990-06-15;L;36.02.01.2002;petani;1000000;;\n"
    "3602011506900000;Serial Nol;1990-06-15;L;36.02.01.2002;petani;1000000;;\n"
)


@pytest.fixture
def officers(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password="Banten-UCJ-2026")
    from cakupan.accounts.models import User

    return {user.username: user for user in User.objects.all()}


def _upload(client, content=CSV, name="desa.csv"):
    return client.post(
        "/impor/",
        {"file": SimpleUploadedFile(name, content.encode()), "kind": "workers", "on_duplicate": "keep"},
    )


def test_upload_is_checked_then_applied_only_after_another_officer_approves(
    client, officers, django_capture_on_commit_callbacks
):
    client.force_login(officers["desa"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client)
    assert response.status_code == 302
    record = WorkerImport.objects.get()
    assert (record.status, record.rows, record.inserted, record.invalid) == (
        ImportStatus.PENDING_APPROVAL,
        3,
        2,
        1,
    )
    assert Worker.objects.count() == 0
    # A task delivered twice does nothing the second time.
    from cakupan.registry import importing

    importing.import_check(import_id=record.pk)
    assert Approval.objects.count() == 1
    page = client.get(f"/impor/{record.pk}/").content.decode()
    assert "Menunggu persetujuan" in page and "pengaju tidak dapat menyetujui" in page
    assert client.get(f"/impor/{record.pk}/laporan.csv").status_code == 200

    # The submitter cannot approve their own import.
    own = client.post(f"/impor/{record.pk}/keputusan", {"decision": "approve"})
    assert own.status_code == 400 and Worker.objects.count() == 0

    client.force_login(officers["lebak"])
    # The checker sees every row and what it would do, identifiers masked for a kab/kota officer.
    page = client.get(f"/impor/{record.pk}/").content.decode()
    assert 'data-testid="preview"' in page and record.file_sha256 in page
    assert "360201**********" in page and "3602014506900001" not in page
    assert "ditambahkan" in page and "ditolak" in page and "Siti Aminah" in page
    assert "05/06/1990" not in page and "1990-06-05" not in page and "35–44 tahun" in page
    # The report comes masked for a role that sees identifiers masked, in full for the uploader.
    masked = b"".join(client.get(f"/impor/{record.pk}/laporan.csv").streaming_content).decode("utf-8-sig")
    assert "3602011506900000" not in masked and "360201**********" in masked
    xlsx = client.get(f"/impor/{record.pk}/laporan.xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"].endswith(f'laporan-impor-{record.pk}.xlsx"')
    client.force_login(officers["desa"])
    full = b"".join(client.get(f"/impor/{record.pk}/laporan.csv").streaming_content).decode("utf-8-sig")
    assert "3602011506900000" in full
    client.force_login(officers["lebak"])
    # An approval names the file it was given; another digest (a forged form, a stale page) is refused.
    forged = client.post(f"/impor/{record.pk}/keputusan", {"decision": "approve", "sha256": "0" * 64})
    assert forged.status_code == 400 and "sidik SHA-256 berbeda" in forged.content.decode()
    assert Approval.objects.get().status == "pending" and Worker.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            f"/impor/{record.pk}/keputusan", {"decision": "approve", "sha256": record.file_sha256}
        )
    assert decided.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    assert sorted(Worker.objects.values_list("nik", flat=True)) == ["3602011506900002", "3602014506900001"]
    assert Approval.objects.get().decided_by == officers["lebak"]


def test_a_file_changed_after_approval_is_not_applied(client, officers, django_capture_on_commit_callbacks):
    client.force_login(officers["desa"])
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client)
    record = WorkerImport.objects.get()
    # Someone with access to the server swaps the stored file between the check and the apply.
    with open(record.file_path, "a", encoding="utf-8") as handle:
        handle.write("3602011506900009;Penyusup;1990-06-15;L;36.02.01.2002;petani;1000000;;\n")
    client.force_login(officers["lebak"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/impor/{record.pk}/keputusan", {"decision": "approve", "sha256": record.file_sha256})
    record.refresh_from_db()
    assert (
        record.status == ImportStatus.FAILED and "tidak sama dengan berkas yang disetujui" in record.message
    )
    assert Worker.objects.count() == 0


def test_rejected_imports_change_nothing(client, officers, django_capture_on_commit_callbacks):
    client.force_login(officers["desa"])
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client)
    record = WorkerImport.objects.get()
    client.force_login(officers["lebak"])
    missing_reason = client.post(f"/impor/{record.pk}/keputusan", {"decision": "reject"})
    assert missing_reason.status_code == 400
    client.post(
        f"/impor/{record.pk}/keputusan", {"decision": "reject", "reason": "Data desa belum diverifikasi"}
    )
    record.refresh_from_db()
    assert record.status == ImportStatus.REJECTED and "belum diverifikasi" in record.message
    assert Worker.objects.count() == 0


def test_bad_uploads_get_a_message_and_leave_nothing(client, officers, django_capture_on_commit_callbacks):
    client.force_login(officers["desa"])
    no_file = client.post("/impor/", {"kind": "workers"})
    assert no_file.status_code == 400 and "Pilih berkas" in no_file.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, content="nik;nama\n3602014506900001;Siti\n", name="kurang.csv")
    record = WorkerImport.objects.get()
    assert (record.status, record.error_code) == (ImportStatus.FAILED, "columns_missing")
    # People read Bahasa only; the stable code is kept beside it for machines and support.
    assert record.message.startswith("Kolom wajib tidak ada: ") and "[" not in record.message
    page = client.get(f"/impor/{record.pk}/").content.decode()
    assert "Kolom wajib tidak ada" in page and "columns_missing" not in page
    assert Worker.objects.count() == 0


def test_read_only_roles_cannot_upload_and_imports_stay_in_their_area(
    client, officers, django_capture_on_commit_callbacks
):
    # Roles that may not upload are offered no form, and a forged post is refused all the same.
    for checker in ("analis", "lebak", "bpjs"):
        client.force_login(officers[checker])
        page = client.get("/impor/").content.decode()
        offered = {"analis": [], "lebak": [], "bpjs": ["roster"]}[checker]
        assert ('name="file"' in page) == bool(offered), checker
        assert all(f'value="{kind}"' in page for kind in offered)
        assert 'value="workers"' not in page
    client.force_login(officers["analis"])
    refused = _upload(client)
    assert refused.status_code == 400 and "tidak dapat mengimpor" in refused.content.decode()
    client.force_login(officers["desa"])
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client)
    record = WorkerImport.objects.get()
    client.force_login(officers["sponsor"])
    assert client.get(f"/impor/{record.pk}/").status_code == 403


def test_template_downloads(client, officers):
    assert client.get("/impor/templat.xlsx").status_code == 200
    csv_template = b"".join(client.get("/impor/templat.csv").streaming_content).decode("utf-8-sig")
    assert csv_template.splitlines()[0].replace(";", ",") == (
        "nik,nama,tanggal_lahir,jenis_kelamin,kode_desa,sektor,penghasilan,desil,telepon"
    )
    assert client.get("/impor/templat.pdf").status_code == 404


def test_an_upload_over_the_web_limit_is_refused_with_a_message(client, officers, monkeypatch):
    from cakupan.registry import importing

    monkeypatch.setattr(importing.web, "UPLOAD_LIMIT_BYTES", 100)
    client.force_login(officers["desa"])
    response = _upload(client)
    assert response.status_code == 400
    assert "lebih dari 100 MB" in response.content.decode()
    assert not WorkerImport.objects.exists()
