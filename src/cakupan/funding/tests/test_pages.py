"""Funding pages: the coordinator's overview, a funder's page, a plan with the checker's decision, exports."""

import csv
import io

import pytest
from django.utils import timezone

from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.audit.models import AuditEvent
from cakupan.core.formatting import month_long
from cakupan.funding import services
from cakupan.funding.candidates import add_months
from cakupan.funding.models import PlanStatus
from cakupan.funding.tests.conftest import DESA_A, DESA_B, START

YEAR = 201_600  # 12 months of JKK+JKM at the lowest level, APBD price


@pytest.fixture
def planned(make_worker, program_factory, people, funders):
    """Three uncovered workers in Lebak; the province's program can pay for two of them."""
    workers = [
        make_worker(DESA_A, sector="nelayan", decile=1),
        make_worker(DESA_A, sector="petani", decile=2),
        make_worker(DESA_B, sector="jasa", decile=3),
    ]
    services.funder_officer_add(funder=funders["zakat"], user=people["officer"], actor=people["admin"])
    program = program_factory(budget=YEAR * 2 + 500, name="Nelayan dan petani")
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    return {"workers": workers, "program": program, "plan": plan}


def _login(client, user):
    client.force_login(user)
    return client


def _month():
    return f"{START:%Y-%m}"


def test_the_checker_approves_a_plan_on_its_page(client, planned, people):
    plan = planned["plan"]
    page = _login(client, people["checker"]).get(f"/dana/rencana/{plan.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="plan-funded">2<' in body
    assert f'data-testid="plan-cost">Rp{YEAR * 2:,}<'.replace(",", ".") in body
    assert 'data-testid="approve"' in body
    response = client.post(f"/dana/rencana/{plan.pk}/keputusan", {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == f"/dana/rencana/{plan.pk}/"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    assert (approval.status, approval.decided_by) == (ApprovalStatus.APPROVED, people["checker"])


def test_the_maker_cannot_approve_and_a_rejection_needs_a_reason(client, planned, people):
    plan = planned["plan"]
    page = _login(client, people["coordinator"]).get(f"/dana/rencana/{plan.pk}/")
    assert 'data-testid="approve"' not in page.content.decode()
    refused = client.post(f"/dana/rencana/{plan.pk}/keputusan", {"decision": "approve"})
    assert refused.status_code == 400 and 'data-testid="error"' in refused.content.decode()
    client.force_login(people["checker"])
    no_reason = client.post(f"/dana/rencana/{plan.pk}/keputusan", {"decision": "reject", "reason": ""})
    assert no_reason.status_code == 400
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING


def test_the_coordinator_sees_every_funder_side_by_side_and_the_next_rupiah(client, planned, people):
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(planned["plan"].pk))
    from cakupan.approvals.services import approval_approve

    approval_approve(approval=approval, approver=people["checker"])
    page = _login(client, people["coordinator"]).get("/dana/", {"bulan": _month()})
    assert page.status_code == 200
    body = page.content.decode()
    budget = YEAR * 2 + 500
    assert 'data-testid="budget-total">Rp' + f"{budget:,}".replace(",", ".") + "<" in body
    assert 'data-testid="covered-total">2<' in body
    for name in ("Pemprov Banten", "BAZNAS Banten", "Dana Desa Cilangkahan", "CSR PT Contoh"):
        assert name in body
    # The third worker is still uncovered: decile 3 in Kabupaten Lebak.
    assert "Kabupaten Lebak" in body and 'data-testid="next-rupiah"' in body
    export = client.get("/dana/tabel/rupiah-berikutnya.csv", {"bulan": _month()})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:4] == ["36.02", "Kabupaten Lebak", "3", "1"]
    assert AuditEvent.objects.filter(action="export", object_type="funding.overview").count() == 1


def test_a_funder_officer_goes_to_the_funder_page_and_sees_no_other(client, planned, people, funders):
    response = _login(client, people["officer"]).get("/dana/")
    assert response.status_code == 302 and response["Location"] == f"/dana/{funders['zakat'].pk}/"
    assert client.get(f"/dana/{funders['zakat'].pk}/").status_code == 200
    assert client.get(f"/dana/{funders['province'].pk}/").status_code == 404
    assert client.get("/dana/tabel/pemberi-dana.csv").status_code == 404


def test_the_funder_page_shows_budget_workers_masked_and_exports(client, planned, people, funders):
    from cakupan.approvals.services import approval_approve

    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(planned["plan"].pk))
    approval_approve(approval=approval, approver=people["checker"])
    province = funders["province"]
    services.funder_officer_add(funder=province, user=people["officer"], actor=people["admin"])
    client = _login(client, people["officer"])
    page = client.get(f"/dana/{province.pk}/", {"bulan": _month()})
    body = page.content.decode()
    assert 'data-testid="committed">Rp' + f"{YEAR * 2:,}".replace(",", ".") + "<" in body
    assert 'data-testid="available">Rp500<' in body
    assert 'data-testid="workers">2<' in body
    first = planned["workers"][0]
    assert first.nik not in body  # a funder officer sees masked NIKs
    export = client.get(f"/dana/{province.pk}/tabel/pekerja.csv", {"bulan": _month()})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3 and all(first.nik != row[0] for row in rows)
    xlsx = client.get(f"/dana/{province.pk}/tabel/program.xlsx", {"bulan": _month()})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(f"/dana/{province.pk}/tabel/rahasia.csv").status_code == 404
    assert client.get(f"/dana/{province.pk}/tabel/program.pdf").status_code == 404


