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
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


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
        # An account without an area sees nothing, as everywhere else (core.scoping).
        ("auditor_nowhere", []),
        ("root", ["Tanpa wilayah", "Buka Serang", "Ekspor Lebak"]),
        # Lebak's auditor sees Lebak and events without a region, never Kota Serang's.
        ("auditor_lebak", ["Tanpa wilayah", "Ekspor Lebak"]),
    ],
)
def test_area_restricted_visibility(client, trail, who, expected):
    assert _shown(_page(client, trail[who])) == expected


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
    assert "<strong>nik</strong>: 3673********0001 → 3673014506900001" in body
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
