"""How the funding tables appear in the row-level trail of bulk changes (`audit.rowchanges`)."""

from __future__ import annotations

from cakupan.audit.rowchanges import Tracked
from cakupan.funding.models import EnrolmentRow, FundedMonth, PlanLine
from cakupan.registry.models import Worker

_WORKER_DESA = f"(SELECT w.desa_id FROM {Worker._meta.db_table} w WHERE w.id = t.worker_id)"

FUNDED_MONTH_ROWS = Tracked(
    code=3,
    object_type="funding.fundedmonth",
    table=FundedMonth._meta.db_table,
    fields=("worker_id", "month", "program_id", "line_id", "cost", "paid", "paid_on"),
    boolean_fields=frozenset({"paid"}),
    region_sql=_WORKER_DESA,
    region_from_elsewhere=True,
)
PLAN_LINE_ROWS = Tracked(
    code=4,
    object_type="funding.planline",
    table=PlanLine._meta.db_table,
    fields=("plan_id", "program_id", "worker_id", "desa_id", "first_month", "months", "cost", "released"),
    boolean_fields=frozenset({"released"}),
    region_sql="t.desa_id",
)
ENROLMENT_ROW_ROWS = Tracked(
    code=5,
    object_type="funding.enrolmentrow",
    table=EnrolmentRow._meta.db_table,
    fields=("batch_id", "row_number", "line_id", "status", "kpj", "reason"),
    region_sql=f"(SELECT l.desa_id FROM {PlanLine._meta.db_table} l WHERE l.id = t.line_id)",
    region_from_elsewhere=True,
)


def plan_lines_sql() -> str:
    """The ids of a plan's lines (parameter: the plan's id)."""
    return f"SELECT id FROM {PlanLine._meta.db_table} WHERE plan_id = %s"


# As conditions on the tracked table itself (alias t), not "t.id IN (SELECT id FROM the same table …)":
# inside a fresh transaction PostgreSQL has no statistics for the rows just written and planned that
# self-join as a nested loop over the table for every row (minutes for a few thousand months).
PLAN_LINES_WHERE = "t.plan_id = %s"
PLAN_FUNDED_MONTHS_WHERE = f"t.line_id IN ({plan_lines_sql()})"
