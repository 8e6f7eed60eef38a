"""How workers and memberships appear in the row-level trail of bulk changes (`audit.rowchanges`)."""

from __future__ import annotations

from cakupan.audit.rowchanges import Tracked
from cakupan.registry.models import Membership, Worker

WORKER_ROWS = Tracked(
    code=1,
    object_type="registry.worker",
    table=Worker._meta.db_table,
    fields=(
        "nik",
        "name",
        "birth_date",
        "sex",
        "desa_id",
        "employment",
        "sector",
        "monthly_income",
        "decile",
        "phone",
        "source",
    ),
    region_sql="t.desa_id",
)

MEMBERSHIP_ROWS = Tracked(
    code=2,
    object_type="registry.membership",
    table=Membership._meta.db_table,
    fields=("worker_id", "kpj", "segment", "jkk", "jkm", "jht", "status", "paid_through", "since", "source"),
    boolean_fields=frozenset({"jkk", "jkm", "jht"}),
    region_sql=f"(SELECT w.desa_id FROM {Worker._meta.db_table} w WHERE w.id = t.worker_id)",
    region_from_elsewhere=True,
)
