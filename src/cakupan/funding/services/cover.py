"""Funded months become cover only when they are paid: a payment against an invoice marks its plan's
worker-months paid, and the members' `paid_through` moves forward with them (never at plan, renewal or
BPJS TK acceptance time). All set-based SQL, one statement per invoice line and one per plan.

Which months a partial payment pays: per program line, in order of month, then worker, then row, for as
long as the running contribution stays within what the line has been paid. Everyone's first month is
paid before anyone's second, so a short payment keeps as many people protected for as long as it can, and
each worker's paid months are the first ones of their cover.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Max

from cakupan.audit.rowchanges import RowChangeSet
from cakupan.funding.models import EnrolmentBatch, EnrolmentRow, FundedMonth, PlanKind, PlanLine, RowStatus
from cakupan.funding.rowaudit import FUNDED_MONTH_ROWS
from cakupan.registry.bulk import month_number_sql
from cakupan.registry.models import Membership, MembershipStatus, Worker
from cakupan.registry.rowaudit import MEMBERSHIP_ROWS
from cakupan.rules.engine import default_book

__all__ = ["funded_months_mark_paid", "last_paid_months", "memberships_extend_to_paid"]

FM = FundedMonth._meta.db_table
PL = PlanLine._meta.db_table
MB = Membership._meta.db_table
ER = EnrolmentRow._meta.db_table
EB = EnrolmentBatch._meta.db_table


def _newly_paid_ids_sql() -> str:
    """Ids of a plan's unpaid worker-months of one program within the paid amount (params: plan, program,
    amount)."""
    return (
        "SELECT id FROM (SELECT f.id, f.paid, "
        "SUM(f.cost) OVER (ORDER BY f.month, f.worker_id, f.id) AS running "
        f"FROM {FM} f JOIN {PL} l ON l.id = f.line_id WHERE l.plan_id = %s AND f.program_id = %s) t "
        "WHERE t.running <= %s AND NOT t.paid"
    )


def funded_months_mark_paid(
    *, plan_id: int, program_id: int, paid_amount: int, paid_on: dt.date, changes: RowChangeSet
) -> int:
    """Mark paid, on the payment's date, the plan's months of the program that `paid_amount` (the line's
    total paid) covers."""
    params = [plan_id, program_id, paid_amount]
    changes.before_update(FUNDED_MONTH_ROWS, _newly_paid_ids_sql(), params)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FM} SET paid = %s, paid_on = %s WHERE id IN ({_newly_paid_ids_sql()})",
            [True, paid_on, *params],
        )
        return cursor.rowcount


def _last_paid_sql(worker_column: str) -> str:
    """The last paid month of a worker in a plan (params: plan)."""
    return (
        f"(SELECT MAX(f.month) FROM {FM} f JOIN {PL} l ON l.id = f.line_id "
        f"WHERE l.plan_id = %s AND f.paid AND f.worker_id = {worker_column})"
    )


def _plan_memberships_sql(kind: str) -> str:
    """Ids of the memberships a plan pays for (params: plan): for a renewal the members it renews; for a
    new enrolment the KPJ numbers BPJS TK gave its accepted rows."""
    if kind == PlanKind.RENEWAL:
        return (
            f"SELECT m.id FROM {MB} m "
            f"WHERE m.worker_id IN (SELECT l.worker_id FROM {PL} l WHERE l.plan_id = %s)"
        )
    return (
        f"SELECT m.id FROM {MB} m JOIN {ER} r ON r.kpj = m.kpj JOIN {EB} b ON b.id = r.batch_id "
        f"WHERE b.plan_id = %s AND r.status = '{RowStatus.ACCEPTED}'"
    )


def _first_newly_paid_sql(worker_column: str, paid_through_column: str) -> str:
    """The first month of a worker paid by the plan after the member's paid-through month (params: plan)."""
    return (
        f"(SELECT MIN(f.month) FROM {FM} f JOIN {PL} l ON l.id = f.line_id "
        f"WHERE l.plan_id = %s AND f.paid AND f.worker_id = {worker_column} "
        f"AND f.month > {paid_through_column})"
    )


def reentry_rule(*, on: dt.date) -> tuple[str, int]:
    """The rules' re-entry policy and the number of unpaid months that end a membership, in force on `on`."""
    ruleset = default_book().for_date(on)
    return ruleset["reentry_policy"].value, ruleset["lapse_unpaid_months"].value


def memberships_extend_to_paid(*, plan, current_month: dt.date, changes: RowChangeSet) -> list[str]:
    """Move each member of the plan paid through its last paid month (if later than now); a member paid
    through the current month is aktif. A member whose newly paid months start after a lapse (at least
    `lapse_unpaid_months` unpaid months since the paid-through month) starts a new membership there, under
    the default re-entry policy. Returns the desa codes touched, for the coverage refresh."""
    last = _last_paid_sql(f"{MB}.worker_id")
    ids = f"{_plan_memberships_sql(plan.kind)} AND m.paid_through < {_last_paid_sql('m.worker_id')}"
    params = [plan.pk, plan.pk]
    changes.before_update(MEMBERSHIP_ROWS, ids, params)
    policy, threshold = reentry_rule(on=current_month)
    with connection.cursor() as cursor:
        if policy == "reregister":
            first = _first_newly_paid_sql("m.worker_id", "m.paid_through")
            lapsed = (
                f"SELECT t.id FROM (SELECT m.id, {first} AS first_paid, m.paid_through FROM {MB} m "
                f"WHERE m.id IN ({ids})) t "
                f"WHERE {month_number_sql('t.first_paid')} - {month_number_sql('t.paid_through')} > %s"
            )
            cursor.execute(
                f"UPDATE {MB} SET since = {_first_newly_paid_sql(f'{MB}.worker_id', f'{MB}.paid_through')} "
                f"WHERE id IN ({lapsed})",
                [plan.pk, plan.pk, *params, threshold],
            )
        cursor.execute(
            f"SELECT DISTINCT w.desa_id FROM {MB} m2 JOIN {Worker._meta.db_table} w ON w.id = m2.worker_id "
            f"WHERE m2.id IN ({ids})",
            params,
        )
        desa = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"UPDATE {MB} SET paid_through = {last}, "
            f"status = CASE WHEN {last} >= %s THEN %s ELSE status END WHERE id IN ({ids})",
            [plan.pk, plan.pk, current_month, MembershipStatus.AKTIF, *params],
        )
    return desa


def last_paid_months(*, plan_id: int) -> dict[int, dt.date]:
    """The last paid month of each worker of the plan who has one (one grouped query)."""
    rows = FundedMonth.objects.filter(line__plan_id=plan_id, paid=True).values("worker_id").order_by()
    return {row["worker_id"]: row["last"] for row in rows.annotate(last=Max("month"))}
