"""The pages: the supervisors' ranking and its XLSX, an agent's own page, her monthly statements (PDF,
XLSX) and the back-check page, for each role; refusals as 403 or 404, never 500."""

import datetime as dt
import io

import polars as pl
import pytest

from cakupan.accounts.models import Role, User
from cakupan.agents.models import BackCheck, BackCheckStatus
from cakupan.agents.tests.kpi_world import clock_fixture, field_fixture  # noqa: F401
from cakupan.audit.models import AuditEvent

DEC = dt.date(2026, 12, 1)


@pytest.fixture
def world(people, field, clock):
    """Two agents of Lebak and one of Kota Serang at work in December 2026; the first agent's members are
    paid for; every batch had a phone, so each has a back-check waiting."""
    people["analyst"] = User.objects.create_user(
        username="analis", password="x", role=Role.PROVINCIAL_ANALYST, area_id="36"
    )
    field.join("agent")
    clock.set(dt.date(2026, 12, 3))
    workers = field.enrol(3, phones=True)
    field.enrol(2, agent="agent2", phones=True)
    field.enrol(1, agent="outsider", desa="36.73.01.1001", checker="coordinator", phones=True)
    field.fund(workers, start=DEC, months=12, paid_on=dt.date(2026, 12, 3))
    clock.set(dt.date(2026, 12, 20))
    return people


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("analyst", 200), ("regency", 200), ("auditor", 200), ("admin", 200),
     ("operator", 403), ("treasurer", 403), ("liaison", 403)],
)  # fmt: skip
def test_the_ranking_for_each_role(client, world, role, status):
    response = get(client, world[role], "/agen/kinerja/")
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert 'data-agent="agen"' in text and 'data-agent="agen2"' in text
        assert "belum cukup data" in text and "Perpanjangan tepat waktu" in text
        assert ('data-agent="serang"' in text) == (role != "regency")
        assert "Koperasi Nelayan Malingping" in text


def test_the_ranking_needs_a_login(client, world):
    for path in ("/agen/kinerja/", f"/agen/komisi/{world['agent'].pk}/2026-12.pdf", "/agen/cek-ulang/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/"), path


def test_an_agent_opening_the_ranking_sees_her_own_page(client, world):
    response = get(client, world["agent"], "/agen/kinerja/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Kinerja saya" in text and 'data-agent="agen2"' not in text
    assert 'data-month="2026-12"' in text
    assert f"/agen/komisi/{world['agent'].pk}/2026-12.pdf" in text
    assert "Rp604.800" in text  # 3 members × 12 months × Rp16.800 paid on 3 December
    assert "Rp45.360" in text  # 7,5% of it


@pytest.mark.parametrize(
    ("viewer", "agent", "status"),
    [("regency", "agent", 200), ("regency", "outsider", 404), ("coordinator", "outsider", 200),
     ("auditor", "agent2", 200), ("agent", "agent", 200), ("agent", "agent2", 404),
     ("outsider", "agent", 404), ("operator", "agent", 403), ("regency", "regency", 404)],
)  # fmt: skip
def test_an_agents_page_inside_the_area_only(client, world, viewer, agent, status):
    response = get(client, world[viewer], f"/agen/kinerja/{world[agent].pk}/")
    assert response.status_code == status


def test_an_unknown_agent_is_404(client, world):
    assert get(client, world["coordinator"], "/agen/kinerja/999999/").status_code == 404


@pytest.mark.parametrize(
    ("viewer", "agent", "status"),
    [("agent", "agent", 200), ("regency", "agent", 200), ("auditor", "agent", 200), ("analyst", "agent", 200),
     ("agent", "agent2", 404), ("regency", "outsider", 404), ("coordinator", "outsider", 200),
     ("operator", "agent", 403), ("liaison", "agent", 403)],
)  # fmt: skip
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_statements_for_each_role(client, world, viewer, agent, status, fmt):
    response = get(client, world[viewer], f"/agen/komisi/{world[agent].pk}/2026-12.{fmt}")
    assert response.status_code == status
    if status == 200:
        name = world[agent].username
        assert response["Content-Disposition"] == f'attachment; filename="komisi-{name}-2026-12.{fmt}"'
        assert response.content.startswith(b"%PDF" if fmt == "pdf" else b"PK")
        event = AuditEvent.objects.filter(action="export", object_type="agents.commission").latest("id")
        assert (event.actor, event.object_id, event.region_code) == (
            world[viewer], f"{name}:2026-12", world[agent].area_id,
        )  # fmt: skip


def test_the_statement_xlsx_holds_the_paid_months(client, world):
    response = get(client, world["agent"], f"/agen/komisi/{world['agent'].pk}/2026-12.xlsx")
    lines = pl.read_excel(io.BytesIO(response.content), sheet_name="Rincian")
    assert lines.height == 37  # 36 paid months and the total
    assert lines["Iuran (Rp)"].to_list()[-1] == 604_800


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "2026-1", "26-12", "abcd", "2027-01", "1999-12", "2017-12"]
)
def test_a_malformed_future_or_ruleless_month_is_404(client, world, month):
    response = get(client, world["agent"], f"/agen/komisi/{world['agent'].pk}/{month}.pdf")
    assert response.status_code == 404


