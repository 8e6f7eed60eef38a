"""Filing the phones' accepted records into the registry's import: one import per agent and kind (new
people, changes) holding every record of hers that waits, so that the kab/kota officer approves a day's
work in a few imports rather than one per saved record.

Records wait (status submitted, no import yet) until `file_at` of hers wait or the oldest has waited
`file_after_minutes` (settings.AGENTS); a sync files what is due, `cakupan agents selesaikan` files what
is due for everyone, and the agent can file at once. A change is filed with the worker's version the phone
started from (registry.ImportExpectation): if she changed meanwhile, the import refuses the row instead of
overwriting the later change, and the record becomes a conflict when it is settled."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from cakupan.accounts.models import User
from cakupan.agents.models import FieldRecord, RecordKind, RecordStatus
from cakupan.agents.rowaudit import FIELD_RECORD_ROWS
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.registry import intake
from cakupan.registry.importing import import_submit
from cakupan.registry.models import ImportExpectation, ImportKind, OnDuplicate

COLUMNS = intake.WORKER_COLUMNS
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def version_instant(version: int) -> dt.datetime:
    """The `updated_at` a version names (registry.selectors.worker_version, inverted exactly)."""
    return EPOCH + dt.timedelta(microseconds=version)


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for values in rows:
        writer.writerow([values.get(column, "") for column in COLUMNS])
    return out.getvalue().encode("utf-8")


def queued(agent=None):
    """Records accepted on arrival and not yet in an import."""
    records = FieldRecord.objects.filter(status=RecordStatus.SUBMITTED, worker_import__isnull=True)
    return records.filter(agent=agent) if agent is not None else records


def _due(agent) -> bool:
    figures = queued(agent).aggregate(oldest=Min("received_at"))
    if figures["oldest"] is None:
        return False
    rule = settings.AGENTS
    waited = timezone.now() - figures["oldest"] >= dt.timedelta(minutes=rule["file_after_minutes"])
    return waited or queued(agent).count() >= rule["file_at"]


def records_file(*, agent=None, due_only: bool = False, request=None) -> list[int]:
    """File the waiting records (of one agent, or of every agent); with `due_only`, only agents whose
    batch is due. Returns the ids of the imports made."""
    agents = [agent] if agent is not None else list(
        User.objects.filter(pk__in=queued().values("agent_id").distinct()).order_by("pk")
    )  # fmt: skip
    made: list[int] = []
    for user in agents:
        if due_only and not _due(user):
            continue
        made += _file_agent(user, request=request)
    return made


@transaction.atomic
def _file_agent(agent, *, request) -> list[int]:
    records = list(queued(agent).select_for_update().order_by("pk"))
    made = []
    for kind in (RecordKind.NEW, RecordKind.UPDATE):
        batch = [record for record in records if record.kind == kind]
        if batch:
            made.append(_file(agent, batch, kind=kind, request=request))
    return made


def _file(agent, batch: list[FieldRecord], *, kind: str, request) -> int:
    content = _csv([record.values for record in batch])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(content).hexdigest()[:8]
    name = f"{'agen-baru' if kind == RecordKind.NEW else 'agen-ubah'}-{stamp}-{digest}.csv"
    upload = import_submit(
        user=agent,
        upload=SimpleUploadedFile(name, content, content_type="text/csv"),
        kind=ImportKind.WORKERS,
        # A NIK registered by someone else between the sync and the approval is a refused row of the
        # import (its report names it), never a silent duplicate.
        on_duplicate=OnDuplicate.REJECT if kind == RecordKind.NEW else OnDuplicate.UPDATE,
        request=request,
    )
    if kind == RecordKind.UPDATE:
        ImportExpectation.objects.bulk_create(
            ImportExpectation(
                worker_import=upload, nik=record.nik, updated_at=version_instant(record.base_version)
            )
            for record in batch
        )
    changes = RowChangeSet()
    changes.before_update(FIELD_RECORD_ROWS, changes.ids_sql([record.pk for record in batch]))
    # The file's first data row is row 2 (the header is row 1), as in every import report.
    for index, record in enumerate(batch):
        record.worker_import = upload
        record.row_number = index + 2
    FieldRecord.objects.bulk_update(batch, ["worker_import", "row_number"])
    event = audit_record(
        action=AuditAction.UPDATE,
        actor=agent,
        object_type="agents.fieldrecord",
        object_repr=f"{len(batch)} rekaman lapangan diajukan sebagai impor #{upload.pk}",
        region_code=agent.area_id,
        request=request,
        metadata={"import": upload.pk, "records": len(batch), "kind": kind},
    )
    changes.write(event)
    return upload.pk
