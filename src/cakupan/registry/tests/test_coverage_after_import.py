"""An applied import brings the dashboards' aggregates to exactly what a full refresh would give."""

import datetime as dt

import pytest

from cakupan.coverage.models import CoverageFact, RegionBreakdown, RegionCoverage
from cakupan.coverage.services import coverage_refresh
from cakupan.registry import importing
from cakupan.registry.models import Worker
from cakupan.registry.services import worker_register

TODAY = dt.date(2026, 11, 23)
MONTH = dt.date(2026, 11, 1)
HEADER = "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon\n"


@pytest.fixture
def registered(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    for serial, desa in ((1, "36.02.01.2002"), (2, "36.02.01.2002"), (3, "36.01.01.2001")):
        worker_register(
            nik=f"36020115069{serial:05d}", name=f"Pekerja {serial}", birth_date=dt.date(1990, 6, 15),
            sex="L", desa_code=desa, sector="petani", monthly_income=1_000_000, decile=2,
        )  # fmt: skip
    coverage_refresh(month=MONTH)


def _csv(tmp_path, rows, name):
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _snapshot():
    return (
        set(
            RegionCoverage.objects.filter(month=MONTH).values_list(
                "region_id",
                "workers",
                "informal",
                "active",
                "active_bpu",
                "active_pu",
                "in_arrears",
                "lapsed",
            )
        ),
        set(
            RegionBreakdown.objects.filter(month=MONTH).values_list(
                "region_id", "dimension", "value", "workers", "active"
            )
        ),
        set(
            CoverageFact.objects.filter(month=MONTH).values_list(
                "desa_id", "sector", "sex", "age_band", "decile", "segment", "status", "workers"
            )
        ),
    )


def _province():
    return RegionCoverage.objects.get(month=MONTH, region_id="36").workers


NEW_ROWS = [
    "3602014506900011;Siti;1990-06-05;P;36.02.01.2002;nelayan;1500000;1;",
    "3602014506900012;Ani;1990-06-05;P;36.04.05.2001;pedagang;900000;3;",
    "3602011506900001;Sudah Ada;15/06/1990;L;36.03.01.1001;petani;1000000;2;",  # in the registry
    "3602014506900012;Ani Lagi;1990-06-05;P;36.04.05.2001;pedagang;900000;3;",  # repeated in the file
]


@pytest.mark.parametrize("on_duplicate", ["keep", "reject"])
def test_an_insert_only_import_adds_its_workers_to_the_aggregates(registered, tmp_path, on_duplicate):
    result = importing.workers_import(
        path=_csv(tmp_path, NEW_ROWS, "baru.csv"), on_duplicate=on_duplicate, today=TODAY
    )
    assert (result.inserted, result.updated) == (2, 0)
    assert _province() == 5
    assert RegionCoverage.objects.get(month=MONTH, region_id="36.04.05.2001").workers == 1
    incremental = _snapshot()
    coverage_refresh(month=MONTH)
    assert _snapshot() == incremental


def test_an_import_that_moves_a_worker_rebuilds_both_desa(registered, tmp_path):
    result = importing.workers_import(
        path=_csv(tmp_path, NEW_ROWS, "ubah.csv"), on_duplicate="update", today=TODAY
    )
    assert (result.inserted, result.updated) == (2, 1)
    assert Worker.objects.get(nik="3602011506900001").desa_id == "36.03.01.1001"
    assert RegionCoverage.objects.get(month=MONTH, region_id="36.02.01.2002").workers == 2  # 1 left, 1 came
    assert RegionCoverage.objects.get(month=MONTH, region_id="36.03").workers == 1
    assert _province() == 5
    incremental = _snapshot()
    coverage_refresh(month=MONTH)
    assert _snapshot() == incremental


def test_a_dry_run_leaves_the_aggregates_alone(registered, tmp_path):
    before = _snapshot()
    importing.workers_import(path=_csv(tmp_path, NEW_ROWS, "uji.csv"), dry_run=True, today=TODAY)
    assert _snapshot() == before


def test_an_import_before_any_refresh_builds_no_month(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    importing.workers_import(path=_csv(tmp_path, NEW_ROWS[:2], "awal.csv"), today=TODAY)
    assert not RegionCoverage.objects.exists()
