"""The plan builder on the web: a funder officer picks programs, the solver's plan is saved and submitted,
another officer approves it. Bad choices give a Bahasa message and create nothing."""

import pytest

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.funding import services
from cakupan.funding.models import AllocationPlan, FundedMonth, LedgerAccount, PlanStatus
from cakupan.funding.tests.conftest import DESA_A

YEAR = 201_600


def _as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def setup(make_worker, program_factory, funders):
    poorest = make_worker(DESA_A, decile=1, sector="pedagang")
    next_poorest = make_worker(DESA_A, decile=2, sector="nelayan")
    program = program_factory(budget=YEAR)
    return {"poorest": poorest, "next": next_poorest, "program": program, "funder": funders["province"]}


def test_builder_lists_the_funders_active_programs_with_usable_budget(client, setup, people):
    funder = setup["funder"]
    response = _as(client, people["checker"]).get(f"/dana/{funder.pk}/rencana/baru")
    assert response.status_code == 200
    rows = response.context["programs"]
    assert [(row["program"].pk, row["available"], row["pending"], row["usable"]) for row in rows] == [
        (setup["program"].pk, YEAR, 0, YEAR)
    ]
    body = response.content.decode()
    assert "Desember 2026 s.d. November 2027 (12 bulan)" in body
    assert "Paling rentan dulu" in body


def test_officer_builds_and_submits_a_plan_that_another_officer_approves(client, setup, people):
    funder = setup["funder"]
    response = _as(client, people["coordinator"]).post(
        f"/dana/{funder.pk}/rencana/baru",
        {"program": [str(setup["program"].pk)], "sector_risk": "1", "prefer_renewals": "1", "title": "Uji"},
    )
    plan = AllocationPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dana/rencana/{plan.pk}/"
    assert (plan.status, plan.funded, plan.cost, plan.created_by) == (
        PlanStatus.PENDING, 1, YEAR, people["coordinator"],
    )  # fmt: skip
    # Most vulnerable first: the decile-1 trader, not the decile-2 fisher of the riskier sector.
    assert list(plan.lines.values_list("worker_id", flat=True)) == [setup["poorest"].pk]
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    assert (approval.status, approval.title) == (ApprovalStatus.PENDING, "Uji")
    assert not FundedMonth.objects.exists()

    page = client.get(f"/dana/rencana/{plan.pk}/")
    assert page.status_code == 200 and page.context["may_decide"] is False
    lines = page.context["lines"]
    assert [(row["name"], row["decile"], row["months"], row["cost"]) for row in lines] == [
        (setup["poorest"].name, 1, 12, YEAR)
    ]
    assert lines[0]["nik"] == setup["poorest"].nik[:6] + "*" * 10  # a coordinator sees NIKs masked
    assert "menunggu keputusan petugas lain" in page.content.decode()

    checker = _as(client, people["checker"])
    decided = checker.post(f"/dana/rencana/{plan.pk}/keputusan", {"decision": "approve"})
    assert decided.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert FundedMonth.objects.filter(worker=setup["poorest"]).count() == 12


def test_funder_page_links_the_builder_and_lists_the_funders_plans(client, setup, people):
    funder = setup["funder"]
    plan = services.allocation_plan_create(programs=[setup["program"]], actor=people["coordinator"])
    response = _as(client, people["checker"]).get(f"/dana/{funder.pk}/")
    assert response.status_code == 200
    assert response.context["may_plan"] is True
    assert [p.pk for p in response.context["plans"]] == [plan.pk]
    assert f'href="/dana/{funder.pk}/rencana/baru"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({}, "allocation_no_programs", "Pilih minimal satu program pendanaan."),
        ({"program": ["abc"]}, "program_invalid", "Pilihan program tidak dikenal."),
        ({"program": ["999999"]}, "program_unknown", "Program yang dipilih bukan milik pemberi dana ini."),
        (
            {"program": ["PROGRAM"], "title": "x" * 201},
            "title_too_long",
            "Judul paling panjang 200 karakter.",
        ),
    ],
)
def test_bad_choices_answer_400_and_create_nothing(client, setup, people, data, code, message):
    program = str(setup["program"].pk)
    if "program" in data:
        data = {**data, "program": [program if v == "PROGRAM" else v for v in data["program"]]}
    response = _as(client, people["checker"]).post(f"/dana/{setup['funder'].pk}/rencana/baru", data)
    assert response.status_code == 400
    assert response.context["error"].code == code
    assert message in response.content.decode()
    assert not AllocationPlan.objects.exists() and not Approval.objects.exists()


