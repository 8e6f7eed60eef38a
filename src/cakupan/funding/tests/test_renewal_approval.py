"""Renewals commit money like any plan: without a standing approval they wait as a pending renewal plan
for a checker of the funder; with one, the cycle commits them while they cost no more than its limit."""

import datetime as dt

import pytest
from django.db import connection

from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.approvals.services import approval_approve, approval_decide
from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError
from cakupan.funding import cycle, selectors, services
from cakupan.funding.models import AllocationPlan, FundedMonth, Invoice, LedgerAccount, PlanKind, PlanStatus
from cakupan.registry.models import Membership

DECEMBER, JANUARY = dt.date(2026, 12, 1), dt.date(2027, 1, 1)


@pytest.fixture
def ending(make_worker, program_factory, people):
    """Two enrolled workers funded for December only, budget left for one more month of one of them."""
    workers = [make_worker(decile=1), make_worker(decile=2)]
    program = program_factory(budget=16_800 * 3, months=1)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval_approve(
        approval=Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk)),
        approver=people["checker"],
    )
    for number, worker in enumerate(workers, 1):
        Membership.objects.create(
            worker=worker, kpj=f"5000000000{number}", segment="BPU", status="aktif", paid_through=DECEMBER,
            source="enrolment",
        )  # fmt: skip
    return {"program": program, "workers": workers}


def _available(program) -> int:
    return LedgerAccount.objects.get(program=program, kind="available").balance


def test_without_a_standing_approval_the_renewal_waits_for_a_checker(ending, people):
    program, workers = ending["program"], ending["workers"]
    run, _ = cycle.cycle_run(month=DECEMBER, refresh=False)
    s = run.summary
    assert (s["renewed"], s["renewals_waiting"], s["renewals_waiting_cost"]) == (0, 1, 16_800)
    plan = AllocationPlan.objects.get(pk=run.summary["renewals_waiting_plans"][0])
    assert (plan.kind, plan.status, plan.funded, plan.cost) == (
        PlanKind.RENEWAL,
        PlanStatus.PENDING,
        1,
        16_800,
    )
    assert list(plan.lines.values_list("worker_id", "first_month")) == [(workers[0].pk, JANUARY)]
    # Nothing is committed or invoiced yet, but the budget it asks for is not offered to another plan.
    assert not FundedMonth.objects.filter(month=JANUARY).exists()
    assert not Invoice.objects.filter(plan=plan).exists()
    assert _available(program) == 16_800
    [row] = selectors.plan_builder_programs(funder=program.funder)
    assert (row["pending"], row["usable"]) == (16_800, 0)
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    assert approval.status == ApprovalStatus.PENDING
    assert approval.submitted_by == people["officer"]  # on behalf of the program's maker
    assert approval.title == "Perpanjangan Program uji mulai 01/2027: 1 pekerja, Rp16.800"
    assert approval.payload["renewal"] is True

    # The program's maker may not approve the renewal proposed on their behalf.
    with pytest.raises(DomainError) as refused:
        approval_decide(approval=approval, approver=people["officer"], decision="approve", reason="")
    assert refused.value.code == "approval_self_decision"

    approval_decide(approval=approval, approver=people["checker"], decision="approve", reason="")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert list(FundedMonth.objects.filter(month=JANUARY).values_list("worker_id", flat=True)) == [
        workers[0].pk
    ]
    invoice = Invoice.objects.get(plan=plan)
    assert (invoice.amount, invoice.month) == (16_800, JANUARY)
    assert _available(program) == 0
    # Approved is still not paid: the member's cover moves only with the payment.
    assert Membership.objects.get(worker=workers[0]).paid_through == DECEMBER


def test_a_rejected_renewal_releases_what_it_asked_for(ending, people):
    program = ending["program"]
    run, _ = cycle.cycle_run(month=DECEMBER, refresh=False)
    plan_id = run.summary["renewals_waiting_plans"][0]
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan_id))
    approval_decide(
        approval=approval, approver=people["checker"], decision="reject", reason="Anggaran dialihkan"
    )
    assert AllocationPlan.objects.get(pk=plan_id).status == PlanStatus.REJECTED
    [row] = selectors.plan_builder_programs(funder=program.funder)
    assert (row["pending"], row["usable"]) == (0, 16_800)
    assert not FundedMonth.objects.filter(month=JANUARY).exists()


