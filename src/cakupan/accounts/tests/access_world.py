"""The world the access matrix walks: every demo role, and records inside and outside the narrow roles'
areas (Desa Cilangkahan in Lebak; Kota Serang), made through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cakupan.accounts.models import Role, User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.audit.models import AuditEvent
from cakupan.coverage.services import coverage_refresh, membership_record
from cakupan.funding import enrolment
from cakupan.funding import services as funding
from cakupan.funding.models import FunderKind, Invoice
from cakupan.messaging import campaigns
from cakupan.messaging import services as messaging
from cakupan.registry import importing
from cakupan.registry.models import WorkerImport
from cakupan.registry.services import worker_register

PASSWORD = "Banten-UCJ-2026"
INSIDE_DESA = "36.02.01.2002"  # Cilangkahan, Malingping, Lebak: the demo village operator's desa
OUTSIDE_DESA = "36.73.01.1001"  # Kota Serang
MONTH = dt.date(2026, 11, 1)


@dataclass(frozen=True)
class Person:
    nik: str
    name: str
    birth_date: dt.date
    sex: str
    desa: str
    phone: str
    kpj: str


# Women and men, small serials as most NIKs have: what an attacker would guess first. None of them is the
# import template's example (a published, fictional person).
PEOPLE = (
    Person("3602015708910003", "Siti Aminah Dalam", dt.date(1991, 8, 17), "P", INSIDE_DESA,
           "+6281234567801", "19000000001"),
    Person("3602010902870004", "Ujang Suryana Dalam", dt.date(1987, 2, 9), "L", INSIDE_DESA,
           "+6281234567802", "19000000002"),
    Person("3602016107920001", "Nur Aisyah Dalam", dt.date(1992, 7, 21), "P", INSIDE_DESA, "", "19000000003"),
    Person("3673017011890007", "Rahasia Luarwilayah", dt.date(1989, 11, 30), "P", OUTSIDE_DESA,
           "+6289876543210", "19999999999"),
)  # fmt: skip
OUTSIDE = PEOPLE[-1]


@dataclass
class World:
    users: dict[str, User]
    workers: dict[str, object]
    inside: dict[str, str] = field(default_factory=dict)
    outside: dict[str, str] = field(default_factory=dict)


def _upload(user, rows: list[str], name: str) -> WorkerImport:
    header = "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan;desil;telepon\n"
    upload = SimpleUploadedFile(name, (header + "\n".join(rows) + "\n").encode())
    record = importing.import_submit(user=user, upload=upload, kind="workers", on_duplicate="update")
    importing.import_check(import_id=record.pk)
    record.refresh_from_db()
    return record


def build_world() -> World:
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password=PASSWORD)
    users = {user.username: user for user in User.objects.all()}
    users["serang-op"] = User.objects.create_user(
        username="serang-op",
        password=PASSWORD,
        role=Role.VILLAGE_OPERATOR,
        area_id=OUTSIDE_DESA,
        is_staff=True,
    )
    users["serang"] = User.objects.create_user(
        username="serang", password=PASSWORD, role=Role.REGENCY_OFFICER, area_id="36.73", is_staff=True
    )
    users["serang-agen"] = User.objects.create_user(
        username="serang-agen", password=PASSWORD, role=Role.FIELD_AGENT, area_id="36.73", is_staff=True
    )
    workers = {}
    for person in PEOPLE:
        worker = worker_register(
            nik=person.nik, name=person.name, birth_date=person.birth_date, sex=person.sex,
            desa_code=person.desa, sector="nelayan", monthly_income=1_000_000, decile=1, phone=person.phone,
        )  # fmt: skip
        membership_record(worker=worker, kpj=person.kpj, segment="BPU", paid_through=dt.date(2026, 10, 1))
        workers[person.nik] = worker
    coverage_refresh(month=MONTH)

    # Imports: one from the village (an update of a neighbour, an addition, an error), one from Serang.
    inside_import = _upload(
        users["desa"],
        [
            "3602015708910003;Siti Aminah Dalam;1991-08-17;P;36.02.01.2002;pedagang;1100000;1;081234567801",
            "3602015304880005;Warga Baru Dalam;1988-04-13;P;36.02.01.2002;petani;800000;2;",
            "3602011304880006;Baris Rusak;1988-04-13;L;36.02.01.2002;petani;-5;;",
        ],
        "cilangkahan.csv",
    )
    outside_import = _upload(
        users["serang-op"],
        [f"{OUTSIDE.nik};{OUTSIDE.name};1989-11-30;P;{OUTSIDE_DESA};pedagang;1200000;1;089876543210"],
        "serang.csv",
    )
    approval = Approval.objects.get(kind=ApprovalKind.WORKER_IMPORT, subject_id=str(outside_import.pk))
    approval_approve(approval=approval, approver=users["serang"], file_sha256=outside_import.file_sha256)
    importing.import_apply(import_id=outside_import.pk)

    # Funding: BAZNAS (the demo officer's), a Dana Desa for the village, a CSR in Kota Serang.
    baznas = funding.funder_create(name="BAZNAS Banten", kind=FunderKind.ZAKAT, area_code="36")
    village = funding.funder_create(
        name="Dana Desa Cilangkahan", kind=FunderKind.DANA_DESA, area_code=INSIDE_DESA
    )
    serang_csr = funding.funder_create(name="CSR Serang", kind=FunderKind.CSR, area_code="36.73")
    funding.funder_officer_add(funder=baznas, user=users["baznas"], actor=users["admin"])
    start = dt.date(2026, 12, 1)
    programs = {}
    for key, funder in (("village", village), ("serang", serang_csr)):
        programs[key] = funding.program_create(
            funder=funder, actor=users["admin"], name=f"Program {funder.name}", budget=2_000_000,
            fiscal_year=2026, start_month=start, months=12,
        )  # fmt: skip
    plan_in = funding.allocation_plan_create(programs=[programs["village"]], actor=users["lebak"])
    plan_out = funding.allocation_plan_create(programs=[programs["serang"]], actor=users["serang"])
    # Each plan approved and made into a checked batch, so that batch and invoice pages exist both sides.
    batches, invoices = {}, {}
    for key, plan in (("inside", plan_in), ("outside", plan_out)):
        approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
        approval_approve(approval=approval, approver=users["admin"])
        plan.refresh_from_db()
        batch = enrolment.enrolment_batch_create(plan=plan, actor=users["admin"])
        check = Approval.objects.get(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
        approval_approve(approval=check, approver=users["provinsi"], file_sha256=batch.file_sha256)
        batches[key] = str(batch.pk)
        invoices[key] = str(Invoice.objects.get(plan=plan).pk)

    # One message to a worker inside the narrow roles' area and one outside it (a code needs no consent).
    code = messaging.template_current("kode_sekali_pakai")
    messages = {
        key: messaging.message_queue(
            purpose="otp", channel="sms", address="+6281234567001", template=code,
            values={"kode": "123456", "menit": "10"}, idempotency_key=f"matrix:{key}", worker=workers[nik],
        )
        for key, nik in (("inside", PEOPLE[0].nik), ("outside", OUTSIDE.nik))
    }  # fmt: skip

    # A literacy campaign planned by the Lebak officer for the desa, and one by Serang's for Serang.
    planned = {}
    for key, person, officer, area in (
        ("inside", PEOPLE[0], "lebak", INSIDE_DESA),
        ("outside", OUTSIDE, "serang", "36.73"),
    ):
        messaging.consent_record(address=person.phone, channels=["sms"], purposes=["literacy"], granted=True,
                                 source="registration")  # fmt: skip
        audience = campaigns.audience_check(user=users[officer], region_code=area, sectors=[], deciles=[],
                                            coverage=[], channel="sms")  # fmt: skip
        planned[key] = campaigns.campaign_create(
            actor=users[officer], name=f"Sosialisasi {key}", audience=audience,
            template_key="sosialisasi_umum", scheduled_at=timezone.now() + dt.timedelta(days=1),
        )  # fmt: skip

    import_event = AuditEvent.objects.filter(action="import", object_id=str(outside_import.pk)).latest("id")
    world = World(users=users, workers=workers)
    world.inside = {
        "worker_id": str(workers[PEOPLE[0].nik].pk),
        "import_id": str(inside_import.pk),
        "funder_id": str(village.pk),
        "program_id": str(programs["village"].pk),
        "plan_id": str(plan_in.pk),
        "batch_id": batches["inside"],
        "invoice_id": invoices["inside"],
        # A region every narrow role's area contains (the desa itself).
        "code": INSIDE_DESA,
        "event_id": str(AuditEvent.objects.filter(region_code__startswith="36.02.").latest("id").pk),
        "message_id": str(messages["inside"].pk),
        "campaign_id": str(planned["inside"].pk),
        "agent_id": str(users["agen"].pk),
    }
    world.outside = {
        "worker_id": str(workers[OUTSIDE.nik].pk),
        "import_id": str(outside_import.pk),
        "funder_id": str(serang_csr.pk),
        "program_id": str(programs["serang"].pk),
        "plan_id": str(plan_out.pk),
        "batch_id": batches["outside"],
        "invoice_id": invoices["outside"],
        "code": "36.73",
        "event_id": str(import_event.pk),
        "message_id": str(messages["outside"].pk),
        "campaign_id": str(planned["outside"].pk),
        "agent_id": str(users["serang-agen"].pk),
    }
    world.baznas_id = str(baznas.pk)
    return world