def test_a_program_of_another_funder_is_refused(client, setup, people, program_factory):
    other = program_factory(funder="zakat", mustahik_only=True, mustahik_decile_max=4)
    response = _as(client, people["checker"]).post(
        f"/dana/{setup['funder'].pk}/rencana/baru", {"program": [str(other.pk)]}
    )
    assert response.status_code == 400 and response.context["error"].code == "program_unknown"
    assert not AllocationPlan.objects.exists()


def test_budget_already_asked_for_by_a_pending_plan_is_not_offered_twice(client, setup, people):
    services.allocation_plan_create(programs=[setup["program"]], actor=people["coordinator"])
    page = _as(client, people["checker"]).get(f"/dana/{setup['funder'].pk}/rencana/baru")
    assert [(row["pending"], row["usable"]) for row in page.context["programs"]] == [(YEAR, 0)]
    chosen = {"program": [str(setup["program"].pk)]}
    response = client.post(f"/dana/{setup['funder'].pk}/rencana/baru", chosen)
    assert response.status_code == 400
    assert response.context["error"].code == "allocation_nothing_funded"
    assert AllocationPlan.objects.count() == 1


def test_a_plan_over_a_budget_that_changed_meanwhile_is_refused_at_approval(client, setup, people):
    first = services.allocation_plan_create(programs=[setup["program"]], actor=people["coordinator"])
    # The budget is spent while the plan waits: another plan (made before the first was counted as
    # pending is simulated by releasing the pending state) commits it.
    AllocationPlan.objects.filter(pk=first.pk).update(status=PlanStatus.CANCELLED)
    second = services.allocation_plan_create(programs=[setup["program"]], actor=people["coordinator"])
    AllocationPlan.objects.filter(pk=first.pk).update(status=PlanStatus.PENDING)
    _as(client, people["checker"]).post(f"/dana/rencana/{second.pk}/keputusan", {"decision": "approve"})
    available = LedgerAccount.objects.get(program=setup["program"], kind="available").balance
    months = FundedMonth.objects.count()

    response = client.post(f"/dana/rencana/{first.pk}/keputusan", {"decision": "approve"})
    assert response.status_code == 400
    assert response.context["error"].code == "budget_insufficient"
    assert "tidak cukup untuk rencana ini" in response.content.decode()
    first.refresh_from_db()
    assert first.status == PlanStatus.PENDING
    assert LedgerAccount.objects.get(program=setup["program"], kind="available").balance == available == 0
    assert FundedMonth.objects.count() == months == 12


def test_a_user_who_may_not_plan_for_the_funder_gets_403_and_no_button(client, setup, people):
    # The provincial analyst reads the funder's page but proposes no plans.
    analyst = User.objects.create_user(
        username="analis", password="x", role=Role.PROVINCIAL_ANALYST, area_id="36"
    )
    funder = setup["funder"]
    page = _as(client, analyst).get(f"/dana/{funder.pk}/")
    assert page.status_code == 200 and page.context["may_plan"] is False
    assert "rencana/baru" not in page.content.decode()
    response = client.post(f"/dana/{funder.pk}/rencana/baru", {"program": [str(setup["program"].pk)]})
    assert response.status_code == 403
    assert "Anda tidak dapat menyusun rencana untuk dana Pemprov Banten." in response.content.decode()
    assert not AllocationPlan.objects.exists()


def test_the_builder_of_an_unseen_funder_is_404(client, setup, people):
    response = _as(client, people["regency"]).get(f"/dana/{setup['funder'].pk}/rencana/baru")
    assert response.status_code == 404
