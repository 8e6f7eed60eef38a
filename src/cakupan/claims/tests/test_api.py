"""The claims API: the public payment deadline (`/api/v1/klaim/tenggat`) and the staff list of claim cases in
the user's area (`/api/v1/klaim/kasus`)."""

import datetime as dt

import pytest

from cakupan.accounts.models import Role, User
from cakupan.claims.models import ClaimCase
from cakupan.claims.services import (
    HeirInput,
    claim_document_receive,
    claim_report,
    claims_clock_refresh,
    holiday_change_record,
)
from cakupan.claims.tests.conftest import DESA, OTHER_DESA
from cakupan.workspace.services import token_create

TENGGAT = "/api/v1/klaim/tenggat"
KASUS = "/api/v1/klaim/kasus"


# --- the deadline --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "complete", "working_days", "due"),
    [
        # Monday 7 December 2026: JKM in 3 working days, JKK and the scholarship in 7.
        ("jkm", "2026-12-07", 3, "2026-12-10"),
        ("jkk", "2026-12-07", 7, "2026-12-16"),
        ("beasiswa", "2026-12-04", 7, "2026-12-15"),
        # Cuti bersama on the 24th and Christmas on the 25th, then the weekend.
        ("jkm", "2026-12-23", 3, "2026-12-30"),
        ("jkk", "2026-12-23", 7, "2027-01-07"),
    ],
)
def test_the_deadline_is_public_and_exactly_four_fields(client, db, kind, complete, working_days, due):
    response = client.get(TENGGAT, {"kind": kind, "complete": complete})
    assert response.status_code == 200
    assert response.json() == {"kind": kind, "complete": complete, "working_days": working_days, "due": due}


def test_the_holiday_decrees_recorded_in_cakupan_move_the_deadline(client, people):
    holiday_change_record(
        actor=people["coordinator"],
        day=dt.date(2026, 12, 8),
        change="add",
        name="Hari libur pilkada (uji)",
        decree="Keppres uji 1/2026",
    )
    holiday_change_record(
        actor=people["coordinator"], day=dt.date(2026, 12, 24), change="remove", decree="SKB uji 2/2026"
    )
    assert client.get(TENGGAT, {"kind": "jkm", "complete": "2026-12-07"}).json()["due"] == "2026-12-11"
    assert client.get(TENGGAT, {"kind": "jkm", "complete": "2026-12-23"}).json()["due"] == "2026-12-29"


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"kind": "jht", "complete": "2026-12-07"}, "claim_kind_unknown", "kind"),
        ({"kind": "JKM", "complete": "2026-12-07"}, "claim_kind_unknown", "kind"),
        ({"kind": "jkm\x00", "complete": "2026-12-07"}, "claim_kind_unknown", "kind"),
        ({"kind": "x" * 5000, "complete": "2026-12-07"}, "claim_kind_unknown", "kind"),
        ({"complete": "2026-12-07"}, "claim_kind_unknown", "kind"),
        ({"kind": "", "complete": "2026-12-07"}, "claim_kind_unknown", "kind"),
        ({"kind": "jkm"}, "date_missing", "complete"),
        ({"kind": "jkm", "complete": " "}, "date_missing", "complete"),
        ({"kind": "jkm", "complete": "2026-02-30"}, "date_format", "complete"),
        ({"kind": "jkm", "complete": "2026-13-01"}, "date_format", "complete"),
        ({"kind": "jkm", "complete": "07-12-2026"}, "date_format", "complete"),
        ({"kind": "jkm", "complete": "2026-12-07T10:00"}, "date_format", "complete"),
        ({"kind": "jkm", "complete": "9999-12-31"}, "date_format", "complete"),
        ({"kind": "jkm", "complete": "0000-01-01"}, "date_format", "complete"),
        ({"kind": "jkm", "complete": "2026-12-07\x00"}, "date_format", "complete"),
        ({"kind": "jkm", "complete": "٢٠٢٦-١٢-٠٧"}, "date_format", "complete"),
        # Before the first rules the engine holds.
        ({"kind": "jkm", "complete": "2015-07-01"}, "rules_not_in_force", "complete"),
    ],
)
def test_a_bad_deadline_question_is_400_with_a_stable_code(client, db, query, code, field):
    response = client.get(TENGGAT, query)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert (body["code"], body["field"]) == (code, field)
    assert body["message"] and len(body["message"]) < 300


def test_the_deadline_reads_the_last_of_repeated_values(client, db):
    response = client.get(f"{TENGGAT}?kind=jkk&kind=jkm&complete=2026-12-07")
    assert response.json()["kind"] == "jkm"


# --- the cases -----------------------------------------------------------------------------------------


def _report(actor, worker, *, incident=dt.date(2026, 12, 1)):
    return claim_report(
        actor=actor,
        worker=worker,
        kind="jkm",
        incident_date=incident,
        reporter_name="Ahmad",
        reporter_relation="anak",
        heirs=[HeirInput("Ahmad", "child")],
    )


@pytest.fixture
def cases(people, make_worker):
    operator, liaison = people["operator"], people["liaison"]
    lebak = [_report(operator, make_worker()) for _ in range(3)]
    serang = _report(liaison, make_worker(OTHER_DESA), incident=dt.date(2026, 11, 30))
    return {"lebak": lebak, "serang": serang}


