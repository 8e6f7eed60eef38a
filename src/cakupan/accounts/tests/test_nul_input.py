"""No page answers 500 for a NUL character in its query, whatever the role: PostgreSQL refuses NUL in text,
so a NUL that reaches a query would be a server error there (SQLite takes it)."""

from __future__ import annotations

import pytest

from cakupan.accounts.tests.test_access_matrix import _client_for, _probes, world  # noqa: F401  (fixture)

KEYS = ("q", "region", "wilayah", "kode", "bulan", "sektor", "status", "daftar", "cara", "page", "nik")


@pytest.mark.parametrize("role", ["provinsi", "desa", "sponsor", "anon"])
def test_a_nul_in_any_query_never_gives_a_server_error(client, world, role):  # noqa: F811
    headers = _client_for(client, world, role)
    errors = []
    for name, where, method, path, query in _probes(world):
        if where != "inside" or method != "get":
            continue
        noisy = {key: f"{value}\x00" for key, value in query.items()} | {key: "36\x00" for key in KEYS}
        response = client.get(path, noisy, **(headers if path.startswith("/api/") else {}))
        if response.status_code >= 500:
            errors.append((name, path, response.status_code))
    assert errors == []
