"""How the phones' records appear in the row-level trail (`audit.rowchanges`): a sync inserts up to a
thousand at once, and their settling after an import is one UPDATE."""

from __future__ import annotations

from cakupan.agents.models import BackCheck, FieldRecord
from cakupan.audit.rowchanges import Tracked

FIELD_RECORD_ROWS = Tracked(
    code=20,
    object_type="agents.fieldrecord",
    table=FieldRecord._meta.db_table,
    fields=("client_id", "agent_id", "kind", "nik", "desa_id", "worker_id", "base_version", "status", "code",
            "worker_import_id", "row_number"),
    region_sql="t.desa_id",
)  # fmt: skip

BACK_CHECK_ROWS = Tracked(
    code=21,
    object_type="agents.backcheck",
    table=BackCheck._meta.db_table,
    fields=("record_id", "agent_id", "worker_id", "message_id", "status"),
    region_sql=f"(SELECT r.desa_id FROM {FieldRecord._meta.db_table} r WHERE r.id = t.record_id)",
    region_from_elsewhere=True,
)
