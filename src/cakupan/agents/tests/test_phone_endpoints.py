"""The phone's JSON endpoints and the agent's pages: sign-in, CSRF, every refusal as {code, message}."""

import json
import uuid

import pytest
from django.test import Client

from cakupan.agents.models import FieldRecord
from cakupan.agents.tests.conftest import DESA, OTHER_DESA, new_record, person
from cakupan.registry.selectors import worker_version
from cakupan.workspace.services import worker_form_values


def post(client, url, body, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


@pytest.fixture
def agent(client, people):
    client.force_login(people["agent"])
    return client


def test_a_sync_round_trip(agent, people, django_capture_on_commit_callbacks):
    records = [new_record(), new_record(person(desa=OTHER_DESA))]
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(agent, "/agen/sinkron/", {"records": records})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["client_id"], r["status"], r["code"]) for r in results] == [
        (records[0]["client_id"], "submitted", ""),
        (records[1]["client_id"], "rejected", "desa_outside_area"),
    ]
    asked = [records[0]["client_id"], str(uuid.uuid4())]
    status = post(agent, "/agen/sinkron/status/", {"client_ids": asked})
    assert [r["status"] for r in status.json()["results"]] == ["submitted", "unknown"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{bukan json", 400, "json_invalid"),
        (b"\xff\xfe", 400, "json_invalid"),
        ([1, 2], 400, "json_invalid"),
        ({"records": "semua"}, 400, "records_invalid"),
        (b'{"records": [' + b"9" * 5000 + b"]}", 400, "json_invalid"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "json_invalid"),
        ({"records": [{"client_id": str(uuid.uuid4())}] * 1001}, 413, "sync_too_large"),
    ],
)
def test_broken_syncs_get_a_code_and_a_message(agent, body, status, code):
    answer = post(agent, "/agen/sinkron/", body)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert answer.json()["message"]
    assert FieldRecord.objects.count() == 0


def test_a_body_over_the_upload_limit_is_refused_not_a_500(agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = post(agent, "/agen/sinkron/", {"records": [new_record() for _ in range(20)]})
    assert (answer.status_code, answer.json()["code"]) == (413, "sync_too_large")


def test_status_and_resolve_refuse_malformed_requests(agent):
    for body in ({"client_ids": "x"}, {"client_ids": [1]}, {"client_ids": ["a"] * 1001}, []):
        answer = post(agent, "/agen/sinkron/status/", body)
        assert (answer.status_code, answer.json()["code"]) == (400, "client_ids_invalid")
    answer = post(agent, "/agen/sinkron/konflik/", {"client_id": str(uuid.uuid4()), "choice": "keep_server"})
    assert (answer.status_code, answer.json()["code"]) == (404, "record_not_found")
    answer = post(agent, "/agen/sinkron/konflik/", {"client_id": None, "choice": None})
    assert (answer.status_code, answer.json()["code"]) == (400, "choice_invalid")


def test_an_ended_session_and_other_roles_are_told_in_json(client, people):
    answer = post(client, "/agen/sinkron/", {"records": []})
    assert (answer.status_code, answer.json()["code"]) == (401, "login_required")
    client.force_login(people["regency"])
    answer = post(client, "/agen/sinkron/", {"records": []})
    assert (answer.status_code, answer.json()["code"]) == (403, "not_allowed")


def test_a_sync_without_the_csrf_token_is_refused(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["agent"])
    refused = post(client, "/agen/sinkron/", {"records": [new_record()]})
    assert refused.status_code == 403
    token = client.get("/agen/sinkron/token/").json()
    assert token["user"] == "agen" and token["area"] == "36.02.01"
    accepted = post(client, "/agen/sinkron/", {"records": []}, HTTP_X_CSRFTOKEN=token["csrf_token"])
    assert (accepted.status_code, accepted.json()) == (200, {"results": []})


def test_the_records_page_settles_a_conflict(agent, people, make_worker, django_capture_on_commit_callbacks):
    worker = make_worker()
    read = worker_version(worker.updated_at)
    worker.save()
    record = {"client_id": str(uuid.uuid4()), "kind": "update", "worker_id": worker.pk, "base_version": read,
              "values": worker_form_values(worker)}  # fmt: skip
    post(agent, "/agen/sinkron/", {"records": [record]})
    page = agent.get("/agen/rekaman/?status=conflict").content.decode()
    assert "Bentrok dengan data di server" in page and "Pakai data server" in page
    done = agent.post(f"/agen/rekaman/{record['client_id']}/selesaikan/", {"choice": "keep_server"})
    assert done.status_code == 302
    assert FieldRecord.objects.get().status == "discarded"
    again = agent.post(f"/agen/rekaman/{record['client_id']}/selesaikan/", {"choice": "keep_server"})
    assert again.status_code == 400 and "tidak sedang bentrok" in again.content.decode()
    missing = agent.post(f"/agen/rekaman/{uuid.uuid4()}/selesaikan/", {"choice": "keep_server"})
    assert missing.status_code == 404
    assert agent.get("/agen/rekaman/?status=tidak-ada").status_code == 200


def test_the_visit_list_page_and_its_json(agent, people, make_worker):
    make_worker(DESA, decile=3)
    page = agent.get("/agen/")
    assert page.status_code == 200 and "Belum pernah terdaftar BPJS Ketenagakerjaan" in page.content.decode()
    visits = agent.get("/agen/kunjungan.json?limit=5").json()["visits"]
    assert [v["reason"] for v in visits] == ["never"]
    assert agent.get(f"/agen/?desa={OTHER_DESA}").status_code == 403
    assert agent.get(f"/agen/kunjungan.json?desa={OTHER_DESA}").json()["code"] == "desa_outside_area"
    assert agent.get("/agen/kunjungan.json?desa=%00").status_code == 403
    assert agent.get("/agen/kunjungan.json?limit=abc").status_code == 200


def test_numbers_no_database_holds_refuse_the_record_not_the_sync(agent):
    huge = {"client_id": str(uuid.uuid4()), "kind": "update", "worker_id": 2**70, "base_version": 2**64,
            "values": person()}  # fmt: skip
    answer = post(agent, "/agen/sinkron/", {"records": [huge, new_record()]})
    assert answer.status_code == 200
    assert [(r["status"], r["code"]) for r in answer.json()["results"]] == [
        ("rejected", "update_without_version"),
        ("submitted", ""),
    ]


def test_the_visit_list_sent_to_a_phone_is_audited_as_an_export(agent, people, make_worker):
    from cakupan.audit.models import AuditEvent

    make_worker(DESA)
    agent.get("/agen/kunjungan.json")
    event = AuditEvent.objects.get(action="export", object_type="agents.visitlist")
    assert (event.actor, event.metadata) == (people["agent"], {"people": 1, "desa": ""})


def test_a_conflict_is_compared_field_by_field_with_the_servers_data(agent, make_worker):
    worker = make_worker()
    read = worker_version(worker.updated_at)
    worker.name = "Nama Di Server"
    worker.save()
    values = {**worker_form_values(worker), "nama": "Nama Di Ponsel"}
    record = {"client_id": str(uuid.uuid4()), "kind": "update", "worker_id": worker.pk, "base_version": read,
              "values": values}  # fmt: skip
    post(agent, "/agen/sinkron/", {"records": [record]})
    page = agent.get("/agen/rekaman/?status=conflict").content.decode()
    assert (
        '<tr class="differs"><th scope="row">Nama</th><td>Nama Di Ponsel</td><td>Nama Di Server</td></tr>'
        in page
    )
    assert "kode_desa" not in page
