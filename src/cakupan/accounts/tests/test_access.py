"""Area scope, masking and API authentication, with users and data made through the real services."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import can
from cakupan.accounts.models import ApiToken, Role, User
from cakupan.accounts.services import DEMO_ACCOUNTS, token_authenticate, user_upsert_demo
from cakupan.core.ages import age_band
from cakupan.core.errors import DomainError
from cakupan.core.masking import mask_identifiers_in_text, mask_kpj, mask_nik, mask_phone
from cakupan.registry.models import Worker
from cakupan.registry.services import worker_register
from cakupan.workspace.services import token_create, token_revoke

PASSWORD = "Banten-UCJ-2026"
LEBAK_DESA = "36.02.01.2002"
SERANG_DESA = "36.73.01.1001"


def _register(nik, desa, name):
    return worker_register(
        nik=nik, name=name, birth_date=dt.date(1990, 6, 5), sex="P", desa_code=desa, sector="pedagang",
        monthly_income=1_500_000, phone="+6281234567890",
    )  # fmt: skip


@pytest.fixture
def people(db):
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password=PASSWORD)
    inside = _register("3602014506900001", LEBAK_DESA, "Siti Dalam Lebak")
    # Issued in Lebak but living in Kota Serang: the domicile decides the area, not the NIK prefix.
    outside = _register("3602014506900002", SERANG_DESA, "Rahasia Luarwilayah")
    return {"inside": inside, "outside": outside, **{u.username: u for u in User.objects.all()}}


def test_scope_follows_the_area_of_domicile(people):
    def names(username):
        user = User.objects.get(username=username)
        return sorted(Worker.objects.for_user(user).values_list("name", flat=True))

    assert names("provinsi") == ["Rahasia Luarwilayah", "Siti Dalam Lebak"]
    assert names("lebak") == ["Siti Dalam Lebak"]
    assert names("desa") == ["Siti Dalam Lebak"]
    assert names("sponsor") == []
    assert names("admin") == ["Rahasia Luarwilayah", "Siti Dalam Lebak"]
    lost = User.objects.create_user(username="tanpa-wilayah", password=PASSWORD, role=Role.REGENCY_OFFICER)
    assert names("tanpa-wilayah") == [] and lost.area_id is None


def test_masking_keeps_nothing_that_identifies_the_person():
    # Only the kecamatan of issue: the birth date (digits 7-12) and the serial (13-16) are gone.
    assert mask_nik("3601234567890001") == "360123**********"
    assert mask_nik("123") == "***"
    # Only the operator prefix: the last digits are the public status check's second factor.
    assert mask_phone("+6281234567890") == "0812********"
    assert mask_phone("") == ""
    assert mask_kpj("12345678901") == "***********"
    assert mask_identifiers_in_text("NIK 3602014506900001 dan 36020145069000011") == (
        "NIK 360201********** dan 36020145069000011"
    )
    assert mask_identifiers_in_text("KPJ 19000000001, HP +6281234567890 / 081234567890") == (
        "KPJ ***********, HP 0812******** / 0812********"
    )
    assert age_band(dt.date(1990, 6, 5), on=dt.date(2026, 12, 2)) == "35-44"
    assert age_band(dt.date(1991, 12, 3), on=dt.date(2026, 12, 2)) == "25-34"
    assert age_band(dt.date(1991, 12, 2), on=dt.date(2026, 12, 2)) == "35-44"
    assert age_band(dt.date(1950, 1, 1), on=dt.date(2026, 12, 2)) == "65+"


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user)[1]}"}


def test_workers_api_lists_only_the_area_and_masks_for_officers(client, people):
    body = client.get("/api/v1/workers", **_bearer(people["lebak"])).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["name"], item["nik"], item["desa_code"], item["sector"]) == (
        "Siti Dalam Lebak", "360201**********", LEBAK_DESA, "pedagang",
    )  # fmt: skip
    assert (item["phone"], item["birth_date"], item["age_band"]) == ("0812********", None, "35-44")
    # The village operator registers people and sees their identifiers in full.
    operator = client.get("/api/v1/workers", {"region": LEBAK_DESA}, **_bearer(people["desa"])).json()
    assert (operator["items"][0]["nik"], operator["items"][0]["birth_date"]) == (
        "3602014506900001",
        "1990-06-05",
    )
    province = client.get("/api/v1/workers", {"region": "36.73"}, **_bearer(people["provinsi"])).json()
    assert [w["name"] for w in province["items"]] == ["Rahasia Luarwilayah"]


def test_workers_api_refuses_regions_outside_the_area_and_hides_single_records(client, people):
    headers = _bearer(people["lebak"])
    outside_region = client.get("/api/v1/workers", {"region": "36.73"}, **headers)
    assert outside_region.status_code == 403 and outside_region.json()["code"] == "region_outside_area"
    unknown = client.get("/api/v1/workers", {"region": "36.99"}, **headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "region_unknown"
    # The province contains Lebak: allowed, but still only Lebak's rows.
    assert client.get("/api/v1/workers", {"region": "36"}, **headers).json()["count"] == 1
    hidden = client.get(f"/api/v1/workers/{people['outside'].id}", **headers)
    missing = client.get("/api/v1/workers/999999999", **headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    mine = client.get(f"/api/v1/workers/{people['inside'].id}", **headers)
    assert mine.status_code == 200 and mine.json()["nik"] == "360201**********"


def test_api_needs_a_live_token_or_a_session(client, people):
    assert client.get("/api/v1/workers").status_code == 401
    assert client.get("/api/v1/workers", HTTP_AUTHORIZATION="Bearer ckp_tampered").status_code == 401
    token, value = token_create(user=people["lebak"])
    assert client.get("/api/v1/workers", HTTP_AUTHORIZATION=f"Bearer {value}x").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/workers", HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 401
    _, other = token_create(user=people["lebak"])
    assert token_revoke(value=other) == 1
    assert client.get("/api/v1/workers", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 401
    client.force_login(people["lebak"])
    assert client.get("/api/v1/workers").json()["count"] == 1


def test_tokens_are_stored_as_digests_and_checked_for_the_user(people):
    token, value = token_create(user=people["bpjs"], days=1)
    assert value.startswith("ckp_") and value not in token.digest and len(token.digest) == 64
    assert token_authenticate(value=value) == people["bpjs"]
    people["bpjs"].is_active = False
    people["bpjs"].save()
    assert token_authenticate(value=value) is None
    with pytest.raises(DomainError) as raised:
        token_create(user=people["bpjs"])
    assert raised.value.code == "user_inactive"
    with pytest.raises(DomainError) as raised:
        token_create(user=people["lebak"], days=0)
    assert raised.value.code == "token_days_invalid"


def test_a_token_records_its_last_use_to_the_minute(people):
    token, value = token_create(user=people["bpjs"], days=1)
    assert token_authenticate(value=value) == people["bpjs"]
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None
    assert token_authenticate(value=value) == people["bpjs"]
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use
    a_while_ago = first_use - dt.timedelta(seconds=61)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=a_while_ago)
    assert token_authenticate(value=value) == people["bpjs"]
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first_use


def test_token_command_prints_the_token_last_and_revokes(client, people):
    out = io.StringIO()
    call_command("token", "create", "lebak", stdout=out)
    value = out.getvalue().strip().splitlines()[-1]
    assert client.get("/api/v1/workers", HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 200
    revoked = io.StringIO()
    call_command("token", "revoke", "--token", value, stdout=revoked)
    assert revoked.getvalue().strip() == "1 token dicabut."
    assert client.get("/api/v1/workers", HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 401
    with pytest.raises(CommandError, match="token_not_found"):
        call_command("token", "revoke", "--token", value, stdout=io.StringIO())
    with pytest.raises(CommandError, match="user_unknown"):
        call_command("token", "create", "tidak-ada", stdout=io.StringIO())


def test_token_creation_and_revocation_are_audited_without_the_value(people):
    from cakupan.audit.models import AuditEvent

    out = io.StringIO()
    call_command("token", "create", "lebak", "--days", "7", stdout=out)
    value = out.getvalue().strip().splitlines()[-1]
    token_create(user=people["bpjs"], actor=people["admin"])
    assert token_revoke(user=people["lebak"], actor=people["admin"]) == 1
    events = list(AuditEvent.objects.filter(action__startswith="token_").order_by("id"))
    assert [(e.action, e.actor_username.split(":")[0], e.metadata["user"]) for e in events] == [
        ("token_create", "cli", "lebak"),
        ("token_create", "admin", "bpjs"),
        ("token_revoke", "admin", "lebak"),
    ]
    assert events[0].metadata["days"] == 7 and events[0].metadata["prefix"] == value[4:12]
    assert all(value not in str(e.metadata) + str(e.changes) + e.object_repr for e in events)
    assert (events[2].object_type, events[2].region_code) == ("accounts.apitoken", "36.02")


def test_the_authorization_table_decides_and_groups_carry_no_permissions(people):
    analyst, lebak, desa = people["analis"], people["lebak"], people["desa"]
    assert can(analyst, authz.WORKER_VIEW, people["inside"]) and not can(analyst, authz.WORKER_REGISTER)
    assert can(desa, authz.WORKER_REGISTER, people["inside"])
    assert not can(desa, authz.WORKER_REGISTER, people["outside"])
    # Kab/kota officers check the villages' work; they do not enter it themselves.
    assert not can(lebak, authz.WORKER_REGISTER) and can(lebak, authz.IMPORT_APPROVE)
    assert not can(people["sponsor"], authz.WORKER_VIEW) and not people["sponsor"].is_staff
    assert not any(user.get_all_permissions() for user in User.objects.filter(is_superuser=False))
    with pytest.raises(ImproperlyConfigured):
        can(lebak, "worker.delete")


def test_the_admin_is_for_administrators_only(client, people):
    client.force_login(people["lebak"])
    assert client.get("/admin/registry/worker/").status_code == 302
    assert client.get(f"/admin/registry/worker/{people['inside'].id}/change/").status_code == 302
    client.force_login(people["admin"])
    listing = client.get("/admin/registry/worker/").content.decode()
    assert "Siti Dalam Lebak" in listing and "Rahasia Luarwilayah" in listing
    # In Bahasa, with the apps' own names.
    index = client.get("/admin/").content.decode()
    assert "Cakupan" in index and "Wilayah" in index and "COVERAGE" not in index and "Axes" not in index


def test_refused_tokens_and_outside_area_requests_are_logged(client, people, caplog):
    with caplog.at_level("WARNING", logger="cakupan.security"):
        client.get("/api/v1/workers", HTTP_AUTHORIZATION="Bearer ckp_tampered-value")
        client.get("/api/v1/workers", {"region": "36.73"}, **_bearer(people["lebak"]))
    messages = [record.getMessage() for record in caplog.records if record.name == "cakupan.security"]
    assert messages[0].startswith("api_token_refused prefix=ckp_tamp ")
    assert "tampered-value" not in messages[0]
    assert messages[1].startswith("region_outside_area user=lebak path=/api/v1/workers?region=36.73")
