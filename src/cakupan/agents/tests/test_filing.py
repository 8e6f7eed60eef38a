"""Filing: the phones' accepted records wait and go to the checker as one import per agent and kind once a
batch is due; a change filed from an old copy never overwrites a later change, it becomes a conflict."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from cakupan.agents.models import FieldRecord, RecordStatus
from cakupan.agents.services.filing import records_file
from cakupan.agents.services.settle import records_settle
from cakupan.agents.services.sync import records_sync
from cakupan.agents.tests.conftest import approve_imports, new_record
from cakupan.audit.models import AuditEvent, RowChange
from cakupan.registry.models import ImportExpectation, ImportStatus, Worker, WorkerImport
from cakupan.registry.selectors import worker_version
from cakupan.workspace.services import worker_form_values


@pytest.fixture
def batching(settings):
    settings.AGENTS = {"file_at": 3, "file_after_minutes": 60}


@pytest.fixture
def sync(people, django_capture_on_commit_callbacks):
    def run(records, user="agent"):
        with django_capture_on_commit_callbacks(execute=True):
            return records_sync(user=people[user], records=records)

    return run


def test_records_wait_for_a_batch_and_go_as_one_import(people, sync, batching, client):
    assert [r.status for r in sync([new_record()])] == ["submitted"]
    sync([new_record()])
    assert WorkerImport.objects.count() == 0  # two waiting, the oldest a moment old: not due
    assert records_file(due_only=True) == []
    sync([new_record()])  # the third: the batch is due
    upload = WorkerImport.objects.get()
    assert upload.rows == 3 and FieldRecord.objects.filter(worker_import=upload).count() == 3
    assert sorted(FieldRecord.objects.values_list("row_number", flat=True)) == [2, 3, 4]
    filed = AuditEvent.objects.get(object_type="agents.fieldrecord", action="update")
    assert filed.metadata == {"import": upload.pk, "records": 3, "kind": "new"}
    assert RowChange.objects.filter(event=filed).count() == 3


def test_the_oldest_waiting_an_hour_files_the_batch(people, sync, batching):
    sync([new_record()])
    FieldRecord.objects.update(received_at=timezone.now() - dt.timedelta(minutes=61))
    sync([new_record(), new_record()], user="agent2")
    assert records_file(due_only=True) and WorkerImport.objects.get().submitted_by == people["agent"]
    assert FieldRecord.objects.filter(agent=people["agent2"], worker_import__isnull=True).count() == 2


def test_the_agent_files_her_waiting_records_herself(people, sync, batching, client):
    sync([new_record(), new_record()])
    client.force_login(people["agent"])
    page = client.get("/agen/rekaman/").content.decode()
    assert "2 rekaman menunggu diajukan" in page
    answer = client.post("/agen/rekaman/ajukan/")
    assert answer.status_code == 302 and answer["Location"] == "/agen/rekaman/?diajukan=1"
    assert FieldRecord.objects.filter(worker_import=WorkerImport.objects.get()).count() == 2
    assert "sudah diajukan ke pemeriksa" in client.get(answer["Location"]).content.decode()
    assert client.post("/agen/rekaman/ajukan/")["Location"] == "/agen/rekaman/?diajukan=0"


def test_a_change_filed_from_an_old_copy_becomes_a_conflict_not_an_overwrite(
    people, sync, make_worker, django_capture_on_commit_callbacks
):
    worker = make_worker()
    change = {"client_id": str(uuid.uuid4()), "kind": "update", "worker_id": worker.pk,
              "base_version": worker_version(worker.updated_at),
              "values": {**worker_form_values(worker), "telepon": "081234567890"}}  # fmt: skip
    assert sync([change])[0].status == "submitted"
    expected = ImportExpectation.objects.get()
    assert worker_version(expected.updated_at) == change["base_version"]
    # An officer changes her before the checker approves the agent's import.
    worker.name = "Nama Dari Kantor"
    worker.save()
    with django_capture_on_commit_callbacks(execute=True):
        approve_imports(people["regency"])
    records_settle(agent=people["agent"])
    worker.refresh_from_db()
    assert (worker.name, worker.phone) == ("Nama Dari Kantor", "")  # nothing overwritten
    record = FieldRecord.objects.get()
    assert (record.status, record.code) == (RecordStatus.CONFLICT, "changed_on_server")
    status = records_sync(user=people["agent"], records=[{"client_id": change["client_id"]}])[0]
    assert status.server["nama"] == "Nama Dari Kantor" and status.version == worker_version(worker.updated_at)


def test_an_unchanged_copy_is_applied_through_the_guard(
    people, sync, make_worker, django_capture_on_commit_callbacks
):
    worker = make_worker()
    change = {"client_id": str(uuid.uuid4()), "kind": "update", "worker_id": worker.pk,
              "base_version": worker_version(worker.updated_at),
              "values": {**worker_form_values(worker), "telepon": "081234567890"}}  # fmt: skip
    sync([change])
    with django_capture_on_commit_callbacks(execute=True):
        approve_imports(people["regency"])
    records_settle(agent=people["agent"])
    assert Worker.objects.get(pk=worker.pk).phone == "+6281234567890"
    assert FieldRecord.objects.get().status == RecordStatus.UPDATED
    assert WorkerImport.objects.get().status == ImportStatus.APPLIED


def test_an_import_being_checked_is_never_settled(people, sync, monkeypatch):
    """The check's dry run leaves the import "checking": only the check step's own transaction (with the
    approval request) moves it on, so a settling in between never reads a half-made decision."""
    from cakupan.registry import importing

    seen = []
    real = importing.web._run_for_record

    def watch(record, **kwargs):
        result = real(record, **kwargs)
        seen.append(WorkerImport.objects.get(pk=record.pk).status)
        seen.append(len(records_settle(agent=people["agent"])))
        return result

    monkeypatch.setattr(importing.web, "_run_for_record", watch)
    sync([new_record()])
    assert seen == ["checking", 0]
    assert FieldRecord.objects.get().status == RecordStatus.SUBMITTED
    assert WorkerImport.objects.get().status == ImportStatus.PENDING_APPROVAL
