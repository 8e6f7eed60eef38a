"""BPJS TK's acknowledgement of a sent batch: checked against the batch before anything is written,
then applied all or nothing (accepted rows become memberships, rejected rows give their money back)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import ledger
from cakupan.funding.cycle import status_by_paid_through
from cakupan.funding.enrolment import answer
from cakupan.funding.enrolment.batches import _check_batch_action
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    BatchStatus,
    EnrolmentBatch,
    EnrolmentRow,
    FundedMonth,
    FundingProgram,
    Invoice,
    InvoiceLine,
    PlanLine,
    RowStatus,
    TransactionKind,
)
from cakupan.funding.rowaudit import ENROLMENT_ROW_ROWS, FUNDED_MONTH_ROWS, PLAN_LINE_ROWS
from cakupan.funding.services.cover import reentry_rule
from cakupan.registry.bulk import query_frame, stage_frame, staged_update
from cakupan.registry.models import Membership, MembershipSource, Segment, Worker
from cakupan.registry.rowaudit import MEMBERSHIP_ROWS


@dataclass
class AckCheck:
    """An acknowledgement file read against its batch, before anything is written. Its decisions are
    also staged in a temporary table (`stage`) for the apply's set-based statements."""

    sha256: str
    decisions: pl.DataFrame
    problems: list[str]
    repeated: int
    # Memberships that already have an accepted row's KPJ: row_number, membership_id, worker_id,
    # paid_through, since.
    existing: pl.DataFrame
    stage: str

    @property
    def accepted(self) -> pl.DataFrame:
        return self.decisions.filter(pl.col("status") == RowStatus.ACCEPTED)

    def summary(self) -> dict:
        accepted = self.accepted.height
        return {
            "sha256": self.sha256,
            "rows": self.decisions.height + self.repeated,
            "accepted": accepted,
            "rejected": self.decisions.height - accepted,
            "already_applied": self.repeated,
            "problems": self.problems[:PROBLEMS_SHOWN],
            "problem_count": len(self.problems),
        }


PROBLEMS_SHOWN = 50
ER, MB = EnrolmentRow._meta.db_table, Membership._meta.db_table
FM, PL = FundedMonth._meta.db_table, PlanLine._meta.db_table

_BATCH_ROWS_SQL = (
    # Dates cast to text: on SQLite a DATE column is otherwise parsed by a Python converter per row.
    "SELECT r.id, r.row_number, r.status, r.kpj, l.id, l.worker_id, w.nik, w.desa_id, "
    "CAST(l.first_month AS TEXT), "
    "l.program_id, p.jht, l.cost, p.funder_id "
    f"FROM {ER} r JOIN {PL} l ON l.id = r.line_id JOIN {Worker._meta.db_table} w ON w.id = l.worker_id "
    f"JOIN {FundingProgram._meta.db_table} p ON p.id = l.program_id WHERE r.batch_id = %s"
)
_STAGE_COLUMNS = {
    "row_id": "BIGINT", "row_number": "BIGINT", "line_id": "BIGINT", "worker_id": "BIGINT",
    "program_id": "BIGINT", "status": "VARCHAR(8)", "kpj": "VARCHAR(11)", "reason": "VARCHAR(300)",
    "first_month": "DATE", "jht": "BOOLEAN", "paid_through": "DATE", "member_status": "VARCHAR(10)",
    "is_new": "BOOLEAN",
}  # fmt: skip
_EXISTING_SCHEMA = {
    "row_number": pl.Int64, "membership_id": pl.Int64, "member_worker_id": pl.Int64,
    "paid_through": pl.Date, "since": pl.Date,
}  # fmt: skip


