"""A phone's sync: what is kept, what goes into the registry's import, what is refused and why, and that
nothing is ever created twice."""

import uuid

import pytest

from cakupan.agents.models import FieldRecord, RecordStatus
from cakupan.agents.services.settle import records_settle
from cakupan.agents.services.sync import MAX_RECORDS, records_status, records_sync
from cakupan.agents.tests.conftest import (
    DESA,
    DESA_2,
    OTHER_DESA,
    approve_imports,
    new_record,
    nik_for,
    person,
)
from cakupan.audit.models import AuditEvent, RowChange
from cakupan.core.errors import DomainError
from cakupan.registry.models import ImportStatus, OnDuplicate, Worker, WorkerImport


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
            count = approve_imports(people["regency"])
        return count

    return run


def test_new_people_go_into_one_import_that_a_checker_approves(people, sync, approve):
    records = [new_record(person(name=f"Nelayan {i}")) for i in range(3)]
    results = sync(records)
    assert [(r.status, r.code, r.replayed) for r in results] == [("submitted", "", False)] * 3
    assert [r.client_id for r in results] == [r["client_id"] for r in records]
    upload = WorkerImport.objects.get()
    assert (upload.status, upload.rows, upload.inserted, upload.on_duplicate, upload.submitted_by) == (
        ImportStatus.PENDING_APPROVAL, 3, 3, OnDuplicate.REJECT, people["agent"],
    )  # fmt: skip
    assert list(FieldRecord.objects.order_by("row_number").values_list("row_number", flat=True)) == [2, 3, 4]
    assert Worker.objects.count() == 0  # nothing in the registry before the approval

    assert approve() == 1
    assert len(records_settle(agent=people["agent"])) == 3
    workers = {w.nik: w for w in Worker.objects.all()}
    assert set(workers) == {r["values"]["nik"] for r in records}
    for record in FieldRecord.objects.all():
        assert (record.status, record.worker_id) == (RecordStatus.REGISTERED, workers[record.nik].pk)
    answered = records_status(user=people["agent"], client_ids=[r["client_id"] for r in records])
    assert [(r.status, r.worker_id) for r in answered] == [
        ("registered", workers[r["values"]["nik"]].pk) for r in records
    ]


def test_the_same_records_sent_again_create_nothing_twice(people, sync):
    records = [new_record() for _ in range(4)]
    first = sync(records[:3])
    again = sync(records)  # a retry after a dropped answer, with one more record
    assert [r.replayed for r in again] == [True, True, True, False]
    assert [r.status for r in again] == ["submitted"] * 4
    assert FieldRecord.objects.count() == 4
    assert WorkerImport.objects.count() == 2
    assert [r.client_id for r in first] == [r.client_id for r in again[:3]]
    # Listed twice within one sync: one record.
    twice = new_record()
    answer = sync([twice, twice])
    assert [r.replayed for r in answer] == [False, True]
    assert FieldRecord.objects.filter(client_id=twice["client_id"]).count() == 1


def test_every_sync_is_audited_row_by_row(people, sync):
    sync([new_record(), new_record(person(nik="123"))])
    event = AuditEvent.objects.get(object_type="agents.fieldrecord", action="create")
    assert event.metadata == {"records": 2, "submitted": 1, "rejected": 1}
    assert RowChange.objects.filter(event=event).count() == 2


def test_bad_records_are_refused_each_with_its_reason(people, sync, make_worker):
    mine = make_worker(DESA)
    elsewhere = make_worker(OTHER_DESA)
    records = [
        new_record(person(nik="36020155061")),
        new_record(person(desa=OTHER_DESA)),
        new_record(person(desa="36.02.01")),
        new_record(person(name="")),
        new_record(person(nik=mine.nik)),
        new_record(person(nik=elsewhere.nik)),
        new_record(person(income="sembilan")),
    ]
    results = sync(records)
    assert [(r.status, r.code) for r in results] == [
        ("rejected", "nik_wrong_length"),
        ("rejected", "desa_outside_area"),
        ("rejected", "region_not_village"),
        ("rejected", "name_missing"),
        ("rejected", "nik_registered"),
        ("rejected", "nik_registered"),
        ("rejected", "income_invalid"),
    ]
    assert results[1].message == (
        f"Desa/kelurahan {OTHER_DESA} berada di luar wilayah kerja Anda; periksa kode desanya."
    )
    assert results[4].worker_id == mine.pk and f"atas nama {mine.name};" in results[4].message
    # Someone outside her area: neither who nor where.
    assert results[5].worker_id is None and str(elsewhere.pk) not in results[5].message
    assert "di luar wilayah kerja Anda" in results[5].message
    assert WorkerImport.objects.count() == 0
    assert FieldRecord.objects.filter(status=RecordStatus.REJECTED).count() == 7
    # A record refused for its desa is kept in her own area, not in the desa she typed.
    assert FieldRecord.objects.get(client_id=records[1]["client_id"]).desa_id == "36.02.01"


