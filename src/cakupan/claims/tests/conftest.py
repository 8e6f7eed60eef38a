import datetime as dt
import itertools

import pytest

from cakupan.accounts.models import Role, User
from cakupan.coverage.services import membership_record
from cakupan.registry.services import worker_register

DESA = "36.02.01.2002"  # Cilangkahan, Kecamatan Malingping, Kabupaten Lebak
OTHER_DESA = "36.73.01.1001"  # Kota Serang
TODAY = dt.date(2026, 12, 7)

_serials = itertools.count(1)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The claim services live on Monday 7 December 2026 unless a test moves the day (`today.set`)."""

    class Day:
        value = TODAY

        def set(self, day: dt.date) -> None:
            self.value = day

    day = Day()
    monkeypatch.setattr("cakupan.claims.services.common.today", lambda: day.value)
    return day


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(db):
    def user(username, role, area=None, **extra):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area, **extra)

    return {
        "admin": User.objects.create_superuser(username="admin", password="x"),
        "operator": user("desa", Role.VILLAGE_OPERATOR, DESA, email="desa@contoh.id"),
        "agent": user("agen", Role.FIELD_AGENT, "36.02.01"),
        "regency": user("disnaker", Role.REGENCY_OFFICER, "36.02", email="disnaker@lebak.go.id"),
        "liaison": user("bpjs", Role.BPJS_LIAISON, "36", email="bpjs@bpjsketenagakerjaan.go.id"),
        "coordinator": user("provinsi", Role.PROVINCIAL_COORDINATOR, "36"),
        "auditor": user("auditor", Role.AUDITOR, "36"),
        "outsider": user("serang", Role.VILLAGE_OPERATOR, OTHER_DESA, email="serang@contoh.id"),
    }


@pytest.fixture
def make_worker(db):
    """A worker registered through the registry, with a BPU membership when `paid_through` is given."""

    def make(
        desa=DESA,
        *,
        paid_through=None,
        since=None,
        jht=False,
        income=1_000_000,
        birth=dt.date(1985, 3, 12),
        phone="",
    ):
        serial = next(_serials)
        born = f"{birth.day + 40:02d}{birth.month:02d}{birth.year % 100:02d}"
        nik = f"{desa.replace('.', '')[:6]}{born}{serial:04d}"
        worker = worker_register(
            nik=nik,
            name=f"Siti Nelayan {serial}",
            birth_date=birth,
            sex="P",
            desa_code=desa,
            sector="nelayan",
            monthly_income=income,
            decile=2,
            phone=phone,
        )
        if paid_through is not None:
            membership_record(
                worker=worker,
                kpj=f"{90000000000 + serial}",
                segment="BPU",
                paid_through=paid_through,
                since=since,
                jht=jht,
            )
        return worker

    return make
