"""Changes made on a phone: applied through the import when the phone started from the server's current
version; a visible conflict when the worker changed meanwhile or another device changed it first; the
agent settles it by version, and nothing is silently overwritten."""

import uuid

import pytest

from cakupan.agents.models import FieldRecord, RecordStatus
from cakupan.agents.services.conflicts import conflict_resolve
from cakupan.agents.services.settle import records_settle
from cakupan.agents.services.sync import records_sync
from cakupan.agents.tests.conftest import (
    DESA,
    OTHER_DESA,
    approve_imports,
    new_record,
    person,
    reject_imports,
)
from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError
from cakupan.registry.models import ImportStatus, OnDuplicate, Worker, WorkerImport
from cakupan.registry.selectors import worker_version
from cakupan.registry.services import worker_register
from cakupan.workspace.services import worker_form_values


@pytest.fixture
def sync(people, django_capture_on_commit_callbacks):
    def run(records, user="agent"):
        with django_capture_on_commit_callbacks(execute=True):
            return records_sync(user=people[user], records=records)

    return run


@pytest.fixture
def approve(people, django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return approve_imports(people["regency"])

    return run


def change(worker, *, base=None, client_id=None, **values):
    return {
        "client_id": str(client_id or uuid.uuid4()),
        "kind": "update",
        "worker_id": worker.pk,
        "base_version": worker_version(worker.updated_at) if base is None else base,
        "values": {**worker_form_values(worker), **values},
    }


def test_a_change_on_the_current_version_is_applied_after_approval(people, sync, approve, make_worker):
    worker = make_worker()
    result = sync([change(worker, telepon="081234567890", penghasilan="2000000")])[0]
    assert (result.status, result.worker_id) == ("submitted", worker.pk)
    assert WorkerImport.objects.get().on_duplicate == OnDuplicate.UPDATE
    assert approve() == 1
    records_settle(agent=people["agent"])
    worker.refresh_from_db()
    assert (worker.phone, worker.monthly_income) == ("+6281234567890", 2_000_000)
    record = FieldRecord.objects.get()
    assert (record.status, record.worker_id) == (RecordStatus.UPDATED, worker.pk)


def test_a_worker_changed_on_the_server_since_the_phone_read_it_is_a_conflict(people, sync, make_worker):
    worker = make_worker()
    read = worker_version(worker.updated_at)
    worker.name = "Siti Aminah Binti Ali"
    worker.save()
    result = sync([change(worker, base=read, nama="Siti Aminah")])[0]
    assert (result.status, result.code) == ("conflict", "changed_on_server")
    assert result.server["nama"] == "Siti Aminah Binti Ali"
    assert result.version == worker_version(Worker.objects.get(pk=worker.pk).updated_at)
    assert WorkerImport.objects.count() == 0
    assert Worker.objects.get(pk=worker.pk).name == "Siti Aminah Binti Ali"  # never silently overwritten


def test_a_second_device_changing_the_same_worker_is_a_conflict(people, sync, make_worker):
    worker = make_worker()
    first = sync([change(worker, telepon="081234567890")])[0]
    second = sync([change(worker, telepon="081299998888")], user="agent2")[0]
    assert (first.status, second.status, second.code) == ("submitted", "conflict", "changed_on_other_device")
    # Within one sync, too.
    other = make_worker()
    both = sync([change(other, desil="1"), change(other, desil="3")])
    assert [(r.status, r.code) for r in both] == [("submitted", ""), ("conflict", "changed_on_other_device")]


def test_changes_that_cannot_be_made_are_refused(people, sync, make_worker):
    worker = make_worker()
    outside = make_worker(OTHER_DESA)
    results = sync([
        change(worker, nik="3602015203850999"),
        change(outside, kode_desa=DESA),
        {"client_id": str(uuid.uuid4()), "kind": "update", "values": worker_form_values(worker)},
    ])  # fmt: skip
    assert [(r.status, r.code) for r in results] == [
        ("rejected", "nik_immutable"),
        ("rejected", "worker_not_found"),
        ("rejected", "update_without_version"),
    ]  # fmt: skip
    assert results[1].worker_id is None


def test_keeping_the_servers_data_closes_the_record(people, sync, make_worker):
    worker = make_worker()
    read = worker_version(worker.updated_at)
    worker.name = "Nama Di Server"
    worker.save()
    conflict = sync([change(worker, base=read, nama="Nama Di Ponsel")])[0]
    result = conflict_resolve(user=people["agent"], client_id=conflict.client_id, choice="keep_server")
    assert (result.status, result.server["nama"]) == ("discarded", "Nama Di Server")
    assert FieldRecord.objects.get().status == RecordStatus.DISCARDED
    assert (
        AuditEvent.objects.filter(object_type="agents.fieldrecord", metadata__resolution="discarded").count()
        == 1
    )
    with pytest.raises(DomainError) as error:
        conflict_resolve(user=people["agent"], client_id=conflict.client_id, choice="keep_server")
    assert error.value.code == "record_not_in_conflict"


def test_keeping_her_data_sends_it_again_on_the_current_version(
    people, sync, approve, make_worker, django_capture_on_commit_callbacks
):
    worker = make_worker()
    read = worker_version(worker.updated_at)
    worker.decile = 5
    worker.save()
    conflict = sync([change(worker, base=read, telepon="081234567890", desil="5")])[0]
    replacement = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        result = conflict_resolve(
            user=people["agent"], client_id=conflict.client_id, choice="use_mine", new_client_id=replacement
        )
    assert (result.client_id, result.status) == (replacement, "submitted")
    old = FieldRecord.objects.get(client_id=conflict.client_id)
    assert (old.status, str(old.replaced_by.client_id)) == (RecordStatus.RESENT, replacement)
    assert old.replaced_by.base_version == worker_version(Worker.objects.get(pk=worker.pk).updated_at)
    # The same resolve sent again (its answer was lost) creates nothing.
    again = conflict_resolve(
        user=people["agent"], client_id=conflict.client_id, choice="use_mine", new_client_id=replacement
    )
    assert (again.client_id, again.replayed) == (replacement, True)
    assert FieldRecord.objects.count() == 2
    approve()
    records_settle(agent=people["agent"])
    worker.refresh_from_db()
    assert (worker.phone, worker.decile) == ("+6281234567890", 5)


def test_only_her_own_conflicts_and_only_known_choices(people, sync, make_worker):
    worker = make_worker()
    read = worker_version(worker.updated_at)
    worker.save()
    conflict = sync([change(worker, base=read)])[0]
    for user, client_id, choice, code in (
        (people["agent2"], conflict.client_id, "keep_server", "record_not_found"),
        (people["agent"], "bukan-uuid", "keep_server", "record_not_found"),
        (people["agent"], conflict.client_id, "hapus", "choice_invalid"),
        (people["agent"], conflict.client_id, "use_mine", "client_id_invalid"),
    ):
        with pytest.raises(DomainError) as error:
            conflict_resolve(
                user=user,
                client_id=client_id,
                choice=choice,
                new_client_id="x" if choice == "use_mine" else None,
            )
        assert error.value.code == code
    assert FieldRecord.objects.get().status == RecordStatus.CONFLICT


def test_a_refused_import_refuses_its_records_with_the_checkers_reason(
    people, sync, django_capture_on_commit_callbacks
):
    sync([new_record(), new_record()])
    with django_capture_on_commit_callbacks(execute=True):
        reject_imports(people["regency"], reason="Foto KTP belum dikirim")
    records_settle(agent=people["agent"])
    assert set(FieldRecord.objects.values_list("status", "code", "message")) == {
        (RecordStatus.REJECTED, "import_rejected", "Ditolak pemeriksa: Foto KTP belum dikirim")
    }


def test_a_nik_registered_elsewhere_before_the_approval_is_refused_for_that_row_only(people, sync, approve):
    taken, free = person(), person(name="Rahmat")
    sync([new_record(taken), new_record(free)])
    worker_register(
        nik=taken["nik"], name="Orang Lain", birth_date=__import__("datetime").date(1990, 6, 15), sex="P",
        desa_code=taken["kode_desa"], sector="petani", monthly_income=900_000,
    )  # fmt: skip
    approve()
    records_settle(agent=people["agent"])
    by_nik = {r.nik: r for r in FieldRecord.objects.all()}
    assert (by_nik[taken["nik"]].status, by_nik[taken["nik"]].code) == (RecordStatus.REJECTED, "row_refused")
    assert "sudah terdaftar" in by_nik[taken["nik"]].message
    assert by_nik[free["nik"]].status == RecordStatus.REGISTERED
    assert Worker.objects.get(nik=taken["nik"]).name == "Orang Lain"
    assert WorkerImport.objects.get().status == ImportStatus.APPLIED


def test_a_finished_import_of_another_phone_no_longer_blocks(
    people, sync, approve, make_worker, django_capture_on_commit_callbacks
):
    refused = person()
    sync([new_record(refused)], user="agent2")
    with django_capture_on_commit_callbacks(execute=True):
        reject_imports(people["regency"])
    # Nobody asked for agent2's statuses: the sync settles her refused record before judging this one.
    assert sync([new_record(refused)])[0].status == "submitted"
    worker = make_worker()
    sync([change(worker, telepon="081234567890")], user="agent2")
    approve()
    worker.refresh_from_db()
    # Agent2's change is applied; a change from the new version is no longer "changed on another device".
    assert sync([change(worker, desil="1")])[0].status == "submitted"
