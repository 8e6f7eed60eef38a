"""The auditor page: who may open it, which events each auditor sees, filters, dates and pagination."""

import datetime as dt
from unittest import mock

import pytest

from cakupan.accounts.models import Role, User
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record

PASSWORD = "Banten-UCJ-2026"
JAKARTA = dt.timezone(dt.timedelta(hours=7))
pytestmark = pytest.mark.urls("cakupan.audit.tests.urls")


def _user(username, role, area=None, **extra):
    return User.objects.create_user(username=username, password=PASSWORD, role=role, area_id=area, **extra)


def _record(at, **kwargs):
    with mock.patch("django.utils.timezone.now", return_value=at):
        return audit_record(**kwargs)


@pytest.fixture
def trail(db):
    users = {
        "auditor_province": _user("auditor-banten", Role.AUDITOR, "36"),
        "auditor_lebak": _user("auditor-lebak", Role.AUDITOR, "36.02"),
        "auditor_nowhere": _user("auditor-pusat", Role.AUDITOR, None),
        "coordinator": _user("koordinator", Role.PROVINCIAL_COORDINATOR, "36"),
        "root": User.objects.create_superuser(username="root", password=PASSWORD),
        "analyst": _user("analis", Role.PROVINCIAL_ANALYST, "36"),
        "operator": _user("operator-desa", Role.VILLAGE_OPERATOR, "36.02.01.2002"),
    }
    # Accounts above produce their own "create" events; the page tests below look only at these three.
    _record(
        dt.datetime(2026, 11, 22, 23, 30, tzinfo=JAKARTA), action=AuditAction.EXPORT,
        actor=users["coordinator"], object_type="registry.worker", object_id="11", object_repr="Ekspor Lebak",
        region_code="36.02.01.2002",
    )  # fmt: skip
    _record(
        dt.datetime(2026, 11, 23, 0, 30, tzinfo=JAKARTA), action=AuditAction.UNMASK, actor=users["operator"],
        object_type="registry.worker", object_id="12", object_repr="Buka Serang", region_code="36.73.01.1001",
        changes={"nik": ["3673********0001", "3673014506900001"]},
    )  # fmt: skip
    _record(
        dt.datetime(2026, 11, 24, 10, 0, tzinfo=JAKARTA), action=AuditAction.LOGIN_FAILED,
        actor_username="penyusup", object_repr="Tanpa wilayah", ip_address="198.51.100.4",
    )  # fmt: skip
    return users


def _page(client, user, **params):
    client.force_login(user)
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response


def _shown(response):
    return [row.object_repr for row in response.context["page"].object_list if row.object_repr in MARKERS]


MARKERS = {"Ekspor Lebak", "Buka Serang", "Tanpa wilayah"}


def test_anonymous_is_sent_to_login(client, trail):
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")


@pytest.mark.parametrize("who", ["analyst", "operator"])
def test_other_roles_are_forbidden(client, trail, who):
    client.force_login(trail[who])
    assert client.get("/audit/").status_code == 403


def test_only_get_is_allowed(client, trail):
    client.force_login(trail["auditor_province"])
    assert client.post("/audit/").status_code == 405


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("auditor_province", ["Tanpa wilayah", "Buka Serang", "Ekspor Lebak"]),
        ("coordinator", ["Tanpa wilayah", "Buka Serang", "Ekspor Lebak"]),
        ("root", ["Tanpa wilayah", "Buka Serang", "Ekspor Lebak"]),
        # Lebak's auditor sees Lebak and events without a region, never Kota Serang's.
        ("auditor_lebak", ["Tanpa wilayah", "Ekspor Lebak"]),
    ],
)
def test_area_restricted_visibility(client, trail, who, expected):
    assert _shown(_page(client, trail[who])) == expected


def test_an_auditor_without_an_area_may_not_open_the_trail(client, trail):
    # As everywhere else (core.scoping): a forgotten area never means province-wide.
    client.force_login(trail["auditor_nowhere"])
    assert client.get("/audit/").status_code == 403


def test_lebak_auditor_never_sees_serang_details(client, trail):
    body = _page(client, trail["auditor_lebak"], object_type="registry.worker").content.decode()
    assert "Buka Serang" not in body and "3673014506900001" not in body
    assert "36.73" not in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "OPERATOR"}, ["Buka Serang"]),
        ({"actor": "penyusup"}, ["Tanpa wilayah"]),
        ({"action": "export"}, ["Ekspor Lebak"]),
        ({"object_type": "registry.worker"}, ["Buka Serang", "Ekspor Lebak"]),
        ({"object_type": "registry.worker", "object_id": "12"}, ["Buka Serang"]),
        # WIB days: 23:30 on the 22nd is not the 23rd, 00:30 on the 23rd is.
        ({"date_from": "2026-11-23", "date_to": "2026-11-23"}, ["Buka Serang"]),
        ({"date_from": "23/11/2026"}, ["Tanpa wilayah", "Buka Serang"]),
        ({"date_to": "2026-11-22"}, ["Ekspor Lebak"]),
        ({"action": "export", "actor": "operator"}, []),
    ],
)
def test_filters(client, trail, params, expected):
    assert _shown(_page(client, trail["auditor_province"], **params)) == expected


