import datetime as dt
from decimal import Decimal

import pytest

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.coverage import dashboard
from cakupan.coverage.services import coverage_refresh
from cakupan.workspace.services import token_create

MONTH = dt.date(2026, 11, 1)


@pytest.fixture
def dashboard_data(small_population):
    coverage_refresh(month=MONTH)
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password="Banten-UCJ-2026")
    from cakupan.accounts.models import User

    return {user.username: user for user in User.objects.all()}


def _get(client, user, **params):
    token = token_create(user=user)[1]
    return client.get("/api/v1/coverage", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_province_figures_and_children_add_up(client, dashboard_data):
    body = _get(client, dashboard_data["provinsi"], region="36").json()
    assert (body["region"], body["name"], body["month"]) == ("36", "Banten", "2026-11")
    # The default denominator is the labour force: 6,170,000 × 0.001 = 6,170, of whom 42,9% are active
    # (6,170 × 0.429 = 2,646.93 → 2,647); ceil(6,170 × 99.5%) - 2,647 = 6,140 - 2,647 = 3,493.
    assert (body["covered"], body["denominator"], body["coverage_pct"], body["gap_workers"]) == (
        2647, 6170, 42.9, 3493,
    )  # fmt: skip
    assert body["covered_bpu"] == 1547 and body["registered"] == 5760
    # Numbers as JSON numbers ("42.90" and "99.5" were strings).
    assert body["target_pct"] == 99.5
    assert body["denominator_kind"] == "labour_force"
    assert body["denominator_source"] == (
        "BPS Sakernas Agustus 2025, angkatan kerja × skala demo 0,001; kab/kota dibagi menurut proporsi "
        "penduduk Dukcapil (estimasi)"
    )
    assert body["denominator_url"].startswith("https://banten.idntimes.com/")
    assert len(body["children"]) == 8
    assert sum(child["denominator"] for child in body["children"]) == 6170
    assert sum(child["covered"] for child in body["children"]) == 2647


def test_the_employed_stay_a_choice(client, dashboard_data):
    body = _get(client, dashboard_data["provinsi"], region="36", denominator="employed").json()
    # 2,647 active of 5,760 employed; ceil(5,760 × 99.5%) - 2,647 = 5,732 - 2,647 = 3,085.
    assert (body["covered"], body["denominator"], body["coverage_pct"], body["gap_workers"]) == (
        2647, 5760, 45.95, 3085,
    )  # fmt: skip
    assert body["denominator_kind"] == "employed"
    assert body["denominator_source"].startswith(
        "BPS Sakernas Agustus 2025, penduduk bekerja × skala demo 0,001"
    )
    assert sum(child["denominator"] for child in body["children"]) == 5760


def test_every_level_adds_up_down_to_the_desa(client, dashboard_data):
    user = dashboard_data["provinsi"]
    for code in ("36.02", "36.02.01"):
        body = _get(client, user, region=code).json()
        assert sum(child["denominator"] for child in body["children"]) == body["denominator"]
        assert sum(child["covered"] for child in body["children"]) == body["covered"]
    desa = _get(client, user, region="36.02.01.2002").json()
    assert desa["children"] == [] and desa["region"] == "36.02.01.2002"


def test_the_api_matches_the_selector(client, dashboard_data):
    summary = dashboard.coverage_summary(user=dashboard_data["lebak"], region_code="36.02")
    body = _get(client, dashboard_data["lebak"], region="36.02").json()
    assert (body["covered"], body["denominator"], body["gap_workers"]) == (
        summary.region.covered, summary.region.denominator, summary.region.gap_workers,
    )  # fmt: skip


def test_registry_denominator(client, dashboard_data):
    body = _get(client, dashboard_data["provinsi"], region="36", denominator="registry").json()
    assert body["denominator"] == 5760 and body["denominator_source"].startswith("pekerja terdaftar")
    assert body["denominator_url"] == ""


def test_bpu_indicator_divides_by_the_informal_employed_whatever_the_denominator(dashboard_data):
    user = dashboard_data["provinsi"]
    for kind in ("labour_force", "employed"):
        summary = dashboard.coverage_summary(user=user, region_code="36", denominator=kind)
        bpu = dashboard.bpu_indicator(figure=summary.region, province="36", month=MONTH, kind=kind)
        # 1,547 active BPU of 5,760 employed × 45,12% informal = 2,598.9 → 2,599.
        assert (bpu.covered_bpu, bpu.informal, bpu.pct) == (1547, 2599, Decimal("59.5"))
        assert bpu.source == "BPS Sakernas Agustus 2025, pekerja informal 45,12% dari penduduk bekerja"
    registry = dashboard.coverage_summary(user=user, region_code="36", denominator="registry")
    bpu = dashboard.bpu_indicator(figure=registry.region, province="36", month=MONTH, kind="registry")
    assert (bpu.informal, bpu.source) == (
        2599,
        "BPS Sakernas Agustus 2025, pekerja informal 45,12% dari pekerja terdaftar di registri Cakupan",
    )
    lebak = dashboard.coverage_summary(user=user, region_code="36.02")
    # Lebak's 734 of the labour force and 685 of the employed, split alike by Dukcapil population.
    assert (lebak.region.denominator, lebak.region.employed) == (734, 685)


def test_no_bpu_indicator_without_an_employed_figure(dashboard_data):
    from cakupan.regions.models import LabourStat

    LabourStat.objects.filter(indicator="penduduk_bekerja").delete()
    summary = dashboard.coverage_summary(user=dashboard_data["provinsi"], region_code="36")
    assert (summary.region.denominator, summary.region.employed) == (6170, None)
    assert dashboard.bpu_indicator(figure=summary.region, province="36", month=MONTH) is None


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"region": "36.99"}, 404, "region_unknown"),
        ({"region": "36", "month": "2026-13"}, 400, "month_invalid"),
        ({"region": "36", "month": "November"}, 400, "month_invalid"),
        ({"region": "36", "month": "2099-01"}, 400, "month_future"),
        ({"region": "36", "month": "1999-12"}, 400, "month_out_of_range"),
        ({"region": "36", "month": "0001-01"}, 400, "month_out_of_range"),
        ({"region": "36", "month": "2020-01"}, 404, "coverage_month_missing"),
        ({"region": "36", "denominator": "penduduk"}, 400, "denominator_unknown"),
    ],
)
def test_bad_requests_get_a_code_and_a_message(client, dashboard_data, params, status, code):
    response = _get(client, dashboard_data["provinsi"], **params)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]