def _ack_read(batch: EnrolmentBatch, content: bytes) -> AckCheck:
    """Read the answer, check it against the batch's rows (`answer.answer_check`) and against the
    registry (a KPJ already another worker's), and stage its decisions with what a new member under
    each accepted row would be paid through (`_paid_through`)."""
    rows = query_frame(_BATCH_ROWS_SQL, [batch.pk], answer.BATCH_ROW_SCHEMA)
    result = answer.answer_check(answer.answer_frame(content), rows, batch_id=batch.pk)
    decisions = _paid_through(result.decisions, plan_id=batch.plan_id)
    stage = stage_frame(name="ack", frame=decisions, columns=_STAGE_COLUMNS)
    existing = query_frame(
        f"SELECT s.row_number, m.id, m.worker_id, m.paid_through, m.since FROM {stage} s "
        f"JOIN {MB} m ON m.kpj = s.kpj WHERE s.status = %s ORDER BY s.row_number",
        [RowStatus.ACCEPTED],
        _EXISTING_SCHEMA,
    )
    if not existing.is_empty():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {stage} SET is_new = %s "
                f"WHERE EXISTS (SELECT 1 FROM {MB} m WHERE m.kpj = {stage}.kpj)",
                [False],
            )
    owners = existing.join(
        decisions.select("row_number", "worker_id", "kpj"), on="row_number", maintain_order="left"
    ).filter(pl.col("member_worker_id") != pl.col("worker_id"))
    problems = result.problems + [
        f"no_baris {number}: KPJ {kpj} sudah milik pekerja lain"
        for number, kpj in owners.select("row_number", "kpj").iter_rows()
    ]
    return AckCheck(
        sha256=hashlib.sha256(content).hexdigest(),
        decisions=decisions,
        problems=problems,
        repeated=result.repeated,
        existing=existing,
        stage=stage,
    )


def _paid_through(decisions: pl.DataFrame, *, plan_id: int) -> pl.DataFrame:
    """Each decision with `paid_through`, the last month paid to BPJS TK for its worker by the plan (a
    payment may come before the answer) or else the month before the cover starts, `last_paid` (that
    payment's month or null), the rules engine's `member_status` for it, and `is_new` (true until the
    KPJ is found in the registry)."""
    paid = query_frame(
        f"SELECT f.worker_id, MAX(f.month) FROM {FM} f JOIN {PL} l ON l.id = f.line_id "
        "WHERE l.plan_id = %s AND f.paid GROUP BY f.worker_id",
        [plan_id],
        {"worker_id": pl.Int64, "last_paid": pl.Date},
    )
    frame = decisions.join(paid, on="worker_id", how="left", maintain_order="left").with_columns(
        pl.coalesce("last_paid", pl.col("first_month").dt.offset_by("-1mo")).alias("paid_through"),
        pl.lit(True).alias("is_new"),
    )
    this_month = timezone.localdate().replace(day=1)
    statuses = status_by_paid_through(frame["paid_through"].unique().to_list(), this_month)
    return frame.with_columns(
        pl.col("paid_through").replace_strict(statuses, return_dtype=pl.String).alias("member_status")
    )


def _stage_drop(check: AckCheck) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {check.stage}")


def _ack_allowed(batch: EnrolmentBatch, actor) -> None:
    _check_batch_action(
        actor, authz.ACK_IMPORT, batch, "ack_not_allowed",
        "Tanggapan BPJS TK diunggah oleh petugas penghubung BPJS TK di wilayah itu.",
    )  # fmt: skip
    if batch.status not in (BatchStatus.SENT, BatchStatus.ACKNOWLEDGED):
        raise DomainError(
            "batch_not_sent",
            f"Batch #{batch.pk} belum diunduh BPJS TK ({batch.get_status_display().lower()}); "
            "tanggapannya belum dapat diterima.",
        )


def enrolment_ack_check(*, batch: EnrolmentBatch, content: bytes, actor) -> dict:
    """Read an acknowledgement against its batch and say what applying it would do; writes nothing."""
    batch = EnrolmentBatch.objects.select_related("plan").get(pk=batch.pk)
    _ack_allowed(batch, actor)
    check = _ack_read(batch, content)
    _stage_drop(check)
    return check.summary()


def enrolment_ack_import(*, batch: EnrolmentBatch, content: bytes, actor, expected_sha256: str = "") -> dict:
    """Apply BPJS TK's acknowledgement (format in docs/enrolment-batch-format.md). All or nothing: any
    row that does not match the batch is reported and nothing changes. With `expected_sha256` (the file
    the liaison checked on the page) a different file is refused. Returns the counts. Coverage is
    refreshed after the commit, not under the batch, invoice and ledger locks."""
    desa: list[str] = []
    with transaction.atomic():
        counts = _ack_apply(
            batch=batch, content=content, actor=actor, expected_sha256=expected_sha256, desa=desa
        )
    if desa:
        coverage_refresh(desa_codes=desa)
    return counts


