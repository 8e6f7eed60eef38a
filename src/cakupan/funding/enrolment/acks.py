"""BPJS TK's acknowledgement of a sent batch: checked against the batch before anything is written,
then applied all or nothing (accepted rows become memberships, rejected rows give their money back)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import ledger
from cakupan.funding.candidates import add_months
from cakupan.funding.cycle import status_by_paid_through
from cakupan.funding.enrolment.batches import _check_batch_action
from cakupan.funding.enrolment.files import ACCEPTED_WORDS, _read_ack
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    BatchStatus,
    EnrolmentBatch,
    EnrolmentRow,
    FundedMonth,
    Invoice,
    InvoiceLine,
    PlanLine,
    RowStatus,
    TransactionKind,
)
from cakupan.funding.rowaudit import ENROLMENT_ROW_ROWS, FUNDED_MONTH_ROWS, PLAN_LINE_ROWS
from cakupan.funding.services.cover import last_paid_months, reentry_rule
from cakupan.registry.bulk import keys_table_sql, staged_update
from cakupan.registry.models import Membership, MembershipSource, Segment
from cakupan.registry.rowaudit import MEMBERSHIP_ROWS


@dataclass
class AckCheck:
    """An acknowledgement file read against its batch, before anything is written."""

    sha256: str
    rows: dict[int, EnrolmentRow]
    decisions: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    repeated: int = 0

    @property
    def accepted(self) -> dict[int, tuple[str, str, str]]:
        return {n: d for n, d in self.decisions.items() if d[0] == RowStatus.ACCEPTED}

    def summary(self) -> dict:
        accepted = len(self.accepted)
        return {
            "sha256": self.sha256,
            "rows": len(self.decisions) + self.repeated,
            "accepted": accepted,
            "rejected": len(self.decisions) - accepted,
            "already_applied": self.repeated,
            "problems": self.problems[:PROBLEMS_SHOWN],
            "problem_count": len(self.problems),
        }


PROBLEMS_SHOWN = 50


class BatchRow(NamedTuple):
    """What the acknowledgement needs of a batch row, read as plain tuples (no model per row)."""

    pk: int
    row_number: int
    status: str
    kpj: str
    line_id: int
    worker_id: int
    nik: str
    desa_id: str
    first_month: dt.date
    program_id: int
    jht: bool
    cost: int
    funder_id: int


_BATCH_ROW_FIELDS = (
    "pk", "row_number", "status", "kpj", "line_id", "line__worker_id", "line__worker__nik",
    "line__worker__desa_id", "line__first_month", "line__program_id", "line__program__jht", "line__cost",
    "line__program__funder_id",
)  # fmt: skip


def _ack_read(batch: EnrolmentBatch, content: bytes) -> AckCheck:
    values = EnrolmentRow.objects.filter(batch=batch).values_list(*_BATCH_ROW_FIELDS)
    check = AckCheck(
        sha256=hashlib.sha256(content).hexdigest(),
        rows={row.row_number: row for row in map(BatchRow._make, values.iterator(chunk_size=20_000))},
    )
    records = _read_ack(content)
    rows, problems, seen = check.rows, check.problems, set()
    for index, record in enumerate(records, start=2):
        number_text, nik = record.get("no_baris", ""), record.get("nik", "")
        status = ACCEPTED_WORDS.get(record.get("status", "").lower())
        kpj, reason = record.get("kpj", ""), record.get("alasan", "")
        if not number_text.isdigit() or int(number_text) not in rows:
            problems.append(f"baris {index}: no_baris '{number_text}' tidak ada dalam batch #{batch.pk}")
            continue
        row = rows[int(number_text)]
        if row.nik != nik:
            problems.append(f"baris {index}: NIK tidak cocok dengan no_baris {number_text}")
        elif int(number_text) in seen:
            problems.append(f"baris {index}: no_baris {number_text} muncul lebih dari sekali")
        elif status is None:
            problems.append(f"baris {index}: status harus 'diterima' atau 'ditolak'")
        elif status == RowStatus.ACCEPTED and not (kpj.isdigit() and len(kpj) == 11):
            problems.append(f"baris {index}: KPJ '{kpj}' tidak sah (11 digit angka)")
        elif status == RowStatus.REJECTED and not reason:
            problems.append(f"baris {index}: alasan penolakan wajib diisi")
        elif row.status != RowStatus.SENT and (row.status, row.kpj) != (
            status,
            kpj if status == RowStatus.ACCEPTED else "",
        ):
            problems.append(f"baris {index}: no_baris {number_text} sudah ditanggapi dengan keputusan lain")
        elif row.status != RowStatus.SENT:
            check.repeated += 1
        seen.add(int(number_text))
        if row.status == RowStatus.SENT:
            check.decisions[row.row_number] = (status, kpj, reason)
    kpjs = [d[1] for d in check.accepted.values()]
    if len(set(kpjs)) != len(kpjs):
        problems.append("nomor KPJ yang sama dipakai untuk lebih dari satu baris")
    owners = dict(
        Membership.objects.filter(kpj__in=RawSQL(keys_table_sql("ack_kpj", kpjs), [])).values_list(
            "kpj", "worker_id"
        )
    )
    for number, (_, kpj, _) in check.accepted.items():
        if kpj in owners and owners[kpj] != rows[number].worker_id:
            problems.append(f"no_baris {number}: KPJ {kpj} sudah milik pekerja lain")
    return check


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
    return _ack_read(batch, content).summary()


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
    if expected_sha256 and expected_sha256.strip().lower() != check.sha256:
        raise DomainError(
            "ack_file_changed", "Berkas tanggapan berbeda dari yang diperiksa; unggah dan periksa ulang."
        )
    problems, decisions, rows, sha = check.problems, check.decisions, check.rows, check.sha256
    accepted = check.accepted
    if problems:
        shown = "; ".join(problems[:10]) + (
            f"; dan {len(problems) - 10} lainnya" if len(problems) > 10 else ""
        )
        raise DomainError(
            "ack_rows_invalid", f"Tanggapan BPJS TK tidak dapat diterapkan, tidak ada yang diubah: {shown}."
        )
    if not decisions:
        return _ack_counts(batch, applied=0)
    changes = RowChangeSet()
    _memberships_apply({n: rows[n] for n in accepted}, accepted, changes, plan_id=batch.plan_id)
    rejected = [rows[n] for n, d in decisions.items() if d[0] == RowStatus.REJECTED]
    _release(batch, rejected, actor=actor, changes=changes)
    changes.before_update(ENROLMENT_ROW_ROWS, changes.ids_sql(rows[n].pk for n in decisions))
    staged_update(
        table=EnrolmentRow._meta.db_table,
        name="ack_rows",
        columns={"status": "VARCHAR(8)", "kpj": "VARCHAR(11)", "reason": "VARCHAR(300)"},
        rows=(
            (rows[number].pk, status, kpj if status == RowStatus.ACCEPTED else "", reason[:300])
            for number, (status, kpj, reason) in decisions.items()
        ),
    )
    batch.accepted = EnrolmentRow.objects.filter(batch=batch, status=RowStatus.ACCEPTED).count()
    batch.rejected = EnrolmentRow.objects.filter(batch=batch, status=RowStatus.REJECTED).count()
    if batch.accepted + batch.rejected == batch.rows:
        batch.status = BatchStatus.ACKNOWLEDGED
        batch.acknowledged_at = timezone.now()
    batch.ack_sha256 = sha
    batch.save(update_fields=["accepted", "rejected", "status", "acknowledged_at", "ack_sha256"])
    event = audit_record(
        action=AuditAction.IMPORT,
        actor=actor,
        obj=batch,
        region_code=batch.plan.region_code,
        metadata={"accepted": len(accepted), "rejected": len(rejected), "sha256": sha},
    )
    changes.write(event)
    desa += sorted({rows[n].desa_id for n in decisions})
    return _ack_counts(batch, applied=len(decisions))


def _ack_counts(batch: EnrolmentBatch, *, applied: int) -> dict:
    return {
        "batch": batch.pk,
        "applied": applied,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "pending": batch.rows - batch.accepted - batch.rejected,
    }


def _memberships_apply(
    rows: dict[int, BatchRow], accepted: dict[int, tuple], changes: RowChangeSet, *, plan_id: int
) -> None:
    """Accepted rows: a new BPU membership under the KPJ, or the existing one kept. Either is paid through
    only what has been paid to BPJS TK for it (a payment recorded before the answer counts; one recorded
    after moves it then): acceptance alone protects nobody, so an unpaid new member is paid through the
    month before their cover starts."""
    kpjs = RawSQL(keys_table_sql("ack_kpj", [d[1] for d in accepted.values()]), [])
    existing = {m.kpj: m for m in Membership.objects.filter(kpj__in=kpjs)}
    paid = last_paid_months(plan_id=plan_id)
    this_month = timezone.localdate().replace(day=1)
    policy, threshold = reentry_rule(on=this_month)
    new, changed = [], []
    for number, (_, kpj, _) in accepted.items():
        line = rows[number]
        last = paid.get(line.worker_id) or add_months(line.first_month, -1)
        membership = existing.get(kpj)
        if membership is not None and line.worker_id not in paid:
            # A member BPJS TK already knew keeps the months it had paid; nothing new is paid yet.
            continue
        if membership is None:
            new.append((line.worker_id, kpj, line.jht, _status_on(last, this_month), last, line.first_month))
        elif last > membership.paid_through:
            # Paid months are paid oldest first, so the first newly paid one is the line's first month.
            if (
                policy == "reregister"
                and _months_between(membership.paid_through, line.first_month) > threshold
            ):
                membership.since = line.first_month
            membership.paid_through = last
            membership.status = _status_on(last, this_month)
            changed.append(membership)
    if changed:
        changes.before_update(MEMBERSHIP_ROWS, changes.ids_sql(m.pk for m in changed))
    _memberships_insert(new)
    staged_update(
        table=Membership._meta.db_table,
        name="ack_members",
        columns={"paid_through": "DATE", "status": "VARCHAR(10)", "since": "DATE"},
        rows=((m.pk, m.paid_through, m.status, m.since) for m in changed),
    )
    if new:
        changes.inserted(
            MEMBERSHIP_ROWS, where=f"t.kpj IN ({keys_table_sql('ack_new_kpj', [m[1] for m in new])})"
        )


def _memberships_insert(new: list[tuple]) -> None:
    """New BPU memberships (worker, KPJ, JHT, status, paid through, since) in one executemany, with the
    values the model's defaults would give: JKK and JKM always, made by enrolment, now."""
    if not new:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Membership._meta.db_table} (worker_id, kpj, segment, jkk, jkm, jht, status, "
            "paid_through, since, source, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (worker, kpj, Segment.BPU, True, True, jht, status, paid_through, since,
                 MembershipSource.ENROLMENT, now, now)
                for worker, kpj, jht, status, paid_through, since in new
            ],
        )  # fmt: skip


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@lru_cache(maxsize=256)
def _status_on(paid_through: dt.date, this_month: dt.date) -> str:
    """The rules engine's status of a member paid through that month, as the monthly cycle marks it
    (a batch has few distinct months: each is asked once)."""
    return status_by_paid_through([paid_through], this_month)[paid_through]