def test_scoped_by_area(client, dashboard_data):
    lebak = dashboard_data["lebak"]
    outside = _get(client, lebak, region="36")
    assert outside.status_code == 403 and outside.json()["code"] == "region_outside_area"
    assert _get(client, lebak, region="36.73").status_code == 403
    assert _get(client, lebak, region="36.02").status_code == 200
    assert client.get("/api/v1/coverage", {"region": "36"}).status_code == 401


def test_projection_and_budget(dashboard_data):
    summary = dashboard.coverage_summary(user=dashboard_data["provinsi"], region_code="36")
    cost = dashboard.minimum_yearly_cost(MONTH)
    assert cost == 201_600
    result = dashboard.projection(summary=summary, target_year=2030, yearly_cost_per_worker=cost)
    assert result.monthly_growth is None  # one month of history: no trend yet
    assert [step["year"] for step in result.budget_plan] == [2027, 2028, 2029, 2030]
    assert result.budget_plan[-1] == {"year": 2030, "workers": 3493, "budget": 3493 * 201_600}
    assert result.budget_plan[0]["workers"] == 874  # ceil(3493 / 4)
    assert (result.funded_pending, result.gap_to_fund) == (0, 3493)


def test_workers_already_funded_are_not_budgeted_again(dashboard_data):
    summary = dashboard.coverage_summary(user=dashboard_data["provinsi"], region_code="36")
    result = dashboard.projection(
        summary=summary, target_year=2030, yearly_cost_per_worker=201_600, funded_pending=493
    )
    assert (result.funded_pending, result.gap_to_fund) == (493, 3000)
    assert [step["workers"] for step in result.budget_plan] == [750, 1500, 2250, 3000]
    # More funded than the gap (funding beyond 99,5%) budgets nothing, and never a negative count.
    over = dashboard.projection(
        summary=summary, target_year=2028, yearly_cost_per_worker=201_600, funded_pending=10_000
    )
    assert (over.funded_pending, over.gap_to_fund, over.budget_plan[-1]["budget"]) == (3493, 0, 0)


def test_an_older_month_is_projected_only_from_what_was_known_then(dashboard_data):
    from cakupan.coverage.models import RegionCoverage

    for month in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        coverage_refresh(month=month)
    covered = dict(RegionCoverage.objects.filter(region_id="36").values_list("month", "active"))
    assert (covered[dt.date(2026, 9, 1)], covered[dt.date(2026, 10, 1)], covered[MONTH]) == (2733, 2685, 2647)
    user = dashboard_data["provinsi"]
    cost = dashboard.minimum_yearly_cost(MONTH)
    october = dashboard.coverage_summary(user=user, region_code="36", month=dt.date(2026, 10, 1))
    result = dashboard.projection(summary=october, target_year=2030, yearly_cost_per_worker=cost)
    assert result.monthly_growth == covered[dt.date(2026, 10, 1)] - covered[dt.date(2026, 9, 1)]
    november = dashboard.coverage_summary(user=user, region_code="36")
    later = dashboard.projection(summary=november, target_year=2030, yearly_cost_per_worker=cost)
    assert later.monthly_growth == round((covered[MONTH] - covered[dt.date(2026, 9, 1)]) / 2)
    september = dashboard.coverage_summary(user=user, region_code="36", month=dt.date(2026, 9, 1))
    first = dashboard.projection(summary=september, target_year=2030, yearly_cost_per_worker=cost)
    assert first.monthly_growth is None
