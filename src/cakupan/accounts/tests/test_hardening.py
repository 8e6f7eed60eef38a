"""Unmasking and exports are audited; logins are throttled and audited; headers and deploy checks."""

import csv
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.audit.models import AuditEvent
from cakupan.registry.services import EXPORT_COLUMNS, worker_register
from cakupan.workspace.services import token_create

PASSWORD = "Banten-UCJ-2026"


@pytest.fixture
def setting(db):
    import datetime as dt

    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password=PASSWORD)
    lebak = worker_register(
        nik="3602014506900001", name="Siti Dalam Lebak", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.02.01.2002", sector="pedagang", monthly_income=1_500_000, phone="+6281234567890",
    )  # fmt: skip
    serang = worker_register(
        nik="3673014506900002", name="Rahasia Luarwilayah", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.73.01.1001", sector="pedagang", monthly_income=1_500_000,
    )  # fmt: skip
    from cakupan.accounts.models import User

    return {"lebak_worker": lebak, "serang_worker": serang, **{u.username: u for u in User.objects.all()}}


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user)[1]}"}


def test_unmasking_shows_the_identifiers_and_writes_an_audit_event(client, setting):
    worker = setting["lebak_worker"]
    response = client.post(f"/api/v1/workers/{worker.id}/unmask", **_bearer(setting["lebak"]))
    assert response.status_code == 200
    assert (response.json()["nik"], response.json()["phone"], response.json()["birth_date"]) == (
        "3602014506900001", "+6281234567890", "1990-06-05",
    )  # fmt: skip
    event = AuditEvent.objects.get(action="unmask")
    assert (event.actor_username, event.object_type, event.object_id, event.region_code) == (
        "lebak", "registry.worker", str(worker.id), "36.02.01.2002",
    )  # fmt: skip


@pytest.mark.parametrize("role", ["analis", "auditor", "baznas", "bpjs", "desa"])
def test_only_the_checking_officers_may_unmask(client, setting, role):
    response = client.post(f"/api/v1/workers/{setting['lebak_worker'].id}/unmask", **_bearer(setting[role]))
    # The liaison and the village operator see identifiers anyway; the others have no need for them.
    assert (response.status_code, response.json()["code"]) == (403, "unmask_not_allowed")
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_unmasking_stops_at_the_daily_limit_and_alerts_the_auditors_once(client, setting):
    from cakupan.registry.services import UNMASK_DAILY_LIMIT

    headers = _bearer(setting["lebak"])
    url = f"/api/v1/workers/{setting['lebak_worker'].id}/unmask"
    statuses = [client.post(url, **headers).status_code for _ in range(UNMASK_DAILY_LIMIT + 2)]
    assert statuses == [200] * UNMASK_DAILY_LIMIT + [429, 429]
    refused = client.post(url, **headers).json()
    assert refused["code"] == "unmask_limit_reached" and "auditor telah diberi tahu" in refused["message"]
    assert AuditEvent.objects.filter(action="unmask", actor_username="lebak").count() == UNMASK_DAILY_LIMIT
    alerts = AuditEvent.objects.filter(action="alert")
    assert [(a.actor_username, a.metadata) for a in alerts] == [
        ("lebak", {"alert": "unmask_limit", "limit": UNMASK_DAILY_LIMIT})
    ]
    # Another officer's budget is their own.
    assert client.post(url, **_bearer(setting["provinsi"])).status_code == 200


