import pytest
from ninja.testing import TestClient

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.core.errors import DomainError, domain_error_status
from cakupan.funding import services
from cakupan.funding.api import router
from cakupan.funding.tests.conftest import DESA_A, DESA_C

YEAR = 201_600


@pytest.fixture
def client():
    return TestClient(router)


def test_funder_endpoints(client, make_worker, program_factory, people, funders):
    make_worker(DESA_A, decile=1)
    make_worker(DESA_C, decile=2)
    program = program_factory(budget=YEAR)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])

    side = client.get("/funders?month=2026-12", user=people["coordinator"]).json()
    assert {row["name"] for row in side} == {
        "Pemprov Banten",
        "BAZNAS Banten",
        "Dana Desa Cilangkahan",
        "CSR PT Contoh",
    }
    province = funders["province"].pk
    overview = client.get(f"/funders/{province}?month=2026-12", user=people["coordinator"]).json()
    assert overview["totals"]["committed"] == YEAR
    workers = client.get(f"/funders/{province}/workers", user=people["coordinator"]).json()
    assert len(workers) == 1 and "*" in workers[0]["nik"]
    # A funder officer not linked to the funder gets a 404 (funder_not_found, as for no funder at all), not
    # its data.
    with pytest.raises(DomainError) as caught:
        client.get(f"/funders/{province}", user=people["officer"])
    assert (caught.value.code, domain_error_status(caught.value)) == ("funder_not_found", 404)
    plan_out = client.get(f"/plans/{plan.pk}", user=people["coordinator"]).json()
    assert (plan_out["status"], plan_out["funded"], plan_out["cost"]) == ("approved", 1, YEAR)
    rows = client.get("/next-rupiah?month=2026-12", user=people["coordinator"]).json()
    assert [(r["region"], r["decile"], r["workers"]) for r in rows] == [("36.71", 2, 1)]
    with pytest.raises(DomainError):
        client.get("/next-rupiah?area=36.71", user=people["regency"])
