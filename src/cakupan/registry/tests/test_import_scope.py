"""Imports are bound to the uploader's area: rows outside it are errors, workers outside it are neither
created, changed nor named, and the report does not tell whether a NIK exists elsewhere."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cakupan.accounts.models import Role, User
from cakupan.core.errors import DomainError
from cakupan.coverage.services import membership_record
from cakupan.registry import importing
from cakupan.registry.models import Membership, Worker
from cakupan.registry.services import worker_register

TODAY = dt.date(2026, 11, 23)
LEBAK_DESA = "36.02.01.2002"
PANDEGLANG_DESA = "36.01.01.2001"
HEADER = "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon\n"
PANDEGLANG_NIK = "3601014506900002"


@pytest.fixture
def area(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    operator = User.objects.create_user(
        username="operator", password="x", role=Role.VILLAGE_OPERATOR, area_id=LEBAK_DESA, is_staff=True
    )
    neighbour = worker_register(
        nik="3602014506900001", name="Siti Aminah", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code=LEBAK_DESA, sector="nelayan", monthly_income=1_000_000,
    )  # fmt: skip
    elsewhere = worker_register(
        nik=PANDEGLANG_NIK, name="Warga Pandeglang", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code=PANDEGLANG_DESA, sector="petani", monthly_income=900_000, phone="+6281111111111",
    )  # fmt: skip
    return {"operator": operator, "neighbour": neighbour, "elsewhere": elsewhere, "tmp": tmp_path}


def _file(area, rows, name="desa.csv"):
    path = area["tmp"] / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _report(result) -> list[list[str]]:
    with open(result.errors_file, encoding="utf-8-sig") as handle:
        return list(csv.reader(handle, delimiter=";"))


ROWS = [
    # In the area, new.
    "3602015506900003;Nur Aisyah;1990-06-15;P;36.02.01.2002;pedagang;800000;1;",
    # A desa in Pandeglang.
    "3602011506900004;Budi;1990-06-15;L;36.01.01.2001;petani;1000000;;",
    # The NIK of the Pandeglang worker, moved to Lebak, renamed and with a new phone.
    f"{PANDEGLANG_NIK};Nama Palsu;1990-06-05;P;36.02.01.2002;petani;900000;;081299999999",
    # The neighbour, updated.
    "3602014506900001;Siti Aminah;1990-06-05;P;36.02.01.2002;nelayan;1200000;;",
]


@pytest.mark.parametrize("mode", ["keep", "update", "reject"])
def test_rows_and_workers_outside_the_area_are_refused_without_saying_where(area, mode):
    before = Worker.objects.filter(pk=area["elsewhere"].pk).values().get()
    result = importing.workers_import(
        path=_file(area, ROWS), on_duplicate=mode, actor=area["operator"], today=TODAY
    )
    expected = {"keep": (1, 0, 1, 2, 0), "update": (1, 1, 0, 2, 0), "reject": (1, 0, 0, 3, 0)}[mode]
    assert (result.inserted, result.updated, result.duplicates, result.invalid, result.unchanged) == expected
    assert Worker.objects.filter(pk=area["elsewhere"].pk).values().get() == before
    assert not Worker.objects.filter(nik="3602011506900004").exists()
    assert Worker.objects.filter(nik="3602015506900003", desa_id=LEBAK_DESA).exists()
    if mode == "update":
        assert Worker.objects.get(pk=area["neighbour"].pk).monthly_income == 1_200_000
    report = _report(result)
    issues = {(row[0], row[2]) for row in report[1:]}
    assert ("3", "desa_outside_area") in issues
    assert ("4", "nik_not_available") in issues
    text = "\n".join(";".join(row) for row in report)
    assert "Warga Pandeglang" not in text and "Pandeglang" not in text and "36.01.01.2001)" not in text
    # Unknown elsewhere or registered elsewhere: one answer. Only the area's own NIKs are "registered".
    message = next(row[3] for row in report if row[2] == "nik_not_available")
    assert "terdaftar" not in message
    if mode == "reject":
        assert ("5", "nik_already_registered") in issues


def test_a_likely_duplicate_is_named_by_registry_number_not_by_nik(area):
    rows = ["3602014506900099;Siti Aminah;1990-06-05;P;36.02.01.2002;nelayan;800000;;"]
    result = importing.workers_import(path=_file(area, rows), actor=area["operator"], today=TODAY)
    report = _report(result)
    [warning] = [row for row in report[1:] if row[2] == "likely_duplicate"]
    assert (
        warning[3]
        == f"Kemungkinan orang yang sama dengan pekerja terdaftar #{area['neighbour'].pk}: periksa."
    )
    assert area["neighbour"].nik not in ";".join(warning)


def test_a_roster_reads_workers_outside_the_area_as_not_found(area):
    for nik, kpj in ((area["neighbour"].nik, "10000000001"), (PANDEGLANG_NIK, "10000000002")):
        membership_record(
            worker=Worker.objects.get(nik=nik), kpj=kpj, segment="BPU", paid_through=dt.date(2026, 1, 1)
        )
    header = "nik;kpj;segmen;program;status;bulan_terakhir_dibayar\n"
    path = area["tmp"] / "roster.csv"
    path.write_text(
        header
        + f"{area['neighbour'].nik};10000000001;BPU;jkk jkm;aktif;2026-10\n"
        + f"{PANDEGLANG_NIK};10000000002;BPU;jkk jkm;aktif;2026-10\n"
        + "3602015506900001;10000000003;BPU;jkk jkm;aktif;2026-10\n",
        encoding="utf-8",
    )
    result = importing.roster_import(path=path, scope="36.02")
    assert (result.updated, result.invalid) == (1, 2)
    assert Membership.objects.get(kpj="10000000002").paid_through == dt.date(2026, 1, 1)
    messages = {row[0]: row[3] for row in _report(result)[1:]}
    assert messages["3"].startswith(
        f"NIK {PANDEGLANG_NIK} tidak ditemukan di registri pekerja wilayah kerja Anda."
    )
    assert messages["4"].replace("3602015506900001", PANDEGLANG_NIK) == messages["3"]


def test_a_person_cannot_widen_the_scope_and_an_administrator_states_it(area, capsys):
    with pytest.raises(DomainError) as caught:
        importing.workers_import(path=_file(area, ROWS), actor=area["operator"], scope="36.02", today=TODAY)
    assert caught.value.code == "import_outside_area"
    with pytest.raises(DomainError) as caught:
        importing.workers_import(path=_file(area, ROWS), scope="36.99")
    assert caught.value.code == "region_unknown"
    call_command("import", "workers", str(_file(area, ROWS)), "--area", "36.02", "--json", "--dry-run")
    captured = capsys.readouterr()
    assert "Wilayah impor: 36.02 Kabupaten Lebak" in captured.err
    payload = json.loads(captured.out.strip().splitlines()[-1])
    assert (payload["scope"], payload["inserted"], payload["invalid"]) == ("36.02", 1, 2)
    call_command("import", "workers", str(_file(area, ROWS)), "--dry-run")
    assert "Wilayah impor: seluruh registri (administrator sistem)" in capsys.readouterr().err
    with pytest.raises(CommandError, match="region_unknown"):
        call_command("import", "workers", str(_file(area, ROWS)), "--area", "36.99", stdout=io.StringIO())


def test_hand_entry_is_bound_to_the_area_too(area):
    values = {
        "name": "Orang Cilegon", "birth_date": dt.date(1990, 6, 5), "sex": "P", "sector": "pedagang",
        "monthly_income": 1_000_000,
    }  # fmt: skip
    with pytest.raises(DomainError) as caught:
        worker_register(nik="3672014506900009", desa_code="36.72.01.1001", actor=area["operator"], **values)
    assert caught.value.code == "desa_outside_area"
    lebak = User.objects.create_user(
        username="lebak", password="x", role=Role.REGENCY_OFFICER, area_id="36.02"
    )
    with pytest.raises(DomainError) as caught:
        worker_register(nik="3602014506900009", desa_code=LEBAK_DESA, actor=lebak, **values)
    assert caught.value.code == "worker_register_not_allowed"
    with pytest.raises(DomainError) as caught:
        worker_register(
            nik="3602014506900009", desa_code=LEBAK_DESA, actor=area["operator"],
            **{**values, "name": "=HYPERLINK(\"http://x\")"},
        )  # fmt: skip
    assert caught.value.code == "formula_like_text"
    assert not Worker.objects.filter(nik__in=["3672014506900009", "3602014506900009"]).exists()
    made = worker_register(nik="3602014506900009", desa_code=LEBAK_DESA, actor=area["operator"], **values)
    assert made.desa_id == LEBAK_DESA


def test_the_admin_changes_no_worker_even_for_an_administrator(client, area):
    """Hand entry goes through the workspace's one-row import (its checks, its approval), never the admin."""
    from cakupan.accounts.models import User

    admin_user = User.objects.create_superuser(username="admin-uji", password="Banten-UCJ-2026")
    worker = area["neighbour"]
    form = {
        "nik": worker.nik, "name": "Diubah", "birth_date": "1990-06-05", "sex": "P",
        "desa": PANDEGLANG_DESA, "employment": "informal", "sector": "nelayan", "monthly_income": "1000000",
        "decile": "", "phone": "", "source": "manual",
    }  # fmt: skip
    for user in (area["operator"], admin_user):
        client.force_login(user)
        changed = client.post(f"/admin/registry/worker/{worker.pk}/change/", form)
        added = client.post("/admin/registry/worker/add/", {**form, "nik": "3601014506900077"})
        assert changed.status_code in (302, 403) and added.status_code in (302, 403)
    assert Worker.objects.get(pk=worker.pk).name == worker.name
    assert not Worker.objects.filter(nik="3601014506900077").exists()
