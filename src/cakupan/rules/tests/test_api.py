"""/api/v1/rules/…: results, 400 with {code, message, field} on bad input, and the OpenAPI description."""

from __future__ import annotations

import pytest

BASE = "/api/v1/rules"
GOOD = {
    "income": "1000000",
    "programs": "jkk,jkm",
    "month": "2026-05",
    "funding": "self",
    "sector": "nelayan",
}


def test_contribution(client):
    response = client.get(f"{BASE}/contribution", GOOD)
    assert response.status_code == 200
    data = response.json()
    assert (data["income_level"], data["total"], data["full_total"]) == (1_000_000, 8_400, 16_800)
    assert [line["amount"] for line in data["lines"]] == [5_000, 3_400]
    # A JSON number, not the string "50".
    assert data["discount"]["percent_off"] == 50 and isinstance(data["discount"]["percent_off"], float)
    assert data["citations"][0]["figure"] == "income_levels"


def test_contribution_with_repeated_programs_and_prepayment(client):
    params = {**GOOD, "programs": ["jkk", "jkm", "jht"], "month": "2026-11", "months": "3", "funding": "apbn"}
    data = client.get(f"{BASE}/contribution", params).json()
    assert data["total"] == 36_800
    assert data["discount"] is None
    assert data["period"]["total"] == 3 * 36_800
    assert data["period"]["pay_by"] == "2026-11-16"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"income": "-1"}, "income_negative", "income"),
        ({"income": "satu juta"}, "income_not_integer", "income"),
        ({"income": ""}, "income_missing", "income"),
        ({"programs": "jkk,jkm,jkn"}, "program_unknown", "programs"),
        ({"programs": "jkm"}, "programs_missing_mandatory", "programs"),
        ({"month": "2026/05"}, "month_format", "month"),
        ({"funding": "koperasi"}, "funding_unknown", "funding"),
        ({"sector": "atlet"}, "sector_unknown", "sector"),
        ({"months": "5"}, "prepayment_months_invalid", "months"),
    ],
)
def test_contribution_bad_input(client, change, code, field):
    response = client.get(f"{BASE}/contribution", {**GOOD, **change})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert body["message"]


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"kind": "jkm"}, 42_000_000),
        ({"kind": "jkm", "member_since": "2026-10-01", "on": "2026-11-23"}, 10_000_000),
        ({"kind": "scholarship", "children": "2", "months": "36"}, 174_000_000),
        ({"kind": "scholarship", "child": ["sd:1:7", "pt:3:21"], "months": "36"}, 96_000_000),
        ({"kind": "jkk-death", "income": "1000000"}, 70_000_000),
        ({"kind": "jkk-total-disability", "income": "1000000"}, 68_000_000),
        ({"kind": "jkk-partial-disability", "income": "1000000", "part": "hearing_one_ear"}, 16_000_000),
        ({"kind": "stmb", "income": "1000000", "months": "12"}, 12_000_000),
        ({"kind": "jkk-transport", "land": "750000"}, 750_000),
    ],
)
def test_benefits(client, params, total):
    response = client.get(f"{BASE}/benefit", params)
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == total == sum(line["amount"] for line in data["lines"])


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "benefit_kind_unknown"),
        ({"kind": "jkn"}, "benefit_kind_unknown"),
        ({"kind": "jkk-death", "income": "-100"}, "income_negative"),
        ({"kind": "jkk-death", "income": "1e6"}, "income_not_integer"),
        ({"kind": "scholarship", "children": "dua", "months": "36"}, "number_not_integer"),
        ({"kind": "jkm", "on": "2026-02-30"}, "date_format"),
        ({"kind": "jkk-partial-disability", "income": "1000000", "percent": "banyak"}, "percent_invalid"),
    ],
)
def test_benefit_bad_input(client, params, code):
    response = client.get(f"{BASE}/benefit", params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_status_and_claim(client):
    status = client.get(f"{BASE}/status", {"paid": "2026-01,2026-02", "on": "2026-03-17"}).json()
    assert (status["status"], status["arrears"], status["lapses_after"]) == (
        "menunggak",
        ["2026-03"],
        "2026-05-15",
    )
    claim = client.get(f"{BASE}/claim", {"event": "2026-08-14", "complete": "2026-08-14"}).json()
    assert (claim["report_by"], claim["payment_by"]) == ("2026-08-16", "2026-08-27")
    late = claim["late_payment_percent_per_day"]
    assert late == 1 and isinstance(late, float)
    bad = client.get(f"{BASE}/status", {"paid": "2026-01", "policy": "maybe"})
    assert (bad.status_code, bad.json()["code"]) == (400, "policy_unknown")


def test_openapi_documents_the_routes(client):
    schema = client.get("/api/v1/openapi.json").json()
    contribution = schema["paths"][f"{BASE}/contribution"]["get"]
    params = {p["name"]: p for p in contribution["parameters"]}
    assert set(params) == {"income", "programs", "month", "months", "funding", "sector"}
    assert params["income"]["required"] is True
    assert params["funding"]["schema"]["enum"] == [
        "self",
        "sponsor",
        "apbd",
        "apbn",
        "baznas",
        "dana_desa",
        "csr",
    ]
    assert "formal" not in params["sector"]["schema"]["enum"]
    assert contribution["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ContributionOut"
    )
    assert contribution["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorOut"
    )
    benefit = schema["paths"][f"{BASE}/benefit"]["get"]
    kind = next(p for p in benefit["parameters"] if p["name"] == "kind")
    assert "jkk-death" in kind["schema"]["enum"]
    components = schema["components"]["schemas"]
    assert {"ContributionOut", "BenefitOut", "StatusOut", "ClaimOut", "ErrorOut", "CitationOut"} <= set(
        components
    )
    assert {f"{BASE}/status", f"{BASE}/claim"} <= set(schema["paths"])
