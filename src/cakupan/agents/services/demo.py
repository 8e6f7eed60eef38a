"""Field work for the demo: the agent `agen` works for a koperasi in Kecamatan Malingping, enrolled a dozen
people from her phone (checked and approved by `lebak`), and has one change in conflict to settle."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from cakupan.accounts.models import User
from cakupan.agents.models import AgentInstitution, AgentProfile, FieldRecord, InstitutionKind
from cakupan.agents.services.filing import records_file
from cakupan.agents.services.settle import records_settle
from cakupan.agents.services.sync import records_sync
from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.approvals.services import approval_approve
from cakupan.registry.importing import import_apply, import_check
from cakupan.registry.models import ImportStatus, Worker, WorkerImport
from cakupan.registry.selectors import worker_import_values, worker_version

DESA = "36.02.01.2002"  # Cilangkahan
INSTITUTION = "Koperasi Nelayan Malingping Sejahtera"
NAMES = (
    "Siti Maesaroh", "Ujang Sukarya", "Neneng Hasanah", "Asep Saepudin", "Euis Komariah", "Dede Rohman",
    "Imas Masitoh", "Jajang Nurjaman", "Enok Sumarni", "Oman Abdurahman", "Iis Aisyah", "Caca Sutisna",
)  # fmt: skip
SECTORS = ("nelayan", "petani", "pedagang", "nelayan", "buruh_harian", "ojek")


def _free_nik(index: int) -> str:
    for serial in range(9000 + index * 37, 10000):
        day = 12 + index % 15 + (40 if index % 2 == 0 else 0)
        nik = f"360201{day:02d}{1 + index % 12:02d}{80 + index % 19:02d}{serial:04d}"
        if not Worker.objects.filter(nik=nik).exists() and not FieldRecord.objects.filter(nik=nik).exists():
            return nik
    raise RuntimeError("no free demo NIK")


def _values(index: int) -> dict[str, str]:
    nik = _free_nik(index)
    day = int(nik[6:8]) % 40
    return {
        "nik": nik,
        "nama": NAMES[index % len(NAMES)],
        "tanggal_lahir": dt.date(1900 + int(nik[10:12]), int(nik[8:10]), day).isoformat(),
        "jenis_kelamin": "P" if int(nik[6:8]) > 40 else "L",
        "kode_desa": DESA,
        "sektor": SECTORS[index % len(SECTORS)],
        "penghasilan": str(900_000 + 50_000 * index),
        "desil": str(1 + index % 4),
        "telepon": f"0812{7000_0000 + index:08d}",
    }


def _run_imports(checker) -> None:
    """The background check and apply of the agent's imports, here and now (the demo runs before the task
    worker starts); the same functions the tasks call."""
    for upload in WorkerImport.objects.filter(status=ImportStatus.CHECKING):
        import_check(import_id=upload.pk)
    for approval in Approval.objects.filter(kind=ApprovalKind.WORKER_IMPORT, status=ApprovalStatus.PENDING):
        upload = WorkerImport.objects.get(pk=approval.subject_id)
        if upload.submitted_by is None or upload.submitted_by.username != "agen":
            continue
        with transaction.atomic():
            approval_approve(approval=approval, approver=checker, file_sha256=approval.payload["file_sha256"])
        import_apply(import_id=upload.pk)


def agents_demo_seed() -> dict | None:
    """Once: None when the demo agent already has records."""
    agent = User.objects.filter(username="agen").first()
    checker = User.objects.filter(username="lebak").first()
    if agent is None or checker is None or FieldRecord.objects.filter(agent=agent).exists():
        return None
    institution, _ = AgentInstitution.objects.get_or_create(
        name=INSTITUTION, defaults={"kind": InstitutionKind.KOPERASI, "area_id": "36.02.01"}
    )
    AgentProfile.objects.get_or_create(
        user=agent, defaults={"institution": institution, "active_since": timezone.localdate().replace(day=1)}
    )
    records = [
        {
            "client_id": str(uuid.uuid4()),
            "kind": "new",
            "values": _values(i),
            "made_at": timezone.now().isoformat(),
        }
        for i in range(len(NAMES))
    ]
    records_sync(user=agent, records=records)
    # Her day's records go to the checker as one import (the demo does not wait for the hourly run).
    records_file(agent=agent)
    _run_imports(checker)
    registered = records_settle(agent=agent)
    # A change made on the phone from an older copy: the server's data changed since.
    enrolled = FieldRecord.objects.filter(worker__isnull=False).values("worker_id")
    someone = Worker.objects.filter(desa_id=DESA).exclude(pk__in=enrolled).first()
    conflicts = 0
    if someone is not None:
        stale = worker_version(someone.updated_at) - 1
        change = {
            "client_id": str(uuid.uuid4()),
            "kind": "update",
            "worker_id": someone.pk,
            "base_version": stale,
            "values": {**worker_import_values(someone), "telepon": "081277770000"},
        }
        answers = records_sync(user=agent, records=[change])
        conflicts = sum(1 for result in answers if result.status == "conflict")
    return {"institution": institution.name, "sent": len(records), "registered": len(registered),
            "conflicts": conflicts}  # fmt: skip