def _numbers(response) -> list[str]:
    return [item["number"] for item in response.json()["items"]]


def test_the_list_is_scoped_to_the_users_area(client, people, cases):
    lebak = [case.number for case in reversed(cases["lebak"])]
    for role, expected in [
        ("operator", lebak),
        ("agent", lebak),
        ("regency", lebak),
        ("outsider", [cases["serang"].number]),
        ("liaison", [cases["serang"].number, *lebak]),
        ("auditor", [cases["serang"].number, *lebak]),
        ("coordinator", [cases["serang"].number, *lebak]),
        ("admin", [cases["serang"].number, *lebak]),
    ]:
        client.force_login(people[role])
        response = client.get(KASUS)
        assert response.status_code == 200, role
        assert _numbers(response) == expected, role
        assert response.json()["count"] == len(expected), role


def test_each_case_has_its_fields(client, people, cases, today):
    case = cases["lebak"][0]
    for document in case.documents.order_by("position"):
        claim_document_receive(actor=people["operator"], case=case, code=document.code)
    client.force_login(people["operator"])
    item = next(item for item in client.get(KASUS).json()["items"] if item["number"] == case.number)
    assert item == {
        "number": case.number,
        "kind": "jkm",
        "status": "running",
        "region_code": DESA,
        "incident_date": "2026-12-01",
        "due_on": "2026-12-10",
        "clock_state": "on_track",
        "escalation_level": 0,
    }
    collecting = next(item for item in client.get(KASUS).json()["items"] if item["number"] != case.number)
    assert (collecting["status"], collecting["due_on"], collecting["clock_state"]) == (
        "collecting",
        None,
        "not_started",
    )


def test_pages_by_limit_and_offset(client, people, cases):
    client.force_login(people["liaison"])
    everyone = _numbers(client.get(KASUS))
    first = client.get(KASUS, {"limit": 3}).json()
    assert (first["count"], first["limit"], first["offset"], len(first["items"])) == (4, 3, 0, 3)
    rest = client.get(KASUS, {"limit": 3, "offset": 3}).json()
    assert [item["number"] for item in first["items"] + rest["items"]] == everyone
    beyond = client.get(KASUS, {"offset": 1000}).json()
    assert (beyond["count"], beyond["items"]) == (4, [])
    assert len(client.get(KASUS, {"limit": 200}).json()["items"]) == 4


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 201},
        {"limit": 0},
        {"limit": -1},
        {"limit": "abc"},
        {"limit": "1e3"},
        {"offset": -1},
        {"offset": 2**31},
        {"offset": "x"},
        {"limit": "9" * 400},
    ],
)
def test_bad_paging_is_refused_not_a_500(client, people, cases, query):
    client.force_login(people["liaison"])
    response = client.get(KASUS, query)
    assert response.status_code == 422
    assert response.json()["code"] == "parameter_invalid"


def test_the_attention_list_follows_the_escalation_levels(client, people, cases, today):
    operator = people["operator"]
    case = cases["lebak"][0]
    for document in case.documents.all():
        claim_document_receive(actor=operator, case=case, code=document.code)
    # Complete on Monday 7 December, due Thursday 10: on Wednesday 9 two of three days are gone (level 1).
    claims_clock_refresh(day=dt.date(2026, 12, 9))
    assert ClaimCase.objects.get(pk=case.pk).escalation_level == 1
    for role, expected in [("operator", [case.number]), ("regency", []), ("liaison", [])]:
        client.force_login(people[role])
        response = client.get(KASUS, {"list": "perhatian"})
        assert _numbers(response) == expected, role
    client.force_login(people["operator"])
    running = _numbers(client.get(KASUS, {"list": "berjalan"}))
    assert sorted(running) == sorted(c.number for c in cases["lebak"])
    assert _numbers(client.get(KASUS, {"list": "selesai"})) == []


@pytest.mark.parametrize("name", ["bogus", "PERHATIAN", "semua\x00", "x" * 3000])
def test_an_unknown_list_is_400(client, people, cases, name):
    client.force_login(people["operator"])
    response = client.get(KASUS, {"list": name})
    assert response.status_code == 400
    assert response.json()["code"] == "claim_list_unknown"


def test_the_public_and_roles_without_claim_view_are_refused(client, people, cases):
    response = client.get(KASUS)
    assert response.status_code == 401
    funder = User.objects.create_user(username="baznas", password="x", role=Role.FUNDER_OFFICER, area_id="36")
    sponsor = User.objects.create_user(username="sponsor", password="x", role=Role.SPONSOR)
    for user in (funder, sponsor):
        client.force_login(user)
        response = client.get(KASUS)
        assert response.status_code == 403
        assert response.json()["code"] == "role_not_allowed"
        assert cases["serang"].number not in response.content.decode()


def test_a_bearer_token_works_as_the_session_does(client, people, cases):
    _, secret = token_create(user=people["outsider"])
    response = client.get(KASUS, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and _numbers(response) == [cases["serang"].number]
    assert client.get(KASUS, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401


def test_a_staff_account_without_an_area_sees_no_case(client, people, cases):
    stray = User.objects.create_user(username="tanpa-wilayah", password="x", role=Role.VILLAGE_OPERATOR)
    client.force_login(stray)
    response = client.get(KASUS)
    assert response.status_code == 200
    assert response.json() == {"count": 0, "limit": 50, "offset": 0, "items": []}
