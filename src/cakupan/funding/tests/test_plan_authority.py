"""Who may propose and approve an allocation plan: the funder's own officers (and, for government money,
its government), never the maker, never another funder's officer, never a liaison, agent or read-only
role. Every refusal leaves the plan pending and the ledger untouched."""

import pytest

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve, approval_reject, may_decide
from cakupan.core.errors import DomainError
from cakupan.funding import ledger, services
from cakupan.funding.models import PlanStatus
from cakupan.funding.tests.conftest import DESA_A, START

YEAR = 201_600


@pytest.fixture
def staff(people, funders):
    def user(username, role, area):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area)

    made = {
        "baznas_maker": user("amil-1", Role.FUNDER_OFFICER, "36"),
        "baznas_checker": user("amil-2", Role.FUNDER_OFFICER, "36"),
        "csr_officer": user("csr-1", Role.FUNDER_OFFICER, "36.02"),
        "lebak": people["regency"],
        "serang": user("petugas-serang", Role.REGENCY_OFFICER, "36.73"),
        "bpjs": people["liaison"],
        "agent": user("agen", Role.FIELD_AGENT, "36.02.01"),
        "analyst": user("analis", Role.PROVINCIAL_ANALYST, "36"),
        "auditor": user("auditor", Role.AUDITOR, "36"),
        "second_coordinator": user("provinsi-2", Role.PROVINCIAL_COORDINATOR, "36"),
    }
    for key in ("baznas_maker", "baznas_checker"):
        services.funder_officer_add(funder=funders["zakat"], user=made[key], actor=people["admin"])
    services.funder_officer_add(funder=funders["csr"], user=made["csr_officer"], actor=people["admin"])
    return {**people, **made}


def _plan(program, actor):
    plan = services.allocation_plan_create(programs=[program], actor=actor)
    return plan, Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))


def _refusal(approval, approver) -> str:
    with pytest.raises(DomainError) as caught:
        approval_approve(approval=approval, approver=approver)
    return caught.value.code


def _mustahik(worker, funders, staff):
    services.mustahik_verify(
        funder=funders["zakat"], worker=worker, asnaf="miskin", verified_on=START, actor=staff["baznas_maker"]
    )


def test_a_zakat_plan_is_approved_only_by_another_officer_of_that_agency(
    make_worker, program_factory, staff, funders
):
    _mustahik(make_worker(DESA_A, decile=1), funders, staff)
    program = program_factory(funder="zakat", budget=YEAR)
    plan, approval = _plan(program, staff["baznas_maker"])
    assert approval.payload["funders"] == [{"id": funders["zakat"].pk, "kind": "zakat", "area": "36"}]
    refusals = {
        who: _refusal(approval, staff[who])
        for who in (
            "baznas_maker", "coordinator", "lebak", "bpjs", "agent", "analyst", "auditor", "csr_officer",
        )
    }  # fmt: skip
    assert refusals == {
        "baznas_maker": "approval_self_decision",
        "coordinator": "approval_not_allowed",
        "lebak": "approval_outside_area",
        "bpjs": "approval_not_allowed",
        "agent": "approval_outside_area",
        "analyst": "approval_read_only_role",
        "auditor": "approval_read_only_role",
        "csr_officer": "approval_outside_area",
    }
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING
    assert ledger.balances(program)["committed"] == 0
    assert [
        who for who in ("baznas_checker", "baznas_maker", "coordinator") if may_decide(approval, staff[who])
    ] == ["baznas_checker"]
    approval_approve(approval=approval, approver=staff["baznas_checker"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    # Zakat pays the discounted price (PP 50/2025): 12 months at Rp16.100.
    assert ledger.balances(program)["committed"] == plan.cost == 193_200


def test_province_apbd_is_approved_by_the_coordinator_and_regency_apbd_by_its_officer(
    make_worker, program_factory, staff, people
):
    make_worker(DESA_A, decile=1)
    province_program = program_factory(funder="province", budget=YEAR)
    plan, approval = _plan(province_program, staff["coordinator"])
    assert _refusal(approval, staff["lebak"]) == "approval_outside_area"
    assert _refusal(approval, staff["baznas_checker"]) == "approval_not_allowed"
    approval_approve(approval=approval, approver=staff["second_coordinator"])

    regency = services.funder_create(name="Pemkab Lebak", kind="apbd_regency", area_code="36.02")
    make_worker(DESA_A, decile=2)
    lebak_program = services.program_create(
        funder=regency, actor=people["admin"], name="Lebak", budget=YEAR, fiscal_year=2026,
        start_month=province_program.start_month, months=12,
    )  # fmt: skip
    plan, approval = _plan(lebak_program, staff["coordinator"])
    assert _refusal(approval, staff["serang"]) == "approval_outside_area"
    assert _refusal(approval, staff["second_coordinator"]) == "approval_not_allowed"
    approval_approve(approval=approval, approver=staff["lebak"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_a_plan_over_two_funders_needs_someone_who_decides_for_both(
    make_worker, program_factory, staff, funders
):
    _mustahik(make_worker(DESA_A, decile=1), funders, staff)
    make_worker(DESA_A, decile=1)
    zakat = program_factory(funder="zakat", budget=YEAR, name="Zakat")
    csr = program_factory(funder="csr", budget=YEAR, name="CSR")
    plan = services.allocation_plan_create(programs=[zakat, csr], actor=staff["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    assert {f["kind"] for f in approval.payload["funders"]} == {"zakat", "csr"}
    assert _refusal(approval, staff["baznas_checker"]) == "approval_not_allowed"
    assert _refusal(approval, staff["csr_officer"]) == "approval_outside_area"
    # The treasurer of the fixtures acts for every funder.
    approval_reject(approval=approval, approver=staff["checker"], reason="Pisahkan per pemberi dana")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REJECTED


def test_plans_are_proposed_only_for_funders_the_user_may_speak_for(program_factory, staff, make_worker):
    make_worker(DESA_A, decile=1)
    zakat = program_factory(funder="zakat", budget=YEAR)
    for who in ("csr_officer", "bpjs", "agent", "analyst", "serang"):
        with pytest.raises(DomainError) as caught:
            services.allocation_plan_create(programs=[zakat], actor=staff[who])
        assert caught.value.code == "plan_create_not_allowed", who
    assert not Approval.objects.exists()
