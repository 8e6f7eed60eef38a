"""The children of the fault tests (tests/test_faults.py): each seeds or runs one of the long writes
in its own process, on the database its environment names, with the clock pinned to 3 December 2026,
10:00 WIB like the service tests and tasks queued in the database as in production:

    python tests/fault_steps.py STEP FOLDER
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sys
import zoneinfo
from pathlib import Path

TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Jakarta"))
DECEMBER = dt.date(2026, 12, 1)
MIDTRANS_KEY = "SB-Mid-server-FAULTS"
MIDTRANS_CLIENT_KEY = "SB-Mid-client-FAULTS"
DESA_A = "36.02.01.2002"  # Cilangkahan, Kabupaten Lebak
DESA_B = "36.02.01.2003"  # Pagelaran, Kabupaten Lebak
DESA_C = "36.71.01.1001"  # Sukarasa, Kota Tangerang
# One child process on a busy shared machine: generous, and only a bound (nothing here times anything).
TIMEOUT = 300
KILLED = -signal.SIGKILL


# --- The children -------------------------------------------------------------------------------------------


def _pin_clock() -> None:
    """What the service tests' fixtures do: the funding flows and SERTAKAN live on 3 December 2026."""
    from django.utils import timezone

    from cakupan.sponsors.services import common

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    timezone.localdate = localdate
    common.now = lambda: NOW


def _nik(desa: str, serial: int, *, birth: dt.date = dt.date(1990, 5, 15), sex: str = "L") -> str:
    day = birth.day + (40 if sex == "P" else 0)
    return f"{desa.replace('.', '')[:6]}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def _worker(serial: int, desa: str, *, sector: str = "nelayan", decile: int = 1, phone: str = ""):
    from cakupan.registry.services import worker_register

    return worker_register(
        nik=_nik(desa, serial),
        name=f"Pekerja Uji {serial}",
        birth_date=dt.date(1990, 5, 15),
        sex="L",
        desa_code=desa,
        sector=sector,
        monthly_income=800_000,
        decile=decile,
        phone=phone or f"+62812{serial:08d}",
    )


def _user(username: str, role: str = "", area: str | None = None, **extra):
    from cakupan.accounts.models import User

    if not role:
        return User.objects.create_superuser(username=username, password="x", **extra)
    return User.objects.create_user(username=username, password="x", role=role, area_id=area, **extra)


def seed_import(folder: str) -> dict:
    """A synthetic registry whose December aggregates are built, and a file of 400 new workers, 5 changed
    ones and one row that is not valid."""
    from cakupan.coverage.services import coverage_refresh
    from cakupan.registry.models import Worker
    from cakupan.registry.services import population_generate

    population_generate(scale=0.0005, seed=7, as_of=dt.date(2026, 11, 1))
    coverage_refresh(month=DECEMBER)
    lines = ["nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon"]
    for serial in range(5001, 5401):
        desa = (DESA_A, DESA_B, DESA_C)[serial % 3]
        lines.append(f"{_nik(desa, serial)};Pekerja Baru {serial};1990-05-15;L;{desa};petani;900000;2;")
    for worker in Worker.objects.exclude(sector="formal").order_by("pk")[:5]:
        lines.append(
            f"{worker.nik};{worker.name};{worker.birth_date:%Y-%m-%d};{worker.sex};{DESA_B};pedagang;"
            f"1200000;3;"
        )
    lines.append("123;Bukan NIK;1990-05-15;L;36.02.01.2002;petani;900000;2;")
    path = Path(folder) / "pekerja.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"file": str(path)}


def run_import(folder: str) -> dict:
    from django.core.management import call_command

    call_command("import", "workers", str(Path(folder) / "pekerja.csv"), "--on-duplicate", "update", "--json")
    return {}


def seed_web_import(folder: str) -> dict:
    """The same registry and file; a village operator uploaded it through the web (the rows of her desa are
    the ones applied), the task worker checked it (a dry run) and it waits for the coordinator's approval."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from cakupan.registry.importing import import_submit

    seed_import(folder)
    _user("admin")
    uploader = _user("desa", "village_operator", DESA_A)
    _user("provinsi", "provincial_coordinator", "36")
    upload = SimpleUploadedFile("pekerja.csv", (Path(folder) / "pekerja.csv").read_bytes())
    record = import_submit(user=uploader, upload=upload, kind="workers", on_duplicate="update")
    # The check, as `cakupan task_worker` runs it (the task was queued with the upload).
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    record.refresh_from_db()
    assert record.status == "pending_approval", (record.status, record.message)
    return {"import": record.pk}


def run_approve_import(folder: str) -> dict:
    """The coordinator approves the checked file on the import's page; the apply is queued with it."""
    from cakupan.accounts.models import User
    from cakupan.approvals.models import Approval, ApprovalKind
    from cakupan.approvals.services import approval_decide
    from cakupan.core.errors import DomainError
    from cakupan.registry.models import WorkerImport

    approval = Approval.objects.get(kind=ApprovalKind.WORKER_IMPORT)
    record = WorkerImport.objects.get(pk=int(approval.subject_id))
    try:
        approval_decide(
            approval=approval,
            approver=User.objects.get(username="provinsi"),
            decision="approve",
            file_sha256=record.file_sha256,
        )
    except DomainError as error:
        return {"refused": error.code}
    return {"approved": approval.pk}


