"""Regressions of what fuzzing the API found (tests/test_api_fuzz.py): each answer in the documented shape,
with a stable code, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cakupan.accounts.models import Role, User
from cakupan.funding import services as funding
from cakupan.funding.models import FunderKind
from cakupan.workspace.services import token_create

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The funding routes judge months by today's: these tests live on 3 December 2026."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def bearer():
    provincial = User.objects.create_user(
        username="provinsi", password="x", role=Role.PROVINCIAL_COORDINATOR, area_id="36"
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=provincial)[1]}"}


@pytest.fixture
def schema(client):
    return client.get("/api/v1/openapi.json").json()


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/workers?region=%00", "region"),
        ("/api/v1/workers?sector=nelayan%00", "sector"),
        ("/api/v1/workers/export.csv?region=36%00", "region"),
        ("/api/v1/coverage?region=%0036", "region"),
        ("/api/v1/funding/next-rupiah?area=36%00", "area"),
    ],
)
def test_a_nul_character_in_a_parameter_is_refused_not_a_server_error(client, bearer, path, name):
    # On PostgreSQL these were 500s: psycopg refuses NUL in text, so the region look-up failed.
    response = client.get(path, **bearer)
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["errors"][0]["loc"]) == ("parameter_invalid", ["query", name])
    assert "NUL" in body["message"]


def test_without_credentials_the_answer_is_a_documented_401_with_a_code(client, schema):
    response = client.get("/api/v1/workers")
    assert (response.status_code, response.json()["code"]) == (401, "auth_required")
    assert "401" in schema["paths"]["/api/v1/workers"]["get"]["responses"]
    # Public routes do not claim one.
    assert "401" not in schema["paths"]["/api/v1/klaim/tenggat"]["get"]["responses"]


def test_a_body_that_is_not_json_is_a_documented_400_with_a_code(client, schema):
    response = client.post("/api/v1/cek", data=b"\x00", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "body_invalid")
    assert {"400", "422"} <= set(schema["paths"]["/api/v1/cek"]["post"]["responses"])


def test_malformed_parameters_are_documented_as_422(client, bearer, schema):
    response = client.get("/api/v1/workers/abc", **bearer)
    assert (response.status_code, response.json()["code"]) == (422, "parameter_invalid")
    for path, method in [("/api/v1/workers/{worker_id}", "get"), ("/api/v1/funding/plans/{plan_id}", "get")]:
        documented = schema["paths"][path][method]["responses"]["422"]
        assert documented["content"]["application/json"]["schema"]["required"] == [
            "code",
            "message",
            "errors",
        ]
    # The payment provider's notification reads its raw body itself: no parameters, no 422.
    assert "422" not in schema["paths"]["/api/v1/sertakan/midtrans/notifikasi"]["post"]["responses"]


def test_unknown_funder_and_plan_are_404_with_a_code(client, bearer):
    # They were {"detail": "Not Found"}, and the status was undocumented.
    funder = funding.funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    outsider = User.objects.create_user(username="csr", password="x", role=Role.FUNDER_OFFICER, area_id="36")
    other = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=outsider)[1]}"}
    assert client.get(f"/api/v1/funding/funders/{funder.pk}", **bearer).status_code == 200
    # A funder officer not linked to this funder: the same answer as for no funder at all.
    for headers in (bearer, other):
        response = client.get(f"/api/v1/funding/funders/{funder.pk + 1000}", **headers)
        assert (response.status_code, response.json()["code"]) == (404, "funder_not_found")
    response = client.get(f"/api/v1/funding/funders/{funder.pk}", **other)
    assert (response.status_code, response.json()["code"]) == (404, "funder_not_found")
    response = client.get("/api/v1/funding/plans/999999", **bearer)
    assert (response.status_code, response.json()["code"]) == (404, "plan_not_found")


def test_funding_answers_have_schemas_with_numbers_as_numbers(client, bearer, schema):
    funder = funding.funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    coordinator = User.objects.get(username="provinsi")
    funding.program_create(
        funder=funder, actor=coordinator, name="Program uji", budget=2_000_000, fiscal_year=2026,
        start_month=dt.date(2026, 12, 1), months=12,
    )  # fmt: skip
    for path in (
        "/api/v1/funding/funders",
        "/api/v1/funding/funders/{funder_id}",
        "/api/v1/funding/plans/{plan_id}",
    ):
        documented = schema["paths"][path]["get"]["responses"]
        assert "content" in documented["200"], path
        assert {"400", "403", "404"} <= set(documented), path
    overview = client.get(f"/api/v1/funding/funders/{funder.pk}", {"month": "2026-12"}, **bearer)
    assert overview.status_code == 200
    assert overview.json()["totals"]["budget"] == 2_000_000
    assert '"budget": 2000000' in overview.content.decode()


def test_rules_percentages_are_json_numbers(client, schema):
    discount = schema["components"]["schemas"]["DiscountOut"]["properties"]["percent_off"]
    assert discount["type"] == "number"
    claim = schema["components"]["schemas"]["ClaimOut"]["properties"]["late_payment_percent_per_day"]
    assert claim["type"] == "number"
    body = client.get("/api/v1/rules/claim", {"event": "2026-08-14"}).content.decode()
    assert '"late_payment_percent_per_day": 1.0' in body
    assert json.loads(body)["late_payment_percent_per_day"] == 1


def test_coverage_percentages_are_json_numbers_in_the_schema(schema):
    figure = schema["components"]["schemas"]["CoverageOut"]["properties"]
    assert figure["target_pct"]["type"] == "number"
    assert {"type": "number"} in figure["coverage_pct"]["anyOf"]
