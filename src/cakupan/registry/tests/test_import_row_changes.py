"""Every row an import changes leaves its before/after values under the import's audit event, in the
same transaction: exact values, none for a dry run, none when the import fails."""

import datetime as dt

import pytest

from cakupan.audit.models import AuditEvent, RowChange
from cakupan.coverage.services import membership_record
from cakupan.registry import importing
from cakupan.registry.models import Membership, Worker
from cakupan.registry.services import worker_register

TODAY = dt.date(2026, 11, 23)
HEADER = "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon\n"


@pytest.fixture
def registry(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    siti = worker_register(
        nik="3602014506900001", name="Siti Aminah", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.02.01.2002", sector="nelayan", monthly_income=1_000_000,
    )  # fmt: skip
    return {"siti": siti, "tmp": tmp_path}


def _file(registry, rows):
    path = registry["tmp"] / "pekerja.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


ROWS = [
    "3602014506900001;Siti Aminah;1990-06-05;P;36.02.01.2002;nelayan;1250000;2;081234567890",
    "3602011506900002;Budi Santoso;1990-06-15;L;36.02.01.2003;petani;900000;;",
]


def test_an_update_import_records_each_row_before_and_after(registry):
    result = importing.workers_import(path=_file(registry, ROWS), on_duplicate="update", today=TODAY)
    assert (result.inserted, result.updated, result.row_changes) == (1, 1, 2)
    event = AuditEvent.objects.get(action="import")
    budi = Worker.objects.get(nik="3602011506900002")
    changes = list(RowChange.objects.filter(event=event).order_by("operation", "object_id"))
    assert [(c.object_type, c.object_id, c.operation, c.region_code) for c in changes] == [
        ("registry.worker", budi.pk, "i", "36.02.01.2003"),
        ("registry.worker", registry["siti"].pk, "u", "36.02.01.2002"),
    ]
    inserted, updated = changes
    assert inserted.before_values is None
    # Values as text, the same on both databases.
    assert inserted.after_values == {
        "nik": "3602011506900002", "name": "Budi Santoso", "birth_date": "1990-06-15", "sex": "L",
        "desa_id": "36.02.01.2003", "employment": "informal", "sector": "petani", "monthly_income": "900000",
        "decile": None, "phone": "", "source": "import",
    }  # fmt: skip
    before, after = updated.before_values, updated.after_values
    assert {key for key in after if before[key] != after[key]} == {"monthly_income", "decile", "phone"}
    assert (before["monthly_income"], after["monthly_income"]) == ("1000000", "1250000")
    assert (before["phone"], after["phone"]) == ("", "+6281234567890")


def test_a_dry_run_and_a_repeated_file_record_no_row(registry):
    path = _file(registry, ROWS)
    importing.workers_import(path=path, on_duplicate="update", today=TODAY, dry_run=True)
    assert not RowChange.objects.exists()
    importing.workers_import(path=path, on_duplicate="update", today=TODAY)
    importing.workers_import(path=path, on_duplicate="update", today=TODAY)
    assert RowChange.objects.count() == 2


def test_a_failed_import_leaves_no_row_change(registry, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.run.RowChangeSet, "write", broken)
    with pytest.raises(RuntimeError):
        importing.workers_import(path=_file(registry, ROWS), on_duplicate="update", today=TODAY)
    assert not RowChange.objects.exists() and not AuditEvent.objects.filter(action="import").exists()
    assert Worker.objects.get(pk=registry["siti"].pk).monthly_income == 1_000_000
    assert not Worker.objects.filter(nik="3602011506900002").exists()


def test_a_roster_records_membership_and_added_worker_rows(registry):
    membership_record(
        worker=registry["siti"], kpj="12345678901", segment="BPU", paid_through=dt.date(2026, 1, 1)
    )
    path = registry["tmp"] / "roster.csv"
    path.write_text(
        "nik;kpj;segmen;program;status;bulan_terakhir_dibayar;nama;tanggal_lahir;jenis_kelamin;kode_desa;"
        "sektor;penghasilan\n"
        "3602014506900001;12345678901;BPU;jkk jkm;aktif;2026-10;;;;;;\n"
        "3602015506900003;12345678903;BPU;jkk jkm;aktif;2026-10;Rina;1990-06-15;P;36.02.01.2002;pedagang;"
        "900000\n",
        encoding="utf-8",
    )
    result = importing.roster_import(path=path, add_missing=True)
    assert (result.updated, result.inserted, result.inserted_workers, result.row_changes) == (1, 1, 1, 3)
    rows = {(c.object_type, c.operation): c for c in RowChange.objects.all()}
    assert set(rows) == {("registry.membership", "u"), ("registry.membership", "i"), ("registry.worker", "i")}
    update = rows[("registry.membership", "u")]
    before, after = update.before_values, update.after_values
    assert (before["paid_through"], after["paid_through"]) == ("2026-01-01", "2026-10-01")
    assert (after["jkk"], after["jht"]) == ("true", "false")
    assert update.region_code == "36.02.01.2002"
    rina = Worker.objects.get(nik="3602015506900003")
    assert rows[("registry.worker", "i")].object_id == rina.pk
    assert rows[("registry.membership", "i")].object_id == Membership.objects.get(kpj="12345678903").pk


@pytest.mark.django_db
def test_a_first_load_records_every_new_worker(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    path = tmp_path / "pertama.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    result = importing.workers_import(path=path, today=TODAY)
    assert (result.inserted, result.row_changes) == (2, 2)
    changes = RowChange.objects.filter(event=AuditEvent.objects.get(action="import"))
    assert sorted(c.after_values["nik"] for c in changes) == sorted(
        Worker.objects.values_list("nik", flat=True)
    )
    assert {c.operation for c in changes} == {"i"}
