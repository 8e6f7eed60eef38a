"""A request that waited for the write lock past its timeout answers 503 with a clear message, never 500."""

import pytest
from django.db import OperationalError


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("database is locked", 503),
        ("canceling statement due to lock timeout", 503),
        ("no such table: elsewhere", 500),
    ],
)
def test_a_lock_timeout_is_busy_not_a_server_error(client, db, monkeypatch, error, status):
    def locked():
        raise OperationalError(error)

    monkeypatch.setattr("cakupan.core.selectors.task_health", locked)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == status
    if status == 503:
        assert response["Retry-After"] == "5"
        assert "Sistem sedang menulis data dalam jumlah besar" in response.content.decode()


def test_the_api_says_busy_with_a_stable_code(client, db, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    from cakupan.core.middleware import BUSY_MESSAGE

    monkeypatch.setattr("cakupan.portal.services.status_check", locked)
    response = client.post(
        "/api/v1/cek", {"nik": "3602014708950001", "faktor": "1234"}, content_type="application/json"
    )
    assert response.status_code == 503
    assert response.json() == {"code": "database_busy", "message": BUSY_MESSAGE}