def _release(batch: EnrolmentBatch, rejected: list[EnrolmentRow], *, actor, changes: RowChangeSet) -> None:
    """Rejected rows: free their worker-months and move their money from committed back to available,
    taking it off the funder's invoice."""
    if not rejected:
        return
    line_ids = [row.line_id for row in rejected]
    per_program: dict[int, int] = defaultdict(int)
    funder_of: dict[int, int] = {}
    for row in rejected:
        per_program[row.program_id] += row.cost
        funder_of[row.program_id] = row.funder_id
    invoices = {
        i.funder_id: i for i in Invoice.objects.select_for_update().filter(plan=batch.plan).order_by("pk")
    }
    invoice_lines = {
        (line.invoice_id, line.program_id): line
        for line in InvoiceLine.objects.select_for_update().filter(invoice__plan=batch.plan).order_by("pk")
    }
    accounts = ledger.accounts_locked(sorted(per_program))
    for program_id, amount in sorted(per_program.items()):
        invoice = invoices[funder_of[program_id]]
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
            funder_id=funder_of[program_id],
            reference=f"release:batch:{batch.pk}:program:{program_id}:{_release_serial(batch, program_id)}",
            memo=f"Batch #{batch.pk}: baris ditolak BPJS TK",
            month=timezone.localdate().replace(day=1),
            actor=actor,
            entries=[
                (accounts[(program_id, AccountKind.COMMITTED)], -amount),
                (accounts[(program_id, AccountKind.AVAILABLE)], amount),
            ],
        )
    lines = changes.ids_sql(line_ids)
    changes.before_delete(
        FUNDED_MONTH_ROWS, f"SELECT id FROM {FundedMonth._meta.db_table} WHERE line_id IN ({lines})"
    )
    changes.before_update(PLAN_LINE_ROWS, lines)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FundedMonth._meta.db_table} WHERE line_id IN ({lines})")
        cursor.execute(f"UPDATE {PlanLine._meta.db_table} SET released = %s WHERE id IN ({lines})", [True])


def _release_serial(batch: EnrolmentBatch, program_id: int) -> int:
    from cakupan.funding.models import LedgerTransaction

    return LedgerTransaction.objects.filter(
        reference__startswith=f"release:batch:{batch.pk}:program:{program_id}:"
    ).count()


def released_total(plan: AllocationPlan) -> int:
    return int(PlanLine.objects.filter(plan=plan, released=True).aggregate(total=Sum("cost"))["total"] or 0)