def test_dates_are_shown_in_wib_and_changes_as_before_after(client, trail):
    body = _page(client, trail["auditor_province"], object_id="12").content.decode()
    assert "23/11/2026 00:30 WIB" in body
    # Auditors see identifiers masked in the trail too, also where an event recorded them in full.
    assert "<strong>nik</strong>: 3673************ → 367301**********" in body
    assert "3673014506900001" not in body
    client.force_login(trail["root"])
    full = client.get("/audit/", {"object_id": "12"}).content.decode()
    assert "3673014506900001" in full
    assert "Jejak audit" in body and "Dari tanggal" in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-45"}, "Tanggal tidak valid"),
        ({"date_to": "kemarin"}, "Tanggal tidak valid"),
        ({"date_from": "2026-11-24", "date_to": "2026-11-23"}, "Tanggal awal harus sama dengan atau sebelum"),
        ({"action": "teleport"}, "Aksi tidak dikenal."),
    ],
)
def test_bad_filter_input_shows_a_message_not_an_error(client, trail, params, message):
    response = _page(client, trail["auditor_province"], **params)
    body = response.content.decode()
    assert message in body
    assert response.context["page"] is None
    assert "Perbaiki isian saringan" in body


def test_empty_result_message(client, trail):
    body = _page(client, trail["auditor_province"], object_id="tidak-ada").content.decode()
    assert "Tidak ada peristiwa yang cocok dengan saringan." in body


def test_pagination_fifty_per_page_keeps_filters(client, trail):
    for number in range(120):
        audit_record(
            action=AuditAction.IMPORT, object_type="registry.worker", object_id=f"batch-{number:03d}"
        )
    first = _page(client, trail["auditor_province"], action="import")
    page = first.context["page"]
    assert (len(page.object_list), page.paginator.count, page.paginator.num_pages) == (50, 120, 3)
    # Newest first: the last recorded batch leads the first page.
    assert page.object_list[0].object_id == "batch-119"
    assert "Menampilkan 1–50 dari 120 peristiwa." in first.content.decode()
    assert "?action=import&amp;page=2" in first.content.decode()
    last = _page(client, trail["auditor_province"], action="import", page="3").context["page"]
    assert [event.object_id for event in last.object_list] == [f"batch-{n:03d}" for n in range(19, -1, -1)]
    # A page number that is not a number falls back to the first page rather than failing.
    odd = _page(client, trail["auditor_province"], action="import", page="x").context["page"]
    assert odd.number == 1


def test_the_rows_of_a_bulk_change_are_shown_masked_and_scoped(client, trail, settings, tmp_path):
    from cakupan.audit.models import AuditEvent
    from cakupan.registry import importing

    settings.VAR_DIR = tmp_path / "var"
    path = tmp_path / "pekerja.csv"
    path.write_text(
        "nik;nama;tanggal_lahir;jenis_kelamin;kode_desa;sektor;penghasilan\n"
        "3602014506900001;Siti Aminah;1990-06-05;P;36.02.01.2002;nelayan;1000000\n"
        "3673011506900002;Budi Serang;1990-06-15;L;36.73.01.1001;petani;900000\n",
        encoding="utf-8",
    )
    importing.workers_import(path=path, today=dt.date(2026, 11, 23))
    event = AuditEvent.objects.get(action="import")
    listing = _page(client, trail["auditor_province"], action="import").content.decode()
    assert f'href="/audit/{event.pk}/baris/">2 baris</a>' in listing
    rows = client.get(f"/audit/{event.pk}/baris/").content.decode()
    assert "Siti Aminah" in rows and "Budi Serang" in rows
    assert "360201**********" in rows and "3602014506900001" not in rows and "1990-06-05" not in rows
    client.force_login(trail["auditor_lebak"])
    lebak = client.get(f"/audit/{event.pk}/baris/").content.decode()
    assert "Siti Aminah" in lebak and "Budi Serang" not in lebak
    client.force_login(trail["analyst"])
    assert client.get(f"/audit/{event.pk}/baris/").status_code == 403
    client.force_login(trail["auditor_province"])
    assert client.get("/audit/999999/baris/").status_code == 404


def test_security_alerts_head_the_page(client, trail):
    audit_record(
        action=AuditAction.ALERT, actor=trail["coordinator"], object_repr="Batas buka data tersamar tercapai",
        region_code="36", metadata={"alert": "unmask_limit", "limit": 20},
    )  # fmt: skip
    body = _page(client, trail["auditor_province"]).content.decode()
    assert 'data-testid="alerts"' in body and "Batas buka data tersamar tercapai (batas 20 per hari)" in body


def test_a_date_at_the_end_of_the_calendar_is_no_error(client, trail):
    assert _page(client, trail["auditor_province"], date_to="9999-12-31").status_code == 200
