"""Coverage is refreshed after the money paths commit, never while they hold the invoice, batch and
ledger row locks: the refresh reads every member of the touched villages and would keep other
treasurers waiting. Measured by the depth of open atomic blocks when the refresh starts."""

import pytest
from django.db import connection

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.funding import enrolment, services
from cakupan.funding.models import Invoice
from cakupan.funding.tests.conftest import DESA_A, START, batch_sent

YEAR = 201_600


@pytest.fixture
def refreshes(monkeypatch):
    """Each coverage refresh of the money paths: (open atomic blocks beyond the test's own, desa codes)."""
    base = len(connection.atomic_blocks)
    calls = []

    def record(*, desa_codes=None, **kwargs):
        calls.append((len(connection.atomic_blocks) - base, sorted(desa_codes or [])))

    for module in (
        "cakupan.funding.services.payments",
        "cakupan.funding.services.statements",
        "cakupan.funding.enrolment.acks",
    ):
        monkeypatch.setattr(f"{module}.coverage_refresh", record)
    return calls


@pytest.fixture
def sent(make_worker, program_factory, people):
    workers = [make_worker(DESA_A, decile=1), make_worker(DESA_A, decile=2)]
    program = program_factory(budget=YEAR * 2)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])
    batch = batch_sent(plan, people)
    answer = ["no_baris;nik;status;kpj;alasan"]
    for row in batch.batch_rows.order_by("row_number").select_related("line__worker"):
        answer.append(f"{row.row_number};{row.line.worker.nik};diterima;{60_000_000_000 + row.row_number};")
    return batch, "\n".join(answer).encode(), workers


def test_acknowledgement_and_payment_refresh_after_their_transaction(sent, people, refreshes):
    batch, answer, _ = sent
    enrolment.enrolment_ack_import(batch=batch, content=answer, actor=people["liaison"])
    invoice = Invoice.objects.get(plan=batch.plan)
    services.payment_record(invoice=invoice, external_reference="TRX-1", amount=YEAR, paid_on=START)
    assert refreshes == [(0, [DESA_A]), (0, [DESA_A])]


def test_statement_refreshes_once_after_all_its_payments(sent, people, refreshes):
    batch, answer, _ = sent
    enrolment.enrolment_ack_import(batch=batch, content=answer, actor=people["liaison"])
    invoice = Invoice.objects.get(plan=batch.plan)
    statement = (
        "tanggal;referensi;jumlah;keterangan\n"
        f"2026-12-02;REF-A;-{YEAR};Iuran BPU {invoice.number}\n"
        f"2026-12-02;REF-B;-{YEAR};Iuran BPU {invoice.number}\n"
    ).encode()
    sha = services.bank_statement_store(statement)
    payments = services.bank_statement_import(funder=invoice.funder, sha256=sha, actor=people["checker"])
    assert [p.amount for p in payments] == [YEAR, YEAR]
    assert refreshes == [(0, [DESA_A]), (0, [DESA_A])]