def test_the_ranking_as_xlsx(client, world):
    response = get(client, world["regency"], "/agen/kinerja/peringkat.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="peringkat-agen-2026-12')
    sheet = pl.read_excel(io.BytesIO(response.content), sheet_name="Peringkat agen")
    assert sorted(sheet["Nama pengguna"].to_list()) == ["agen", "agen2"]
    assert set(sheet["Keterangan"].to_list()) == {"belum cukup data"}
    assert sheet.filter(pl.col("Nama pengguna") == "agen")["Terdaftar"].to_list() == [3]
    notes = pl.read_excel(io.BytesIO(response.content), sheet_name="Keterangan", has_header=False)
    assert "Perpanjangan tepat waktu" in notes.to_series(0).to_list()
    assert AuditEvent.objects.filter(
        action="export", object_type="agents.ranking", actor=world["regency"]
    ).exists()
    # An agent has her own page, not the ranking.
    assert get(client, world["agent"], "/agen/kinerja/peringkat.xlsx").status_code == 404
    assert get(client, world["operator"], "/agen/kinerja/peringkat.xlsx").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [("regency", 200), ("coordinator", 200), ("admin", 200), ("analyst", 403), ("auditor", 403),
     ("agent", 403), ("operator", 403)],
)  # fmt: skip
def test_the_back_check_page_for_each_role(client, world, role, status):
    response = get(client, world[role], "/agen/cek-ulang/?status=queued")
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert text.count('data-status="queued"') == (2 if role == "regency" else 3)
        # The officers see phones masked; the number is opened on the worker's page when needed.
        if role != "admin":
            assert "0813****" in text and "+6281" not in text and "081300" not in text


def test_a_supervisor_records_a_call_on_the_page(client, world):
    check = BackCheck.objects.get(agent=world["agent"])
    client.force_login(world["regency"])
    # Still within the SMS's 14 days: not yet on the list of people to call.
    waiting = client.get("/agen/cek-ulang/").content.decode()
    assert 'data-status="queued"' not in waiting and "yang perlu ditelepon" in waiting
    response = client.post(f"/agen/cek-ulang/{check.pk}/", {"result": "failed", "note": "tidak kenal agen"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert (check.status, check.answer) == (BackCheckStatus.FAILED, "Telepon: tidak kenal agen")
    again = client.post(f"/agen/cek-ulang/{check.pk}/", {"result": "passed"})
    assert again.status_code == 400 and "sudah menjawab" in again.content.decode()
    other = BackCheck.objects.get(agent=world["agent2"])
    assert client.post(f"/agen/cek-ulang/{other.pk}/", {"result": "sembarang"}).status_code == 400
    outside = BackCheck.objects.get(agent=world["outsider"])
    assert client.post(f"/agen/cek-ulang/{outside.pk}/", {"result": "passed"}).status_code == 404
    assert client.get(f"/agen/cek-ulang/{check.pk}/").status_code == 405
    client.logout()
    assert client.get(f"/agen/cek-ulang/{check.pk}/").status_code == 405
    assert client.post(f"/agen/cek-ulang/{other.pk}/", {"result": "passed"}).status_code == 302
