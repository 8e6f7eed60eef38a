"""Settling a conflict: the agent compared her change with the server's data and chose one. Keeping the
server's closes her record; keeping hers sends it again as a new record on the server's current version
(so a third change made meanwhile is a conflict again, never overwritten)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from cakupan.agents.models import FieldRecord, RecordKind, RecordStatus
from cakupan.agents.rowaudit import FIELD_RECORD_ROWS
from cakupan.agents.services.sync import RecordResult, _server_values, records_status, records_sync
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.registry.models import Worker
from cakupan.registry.selectors import worker_version

CHOICES = ("keep_server", "use_mine")


def _uuid(text) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def _locked_conflict(*, user, client_id) -> FieldRecord:
    key = _uuid(client_id)
    record = (
        FieldRecord.objects.select_for_update().filter(client_id=key, agent=user).first() if key else None
    )
    if record is None:
        raise DomainError("record_not_found", "Rekaman ini tidak ditemukan di antara rekaman Anda.")
    if record.status != RecordStatus.CONFLICT:
        raise DomainError(
            "record_not_in_conflict",
            f"Rekaman ini tidak sedang bentrok (statusnya: {record.get_status_display().lower()}).",
        )
    return record


def _close(record: FieldRecord, *, status: str, user, request, replaced_by=None) -> None:
    changes = RowChangeSet()
    changes.before_update(FIELD_RECORD_ROWS, changes.ids_sql([record.pk]))
    record.status = status
    record.settled_at = timezone.now()
    record.replaced_by = replaced_by
    record.save(update_fields=["status", "settled_at", "replaced_by"])
    event = audit_record(
        action=AuditAction.UPDATE,
        actor=user,
        obj=record,
        region_code=record.desa_id,
        request=request,
        metadata={"resolution": status},
    )
    changes.write(event)


@transaction.atomic
def conflict_resolve(
    *, user, client_id, choice: str, values: dict | None = None, new_client_id=None, request=None
) -> RecordResult:
    """Settle the agent's conflicting record. `use_mine` sends `values` (her change, possibly merged with
    the server's by hand on the phone; her original change when omitted) as a new record under
    `new_client_id` (made by the phone, so that a retried resolve creates nothing twice)."""
    if choice not in CHOICES:
        raise DomainError("choice_invalid", "Pilih data server atau data Anda.", field="choice")
    replacement_id = None
    if choice == "use_mine":
        try:
            replacement_id = uuid.UUID(str(new_client_id)) if new_client_id else uuid.uuid4()
        except ValueError as error:
            raise DomainError(
                "client_id_invalid", "ID perangkat rekaman baru tidak sah.", field="new_client_id"
            ) from error
        earlier = FieldRecord.objects.filter(
            agent=user, client_id=replacement_id, replaces__client_id=_uuid(client_id)
        ).first()
        if earlier is not None:
            # The same resolve sent again (its answer was lost): answered from what was kept.
            return records_status(user=user, client_ids=[str(earlier.client_id)])[0]
    record = _locked_conflict(user=user, client_id=client_id)
    worker = record.worker
    if choice == "keep_server":
        _close(record, status=RecordStatus.DISCARDED, user=user, request=request)
        # The server's data only while the worker is still in her area (she may have moved since).
        visible = Worker.objects.for_user(user).filter(pk=worker.pk).exists()
        return RecordResult(
            client_id=str(record.client_id),
            status=record.status,
            message=record.get_status_display(),
            worker_id=worker.pk if visible else None,
            version=worker_version(worker.updated_at) if visible else None,
            server=_server_values(worker) if visible else None,
        )
    sent = {
        "client_id": str(replacement_id),
        "kind": RecordKind.UPDATE,
        "worker_id": worker.pk,
        "base_version": worker_version(worker.updated_at),
        "values": values if isinstance(values, dict) else record.values,
    }
    result = records_sync(user=user, records=[sent], request=request)[0]
    # Closed only by the record just made for it: hers, a change of the same worker, not refused (a refused
    # one leaves the conflict open to try again) and not an id she had used before.
    replacement = FieldRecord.objects.filter(
        client_id=replacement_id, agent=user, kind=RecordKind.UPDATE, worker_id=worker.pk
    ).first()
    if replacement is not None and not result.replayed and replacement.status != RecordStatus.REJECTED:
        _close(record, status=RecordStatus.RESENT, user=user, request=request, replaced_by=replacement)
    return result
