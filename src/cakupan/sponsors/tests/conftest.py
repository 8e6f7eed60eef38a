import datetime as dt
import itertools
import json
import urllib.request
import zoneinfo

import pytest

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.coverage.services import membership_record
from cakupan.funding import enrolment
from cakupan.funding.services import funder_create, funder_officer_add
from cakupan.providers.emulators.midtrans import MidtransConfig, MidtransEmulator
from cakupan.registry.services import worker_register

DESA_A = "36.02.01.2002"  # Cilangkahan, Kabupaten Lebak
DESA_B = "36.02.01.2003"  # Pagelaran, Kabupaten Lebak (same kecamatan)
TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Jakarta"))
KEY = "SB-Mid-server-TESTS"

_serials = itertools.count(1)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """SERTAKAN's services and the funding flows they feed live on 3 December 2026, 10:00 WIB."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    monkeypatch.setattr("cakupan.sponsors.services.common.now", lambda: NOW)
    return NOW


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    # Paid orders are booked by a task queued with the payment: here it runs inline, in that transaction.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def midtrans(settings):
    """The payment provider: a local emulator of Midtrans's Core API, the app's settings pointed at it."""
    with MidtransEmulator(MidtransConfig(server_key=KEY, client_key="SB-Mid-client-TESTS")) as emulator:
        settings.SERTAKAN = {
            **settings.SERTAKAN,
            "midtrans": {"base_url": emulator.url, "server_key": KEY, "client_key": "SB-Mid-client-TESTS"},
        }
        yield emulator


def control(emulator, path: str, payload) -> dict:
    request = urllib.request.Request(
        emulator.url + path,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def browser_card_token(
    number: str, *, exp_month: str = "12", exp_year: str = "2030", cvv: str = "123"
) -> str:
    """What card.js does in the payer's browser: the card's details to the provider's token endpoint (with
    the public client key), for a one-time token; only that token is then posted to Cakupan."""
    from cakupan.sponsors.services import common

    return common.midtrans().card_token(card_number=number, exp_month=exp_month, exp_year=exp_year, cvv=cvv)


def notifications(emulator) -> list[bytes]:
    with urllib.request.urlopen(emulator.url + "/_emulator/notifications", timeout=30) as response:
        return [item["body"].encode() for item in json.loads(response.read())]


@pytest.fixture
def people(db):
    def user(username, role, area=None, **extra):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area, **extra)

    return {
        "admin": User.objects.create_superuser(username="admin", password="x"),
        "sponsor": user("sari", Role.SPONSOR, email="sari@contoh.id", first_name="Sari"),
        "other_sponsor": user("budi", Role.SPONSOR, email="budi@pabrik.co.id", first_name="Budi"),
        "coordinator": user("provinsi", Role.PROVINCIAL_COORDINATOR, "36"),
        "treasurer": user("bendahara", Role.FUNDER_OFFICER, "36"),
        "csr_officer": user("csr", Role.FUNDER_OFFICER, "36"),
        "liaison": user("bpjs", Role.BPJS_LIAISON, "36"),
    }


@pytest.fixture
def make_worker(db):
    """A worker registered through the registry service; NIK built from the desa's kecamatan. She has a
    phone of her own on file unless `phone=""` (then a sponsor's typed number waits for the village
    operator's check)."""

    def make(
        desa=DESA_A,
        *,
        sector="nelayan",
        decile=1,
        birth=dt.date(1990, 5, 15),
        sex="P",
        phone=None,
        kpj=None,
        paid_through=None,
        name=None,
    ):
        serial = next(_serials)
        if phone is None:
            phone = f"+62813{serial:08d}"
        day = birth.day + (40 if sex == "P" else 0)
        nik = f"{desa.replace('.', '')[:6]}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"
        worker = worker_register(
            nik=nik,
            name=name or f"Siti Pekerja {serial}",
            birth_date=birth,
            sex=sex,
            desa_code=desa,
            sector=sector,
            monthly_income=800_000,
            decile=decile,
            phone=phone,
        )
        if kpj:
            membership_record(worker=worker, kpj=kpj, segment="BPU", paid_through=paid_through)
        return worker

    return make


@pytest.fixture
def sertakan_officer(people):
    """The treasurer acts for the SERTAKAN funder (who pays BPJS TK from what sponsors paid)."""
    from cakupan.sponsors.services import common

    funder_officer_add(funder=common.sertakan_funder(), user=people["treasurer"], actor=people["admin"])
    return people["treasurer"]


@pytest.fixture
def csr_program(people):
    from cakupan.funding.services import program_create

    funder = funder_create(name="CSR PT Pabrik", kind="csr", area_code="36.02")
    funder_officer_add(funder=funder, user=people["csr_officer"], actor=people["admin"])
    return program_create(
        funder=funder,
        actor=people["csr_officer"],
        name="CSR Pabrik peduli",
        budget=1_000_000,
        fiscal_year=2026,
        start_month=dt.date(2026, 12, 1),
        months=12,
    )


def batch_through_bpjs(plan, people, *, accepted: dict[int, str]):
    """The open SERTAKAN plan's batch made by the coordinator, checked and taken by the liaison, and
    BPJS TK's answer: worker id → KPJ for accepted rows."""
    batch = enrolment.enrolment_batch_create(plan=plan, actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
    approval_approve(approval=approval, approver=people["liaison"], file_sha256=batch.file_sha256)
    batch = enrolment.enrolment_batch_send(batch=batch, actor=people["liaison"])
    lines = ["no_baris;nik;status;kpj;alasan"]
    for row in batch.batch_rows.order_by("row_number").select_related("line__worker"):
        kpj = accepted.get(row.line.worker_id)
        lines.append(
            f"{row.row_number};{row.line.worker.nik};{'diterima' if kpj else 'ditolak'};{kpj or ''};"
            f"{'' if kpj else 'Data tidak cocok'}"
        )
    enrolment.enrolment_ack_import(
        batch=batch, content=("\n".join(lines) + "\n").encode(), actor=people["liaison"]
    )
    return batch


def agreed_named(people, worker, **extra):
    """A named sponsorship by the first sponsor that the person agreed to, through the link in the SMS sent
    to the phone the registry holds for her."""
    import re

    from cakupan.messaging.models import Message
    from cakupan.sponsors import services

    services.sponsorship_create_named(
        sponsor=people["sponsor"],
        nik=worker.nik,
        name=worker.name,
        desa_code=worker.desa_id,
        phone="081234567890",
        sector="",
        **extra,
    )
    body = Message.objects.filter(purpose="sertakan", worker=worker).latest("id").body
    token = re.search(r"/sertakan/setuju/([^/]+)/", body).group(1)
    return services.sponsorship_answer(token=token, agree=True)
