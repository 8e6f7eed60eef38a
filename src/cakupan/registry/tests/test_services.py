import datetime as dt

import pytest

from cakupan.core.errors import DomainError
from cakupan.registry import services
from cakupan.registry.models import Employment, Membership, SyntheticRun, Worker

VALID = {
    "nik": "3602 0145 0690 0001",
    "name": " Siti Rahayu ",
    "birth_date": dt.date(1990, 6, 5),
    "sex": "P",
    "desa_code": "36.02.01.2002",
    "sector": "nelayan",
    "monthly_income": 1_250_000,
    "decile": 2,
    "phone": "+6281234567890",
}


@pytest.mark.django_db
def test_register_a_worker_normalises_and_derives_employment():
    worker = services.worker_register(**VALID)
    worker.refresh_from_db()
    assert (worker.nik, worker.name, worker.desa_id, worker.employment) == (
        "3602014506900001", "Siti Rahayu", "36.02.01.2002", Employment.INFORMAL,
    )  # fmt: skip
    assert (
        services.worker_register(
            **{**VALID, "nik": "3602011506900002", "sector": "formal", "sex": "L"}
        ).employment
        == "formal"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"nik": "3602014506900000"}, "nik_invalid_serial", "nik"),
        ({"nik": "12345"}, "nik_wrong_length", "nik"),
        ({"nik": "9902014506900001"}, "nik_unknown_province", "nik"),
        ({"desa_code": "36.02.01.9999"}, "region_unknown", "desa_code"),
        ({"desa_code": "36.02.01"}, "region_not_village", "desa_code"),
        ({"monthly_income": -1}, "income_invalid", "monthly_income"),
        ({"monthly_income": 1.5}, "income_invalid", "monthly_income"),
        ({"sector": "astronot"}, "sector_unknown", "sector"),
        ({"sex": "X"}, "sex_invalid", "sex"),
        ({"decile": 11}, "decile_invalid", "decile"),
        ({"decile": 0}, "decile_invalid", "decile"),
        ({"name": "  "}, "name_invalid", "name"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(changes, code, field):
    with pytest.raises(DomainError) as raised:
        services.worker_register(**{**VALID, **changes})
    assert (raised.value.code, raised.value.field) == (code, field)
    assert raised.value.message
    assert Worker.objects.count() == 0


@pytest.mark.django_db
def test_a_nik_registers_once():
    services.worker_register(**VALID)
    with pytest.raises(DomainError) as raised:
        services.worker_register(**{**VALID, "name": "Orang Lain"})
    assert raised.value.code == "nik_duplicate"
    assert Worker.objects.count() == 1


def test_generated_population_lands_whole(small_population):
    assert Worker.objects.count() == 5_760 == small_population.workers
    assert Membership.objects.count() == small_population.memberships
    # 42.9% of the labour force (6,170 × 0.429 = 2,646.93 → 2,647), 1,100 of them PU.
    assert Membership.objects.filter(status="aktif").count() == 2_647
    assert Membership.objects.filter(status="aktif", segment="PU").count() == 1_100
    assert Worker.objects.filter(employment="informal").count() == 2_599
    ids = list(Worker.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 5_760))
    # The identity continues after the bulk-loaded ids (PostgreSQL) or the max rowid (SQLite).
    extra = services.worker_register(**VALID)
    assert extra.id == ids[-1] + 1
    worker = Worker.objects.get(id=ids[0])
    assert worker.created_at is not None and worker.source == "synthetic"
    assert SyntheticRun.objects.get().as_of == dt.date(2026, 11, 1)


def test_generation_refuses_a_registry_that_is_not_empty(small_population):
    with pytest.raises(DomainError) as raised:
        services.population_generate(scale=0.001, as_of=dt.date(2026, 11, 1))
    assert raised.value.code == "registry_not_empty"
    assert Worker.objects.count() == 5_760
    assert SyntheticRun.objects.count() == 1


@pytest.mark.django_db
def test_generation_refuses_a_bad_scale_and_writes_nothing():
    with pytest.raises(DomainError) as raised:
        services.population_generate(scale=0, as_of=dt.date(2026, 11, 1))
    assert raised.value.code == "scale_invalid"
    assert Worker.objects.count() == 0 and SyntheticRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_loading_leaves_nothing_behind(monkeypatch):
    from cakupan.registry import bulk

    real_load = bulk.load_frame

    def fail_on_memberships(*, table, frame, progress=None, expected=None):
        if table == Membership._meta.db_table:
            raise RuntimeError("disk full")
        return real_load(table=table, frame=frame, progress=progress, expected=expected)

    monkeypatch.setattr(bulk, "load_frame", fail_on_memberships)
    with pytest.raises(RuntimeError):
        services.population_generate(scale=0.0005, as_of=dt.date(2026, 11, 1))
    assert Worker.objects.count() == 0
    assert SyntheticRun.objects.count() == 0


def test_admin_searches_workers_by_nik_and_name_and_filters_by_region(admin_client, small_population):
    worker = Worker.objects.filter(desa__code__startswith="36.02.").order_by("id").first()
    by_nik = admin_client.get("/admin/registry/worker/", {"q": worker.nik}).content.decode()
    assert worker.nik in by_nik and "1 pekerja" in by_nik
    by_name = admin_client.get("/admin/registry/worker/", {"q": worker.name.split()[0]})
    assert by_name.status_code == 200 and worker.name.split()[0] in by_name.content.decode()
    lebak = admin_client.get("/admin/registry/worker/", {"kabkota": "36.02", "sector": "petani"})
    assert lebak.status_code == 200
    page = lebak.content.decode()
    assert "Kabupaten Lebak" in page and "Petani" in page
    assert "Cari" in page  # Bahasa Indonesia admin