def test_unmasking_outside_the_area_is_a_404_and_leaves_no_trace_of_the_record(client, setting):
    response = client.post(
        f"/api/v1/workers/{setting['serang_worker'].id}/unmask", **_bearer(setting["lebak"])
    )
    assert response.status_code == 404
    assert response.json()["code"] == "worker_not_found"
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_unmasking_with_a_session_needs_csrf(setting):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(setting["lebak"])
    response = strict.post(f"/api/v1/workers/{setting['lebak_worker'].id}/unmask")
    assert response.status_code in (401, 403)
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_export_is_masked_scoped_and_audited(client, setting):
    response = client.get("/api/v1/workers/export.csv", **_bearer(setting["provinsi"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert sorted(row[2] for row in rows[1:]) == ["Rahasia Luarwilayah", "Siti Dalam Lebak"]
    assert {row[1] for row in rows[1:]} == {"360201**********", "367301**********"}
    # No birth date beside a masked NIK (it would give back the hidden digits), an age band instead.
    assert {(row[3], row[4]) for row in rows[1:]} == {("", "35-44")}
    assert sorted(row[10] for row in rows[1:]) == ["", "0812********"]
    lebak = client.get("/api/v1/workers/export.csv", **_bearer(setting["lebak"])).content.decode()
    assert "Rahasia" not in lebak and "Siti Dalam Lebak" in lebak
    events = AuditEvent.objects.filter(action="export").order_by("id")
    assert [(e.actor_username, e.metadata["rows"], e.metadata["masked"]) for e in events] == [
        ("provinsi", 2, True), ("lebak", 1, True),
    ]  # fmt: skip


def test_admin_export_action_is_for_administrators_and_audited(client, setting):
    selected = {
        "action": "export_csv",
        "_selected_action": [setting["lebak_worker"].id, setting["serang_worker"].id],
    }
    client.force_login(setting["lebak"])
    refused = client.post("/admin/registry/worker/", selected)
    assert refused.status_code == 302 and not AuditEvent.objects.filter(action="export").exists()
    client.force_login(setting["admin"])
    response = client.post("/admin/registry/worker/", selected)
    body = response.content.decode()
    assert response.status_code == 200 and "Siti Dalam Lebak" in body and "Rahasia" in body
    assert AuditEvent.objects.get(action="export").metadata["rows"] == 2


def test_failed_logins_lock_the_account_and_are_audited(client, setting):
    for _ in range(5):
        client.post("/admin/login/", {"username": "lebak", "password": "salah-sandi"})
    locked = client.post("/admin/login/", {"username": "lebak", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Akun terkunci sementara" in locked.content.decode()
    assert not client.session.get("_auth_user_id")
    assert AuditEvent.objects.filter(action="login_failed", actor_username="lebak").count() >= 5
    # Another account from the same address is not locked.
    other = client.post("/admin/login/", {"username": "provinsi", "password": PASSWORD})
    assert other.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor_username="provinsi").count() == 1


def test_password_spraying_from_one_address_locks_the_address(client, setting):
    from cakupan.accounts.throttling import LOCKOUT_LIMITS, LOCKOUT_PARAMETERS

    assert settings.AXES_LOCKOUT_PARAMETERS == LOCKOUT_PARAMETERS
    per_address = dict(LOCKOUT_LIMITS)[("ip_address",)]
    # One common password tried once on many accounts: no single account reaches its own limit.
    for number in range(per_address):
        client.post("/admin/login/", {"username": f"pegawai-{number}", "password": "Banten2026!"})
    locked = client.post("/admin/login/", {"username": "provinsi", "password": PASSWORD})
    assert locked.status_code == 429 and not client.session.get("_auth_user_id")
    other_machine = Client(REMOTE_ADDR="10.9.9.9")
    assert (
        other_machine.post("/admin/login/", {"username": "provinsi", "password": PASSWORD}).status_code == 302
    )


def test_one_account_attacked_from_many_addresses_is_locked(setting):
    from cakupan.accounts.throttling import LOCKOUT_LIMITS

    per_user = dict(LOCKOUT_LIMITS)[("username",)]
    for number in range(per_user):
        Client(REMOTE_ADDR=f"10.1.0.{number + 1}").post(
            "/admin/login/", {"username": "lebak", "password": "salah-sandi"}
        )
    fresh = Client(REMOTE_ADDR="10.2.0.1").post("/admin/login/", {"username": "lebak", "password": PASSWORD})
    assert fresh.status_code == 429


def test_pages_carry_a_strict_content_security_policy(client, setting):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    for path in ("/", "/kalkulator/", "/admin/login/"):
        page = client.get(path).content.decode()
        assert "<script>" not in page and "onclick=" not in page, path


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    cakupan = Path(sys.executable).parent / "cakupan"
    env = {
        **os.environ,
        "CAKUPAN_PRODUCTION": "1",
        "CAKUPAN_SECRET_KEY": secrets.token_urlsafe(60),
        "CAKUPAN_ALLOWED_HOSTS": "cakupan.bantenprov.go.id",
        "CAKUPAN_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [cakupan, "check", "--deploy"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    no_key = {k: v for k, v in env.items() if k != "CAKUPAN_SECRET_KEY"}
    refused = subprocess.run([cakupan, "check"], env=no_key, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "CAKUPAN_SECRET_KEY must be set" in refused.stderr
    public = {**env, "CAKUPAN_SECRET_KEY": settings.DEVELOPMENT_SECRET_KEY}
    refused = subprocess.run([cakupan, "check"], env=public, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "public development key" in refused.stderr


def test_deploy_check_names_a_demo_setup(tmp_path):
    cakupan = Path(sys.executable).parent / "cakupan"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAKUPAN_")}
    env.update({"CAKUPAN_VAR_DIR": str(tmp_path), "CAKUPAN_DEBUG": "1"})
    result = subprocess.run(
        [cakupan, "check", "--deploy"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    for code in ("cakupan.E001", "cakupan.E002", "cakupan.E003"):
        assert code in result.stderr, code


def test_exports_never_write_a_formula(client, setting):
    from cakupan.registry.models import Worker

    # Legacy rows from before names were checked at intake: the export still neutralises them.
    Worker.objects.filter(pk=setting["lebak_worker"].pk).update(name='=HYPERLINK("http://x","klik")')
    body = client.get("/api/v1/workers/export.csv", **_bearer(setting["desa"])).content.decode()
    row = next(line for line in body.splitlines() if "HYPERLINK" in line)
    assert '"\'=HYPERLINK(""http://x"",""klik"")"' in row


def test_the_worker_list_refuses_pages_it_cannot_have(client, setting):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=setting['provinsi'])[1]}"}
    for query in ("page=0", f"page={10**12}", f"page={10**30}", "page=-1", "page_size=0", "page_size=5000"):
        response = client.get(f"/api/v1/workers?{query}", **headers)
        assert (response.status_code, response.json()["code"]) == (422, "parameter_invalid"), query
    last = client.get("/api/v1/workers?page=10000000", **headers)
    assert last.status_code == 200 and last.json()["items"] == []


def test_the_landing_page_carries_its_stylesheet_under_the_responses_nonce(client, setting):
    import re

    first, second = client.get("/"), client.get("/")
    nonces = []
    for response in (first, second):
        page = response.content.decode()
        (nonce,) = re.findall(r'<style nonce="([^"]+)">', page)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert ".site-header" in page
        assert 'rel="stylesheet"' not in page
        nonces.append(nonce)
    # A fresh nonce each response, and still no 'unsafe-inline' for styles.
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16
    assert "unsafe-inline" not in first["Content-Security-Policy"]
    # Other pages link the stylesheet (cached) and put no nonce in their policy.
    other = client.get("/kalkulator/")
    assert 'rel="stylesheet"' in other.content.decode() and "nonce-" not in other["Content-Security-Policy"]
