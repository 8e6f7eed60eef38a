"""Worker and roster imports through the real services: exact counts, all-or-nothing, idempotent."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError
from cakupan.registry import importing
from cakupan.registry.models import ImportStatus, Membership, Worker, WorkerImport
from cakupan.registry.services import worker_register

TODAY = dt.date(2026, 11, 23)
HEADER = "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon\n"
ROWS = [
    "3602014506900001;Siti Aminah;1990-06-05;P;36.02.01.2002;nelayan;1.500.000;2;081234567890",
    "3602011506900002;Budi Santoso;15/06/1990;L;36.02.01.2002;petani;1000000;;",
    "3602011506900002;Budi Lagi;15/06/1990;L;36.02.01.2002;petani;1000000;;",  # NIK repeated in the file
    "3602011506900000;Serial Nol;15/06/1990;L;36.02.01.2002;petani;1000000;;",  # serial 0000
    "3602012506900003;Ahmad;1990-06-25;L;36.99.01.2001;pedagang;-5;11;",  # bad desa, income, decile
]


def _csv(tmp_path, rows, name="pekerja.csv", header=HEADER):
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.mark.django_db
def test_a_first_import_counts_every_row_exactly(tmp_path, var_dir):
    result = importing.workers_import(path=_csv(tmp_path, ROWS), today=TODAY)
    counts = (
        result.rows,
        result.inserted,
        result.updated,
        result.duplicates,
        result.invalid,
        result.unchanged,
    )
    assert counts == (5, 2, 0, 1, 2, 0)
    assert (
        result.rows
        == result.inserted + result.updated + result.duplicates + result.invalid + result.unchanged
    )
    siti = Worker.objects.get(nik="3602014506900001")
    assert (siti.name, siti.monthly_income, siti.decile, siti.phone, siti.source, siti.employment) == (
        "Siti Aminah",
        1_500_000,
        2,
        "+6281234567890",
        "import",
        "informal",
    )
    assert Worker.objects.get(nik="3602011506900002").name == "Budi Santoso"  # the first occurrence wins
    record = WorkerImport.objects.get(pk=result.import_id)
    assert (record.status, record.rows, record.inserted) == (ImportStatus.APPLIED, 5, 2)
    report = (tmp_path / "var" / "imports" / f"impor-{record.pk}-laporan.csv").read_text(encoding="utf-8-sig")
    for code in (
        "nik_invalid_serial",
        "region_unknown",
        "income_negative",
        "decile_invalid",
        "nik_duplicate_in_file",
    ):
        assert code in report
    event = AuditEvent.objects.get(action="import", object_id=str(record.pk))
    assert event.metadata["inserted"] == 2


@pytest.mark.django_db
def test_the_same_file_twice_adds_nothing(tmp_path, var_dir):
    path = _csv(tmp_path, ROWS)
    first = importing.workers_import(path=path, today=TODAY)
    again = importing.workers_import(path=path, today=TODAY)
    assert again.already_imported and again.import_id == first.import_id
    assert (again.inserted, again.unchanged, again.rows) == (0, 5, 5)
    assert Worker.objects.count() == 2
    assert WorkerImport.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "expected", "name"),
    [
        ("keep", (1, 0, 2, 0, 0), "Siti Aminah"),  # inserted, updated, duplicates, invalid, unchanged
        ("update", (1, 1, 1, 0, 0), "Siti Aminah Baru"),
        ("reject", (1, 0, 1, 1, 0), "Siti Aminah"),
    ],
)
def test_registry_duplicates_follow_the_chosen_mode(tmp_path, var_dir, mode, expected, name):
    importing.workers_import(path=_csv(tmp_path, ROWS[:1], name="awal.csv"), today=TODAY)
    rows = [
        ROWS[0].replace("Siti Aminah", "Siti Aminah Baru"),
        "3602012506900004;Dewi;1990-06-25;L;36.02.01.2002;jasa;2000000;5;",
        "3602012506900004;Dewi Lagi;1990-06-25;L;36.02.01.2002;jasa;2000000;5;",
    ]
    result = importing.workers_import(
        path=_csv(tmp_path, rows, name="kedua.csv"), on_duplicate=mode, today=TODAY
    )
    assert (result.inserted, result.updated, result.duplicates, result.invalid, result.unchanged) == expected
    assert Worker.objects.get(nik="3602014506900001").name == name


@pytest.mark.django_db
def test_update_with_identical_rows_counts_them_unchanged(tmp_path, var_dir):
    importing.workers_import(path=_csv(tmp_path, ROWS[:2], name="a.csv"), today=TODAY)
    # Same content, different file (a trailing column order change would also do): no hash match.
    result = importing.workers_import(
        path=_csv(tmp_path, [*ROWS[:2], ""], name="b.csv"), on_duplicate="update", today=TODAY
    )
    assert (result.rows, result.updated, result.unchanged, result.inserted) == (2, 0, 2, 0)


@pytest.mark.django_db
def test_a_dry_run_changes_nothing_but_reports_exact_counts(tmp_path, var_dir):
    result = importing.workers_import(path=_csv(tmp_path, ROWS), dry_run=True, today=TODAY)
    assert (result.rows, result.inserted, result.invalid) == (5, 2, 2)
    assert result.errors_file and result.errors_file.endswith(".csv")
    assert Worker.objects.count() == 0 and WorkerImport.objects.count() == 0
    assert not AuditEvent.objects.filter(action="import").exists()


@pytest.mark.django_db
def test_likely_duplicates_are_flagged_but_kept(tmp_path, var_dir):
    worker_register(
        nik="3602014506900001",
        name="SITI  AMINAH",
        birth_date=dt.date(1990, 6, 5),
        sex="P",
        desa_code="36.02.01.2002",
        sector="nelayan",
        monthly_income=1_000_000,
    )
    rows = ["3602014506900009;Siti Aminah;1990-06-05;P;36.02.01.2002;nelayan;1000000;;"]
    result = importing.workers_import(path=_csv(tmp_path, rows), today=TODAY)
    assert (result.inserted, result.warnings) == (1, 1)
    assert "likely_duplicate" in Path(result.errors_file).read_text(encoding="utf-8-sig")


@pytest.mark.django_db
def test_an_unreadable_file_is_refused_and_nothing_is_written(tmp_path, var_dir):
    bad = tmp_path / "gambar.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(DomainError) as raised:
        importing.workers_import(path=bad, today=TODAY)
    assert raised.value.code == "file_type_unsupported"
    missing = _csv(tmp_path, ["3602014506900001;Siti"], header="nik;nama\n")
    with pytest.raises(DomainError) as raised:
        importing.workers_import(path=missing, today=TODAY)
    assert raised.value.code == "columns_missing" and "tanggal_lahir" in raised.value.message
    assert Worker.objects.count() == 0 and WorkerImport.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failure_midway_leaves_the_registry_as_it_was(tmp_path, var_dir, monkeypatch):
    def broken(result, found, **options):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.run, "_apply_workers", broken)
    with pytest.raises(RuntimeError):
        importing.workers_import(path=_csv(tmp_path, ROWS), today=TODAY)
    assert Worker.objects.count() == 0 and WorkerImport.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_after_some_rows_went_straight_into_the_registry_leaves_it_empty(
    tmp_path, var_dir, monkeypatch
):
    # Into an empty registry the rows are loaded chunk by chunk: the second chunk fails after the first
    # is in the table, and the whole import is rolled back.
    real_append = importing.staging.bulk.append_frame
    calls = []

    def fail_second(*, table, frame):
        calls.append(frame.height)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_append(table=table, frame=frame)

    monkeypatch.setattr(importing.staging.bulk, "append_frame", fail_second)
    rows = [f"36020145069{n:05d};Orang {n};1990-06-05;P;36.02.01.2002;nelayan;1000000;;" for n in range(1, 6)]
    monkeypatch.setattr(importing.staging, "READ_CHUNK_ROWS", 2)
    with pytest.raises(RuntimeError):
        importing.workers_import(path=_csv(tmp_path, rows), today=TODAY)
    assert calls == [2, 2]
    assert Worker.objects.count() == 0 and WorkerImport.objects.count() == 0


ROSTER_HEADER = (
    "nik,kpj,segmen,program,status,bulan_terakhir_dibayar,nama,tanggal_lahir,jenis_kelamin,kode_desa,sektor,"
    "penghasilan\n"
)


@pytest.mark.django_db
def test_roster_updates_memberships_and_reports_unknown_niks(tmp_path, var_dir):
    importing.workers_import(path=_csv(tmp_path, ROWS[:2]), today=TODAY)
    roster = [
        "3602014506900001,12345678901,BPU,jkk+jkm,aktif,2026-11,,,,,,",
        '3602011506900002,12345678902,PU,"jkk,jkm,jht",aktif,11/2026,,,,,,',
        "3602011506900002,12345678902,PU,jkk jkm jht,aktif,2026-11,,,,,,",  # KPJ repeated
        "3602012506900005,12345678905,BPU,jkk jkm,aktif,2026-10,Rina,1990-06-25,P,36.02.01.2002,pedagang,"
        "900000",
        "3602014506900001,123,BPU,jkk jkm,aktif,2026-11,,,,,,",  # malformed KPJ
    ]
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER_HEADER + "\n".join(roster) + "\n", encoding="utf-8")
    result = importing.roster_import(path=path)
    assert (result.rows, result.inserted, result.duplicates, result.invalid) == (5, 2, 1, 2)
    assert Membership.objects.get(kpj="12345678902").jht is True
    assert "nik_not_in_registry" in Path(result.errors_file).read_text(encoding="utf-8-sig")

    path.write_text(ROSTER_HEADER + roster[3] + "\n" + roster[0].replace("2026-11", "2026-12") + "\n")
    again = importing.roster_import(path=path, add_missing=True)
    assert (again.rows, again.inserted, again.updated, again.invalid) == (2, 1, 1, 0)
    assert Worker.objects.get(nik="3602012506900005").source == "roster"
    assert Membership.objects.get(kpj="12345678901").paid_through == dt.date(2026, 12, 1)


@pytest.mark.django_db
def test_cli_prints_json_last_and_fails_on_unreadable_files(tmp_path, var_dir):
    out = io.StringIO()
    call_command("import", "workers", str(_csv(tmp_path, ROWS)), "--json", stdout=out, stderr=io.StringIO())
    payload = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {k: payload[k] for k in ("rows", "inserted", "updated", "duplicates", "invalid")} == {
        "rows": 5,
        "inserted": 2,
        "updated": 0,
        "duplicates": 1,
        "invalid": 2,
    }
    assert payload["errors_file"].endswith(".csv")
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="file_empty"):
        call_command("import", "workers", str(empty), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_an_applied_import_refreshes_the_coverage_of_the_touched_desa(tmp_path, var_dir):
    from cakupan.coverage.models import RegionCoverage
    from cakupan.coverage.services import coverage_refresh

    worker_register(
        nik="3601014506900001", name="Sudah Ada", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.01.01.2001", sector="petani", monthly_income=1_000_000,
    )  # fmt: skip
    coverage_refresh(month=dt.date(2026, 11, 1))  # the dashboards know November
    importing.workers_import(path=_csv(tmp_path, ROWS), today=TODAY)
    desa = RegionCoverage.objects.get(month=dt.date(2026, 11, 1), region_id="36.02.01.2002")
    province = RegionCoverage.objects.get(month=dt.date(2026, 11, 1), region_id="36")
    assert (desa.workers, province.workers, province.informal) == (2, 3, 3)
    importing.workers_import(path=_csv(tmp_path, ROWS[:1], name="uji.csv"), dry_run=True, today=TODAY)
    assert RegionCoverage.objects.get(month=dt.date(2026, 11, 1), region_id="36").workers == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "nik", ["360201450690001", "36020145069000011", "360201450690000X", "３602014506900001"]
)
def test_the_database_itself_refuses_a_nik_that_is_not_16_ascii_digits(nik):
    from django.db import DataError, IntegrityError, transaction

    from cakupan.regions.models import Region

    fields = dict(
        name="Siti", birth_date=TODAY, sex="P", desa=Region.objects.get(code="36.02.01.2002"),
        employment="informal", sector="nelayan", monthly_income=0, source="import",
    )  # fmt: skip
    # PostgreSQL refuses 17 characters for the varchar(16) before any check constraint (DataError).
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Worker.objects.create(nik=nik, **fields)
    assert Worker.objects.create(nik="3602014506900001", **fields).pk


@pytest.mark.django_db
def test_an_empty_registry_gets_the_same_counts_and_report_as_a_filled_one(tmp_path, var_dir):
    # Into an empty registry the rows skip the staging table; the result must not depend on that.
    likely = "3602014506900011;SITI  AMINAH;05/06/1990;P;3602012002;nelayan;1000000;;"  # same person as row 2
    path = _csv(tmp_path, [*ROWS, likely])
    direct = importing.workers_import(path=path, today=TODAY)
    direct_report = sorted(Path(direct.errors_file).read_text(encoding="utf-8-sig").splitlines())
    direct_workers = list(Worker.objects.order_by("id").values_list("nik", "name", "monthly_income", "phone"))
    Worker.objects.all().delete()
    WorkerImport.objects.all().delete()
    worker_register(
        nik="3601014506900001", name="Orang Lain", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.01.01.2001", sector="petani", monthly_income=1_000_000,
    )  # fmt: skip
    staged = importing.workers_import(path=path, today=TODAY)
    staged_report = sorted(Path(staged.errors_file).read_text(encoding="utf-8-sig").splitlines())
    counts = ("rows", "inserted", "updated", "duplicates", "invalid", "unchanged", "warnings")
    assert [getattr(direct, name) for name in counts] == [6, 3, 0, 1, 2, 0, 2]
    assert [getattr(staged, name) for name in counts] == [getattr(direct, name) for name in counts]
    assert staged_report == direct_report
    assert any("likely_duplicate" in line and "baris 2:" in line for line in direct_report)
    staged_workers = Worker.objects.exclude(nik="3601014506900001").order_by("id")
    assert list(staged_workers.values_list("nik", "name", "monthly_income", "phone")) == direct_workers


@pytest.mark.django_db
def test_the_size_limit_is_the_callers_choice(tmp_path, var_dir):
    path = _csv(tmp_path, ROWS)
    with pytest.raises(DomainError) as raised:
        importing.workers_import(path=path, today=TODAY, max_bytes=100)
    assert raised.value.code == "file_too_large" and "Berkas terlalu besar" in raised.value.message
    assert Worker.objects.count() == 0 and WorkerImport.objects.count() == 0
    # The CLI passes no limit: a file of any size is streamed.
    assert importing.workers_import(path=path, today=TODAY, max_bytes=None).inserted == 2
