"""Walk every URL pattern and API route as every role: nothing outside the user's area comes back.

New routes are covered automatically: the walk reads the URL resolver and the OpenAPI schema.
"""

import datetime as dt
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cakupan.accounts.services import DEMO_ACCOUNTS, token_create, user_upsert_demo
from cakupan.coverage.services import membership_record
from cakupan.registry.services import worker_register

SECRET_NAME = "Rahasia Luarwilayah"
SECRET_NIK = "3673014506900007"
SECRET_KPJ = "19999999999"


def _patterns(resolvers, prefix=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _fill(pattern: str, object_id: str) -> str | None:
    """Turn a route pattern into a path, putting the secret record's id in every parameter."""
    if pattern.startswith("^") or "(?P" in pattern:
        pattern = re.sub(r"\(\?P<[^>]+>[^)]*\)", object_id, pattern).strip("^$").replace("\\", "")
    path = re.sub(r"<(?:\w+:)?\w+>", object_id, pattern)
    return None if any(ch in path for ch in "^$()[]?*+") else "/" + path


@pytest.fixture
def secret(db):
    for account in DEMO_ACCOUNTS:
        if account.area_code != "36" and account.superuser is False:
            user_upsert_demo(account=account, password="Banten-UCJ-2026")
    worker_register(
        nik="3602014506900001", name="Siti Dalam Lebak", birth_date=dt.date(1990, 6, 5), sex="P",
        desa_code="36.02.01.2002", sector="petani", monthly_income=1_000_000,
    )  # fmt: skip
    worker = worker_register(
        nik=SECRET_NIK, name=SECRET_NAME, birth_date=dt.date(1990, 6, 5), sex="P", desa_code="36.73.01.1001",
        sector="pedagang", monthly_income=1_000_000, phone="+6289876543210",
    )  # fmt: skip
    membership = membership_record(
        worker=worker, kpj=SECRET_KPJ, segment="BPU", paid_through=dt.date(2026, 11, 1)
    )
    return {"worker": worker, "membership": membership}


def _leaks(body: str) -> list[str]:
    found = [marker for marker in (SECRET_NAME, SECRET_NIK, SECRET_KPJ, "6289876543210") if marker in body]
    # A masked NIK of the secret record (3673********0007) would still reveal that it exists.
    if "3673********0007" in body:
        found.append("masked NIK")
    return found


def test_no_page_or_api_route_reveals_a_record_outside_the_area(client, secret):
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.exclude(area__isnull=True).exclude(area_id="36"))
    users += list(get_user_model().objects.filter(role="sponsor"))
    assert {u.username for u in users} >= {"lebak", "desa", "agen", "sponsor"}
    ids = {str(secret["worker"].id), str(secret["membership"].id)}
    paths = set()
    for pattern in _patterns(get_resolver().url_patterns):
        for object_id in ids:
            path = _fill(pattern, object_id)
            if path:
                paths.add(path)
    schema = client.get("/api/v1/openapi.json").json()
    api_paths = [p for p, ops in schema["paths"].items() if "get" in ops]
    for api_path in api_paths:
        for object_id in ids:
            paths.add(re.sub(r"\{\w+\}", object_id, api_path))
    assert "/api/v1/workers" in paths and f"/api/v1/workers/{secret['worker'].id}" in paths
    assert f"/admin/registry/worker/{secret['worker'].id}/change/" in paths

    checked = 0
    for user in [None, *users]:
        client.logout()
        headers = {}
        if user is not None:
            client.force_login(user)
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user)[1]}"}
        for path in sorted(paths):
            if "logout" in path:
                continue
            # Searches use parts of the secret values: a page echoing the query is not a leak, the whole is.
            for params in ({}, {"q": "Rahasia"}, {"region": "36.73"}, {"q": SECRET_NIK[:8]}):
                response = client.get(path, params, **(headers if path.startswith("/api/") else {}))
                body = response.content.decode(errors="replace") if response.status_code < 500 else ""
                assert response.status_code < 500, (path, params, user)
                assert not _leaks(body), (path, params, getattr(user, "username", None), _leaks(body))
                checked += 1
    assert checked > 500