def run_apply_import(folder: str) -> dict:
    """The queued apply, as the task runs it (and as an administrator runs it again after a dead worker)."""
    from cakupan.registry.importing import import_apply
    from cakupan.registry.models import WorkerImport

    record = import_apply(import_id=WorkerImport.objects.get().pk)
    return {"status": record.status}


def seed_cycle(folder: str) -> dict:
    """Two programs funding three workers each for December: one renews under a standing approval (the cycle
    commits and invoices it), the other's renewal waits for its funder's checker. Three self-paying members
    who agreed to reminders: paid through December, November (one month missed) and October."""
    from cakupan.approvals.models import Approval, ApprovalKind
    from cakupan.approvals.services import approval_approve
    from cakupan.coverage.services import coverage_refresh, membership_record
    from cakupan.funding import services
    from cakupan.funding.models import FunderKind
    from cakupan.messaging.services import consent_record

    admin = _user("admin")
    coordinator = _user("provinsi", "provincial_coordinator", "36")
    officer = _user("baznas", "funder_officer", "36")
    checker = _user("bendahara", "funder_officer", "36", email="bendahara@contoh.id", first_name="Bendahara")
    province = services.funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    regency = services.funder_create(name="Pemkab Lebak", kind=FunderKind.APBD_REGENCY, area_code="36.02")
    serial = 100
    for funder, desa, standing in ((province, DESA_A, True), (regency, DESA_B, False)):
        services.funder_officer_add(funder=funder, user=checker, actor=admin)
        workers = []
        for _ in range(3):
            serial += 1
            workers.append(_worker(serial, desa))
        program = services.program_create(
            funder=funder,
            actor=officer,
            name=f"Program {funder.name}",
            budget=16_800 * 6,
            fiscal_year=2026,
            start_month=DECEMBER,
            months=1,
            areas=[desa],
        )
        if standing:
            services.program_renewal_limit_set(program=program, limit=10**9, actor=checker)
        plan = services.allocation_plan_create(programs=[program], actor=coordinator)
        approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
        # Fetched again: a user caches the funders they act for, and this one was just made an officer.
        approval_approve(approval=approval, approver=type(checker).objects.get(pk=checker.pk))
        for worker in workers:
            membership_record(
                worker=worker, kpj=f"40000{worker.pk:06d}", segment="BPU", paid_through=DECEMBER
            )
    for months_back in (0, 1, 2):
        serial += 1
        worker = _worker(serial, DESA_C, sector="pedagang", decile=4)
        paid_through = dt.date(2026, 12 - months_back, 1)
        membership_record(
            worker=worker, kpj=f"50000{worker.pk:06d}", segment="BPU", paid_through=paid_through
        )
        consent_record(
            address=worker.phone, channels=["sms"], purposes=["reminder"], granted=True, source="officer"
        )
    coverage_refresh(month=DECEMBER)
    return {}


def run_cycle(folder: str) -> dict:
    from django.core.management import call_command

    call_command("cycle", "run", "--month", "2026-12", "--json")
    return {}


def seed_coverage(folder: str) -> dict:
    """A synthetic registry with December's aggregates built, then changed: 40 workers enrol, so the
    refresh rebuilds the month's rows rather than adding to them."""
    from cakupan.coverage.services import coverage_refresh, membership_record
    from cakupan.registry.models import Membership, Worker
    from cakupan.registry.services import population_generate

    population_generate(scale=0.0005, seed=7, as_of=dt.date(2026, 11, 1))
    coverage_refresh(month=DECEMBER)
    uncovered = Worker.objects.exclude(pk__in=Membership.objects.values("worker_id")).order_by("pk")[:40]
    for worker in uncovered:
        membership_record(worker=worker, kpj=f"60000{worker.pk:06d}", segment="BPU", paid_through=DECEMBER)
    return {}


def run_coverage(folder: str) -> dict:
    from django.core.management import call_command

    call_command("coverage", "refresh", "--month", "2026-12")
    return {}


def seed_plan(folder: str) -> dict:
    """Six workers and a program whose plan waits for the funder's checker."""
    from cakupan.funding import services
    from cakupan.funding.models import FunderKind

    admin = _user("admin")
    coordinator = _user("provinsi", "provincial_coordinator", "36")
    officer = _user("baznas", "funder_officer", "36")
    checker = _user("bendahara", "funder_officer", "36")
    for serial, desa in enumerate((DESA_A, DESA_B, DESA_C) * 2, start=200):
        _worker(serial, desa, decile=1 + serial % 4)
    funder = services.funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    services.funder_officer_add(funder=funder, user=checker, actor=admin)
    program = services.program_create(
        funder=funder,
        actor=officer,
        name="Program uji",
        budget=201_600 * 4,
        fiscal_year=2026,
        start_month=DECEMBER,
        months=12,
    )
    services.allocation_plan_create(programs=[program], actor=coordinator)
    return {}


