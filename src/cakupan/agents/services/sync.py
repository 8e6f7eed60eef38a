"""What a phone sends: up to 1,000 records per sync, each with the id the phone made for it.

A record is judged on arrival with the registry's own row rules (the import's validation), the user's area
and what the registry and the other phones already hold; what passes is written as one import per kind
(new people, changes) that goes through the registry's background check and a checker's approval like any
file. Nothing else is written for a record that fails: it is kept as rejected, with its reason, so that
the phone and the agent's page say the same thing.

* The same record sent again (a retry after a dropped connection) is answered from what was kept, and
  creates nothing: the client id is unique in the database.
* A change made on a worker whose version moved since the phone read it, or that another device already
  changed, is a conflict, kept with the server's current data; the agent settles it (`conflict_resolve`).
* All of one sync is one transaction: a sync cut off half-way leaves nothing, and the phone sends it again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cakupan.accounts import authorization as authz
from cakupan.agents.models import FieldRecord, RecordKind, RecordStatus
from cakupan.agents.rowaudit import FIELD_RECORD_ROWS
from cakupan.agents.services.filing import records_file
from cakupan.agents.services.settle import DONE, records_settle
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import number
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import intake
from cakupan.registry.intake.columns import COLUMN_LABELS
from cakupan.registry.models import Worker
from cakupan.registry.selectors import worker_import_values, worker_version

MAX_RECORDS = 1000
COLUMNS = intake.WORKER_COLUMNS
# A value longer than any column of the registry can hold is a broken or hostile client.
MAX_VALUE_LENGTH = 200


@dataclass
class RecordResult:
    client_id: str
    status: str
    code: str = ""
    message: str = ""
    worker_id: int | None = None
    version: int | None = None
    server: dict | None = None
    replayed: bool = False

    def to_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "status": str(self.status),
            "code": self.code,
            "message": self.message,
            "worker_id": self.worker_id,
            "version": self.version,
            "server": self.server,
            "replayed": self.replayed,
        }


@dataclass
class _Incoming:
    client_id: uuid.UUID
    kind: str
    values: dict[str, str]
    worker_id: int | None
    base_version: int | None
    made_at: dt.datetime | None
    position: int
    problems: list[tuple[str, str]] = field(default_factory=list)


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, field="records")


def _parse_envelope(records) -> list[_Incoming | RecordResult]:
    """Each record as an _Incoming, or a RecordResult for one too broken to keep (no usable client id)."""
    if not isinstance(records, list):
        raise _refuse("records_invalid", "Data sinkron harus berupa daftar rekaman.")
    if len(records) > MAX_RECORDS:
        raise _refuse(
            "sync_too_large",
            f"Satu sinkron paling banyak {number(MAX_RECORDS)} rekaman; kirim sisanya pada sinkron "
            "berikutnya.",
        )
    parsed: list[_Incoming | RecordResult] = []
    for position, item in enumerate(records):
        raw_id = item.get("client_id") if isinstance(item, dict) else None
        try:
            client_id = uuid.UUID(str(raw_id)) if isinstance(raw_id, str) else None
        except ValueError:
            client_id = None
        if client_id is None:
            parsed.append(
                RecordResult(
                    client_id=str(raw_id)[:40] if raw_id is not None else "",
                    status=RecordStatus.REJECTED,
                    code="client_id_invalid",
                    message="Rekaman tanpa ID perangkat yang sah tidak dapat disimpan; perbarui aplikasi.",
                )
            )
            continue
        parsed.append(_incoming(item, client_id, position))
    return parsed


BIGINT_MAX = 2**63 - 1
MADE_AT_FLOOR = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
MADE_AT_SLACK = dt.timedelta(days=2)


def _int_or_none(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 20:
        value = int(value.strip())
    # Only what the database's bigint holds: a larger number is no version or worker id of ours.
    if isinstance(value, int) and 0 <= value <= BIGINT_MAX:
        return value
    return None


def _incoming(item: dict, client_id: uuid.UUID, position: int) -> _Incoming:
    kind = item.get("kind")
    raw_values = item.get("values")
    record = _Incoming(
        client_id=client_id,
        kind=kind if kind in RecordKind.values else RecordKind.NEW,
        values={},
        worker_id=_int_or_none(item.get("worker_id")),
        base_version=_int_or_none(item.get("base_version")),
        made_at=None,
        position=position,
    )
    if kind not in RecordKind.values:
        record.problems.append(("kind_invalid", "Jenis rekaman harus pendaftaran baru atau perubahan data."))
    if not isinstance(raw_values, dict):
        record.problems.append(("values_invalid", "Isian rekaman tidak terbaca."))
        raw_values = {}
    for column in COLUMNS:
        value = raw_values.get(column)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            record.problems.append((f"{column}_invalid", f"Isian {COLUMN_LABELS[column]} tidak terbaca."))
            continue
        text = str(value).replace("\x00", "").strip()
        if len(text) > MAX_VALUE_LENGTH:
            record.problems.append((f"{column}_too_long", f"Isian {COLUMN_LABELS[column]} terlalu panjang."))
            continue
        record.values[column] = text
    made_at = item.get("made_at")
    if isinstance(made_at, str) and len(made_at) <= 40:
        try:
            record.made_at = parse_datetime(made_at)
        except ValueError:
            record.made_at = None
        # A phone's clock can be wrong; a date no phone made this record on is not kept.
        if record.made_at is not None and (
            record.made_at.tzinfo is None
            or not MADE_AT_FLOOR <= record.made_at <= timezone.now() + MADE_AT_SLACK
        ):
            record.made_at = None
    if record.kind == RecordKind.UPDATE and (record.worker_id is None or record.base_version is None):
        record.problems.append(
            ("update_without_version", "Perubahan data harus menyebut pekerja dan versi datanya.")
        )
    return record


def _validate_rows(incoming: list[_Incoming]) -> dict[int, dict]:
    """The import's row rules over every record at once; {position: clean row}. Problems go onto the
    records (errors only: a warning such as a birth date unlike the NIK's does not stop a record)."""
    import polars as pl

    checkable = [record for record in incoming if not record.problems]
    if not checkable:
        return {}
    frame = pl.DataFrame(
        [
            {"row": record.position, **{c: record.values.get(c) or None for c in COLUMNS}}
            for record in checkable
        ],
        schema={"row": pl.Int64, **dict.fromkeys(COLUMNS, pl.String)},
    )
    villages = frozenset(Region.objects.filter(level=RegionLevel.VILLAGE).values_list("code", flat=True))
    checked = intake.validate_workers(frame, today=timezone.localdate(), villages=villages)
    by_position = {record.position: record for record in checkable}
    for issue in checked.issues.filter(pl.col("severity") == "error").iter_rows(named=True):
        by_position[issue["row"]].problems.append((issue["code"], issue["message"]))
    return {
        row["row"]: row for row in checked.rows.iter_rows(named=True) if not by_position[row["row"]].problems
    }


def _server_values(worker: Worker) -> dict:
    return worker_import_values(worker)


@dataclass
class _Judged:
    record: _Incoming
    row: dict | None
    status: str
    code: str = ""
    message: str = ""
    worker: Worker | None = None


def _judge(*, user, incoming: list[_Incoming], rows: dict[int, dict]) -> list[_Judged]:
    niks = {row["nik"] for row in rows.values()}
    worker_ids = {
        record.worker_id for record in incoming if record.kind == RecordKind.UPDATE and record.worker_id
    }
    registered = {w.nik: w for w in Worker.objects.filter(nik__in=niks).only("id", "nik", "name", "desa_id")}
    in_area = set(
        Worker.objects.for_user(user)
        .filter(pk__in=[w.pk for w in registered.values()])
        .values_list("pk", flat=True)
    )
    targets = {w.pk: w for w in Worker.objects.for_user(user).filter(pk__in=worker_ids)}
    open_new = set(
        FieldRecord.objects.filter(
            kind=RecordKind.NEW, status=RecordStatus.SUBMITTED, nik__in=niks
        ).values_list("nik", flat=True)
    )
    open_update = set(
        FieldRecord.objects.filter(
            kind=RecordKind.UPDATE, status=RecordStatus.SUBMITTED, worker_id__in=worker_ids
        ).values_list("worker_id", flat=True)
    )
    judged: list[_Judged] = []
    seen_niks: set[str] = set()
    seen_workers: set[int] = set()
    for record in incoming:
        row = rows.get(record.position)
        if record.problems or row is None:
            code, message = record.problems[0] if record.problems else ("row_invalid", "Isian tidak sah.")
            others = [text for _, text in record.problems[1:]]
            judged.append(_Judged(record, None, RecordStatus.REJECTED, code, " ".join([message, *others])))
            continue
        if not authz.can(user, authz.FIELD_SYNC, row["desa_id"]):
            judged.append(
                _Judged(
                    record, row, RecordStatus.REJECTED, "desa_outside_area",
                    f"Desa/kelurahan {row['desa_id']} berada di luar wilayah kerja Anda; "
                    "periksa kode desanya.",
                )
            )  # fmt: skip
            continue
        if record.kind == RecordKind.NEW:
            judged.append(_judge_new(record, row, registered, in_area, open_new, seen_niks))
        else:
            judged.append(_judge_update(record, row, targets, open_update, seen_workers))
    return judged


def _judge_new(record, row, registered, in_area, open_new, seen_niks) -> _Judged:
    nik = row["nik"]
    existing = registered.get(nik)
    if existing is not None:
        mine = existing.pk in in_area
        if mine:
            message = (
                f"NIK ini sudah terdaftar atas nama {existing.name}; bila datanya perlu diubah, cari dia "
                "di daftar kunjungan atau daftar pekerja."
            )
        else:
            # Says neither where nor whose, like the import's report.
            message = (
                "NIK ini sudah terdaftar di luar wilayah kerja Anda. Bila orang ini pindah ke wilayah Anda, "
                "minta koordinator memindahkan datanya."
            )
        return _Judged(
            record, row, RecordStatus.REJECTED, "nik_registered", message, existing if mine else None
        )
    if nik in open_new or nik in seen_niks:
        return _Judged(
            record, row, RecordStatus.REJECTED, "nik_pending",
            "NIK ini sedang didaftarkan dari rekaman lain (agen lain atau perangkat lain) dan menunggu "
            "persetujuan; tidak perlu didaftarkan lagi.",
        )  # fmt: skip
    seen_niks.add(nik)
    return _Judged(record, row, RecordStatus.SUBMITTED)


def _judge_update(record, row, targets, open_update, seen_workers) -> _Judged:
    worker = targets.get(record.worker_id)
    if worker is None:
        return _Judged(
            record, row, RecordStatus.REJECTED, "worker_not_found",
            "Pekerja ini tidak ada di wilayah kerja Anda (mungkin sudah dipindahkan); perbarui daftar "
            "kunjungan.",
        )  # fmt: skip
    if row["nik"] != worker.nik:
        return _Judged(
            record, row, RecordStatus.REJECTED, "nik_immutable",
            "NIK tidak dapat diubah; daftarkan orang lain sebagai pekerja baru.", worker,
        )  # fmt: skip
    if worker_version(worker.updated_at) != record.base_version:
        return _Judged(
            record, row, RecordStatus.CONFLICT, "changed_on_server",
            "Data pekerja ini sudah diubah di server sejak ponsel Anda mengunduhnya. Bandingkan, lalu pilih "
            "data mana yang dipakai.", worker,
        )  # fmt: skip
    if worker.pk in open_update or worker.pk in seen_workers:
        return _Judged(
            record, row, RecordStatus.CONFLICT, "changed_on_other_device",
            "Perubahan lain untuk pekerja ini (dari perangkat lain) sedang menunggu persetujuan. Bandingkan, "
            "lalu pilih data mana yang dipakai.", worker,
        )  # fmt: skip
    seen_workers.add(worker.pk)
    return _Judged(record, row, RecordStatus.SUBMITTED, worker=worker)


def _kept_result(record: FieldRecord, *, user, replayed: bool) -> RecordResult:
    server = None
    version = None
    # The server's data only while the worker is still in the user's area (she may have moved since).
    if record.worker_id is not None and Worker.objects.for_user(user).filter(pk=record.worker_id).exists():
        worker = record.worker
        version = worker_version(worker.updated_at)
        if record.status == RecordStatus.CONFLICT:
            server = _server_values(worker)
    return RecordResult(
        client_id=str(record.client_id),
        status=record.status,
        code=record.code,
        message=record.message or record.get_status_display(),
        worker_id=record.worker_id,
        version=version,
        server=server,
        replayed=replayed,
    )


def records_sync(*, user, records, request=None) -> list[RecordResult]:
    """Receive one sync from a phone; returns one result per record, in the order sent."""
    if not authz.can(user, authz.FIELD_SYNC):
        raise DomainError("sync_not_allowed", "Peran Anda tidak dapat mengirim pendaftaran dari lapangan.")
    if user.area_id is None:
        # An administrator without an area: a refused record would have no area to be kept in.
        raise DomainError(
            "area_missing", "Akun Anda belum punya wilayah kerja; minta administrator mengaturnya."
        )
    parsed = _parse_envelope(records)
    _settle_finished(parsed)
    for attempt in range(3):
        try:
            results = _sync_once(user=user, parsed=parsed, request=request)
            break
        except IntegrityError:
            # Another sync took the same client id, NIK or worker between our reads and our insert: the next
            # attempt reads it and answers as a replay, a pending NIK or a conflict.
            if attempt == 2:
                raise
    # Her accepted records go into the registry's import once a batch is due.
    records_file(agent=user, due_only=True, request=request)
    return results


def _settle_finished(parsed: list) -> None:
    """Records (of any phone) whose import is done read "submitted" until settled; settle those this sync
    meets first, so that an applied change or a refused NIK no longer counts as still waiting."""
    incoming = [item for item in parsed if isinstance(item, _Incoming)]
    niks = {_nik_digits(item.values.get("nik", "")) for item in incoming} - {""}
    workers = {item.worker_id for item in incoming if item.worker_id}
    if not niks and not workers:
        return
    import_ids = list(
        FieldRecord.objects.filter(status=RecordStatus.SUBMITTED, worker_import__status__in=DONE)
        .filter(Q(kind=RecordKind.NEW, nik__in=niks) | Q(kind=RecordKind.UPDATE, worker_id__in=workers))
        .values_list("worker_import_id", flat=True)
        .distinct()
    )
    if import_ids:
        records_settle(import_ids=import_ids)


@transaction.atomic
def _sync_once(*, user, parsed: list, request) -> list[RecordResult]:
    incoming = [item for item in parsed if isinstance(item, _Incoming)]
    found = FieldRecord.objects.select_related("worker").filter(client_id__in=[i.client_id for i in incoming])
    kept = {record.client_id: record for record in found if record.agent_id == user.pk}
    # Another user's id: a phone never makes one (random UUIDs), so this is a copied or forged record.
    taken = {record.client_id for record in found if record.agent_id != user.pk}
    for item in incoming:
        if item.client_id in taken:
            item.problems.append(("client_id_taken", "ID perangkat ini sudah dipakai; perbarui aplikasi."))
    # A record listed twice in one sync is one record (a phone that queued it twice): the first counts.
    fresh = list(
        {
            i.client_id: i for i in reversed(incoming) if i.client_id not in kept and i.client_id not in taken
        }.values()
    )
    fresh.reverse()
    judged = _judge(user=user, incoming=fresh, rows=_validate_rows(fresh))
    now = timezone.now()
    created = FieldRecord.objects.bulk_create(
        [_field_record(user=user, item=item, now=now) for item in judged]
    )
    if created:
        changes = RowChangeSet()
        changes.inserted(FIELD_RECORD_ROWS, changes.ids_sql([record.pk for record in created]))
        event = audit_record(
            action=AuditAction.CREATE,
            actor=user,
            object_type="agents.fieldrecord",
            object_repr=f"Sinkron {len(created)} rekaman lapangan",
            region_code=user.area_id,
            request=request,
            metadata=_counts(created),
        )
        changes.write(event)
    by_id = {record.client_id: record for record in created}
    results: list[RecordResult] = []
    answered: set[uuid.UUID] = set()
    for item in parsed:
        if isinstance(item, RecordResult):
            results.append(item)
            continue
        if item.client_id in taken:
            results.append(
                RecordResult(
                    str(item.client_id), RecordStatus.REJECTED, "client_id_taken", item.problems[-1][1]
                )
            )
            continue
        record = kept.get(item.client_id) or by_id[item.client_id]
        results.append(
            _kept_result(record, user=user, replayed=item.client_id in kept or item.client_id in answered)
        )
        answered.add(item.client_id)
    return results


def _field_record(*, user, item: _Judged, now) -> FieldRecord:
    record = item.record
    row = item.row or {}
    desa = row.get("desa_id")
    if not desa or item.code == "desa_outside_area":
        # Kept inside the agent's own area: a refused record must not show up in another area's pages.
        desa = user.area_id
    return FieldRecord(
        client_id=record.client_id,
        agent=user,
        kind=record.kind,
        nik=(row.get("nik") or _nik_digits(record.values.get("nik", "")))[:16],
        desa_id=desa,
        values=record.values,
        worker=item.worker,
        base_version=record.base_version if record.kind == RecordKind.UPDATE else None,
        status=item.status,
        code=item.code,
        message=item.message,
        made_at=record.made_at,
        settled_at=now if item.status == RecordStatus.REJECTED else None,
    )


def _counts(created: list[FieldRecord]) -> dict:
    counts: dict[str, int] = {}
    for record in created:
        counts[record.status] = counts.get(record.status, 0) + 1
    return {"records": len(created), **counts}


def _nik_digits(text: str) -> str:
    digits = "".join(char for char in text if "0" <= char <= "9")
    return digits[:16]


def records_status(*, user, client_ids) -> list[RecordResult]:
    """What became of records the phone sent (the user's own; an id never received reads "unknown")."""
    keys = {}
    for raw in client_ids:
        try:
            keys[raw] = uuid.UUID(str(raw))
        except ValueError:
            keys[raw] = None
    found = {
        record.client_id: record
        for record in FieldRecord.objects.select_related("worker").filter(
            agent=user, client_id__in=[key for key in keys.values() if key is not None]
        )
    }
    results = []
    for raw, key in keys.items():
        record = found.get(key)
        if record is None:
            results.append(
                RecordResult(
                    str(raw)[:40], "unknown", "record_unknown", "Rekaman ini belum pernah diterima server."
                )
            )
        else:
            results.append(_kept_result(record, user=user, replayed=True))
    return results
