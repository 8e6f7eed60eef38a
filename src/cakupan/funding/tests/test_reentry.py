"""Paying again after a lapse starts a new membership (rules figure `reentry_policy`, default
`reregister` per BPJS TK Perdir 22/PERDIR.02/072022): its start month moves to the first month paid, so
JKM's waiting period and the scholarship's months count from there. A short gap continues the
membership; the `continue` policy keeps the old start."""

import datetime as dt

import pytest

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.audit.models import RowChange
from cakupan.funding import enrolment, services
from cakupan.funding.models import Invoice
from cakupan.funding.tests.conftest import START, batch_sent
from cakupan.registry.models import Membership
from cakupan.registry.rowaudit import MEMBERSHIP_ROWS
from cakupan.workspace import selectors as workspace_selectors

YEAR = 201_600
OLD_START = dt.date(2025, 1, 1)


def _ack(batch, kpj_of: dict[int, str]) -> bytes:
    lines = ["no_baris;nik;status;kpj;alasan"]
    for row in batch.batch_rows.order_by("row_number").select_related("line__worker"):
        lines.append(f"{row.row_number};{row.line.worker.nik};diterima;{kpj_of[row.line.worker_id]};")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


@pytest.fixture
def members(make_worker):
    """Three members of one program, all uncovered in December 2026 (its first month): paid through
    August (3 months unpaid: September–November, a lapse), September (2 unpaid: a gap) and never
    registered."""
    from cakupan.coverage.services import membership_record

    lapsed = make_worker(decile=1)
    gap = make_worker(decile=1)
    fresh = make_worker(decile=1)
    for worker, kpj, paid in (
        (lapsed, "40000000001", dt.date(2026, 8, 1)),
        (gap, "40000000002", dt.date(2026, 9, 1)),
    ):
        membership_record(worker=worker, kpj=kpj, segment="BPU", paid_through=paid, since=OLD_START,
                          status="nonaktif")  # fmt: skip
    return {"lapsed": lapsed, "gap": gap, "fresh": fresh}


def _through_ack(members, program_factory, people, *, pay_first: bool):
    program = program_factory(budget=YEAR * 3)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])
    plan.refresh_from_db()
    assert plan.funded == 3
    batch = batch_sent(plan, people)
    invoice = Invoice.objects.get(plan=plan)
    kpjs = {
        members["lapsed"].pk: "40000000001",
        members["gap"].pk: "40000000002",
        members["fresh"].pk: "40000000003",
    }

    def pay():
        services.payment_record(invoice=invoice, external_reference="TRX-RE", amount=YEAR * 3, paid_on=START)

    if pay_first:
        pay()
    enrolment.enrolment_ack_import(batch=batch, content=_ack(batch, kpjs), actor=people["liaison"])
    if not pay_first:
        # Acceptance alone pays nothing: the known members keep the months they had paid.
        known = Membership.objects.filter(kpj__in=["40000000001", "40000000002"])
        assert dict(known.values_list("kpj", "paid_through")) == {
            "40000000001": dt.date(2026, 8, 1),
            "40000000002": dt.date(2026, 9, 1),
        }
        pay()
    return {name: Membership.objects.get(worker=worker) for name, worker in members.items()}


@pytest.mark.parametrize("pay_first", [False, True], ids=["ack-then-payment", "payment-then-ack"])
def test_paying_after_a_lapse_starts_a_new_membership(members, program_factory, people, pay_first):
    got = _through_ack(members, program_factory, people, pay_first=pay_first)
    assert {name: (m.paid_through, m.since, m.status) for name, m in got.items()} == {
        "lapsed": (dt.date(2027, 11, 1), START, "aktif"),
        "gap": (dt.date(2027, 11, 1), OLD_START, "aktif"),
        "fresh": (dt.date(2027, 11, 1), START, "aktif"),
    }
    # The row-level trail keeps the old start.
    change = RowChange.objects.filter(
        kind=MEMBERSHIP_ROWS.code, object_id=got["lapsed"].pk, operation="u"
    ).latest("pk")
    assert (change.before_values["since"], change.after_values["since"]) == ("2025-01-01", "2026-12-01")


def test_the_continue_policy_keeps_the_old_start(members, program_factory, people, monkeypatch):
    for module in ("cakupan.funding.services.cover", "cakupan.funding.enrolment.acks"):
        monkeypatch.setattr(f"{module}.reentry_rule", lambda *, on: ("continue", 3))
    got = _through_ack(members, program_factory, people, pay_first=False)
    assert (got["lapsed"].since, got["gap"].since, got["fresh"].since) == (OLD_START, OLD_START, START)


def test_the_worker_page_states_the_new_waiting_period(members, program_factory, people, client):
    got = _through_ack(members, program_factory, people, pay_first=False)
    client.force_login(people["coordinator"])
    page = client.get(f"/pekerja/{members['lapsed'].pk}/").content.decode()
    assert (
        "Kepesertaan baru dimulai Desember 2026: sampai 1 Maret 2027 masih masa tunggu JKM, "
        "santunan bila meninggal Rp10.000.000 (bukan santunan penuh)"
    ) in page
    assert "<td>November 2027</td><td>Desember 2026</td>" in page  # paid through, running since
    assert "masa tunggu" not in client.get(f"/pekerja/{members['gap'].pk}/").content.decode()
    [row] = workspace_selectors.membership_rows(members["lapsed"], today=dt.date(2026, 12, 3))
    assert (row.membership.pk, row.jkm_waiting_until, row.jkm_waiting_benefit) == (
        got["lapsed"].pk,
        dt.date(2027, 3, 1),
        10_000_000,
    )
    [row] = workspace_selectors.membership_rows(members["lapsed"], today=dt.date(2027, 3, 1))
    assert (row.jkm_waiting_until, row.jkm_waiting_benefit) == (None, 0)
    [row] = workspace_selectors.membership_rows(members["gap"], today=dt.date(2026, 12, 3))
    assert (row.jkm_waiting_until, row.jkm_waiting_benefit) == (None, 0)