def _ack_apply(
    *, batch: EnrolmentBatch, content: bytes, actor, expected_sha256: str, desa: list[str]
) -> dict:
    batch = EnrolmentBatch.objects.select_for_update().select_related("plan").get(pk=batch.pk)
    _ack_allowed(batch, actor)
    check = _ack_read(batch, content)
    try:
        return _ack_write(batch, check, actor=actor, expected_sha256=expected_sha256, desa=desa)
    finally:
        _stage_drop(check)


def _ack_write(batch: EnrolmentBatch, check: AckCheck, *, actor, expected_sha256: str, desa: list[str]):
    if expected_sha256 and expected_sha256.strip().lower() != check.sha256:
        raise DomainError(
            "ack_file_changed", "Berkas tanggapan berbeda dari yang diperiksa; unggah dan periksa ulang."
        )
    problems, decisions, stage = check.problems, check.decisions, check.stage
    if problems:
        shown = "; ".join(problems[:10]) + (
            f"; dan {len(problems) - 10} lainnya" if len(problems) > 10 else ""
        )
        raise DomainError(
            "ack_rows_invalid", f"Tanggapan BPJS TK tidak dapat diterapkan, tidak ada yang diubah: {shown}."
        )
    if decisions.is_empty():
        return _ack_counts(batch, applied=0)
    changes = RowChangeSet()
    accepted = check.accepted.height
    _memberships_apply(check, changes)
    rejected = decisions.filter(pl.col("status") == RowStatus.REJECTED)
    _release(batch, rejected, stage=stage, actor=actor, changes=changes)
    changes.before_update(ENROLMENT_ROW_ROWS, f"SELECT row_id FROM {stage}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ER} SET status = s.status, kpj = s.kpj, reason = s.reason "
            f"FROM {stage} s WHERE {ER}.id = s.row_id"
        )
    batch.accepted = EnrolmentRow.objects.filter(batch=batch, status=RowStatus.ACCEPTED).count()
    batch.rejected = EnrolmentRow.objects.filter(batch=batch, status=RowStatus.REJECTED).count()
    if batch.accepted + batch.rejected == batch.rows:
        batch.status = BatchStatus.ACKNOWLEDGED
        batch.acknowledged_at = timezone.now()
    batch.ack_sha256 = check.sha256
    batch.save(update_fields=["accepted", "rejected", "status", "acknowledged_at", "ack_sha256"])
    event = audit_record(
        action=AuditAction.IMPORT,
        actor=actor,
        obj=batch,
        region_code=batch.plan.region_code,
        metadata={"accepted": accepted, "rejected": rejected.height, "sha256": check.sha256},
    )
    changes.write(event)
    desa += decisions["desa_id"].unique().sort().to_list()
    return _ack_counts(batch, applied=decisions.height)


def _ack_counts(batch: EnrolmentBatch, *, applied: int) -> dict:
    return {
        "batch": batch.pk,
        "applied": applied,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "pending": batch.rows - batch.accepted - batch.rejected,
    }


def _memberships_apply(check: AckCheck, changes: RowChangeSet) -> None:
    """Accepted rows: a new BPU membership under the KPJ, or the existing one kept. Either is paid through
    only what has been paid to BPJS TK for it (a payment recorded before the answer counts; one recorded
    after moves it then): acceptance alone protects nobody, so an unpaid new member is paid through the
    month before their cover starts. New members are inserted from the stage in one statement."""
    this_month = timezone.localdate().replace(day=1)
    # A member BPJS TK already knew keeps the months it had paid; only newly paid months move it.
    changed = check.accepted.join(
        check.existing.rename({"paid_through": "member_paid_through"}), on="row_number"
    ).filter(pl.col("last_paid").is_not_null() & (pl.col("paid_through") > pl.col("member_paid_through")))
    policy, threshold = reentry_rule(on=this_month)
    if not changed.is_empty():
        # Paid months are paid oldest first, so the first newly paid one is the line's first month.
        before = pl.col("member_paid_through")
        gap = (pl.col("first_month").dt.year().cast(pl.Int32) - before.dt.year()) * 12 + (
            pl.col("first_month").dt.month().cast(pl.Int32) - before.dt.month()
        )
        changed = changed.select(
            pl.col("membership_id").alias("id"),
            "paid_through",
            pl.col("member_status").alias("status"),
            pl.when(pl.lit(policy == "reregister") & (gap > threshold))
            .then(pl.col("first_month"))
            .otherwise(pl.col("since"))
            .alias("since"),
        )
        changes.before_update(MEMBERSHIP_ROWS, changes.ids_sql(changed["id"].to_list()))
        staged_update(
            table=MB,
            name="ack_members",
            columns={"paid_through": "DATE", "status": "VARCHAR(10)", "since": "DATE"},
            frame=changed,
        )
    new = f"s.status = '{RowStatus.ACCEPTED}' AND s.is_new"
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MB} (worker_id, kpj, segment, jkk, jkm, jht, status, paid_through, since, source, "
            "created_at, updated_at) SELECT s.worker_id, s.kpj, %s, %s, %s, s.jht, s.member_status, "
            f"s.paid_through, s.first_month, %s, %s, %s FROM {check.stage} s WHERE {new}",
            [Segment.BPU, True, True, MembershipSource.ENROLMENT, now, now],
        )
        inserted = cursor.rowcount
    if inserted:
        changes.inserted(MEMBERSHIP_ROWS, where=f"t.kpj IN (SELECT s.kpj FROM {check.stage} s WHERE {new})")


