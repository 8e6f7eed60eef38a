import datetime as dt
import itertools
import uuid

import pytest

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve, approval_reject

DESA = "36.02.01.2002"  # Cilangkahan, Kecamatan Malingping, Kabupaten Lebak
DESA_2 = "36.02.01.2003"  # Pagelaran, the same kecamatan
OTHER_DESA = "36.73.01.1001"  # Kota Serang

_serials = itertools.count(1)


@pytest.fixture(autouse=True)
def immediate_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path
    # Filed into the registry's import at every sync unless a test sets the production batching.
    settings.AGENTS = {**settings.AGENTS, "file_after_minutes": 0}


@pytest.fixture
def people(db):
    def user(username, role, area=None, **extra):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area, **extra)

    return {
        "agent": user("agen", Role.FIELD_AGENT, "36.02.01"),
        "agent2": user("agen2", Role.FIELD_AGENT, "36.02.01"),
        "operator": user("desa", Role.VILLAGE_OPERATOR, DESA),
        "regency": user("disnaker", Role.REGENCY_OFFICER, "36.02"),
        "outsider": user("serang", Role.FIELD_AGENT, "36.73"),
        "coordinator": user("provinsi", Role.PROVINCIAL_COORDINATOR, "36"),
        "auditor": user("auditor", Role.AUDITOR, "36"),
    }


def nik_for(*, day: int = 15, month: int = 6, year: int = 90, serial: int | None = None, female=False) -> str:
    serial = next(_serials) if serial is None else serial
    return f"360201{day + (40 if female else 0):02d}{month:02d}{year:02d}{serial:04d}"


def person(
    *, nik=None, name="Siti Aminah", desa=DESA, sector="nelayan", income="1500000", phone="", decile="2"
):
    nik = nik or nik_for(female=True)
    well_formed = len(nik) == 16 and nik.isdigit()
    day = int(nik[6:8]) % 40 if well_formed else 15
    month = int(nik[8:10]) if well_formed else 6
    return {
        "nik": nik,
        "nama": name,
        "tanggal_lahir": dt.date(1990, month, day).isoformat(),
        "jenis_kelamin": "P" if not well_formed or int(nik[6:8]) > 40 else "L",
        "kode_desa": desa,
        "sektor": sector,
        "penghasilan": income,
        "desil": decile,
        "telepon": phone,
    }


def new_record(values=None, *, client_id=None, **extra) -> dict:
    return {
        "client_id": str(client_id or uuid.uuid4()),
        "kind": "new",
        "values": values or person(),
        "made_at": "2026-12-07T09:00:00+07:00",
        **extra,
    }


def approve_imports(checker) -> int:
    """Approve every pending worker import (the checker's part of the flow); returns how many."""
    pending = list(Approval.objects.filter(kind=ApprovalKind.WORKER_IMPORT, status="pending"))
    for approval in pending:
        approval_approve(approval=approval, approver=checker, file_sha256=approval.payload["file_sha256"])
    return len(pending)


def reject_imports(checker, reason="Data belum diverifikasi") -> int:
    pending = list(Approval.objects.filter(kind=ApprovalKind.WORKER_IMPORT, status="pending"))
    for approval in pending:
        approval_reject(approval=approval, approver=checker, reason=reason)
    return len(pending)


@pytest.fixture
def make_worker(db):
    """A worker registered through the registry, with a BPU membership when `paid_through` is given."""
    from cakupan.coverage.services import membership_record
    from cakupan.registry.services import worker_register

    def make(desa=DESA, *, paid_through=None, decile=2, income=1_000_000, name=None, phone=""):
        serial = next(_serials)
        nik = f"{desa.replace('.', '')[:6]}{52:02d}0385{serial:04d}"
        worker = worker_register(
            nik=nik,
            name=name or f"Siti Nelayan {serial}",
            birth_date=dt.date(1985, 3, 12),
            sex="P",
            desa_code=desa,
            sector="nelayan",
            monthly_income=income,
            decile=decile,
            phone=phone,
        )
        if paid_through is not None:
            membership_record(
                worker=worker, kpj=f"{90000000000 + serial}", segment="BPU", paid_through=paid_through
            )
        return worker

    return make
