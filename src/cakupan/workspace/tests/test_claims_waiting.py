"""The workspace home's "Menunggu tindakan Anda" names the claims whose service clock has reached the user's
escalation level: the village operator from 50% of the service time, the kab/kota labour office from 75%,
BPJS TK's liaison once the deadline has passed."""

import datetime as dt

import pytest

from cakupan.claims.services import (
    HeirInput,
    claim_decide,
    claim_document_receive,
    claim_report,
    claims_clock_refresh,
)
from cakupan.claims.tests import conftest as claim_fixtures
from cakupan.workspace.selectors import Waiting, waiting_for

# The claim tests' staff, workers and claim day (autouse: Monday 7 December 2026).
people = claim_fixtures.people
make_worker = claim_fixtures.make_worker
today = claim_fixtures.today
media = claim_fixtures.media

URL = "/kasus-klaim/?daftar=perhatian"


def _complete_jkm(operator, worker):
    case = claim_report(
        actor=operator,
        worker=worker,
        kind="jkm",
        incident_date=dt.date(2026, 12, 1),
        reporter_name="Ahmad",
        reporter_relation="anak",
        heirs=[HeirInput("Ahmad", "child")],
    )
    for code in case.documents.values_list("code", flat=True):
        claim_document_receive(actor=operator, case=case, code=code)
    return case


@pytest.fixture
def cases(people, make_worker):
    # Complete on Monday 7 December: JKM is due in 3 working days, on Thursday 10 December.
    operator = people["operator"]
    return [_complete_jkm(operator, make_worker()) for _ in range(2)]


def _claims(user) -> list[Waiting]:
    return [item for item in waiting_for(user) if item.url == URL]


def test_nothing_waits_while_the_clock_is_young(people, cases):
    for role in ("operator", "regency", "liaison", "coordinator"):
        assert _claims(people[role]) == [], role


def test_each_role_from_its_own_level(people, cases):
    # Wednesday 9 December: two of three working days gone (66%), the operator's level.
    claims_clock_refresh(day=dt.date(2026, 12, 9))
    assert _claims(people["operator"]) == [
        Waiting(title="2 klaim perlu perhatian", url=URL, detail="Sudah lewat 50% waktu layanan")
    ]
    assert _claims(people["regency"]) == [] and _claims(people["liaison"]) == []
    # Thursday 10 December: all three days gone, the kab/kota labour office's level.
    claims_clock_refresh(day=dt.date(2026, 12, 10))
    assert _claims(people["regency"]) == [
        Waiting(title="2 klaim perlu perhatian", url=URL, detail="Sudah lewat 75% waktu layanan")
    ]
    assert _claims(people["liaison"]) == []
    # Friday 11 December, still unpaid: past the deadline, BPJS TK's liaison.
    claims_clock_refresh(day=dt.date(2026, 12, 11))
    assert _claims(people["liaison"]) == [
        Waiting(title="2 klaim perlu perhatian", url=URL, detail="Sudah melewati batas waktu layanan")
    ]
    assert _claims(people["operator"])[0].detail == "Sudah lewat 50% waktu layanan"


def test_a_decided_case_leaves_the_count(people, cases, today):
    claims_clock_refresh(day=dt.date(2026, 12, 11))
    today.set(dt.date(2026, 12, 11))
    claim_decide(actor=people["liaison"], case=cases[0], decision="paid", on=dt.date(2026, 12, 11), amount=1)
    assert [item.title for item in _claims(people["liaison"])] == ["1 klaim perlu perhatian"]
    claim_decide(actor=people["liaison"], case=cases[1], decision="paid", on=dt.date(2026, 12, 11), amount=1)
    assert _claims(people["liaison"]) == []


def test_only_claims_inside_the_area_and_only_roles_with_a_level(people, cases):
    claims_clock_refresh(day=dt.date(2026, 12, 11))
    # Kota Serang's operator has a level but no case; the others have no attention level at all.
    for role in ("outsider", "coordinator", "auditor", "agent", "admin"):
        assert _claims(people[role]) == [], role


def test_the_home_page_links_to_the_attention_list(client, people, cases):
    claims_clock_refresh(day=dt.date(2026, 12, 9))
    client.force_login(people["operator"])
    html = client.get("/kerja/").content.decode()
    assert (
        '<a href="/kasus-klaim/?daftar=perhatian">2 klaim perlu perhatian</a> '
        '<span class="note">Sudah lewat 50% waktu layanan</span>'
    ) in html