def run_plan(folder: str) -> dict:
    """The checker approves the plan on its page (`approval_decide`). A second decision on a plan already
    approved is refused and changes nothing."""
    from cakupan.accounts.models import User
    from cakupan.approvals.models import Approval, ApprovalKind
    from cakupan.approvals.services import approval_decide
    from cakupan.core.errors import DomainError

    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN)
    try:
        approval_decide(
            approval=approval, approver=User.objects.get(username="bendahara"), decision="approve"
        )
    except DomainError as error:
        return {"refused": error.code}
    return {"approved": approval.pk}


def seed_payment(folder: str) -> dict:
    """A neighbour agreed to be sponsored for three months, a CSR program matches sponsorships one to one,
    and the sponsor's QRIS order is paid at the (emulated) provider, whose notification is kept in a file."""
    import urllib.request

    from django.conf import settings

    from cakupan.funding import services as funding
    from cakupan.messaging.models import Message
    from cakupan.sponsors import services
    from cakupan.sponsors.services import common, staff

    admin = _user("admin")
    sponsor = _user("sari", "sponsor", email="sari@contoh.id", first_name="Sari")
    treasurer = _user("bendahara", "funder_officer", "36")
    csr_officer = _user("csr", "funder_officer", "36")
    funding.funder_officer_add(funder=common.sertakan_funder(), user=treasurer, actor=admin)
    csr = funding.funder_create(name="CSR PT Pabrik", kind="csr", area_code="36.02")
    funding.funder_officer_add(funder=csr, user=csr_officer, actor=admin)
    program = funding.program_create(
        funder=csr,
        actor=csr_officer,
        name="CSR Pabrik peduli",
        budget=1_000_000,
        fiscal_year=2026,
        start_month=DECEMBER,
        months=12,
    )
    staff.matching_rule_create(
        actor=admin,
        values={
            "program": str(program.pk),
            "judul": "CSR Pabrik: satu banding satu",
            "rasio": "100",
            "batas_sponsor": "500000",
            "batas_total": "10000000",
            "mulai": DECEMBER.isoformat(),
            "selesai": "2027-12-31",
            "domain": "",
        },
    )
    worker = _worker(300, DESA_A, phone="+6281311112222")
    sponsorship = services.sponsorship_create_named(
        sponsor=sponsor,
        nik=worker.nik,
        name=worker.name.upper(),
        desa_code=worker.desa_id,
        phone="0812 3456 7890",
        sector="",
        months=3,
    )
    request = Message.objects.filter(purpose="sertakan", worker=worker).latest("id")
    token = re.search(r"/sertakan/setuju/([^/]+)/", request.body).group(1)
    sponsorship = services.sponsorship_answer(token=token, agree=True)
    order = services.order_create(sponsorship=sponsorship, sponsor=sponsor, method="qris")
    base = settings.SERTAKAN["midtrans"]["base_url"]
    pay = urllib.request.Request(
        base + "/_emulator/pay",
        data=json.dumps({"order_id": order.order_id}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(pay, timeout=30):
        pass
    with urllib.request.urlopen(base + "/_emulator/notifications", timeout=30) as response:
        bodies = [item["body"] for item in json.loads(response.read())]
    [body] = [body for body in bodies if json.loads(body)["order_id"] == order.order_id]
    (Path(folder) / "notification.json").write_text(body, encoding="utf-8")
    return {"order": order.order_id}


def run_payment(folder: str) -> dict:
    from cakupan.sponsors.services import notification_receive

    answer = notification_receive(raw=(Path(folder) / "notification.json").read_bytes())
    return answer.as_dict()


def run_booking(folder: str) -> dict:
    """What the booking task queued with the payment runs (and the daily sweep, should it be lost)."""
    from cakupan.sponsors.services.booking import orders_book

    return orders_book()


STEPS = {
    "seed_import": seed_import,
    "run_import": run_import,
    "seed_web_import": seed_web_import,
    "run_approve_import": run_approve_import,
    "run_apply_import": run_apply_import,
    "seed_cycle": seed_cycle,
    "run_cycle": run_cycle,
    "seed_coverage": seed_coverage,
    "run_coverage": run_coverage,
    "seed_plan": seed_plan,
    "run_plan": run_plan,
    "seed_payment": seed_payment,
    "run_payment": run_payment,
    "run_booking": run_booking,
}


def _child_main(argv: list[str]) -> int:
    step, folder = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    import django

    django.setup()
    _pin_clock()
    print(json.dumps(STEPS[step](folder), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