def test_a_malformed_month_gets_a_message(client, planned, people):
    page = _login(client, people["coordinator"]).get("/dana/", {"bulan": "2026-13"})
    assert page.status_code == 400
    assert "Bulan &#x27;2026-13&#x27; tidak sah: gunakan format TTTT-BB" in page.content.decode()


@pytest.mark.parametrize(
    ("month", "shown"),
    [
        ("2019-12", "Desember 2019"),
        ("0001-01", "Januari 1"),
        ("1900-01", "Januari 1900"),
        ("9999-12", "Desember 9999"),
    ],
)
def test_a_month_outside_the_priced_range_gets_a_message_everywhere(
    client, planned, people, funders, month, shown
):
    _login(client, people["coordinator"])
    latest = add_months(timezone.localdate().replace(day=1), 24)
    expected = f"Bulan {shown} di luar rentang yang tersedia: Januari 2020 sampai {month_long(latest)}."
    zakat = funders["zakat"].pk
    for url in ("/dana/", f"/dana/{zakat}/"):
        page = client.get(url, {"bulan": month})
        assert page.status_code == 400 and expected in page.content.decode(), url
    for url in (
        "/dana/tabel/rupiah-berikutnya.csv",
        "/dana/tabel/pemberi-dana.xlsx",
        f"/dana/{zakat}/tabel/program.csv",
    ):
        export = client.get(url, {"bulan": month})
        assert (export.status_code, export.content.decode()) == (400, expected), url


def test_the_first_priced_month_and_two_years_ahead_are_served(client, planned, people):
    _login(client, people["coordinator"])
    latest = add_months(timezone.localdate().replace(day=1), 24)
    for month in ("2020-01", f"{latest:%Y-%m}"):
        assert client.get("/dana/", {"bulan": month}).status_code == 200, month


def test_pages_need_a_login(client, planned, funders):
    for url in ("/dana/", f"/dana/{funders['zakat'].pk}/", f"/dana/rencana/{planned['plan'].pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")


def test_the_funding_api_is_mounted_under_v1(client, planned, people):
    from cakupan.workspace.services import token_create

    token = token_create(user=people["coordinator"])[1]
    response = client.get("/api/v1/funding/funders", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert sorted(row["name"] for row in response.json()) == [
        "BAZNAS Banten", "CSR PT Contoh", "Dana Desa Cilangkahan", "Pemprov Banten",
    ]  # fmt: skip
    assert client.get("/api/v1/funding/funders").status_code == 401


def test_the_funding_api_checks_its_parameters(client, planned, people, funders):
    from cakupan.workspace.services import token_create

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=people['coordinator'])[1]}"}
    base = f"/api/v1/funding/funders/{funders['zakat'].pk}"
    for query in ("limit=-1", "limit=0", f"limit={10**20}", "offset=-5", f"offset={10**20}", "limit=abc"):
        response = client.get(f"{base}/workers?{query}", **headers)
        assert response.status_code == 422, query
        body = response.json()
        assert body["code"] == "parameter_invalid" and body["message"].startswith(
            "Nilai parameter tidak sah: "
        )
    assert client.get(f"{base}/workers?limit=5&offset={2**31 - 1}", **headers).json() == []
    empty = client.get(f"{base}/coverage?month=", **headers)
    assert (empty.status_code, empty.json()["code"]) == (400, "month_missing")
    for url in (
        f"{base}/coverage?month=2019-12",
        f"{base}?month=0001-01",
        "/api/v1/funding/next-rupiah?month=9999-12",
    ):
        response = client.get(url, **headers)
        assert (response.status_code, response.json()["code"]) == (400, "month_out_of_range"), url