def test_a_standing_approval_commits_renewals_within_its_limit(ending, people):
    services.program_renewal_limit_set(program=ending["program"], limit=16_800, actor=people["checker"])
    run, _ = cycle.cycle_run(month=DECEMBER, refresh=False)
    assert (run.summary["renewed"], run.summary["renewal_cost"], run.summary["renewals_waiting"]) == (
        1,
        16_800,
        0,
    )
    plan = AllocationPlan.objects.get(pk=run.summary["renewal_plans"][0])
    assert (plan.kind, plan.status) == (PlanKind.RENEWAL, PlanStatus.APPROVED)
    assert Invoice.objects.get(plan=plan).amount == 16_800
    assert not Approval.objects.filter(subject_id=str(plan.pk)).exists()


def test_renewals_above_the_limit_wait_and_say_so(ending, people):
    services.program_renewal_limit_set(program=ending["program"], limit=10_000, actor=people["checker"])
    run, _ = cycle.cycle_run(month=DECEMBER, refresh=False)
    assert (run.summary["renewed"], run.summary["renewals_waiting"]) == (0, 1)
    approval = Approval.objects.get(subject_id=str(run.summary["renewals_waiting_plans"][0]))
    assert approval.title.endswith(", di atas batas persetujuan tetap Rp10.000")


def test_the_standing_approval_is_recorded_by_a_checker_with_an_audit_record(ending, people):
    program = ending["program"]
    with pytest.raises(DomainError) as maker:
        services.program_renewal_limit_set(program=program, limit=16_800, actor=people["officer"])
    assert maker.value.code == "renewal_limit_not_allowed"
    with pytest.raises(DomainError) as outsider:
        services.program_renewal_limit_set(program=program, limit=16_800, actor=people["liaison"])
    assert outsider.value.code == "renewal_limit_not_allowed"
    for bad in (0, -1, "16800", True, 1.5, 10**13 + 1):
        with pytest.raises(DomainError) as invalid:
            services.program_renewal_limit_set(program=program, limit=bad, actor=people["checker"])
        assert invalid.value.code == "renewal_limit_invalid"
    program.refresh_from_db()
    assert (program.renewal_limit, program.renewal_limit_by) == (None, None)

    services.program_renewal_limit_set(program=program, limit=16_800, actor=people["checker"])
    program.refresh_from_db()
    assert (program.renewal_limit, program.renewal_limit_by) == (16_800, people["checker"])
    assert program.renewal_limit_at is not None
    services.program_renewal_limit_set(program=program, limit=None, actor=people["checker"])
    program.refresh_from_db()
    assert (program.renewal_limit, program.renewal_limit_by, program.renewal_limit_at) == (None, None, None)
    events = AuditEvent.objects.filter(object_type="funding.fundingprogram", object_id=str(program.pk))
    assert [e.changes for e in events.filter(metadata__event="renewal_standing_approval").order_by("pk")] == [
        {"renewal_limit": [None, 16_800]},
        {"renewal_limit": [16_800, None]},
    ]


def test_coverage_is_refreshed_after_the_cycle_commits_not_under_its_locks(ending, people, monkeypatch):
    depth_outside = len(connection.atomic_blocks)
    seen = []
    monkeypatch.setattr(
        cycle, "coverage_refresh", lambda **kwargs: seen.append(len(connection.atomic_blocks))
    )
    cycle.cycle_run(month=DECEMBER, refresh=True)
    assert seen == [depth_outside]


