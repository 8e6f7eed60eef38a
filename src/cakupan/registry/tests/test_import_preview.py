"""The checker's view of a web import's rows: what each does, before and after for updates, errors inline,
masked for roles that see identifiers masked."""

import datetime as dt

import pytest

from cakupan.accounts.models import Role, User
from cakupan.registry import importing
from cakupan.registry.importing import preview
from cakupan.registry.models import ImportStatus, Worker, WorkerImport
from cakupan.registry.services import worker_register

HEADER = "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon\n"


@pytest.fixture
def checked(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    operator = User.objects.create_user(
        username="op", password="x", role=Role.VILLAGE_OPERATOR, area_id="36.02.01.2002"
    )
    siti = worker_register(
        nik="3602014506900001", name="Siti Aminah", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.02.01.2002", sector="nelayan", monthly_income=1_000_000, phone="+6281234567890",
    )  # fmt: skip
    worker_register(
        nik="3601014506900002", name="Warga Pandeglang", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.01.01.2001", sector="petani", monthly_income=900_000,
    )  # fmt: skip
    path = tmp_path / "desa.csv"
    path.write_text(
        HEADER
        + "3602014506900001;Siti Aminah;1990-06-05;P;36.02.01.2002;pedagang;1250000;;081234567890\n"
        + "3602011506900003;Budi;1990-06-15;L;36.02.01.2002;petani;900000;;\n"
        + "3602011506900004;Ahmad;1990-06-15;L;36.02.01.2002;petani;-5;;\n"
        + "3601014506900002;Nama Palsu;1990-06-05;P;36.02.01.2002;petani;900000;;\n",
        encoding="utf-8",
    )
    record = WorkerImport.objects.create(
        kind="workers", file_name="desa.csv", file_sha256="", on_duplicate="update",
        status=ImportStatus.CHECKING, file_path=str(path), submitted_by=operator, area_id="36.02.01.2002",
    )  # fmt: skip
    importing.workers_import(
        path=path, on_duplicate="update", dry_run=True, record=record, actor=operator, scope="36.02.01.2002",
        today=dt.date(2026, 11, 23),
    )  # fmt: skip
    return {"record": record, "siti": siti}


def test_every_row_says_what_it_would_do(checked):
    rows, pages = preview.preview_page(checked["record"].pk, page=1, full=True)
    assert pages == 1
    assert [(r.row, r.action) for r in rows] == [(2, "update"), (3, "insert"), (4, "error"), (5, "error")]
    update = rows[0]
    assert update.nik == "3602014506900001"
    assert update.changes == [("sektor", "nelayan", "pedagang"), ("penghasilan", "1000000", "1250000")]
    assert [severity for severity, _ in rows[2].messages] == ["error"]
    assert "tidak dapat didaftarkan atau diubah dari wilayah kerja Anda" in rows[3].messages[0][1]
    # A refused row shows what the file says, nothing of the worker registered elsewhere.
    assert "Warga Pandeglang" not in str(rows[3]) and ("nama", "Nama Palsu") in rows[3].values
    # The dry run changed nothing.
    assert Worker.objects.get(pk=checked["siti"].pk).monthly_income == 1_000_000


def test_masked_roles_see_no_identifier_in_the_preview(checked):
    rows, _ = preview.preview_page(checked["record"].pk, page=1, full=False)
    text = str(rows)
    assert "3602014506900001" not in text and "1990-06-05" not in text and "081234567890" not in text
    assert rows[0].nik == "360201**********"
    assert ("tanggal lahir", "35–44 tahun") in rows[1].values and ("telepon", "0812********") in rows[
        0
    ].values


def test_pages_are_clamped_and_a_missing_preview_is_empty(checked):
    assert preview.preview_page(checked["record"].pk, page=99, full=True)[1] == 1
    assert preview.preview_page(999_999, page=1, full=True) == ([], 0)
