import datetime as dt
import itertools

import pytest

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.coverage.services import membership_record
from cakupan.funding import enrolment, services
from cakupan.funding.models import FunderKind
from cakupan.registry.services import worker_register

DESA_A = "36.02.01.2002"  # Cilangkahan, Kabupaten Lebak
DESA_B = "36.02.01.2003"  # Pagelaran, Kabupaten Lebak
DESA_C = "36.71.01.1001"  # Sukarasa, Kota Tangerang
START = dt.date(2026, 12, 1)

_serials = itertools.count(1)


TODAY = dt.date(2026, 12, 3)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The funding flows judge statuses and payment dates by today's month: these tests live on
    3 December 2026 whatever the machine's clock says."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    # Batch files go to a temporary folder, not the project's var/.
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def people(db):
    def user(username, role, area, **extra):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area, **extra)

    return {
        "admin": User.objects.create_superuser(username="admin", password="x"),
        "coordinator": user("provinsi", Role.PROVINCIAL_COORDINATOR, "36"),
        "officer": user("baznas", Role.FUNDER_OFFICER, "36"),
        "checker": user("bendahara", Role.FUNDER_OFFICER, "36"),
        "regency": user("lebak", Role.REGENCY_OFFICER, "36.02"),
        "liaison": user("bpjs", Role.BPJS_LIAISON, "36"),
    }


def batch_sent(plan, people, *, xlsx: bool = False):
    """An approved plan's batch made by the coordinator, checked and downloaded by BPJS TK's liaison."""
    batch = enrolment.enrolment_batch_create(plan=plan, actor=people["coordinator"], xlsx=xlsx)
    approval = Approval.objects.get(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
    approval_approve(approval=approval, approver=people["liaison"], file_sha256=batch.file_sha256)
    return enrolment.enrolment_batch_send(batch=batch, actor=people["liaison"])


@pytest.fixture
def make_worker(db):
    """A worker registered through the registry service; NIK built from the desa's kecamatan."""

    def make(desa=DESA_A, *, sector="nelayan", decile=1, birth=dt.date(1990, 5, 15), sex="L", kpj=None,
             paid_through=None):  # fmt: skip
        serial = next(_serials)
        day = birth.day + (40 if sex == "P" else 0)
        nik = f"{desa.replace('.', '')[:6]}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"
        worker = worker_register(
            nik=nik, name=f"Pekerja {serial}", birth_date=birth, sex=sex, desa_code=desa, sector=sector,
            monthly_income=800_000, decile=decile, phone="+6281234567890",
        )  # fmt: skip
        if kpj:
            membership_record(worker=worker, kpj=kpj, segment="BPU", paid_through=paid_through)
        return worker

    return make


@pytest.fixture
def funders(people):
    made = {
        "province": services.funder_create(
            name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36"
        ),
        "zakat": services.funder_create(name="BAZNAS Banten", kind=FunderKind.ZAKAT, area_code="36"),
        "desa": services.funder_create(
            name="Dana Desa Cilangkahan", kind=FunderKind.DANA_DESA, area_code=DESA_A
        ),
        "csr": services.funder_create(name="CSR PT Contoh", kind=FunderKind.CSR, area_code="36.02"),
    }
    # The flows under test need a checker for every funder's money: the coordinator proposes plans (any
    # funder in the area) and one treasurer acts for every funder here. Who may approve what is tested
    # with separate people in test_plan_authority.py.
    for funder in made.values():
        services.funder_officer_add(funder=funder, user=people["checker"], actor=people["admin"])
    return made


@pytest.fixture
def program_factory(people, funders):
    def make(funder="province", **values):
        values = {"name": "Program uji", "budget": 201_600 * 3, "fiscal_year": 2026, "start_month": START,
                  "months": 12, **values}  # fmt: skip
        return services.program_create(funder=funders[funder], actor=people["officer"], **values)

    return make


@pytest.fixture
def channels_on(settings):
    """SMS and WhatsApp pointed at a local emulator of their APIs (for tests that send)."""
    from cakupan.providers.emulators import Emulator, channel_settings

    with Emulator() as emulator:
        settings.MESSAGING = {
            **settings.MESSAGING,
            **channel_settings(emulator),
            "rates": {"sms": 1000.0, "whatsapp": 1000.0, "email": 1000.0},
        }
        yield emulator