def test_the_cycle_locks_every_account_it_posts_to_first_in_one_order(ending, people, monkeypatch):
    calls = []
    real = cycle.ledger.accounts_locked

    def spy(program_ids):
        calls.append(list(program_ids))
        return real(program_ids)

    monkeypatch.setattr(cycle.ledger, "accounts_locked", spy)
    services.program_renewal_limit_set(program=ending["program"], limit=16_800, actor=people["checker"])
    cycle.cycle_run(month=DECEMBER, refresh=False)
    # The first lock takes every program the cycle touches, sorted; later ones re-read rows already held.
    assert calls[0] == [ending["program"].pk]
    assert all(set(later) <= set(calls[0]) for later in calls[1:])


def test_a_checker_records_the_standing_approval_on_the_funder_page(client, ending, people):
    program = ending["program"]
    client.force_login(people["checker"])
    page = client.get(f"/dana/{program.funder_id}/")
    assert [(row["program"].pk, row["may_set"]) for row in page.context["standing"]] == [(program.pk, True)]
    assert "tidak ada: setiap perpanjangan menunggu persetujuan" in page.content.decode()
    response = client.post(f"/dana/program/{program.pk}/perpanjangan", {"renewal_limit": "Rp 50.400"})
    assert response.status_code == 302 and response["Location"] == f"/dana/{program.funder_id}/"
    program.refresh_from_db()
    assert program.renewal_limit == 50_400
    assert (
        "sampai Rp50.400 per bulan, dicatat bendahara"
        in client.get(f"/dana/{program.funder_id}/").content.decode()
    )
    assert client.post(f"/dana/program/{program.pk}/perpanjangan", {"renewal_limit": ""}).status_code == 302
    program.refresh_from_db()
    assert program.renewal_limit is None


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1,5"])
def test_a_bad_limit_answers_400_and_changes_nothing(client, ending, people, value):
    program = ending["program"]
    client.force_login(people["checker"])
    response = client.post(f"/dana/program/{program.pk}/perpanjangan", {"renewal_limit": value})
    assert response.status_code == 400
    assert "Batas perpanjangan harus bilangan bulat rupiah" in response.content.decode()
    program.refresh_from_db()
    assert program.renewal_limit is None


def test_the_programs_maker_gets_no_form_and_a_refusal(client, ending, people):
    program = ending["program"]
    # The maker acts for the funder too, and still may not approve what they made.
    services.funder_officer_add(funder=program.funder, user=people["officer"], actor=people["admin"])
    client.force_login(people["officer"])
    page = client.get(f"/dana/{program.funder_id}/")
    assert [row["may_set"] for row in page.context["standing"]] == [False]
    response = client.post(f"/dana/program/{program.pk}/perpanjangan", {"renewal_limit": "16800"})
    assert response.status_code == 400
    assert "bukan pembuat programnya" in response.content.decode()
    assert client.post("/dana/program/999999/perpanjangan", {"renewal_limit": "1"}).status_code == 404


def test_the_funders_officers_are_told_by_email(ending, people, settings):
    from cakupan.messaging.models import Message

    settings.MESSAGING = {**settings.MESSAGING, "public_url": "https://cakupan.bantenprov.go.id"}
    checker = people["checker"]
    checker.email = "bendahara@contoh.id"
    checker.save()
    run, _ = cycle.cycle_run(month=DECEMBER, refresh=False)
    assert run.summary["funder_notices"] == 1
    plan_id = run.summary["renewals_waiting_plans"][0]
    notice = Message.objects.get(purpose="funder_notice")
    assert (notice.channel, notice.address, notice.region_code) == ("email", "bendahara@contoh.id", "36")
    assert notice.subject == "Perpanjangan Program uji mulai Januari 2027"
    assert notice.body == (
        "Yth. bendahara, 1 pekerja yang dilindungi Program uji perlu diperpanjang mulai Januari 2027 "
        "(Rp16.800): perpanjangan ini menunggu persetujuan Anda. Lihat "
        f"https://cakupan.bantenprov.go.id/dana/rencana/{plan_id}/"
    )
    # The cycle's repeat changes nothing; a second notice for the same plan and officer is never queued.
    from cakupan.funding.reminders import funder_notices_queue

    funder_notices_queue(month=DECEMBER, plan_ids=[plan_id], waiting=True)
    assert Message.objects.filter(purpose="funder_notice").count() == 1
