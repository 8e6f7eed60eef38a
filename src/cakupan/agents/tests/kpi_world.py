"""What the KPI, commission and back-check tests share: a clock the test moves, and agents whose members
are enrolled, funded and paid through the real services (sync → approval → settle; program → plan →
approval → batch → acknowledgement → invoice → payment)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from cakupan.accounts.models import Role, User
from cakupan.agents.models import AgentInstitution, AgentProfile, FieldRecord, RecordStatus
from cakupan.agents.services.settle import records_settle
from cakupan.agents.services.sync import records_sync
from cakupan.agents.tests.conftest import DESA, approve_imports, new_record, nik_for, person
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.funding import enrolment
from cakupan.funding import services as funding
from cakupan.funding.models import FunderKind, Invoice
from cakupan.registry.models import Worker

JAKARTA = ZoneInfo("Asia/Jakarta")
MONTHLY = 16_800  # JKK + JKM at the lowest income level, APBD price
_phones = itertools.count(1)
_references = itertools.count(1)


class Clock:
    """`timezone.now()` (and so `localdate()`) as the test sets it: a day is 10.00 WIB of that day."""

    def __init__(self, monkeypatch, start: dt.date):
        self.value = dt.datetime.combine(start, dt.time(10), JAKARTA)
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.value)

    def set(self, day: dt.date) -> None:
        self.value = dt.datetime.combine(day, dt.time(10), JAKARTA)


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch):
    return Clock(monkeypatch, dt.date(2026, 12, 1))


def phone() -> str:
    return f"0813{next(_phones):08d}"


class Field:
    """Agents at work in Kabupaten Lebak, and the money that pays for their members."""

    def __init__(self, people, callbacks):
        self.people = people
        self.callbacks = callbacks
        admin = User.objects.create_superuser(username="admin-kpi", password="x")
        self.people["admin"] = admin
        self.people["liaison"] = User.objects.create_user(
            username="bpjs-kpi", password="x", role=Role.BPJS_LIAISON, area_id="36"
        )
        self.people["treasurer"] = User.objects.create_user(
            username="bendahara-kpi", password="x", role=Role.FUNDER_OFFICER, area_id="36"
        )
        self.funder = funding.funder_create(
            name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36"
        )
        funding.funder_officer_add(funder=self.funder, user=self.people["treasurer"], actor=admin)
        self.institution = AgentInstitution.objects.create(
            name="Koperasi Nelayan Malingping", kind="koperasi", area_id="36.02"
        )

    def join(self, agent: str, *, institution: bool = True, since: dt.date = dt.date(2026, 12, 1)) -> None:
        AgentProfile.objects.create(
            user=self.people[agent], institution=self.institution if institution else None, active_since=since
        )

    def enrol(
        self,
        count: int,
        *,
        agent: str = "agent",
        phones: bool | str = False,
        desa: str = DESA,
        checker: str = "regency",
    ) -> list[Worker]:
        """`count` new people sent from the agent's phone, approved by a checker of the area and settled;
        `phones`: a new mobile number each, or this number for all."""
        records = [
            new_record(person(nik=nik_for(female=True), name=f"Peserta {agent} {n}", desa=desa,
                              phone=phones if isinstance(phones, str) else phone() if phones else ""))
            for n in range(count)
        ]  # fmt: skip
        with self.callbacks(execute=True):
            results = records_sync(user=self.people[agent], records=records)
        assert {r.status for r in results} == {"submitted"}, [r.message for r in results]
        with self.callbacks(execute=True):
            approve_imports(self.people[checker])
        with self.callbacks(execute=True):
            registered = records_settle(agent=self.people[agent])
        assert len(registered) == count
        ids = FieldRecord.objects.filter(pk__in=registered, status=RecordStatus.REGISTERED).values(
            "worker_id"
        )
        return list(Worker.objects.filter(pk__in=ids).order_by("pk"))

    def fund(
        self, workers: list[Worker], *, start: dt.date, months: int, paid_on: dt.date | None, amount=None
    ):
        """A plan for exactly these workers (the program's budget and area leave nobody else), accepted by
        BPJS TK and paid on `paid_on` (the whole invoice, or `amount`; nothing yet without a date).
        Returns the invoice."""
        people = self.people
        desa = sorted({w.desa_id for w in workers})
        program = funding.program_create(
            funder=self.funder, actor=people["treasurer"], name=f"Program {start:%Y-%m} {next(_references)}",
            budget=len(workers) * months * MONTHLY, fiscal_year=start.year, start_month=start, months=months,
            areas=desa,
        )  # fmt: skip
        plan = funding.allocation_plan_create(programs=[program], actor=people["coordinator"])
        assert plan.funded == len(workers), plan.summary
        with self.callbacks(execute=True):
            approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
            approval_approve(approval=approval, approver=people["treasurer"])
            plan.refresh_from_db()
            batch = enrolment.enrolment_batch_create(plan=plan, actor=people["coordinator"])
            check = Approval.objects.get(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
            approval_approve(approval=check, approver=people["liaison"], file_sha256=batch.file_sha256)
            batch = enrolment.enrolment_batch_send(batch=batch, actor=people["liaison"])
            lines = ["no_baris;nik;status;kpj;alasan"]
            for row in batch.batch_rows.order_by("row_number").select_related("line__worker"):
                kpj = f"3{row.line.worker_id:010d}"
                lines.append(f"{row.row_number};{row.line.worker.nik};diterima;{kpj};")
            content = ("\n".join(lines) + "\n").encode("utf-8-sig")
            enrolment.enrolment_ack_import(batch=batch, content=content, actor=people["liaison"])
            invoice = Invoice.objects.get(plan=plan)
        if paid_on is not None:
            self.pay(invoice, amount=amount or invoice.amount, paid_on=paid_on)
        return invoice

    def pay(self, invoice: Invoice, *, amount: int, paid_on: dt.date) -> None:
        with self.callbacks(execute=True):
            funding.payment_record(
                invoice=invoice, external_reference=f"TRX-KPI-{next(_references)}", amount=amount,
                paid_on=paid_on, actor=self.people["treasurer"],
            )  # fmt: skip


@pytest.fixture(name="field")
def field_fixture(people, django_capture_on_commit_callbacks):
    return Field(people, django_capture_on_commit_callbacks)