def test_a_nik_another_agent_is_registering_is_refused_and_so_is_a_repeat_in_one_sync(people, sync):
    nik = nik_for(female=True)
    assert sync([new_record(person(nik=nik))], user="agent2")[0].status == "submitted"
    results = sync(
        [new_record(person(nik=nik)), new_record(person(nik=nik_for())), new_record(person(nik=nik))]
    )
    assert [(r.status, r.code) for r in results] == [
        ("rejected", "nik_pending"), ("submitted", ""), ("rejected", "nik_pending"),
    ]  # fmt: skip
    other = nik_for()
    repeated = sync([new_record(person(nik=other)), new_record(person(nik=other, name="Nama Lain"))])
    assert [(r.status, r.code) for r in repeated] == [("submitted", ""), ("rejected", "nik_pending")]


def test_broken_envelopes_are_refused_whole_and_write_nothing(people, sync):
    with pytest.raises(DomainError) as error:
        sync([new_record() for _ in range(MAX_RECORDS + 1)])
    assert error.value.code == "sync_too_large"
    with pytest.raises(DomainError) as error:
        sync({"records": []})
    assert error.value.code == "records_invalid"
    results = sync(["teks", {"client_id": "bukan-uuid"}, {"kind": "new"}])
    assert [(r.status, r.code) for r in results] == [("rejected", "client_id_invalid")] * 3
    odd = sync([{"client_id": str(uuid.uuid4()), "kind": "hapus", "values": person()},
                {"client_id": str(uuid.uuid4()), "kind": "new", "values": "isian"},
                {"client_id": str(uuid.uuid4()), "kind": "new", "values": {**person(), "nama": ["x"]}},
                {"client_id": str(uuid.uuid4()), "kind": "new", "values": {**person(), "nama": "a" * 500}},
                ])  # fmt: skip
    assert [r.code for r in odd] == ["kind_invalid", "values_invalid", "nama_invalid", "nama_too_long"]
    assert FieldRecord.objects.count() == 4 and WorkerImport.objects.count() == 0


def test_another_users_client_id_is_refused_without_showing_their_record(people, sync):
    record = new_record()
    sync([record], user="agent2")
    result = sync([record])[0]
    assert (result.status, result.code, result.worker_id) == ("rejected", "client_id_taken", None)
    assert FieldRecord.objects.count() == 1
    assert records_status(user=people["agent"], client_ids=[record["client_id"]])[0].status == "unknown"


def test_a_role_that_does_not_register_cannot_sync(people):
    with pytest.raises(DomainError) as error:
        records_sync(user=people["regency"], records=[new_record()])
    assert error.value.code == "sync_not_allowed"


def test_a_sync_cut_half_way_leaves_nothing_and_the_retry_completes(people, sync, monkeypatch):
    records = [new_record() for _ in range(5)]
    real = FieldRecord.objects.bulk_create

    def dropped(*args, **kwargs):
        raise ConnectionResetError("the worker died after the import was written")

    monkeypatch.setattr(FieldRecord.objects, "bulk_create", dropped)
    with pytest.raises(ConnectionResetError):
        sync(records)
    assert (FieldRecord.objects.count(), WorkerImport.objects.count()) == (0, 0)
    monkeypatch.setattr(FieldRecord.objects, "bulk_create", real)
    assert [r.status for r in sync(records)] == ["submitted"] * 5
    assert (FieldRecord.objects.count(), WorkerImport.objects.count()) == (5, 1)


def test_a_village_operator_syncs_for_her_own_desa_only(people, sync):
    results = sync([new_record(person(desa=DESA)), new_record(person(desa=DESA_2))], user="operator")
    assert [(r.status, r.code) for r in results] == [("submitted", ""), ("rejected", "desa_outside_area")]