def _release(
    batch: EnrolmentBatch, rejected: pl.DataFrame, *, stage: str, actor, changes: RowChangeSet
) -> None:
    """Rejected rows: free their worker-months and move their money from committed back to available,
    taking it off the funder's invoice."""
    if rejected.is_empty():
        return
    per_program = {
        program_id: (funder_id, amount)
        for program_id, funder_id, amount in rejected.group_by("program_id", "funder_id")
        .agg(pl.col("cost").sum())
        .sort("program_id")
        .iter_rows()
    }
    invoices = {
        i.funder_id: i for i in Invoice.objects.select_for_update().filter(plan=batch.plan).order_by("pk")
    }
    invoice_lines = {
        (line.invoice_id, line.program_id): line
        for line in InvoiceLine.objects.select_for_update().filter(invoice__plan=batch.plan).order_by("pk")
    }
    accounts = ledger.accounts_locked(sorted(per_program))
    for program_id, (funder_id, amount) in per_program.items():
        invoice = invoices[funder_id]
        line = invoice_lines[(invoice.pk, program_id)]
        if line.amount - amount < line.paid:
            raise DomainError(
                "ack_after_payment",
                f"Tagihan {invoice.number} sudah dibayar melebihi sisa setelah penolakan; catat pengembalian "
                "dana dari BPJS TK terlebih dahulu.",
            )
        line.amount -= amount
        line.save(update_fields=["amount"])
        invoice.amount -= amount
        invoice.status = "paid" if invoice.paid >= invoice.amount else ("partial" if invoice.paid else "open")
        invoice.save(update_fields=["amount", "status"])
        ledger.post(
            kind=TransactionKind.RELEASE,
            funder_id=funder_id,
            reference=f"release:batch:{batch.pk}:program:{program_id}:{_release_serial(batch, program_id)}",
            memo=f"Batch #{batch.pk}: baris ditolak BPJS TK",
            month=timezone.localdate().replace(day=1),
            actor=actor,
            entries=[
                (accounts[(program_id, AccountKind.COMMITTED)], -amount),
                (accounts[(program_id, AccountKind.AVAILABLE)], amount),
            ],
        )
    lines = f"SELECT line_id FROM {stage} WHERE status = '{RowStatus.REJECTED}'"
    changes.before_delete(FUNDED_MONTH_ROWS, f"SELECT id FROM {FM} WHERE line_id IN ({lines})")
    changes.before_update(PLAN_LINE_ROWS, lines)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FM} WHERE line_id IN ({lines})")
        cursor.execute(f"UPDATE {PL} SET released = %s WHERE id IN ({lines})", [True])


def _release_serial(batch: EnrolmentBatch, program_id: int) -> int:
    from cakupan.funding.models import LedgerTransaction

    return LedgerTransaction.objects.filter(
        reference__startswith=f"release:batch:{batch.pk}:program:{program_id}:"
    ).count()


def released_total(plan: AllocationPlan) -> int:
    return int(PlanLine.objects.filter(plan=plan, released=True).aggregate(total=Sum("cost"))["total"] or 0)
