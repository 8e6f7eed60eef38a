"""Enrolment batches for BPJS TK (format: docs/enrolment-batch-format.md) and their acknowledgements.

An approved plan becomes one batch file and an invoice per funder. BPJS TK answers each row with a KPJ
number (accepted) or a reason (rejected); accepted rows become memberships, rejected rows give their
committed money back to the program and their worker-months free for another plan.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import ledger
from cakupan.funding.candidates import add_months
from cakupan.funding.models import (
    AccountKind,
    AllocationPlan,
    BatchStatus,
    EnrolmentBatch,
    EnrolmentRow,
    FundedMonth,
    Invoice,
    InvoiceLine,
    PlanKind,
    PlanLine,
    PlanStatus,
    RowStatus,
    TransactionKind,
)
from cakupan.funding.rowaudit import ENROLMENT_ROW_ROWS, FUNDED_MONTH_ROWS, PLAN_LINE_ROWS
from cakupan.funding.services import invoices_create, plan_month
from cakupan.registry.models import Membership, MembershipSource, MembershipStatus, Segment
from cakupan.registry.rowaudit import MEMBERSHIP_ROWS

__all__ = ["ACK_COLUMNS", "BATCH_COLUMNS", "FORMAT_VERSION", "enrolment_ack_import", "enrolment_batch_create"]

FORMAT_VERSION = "1.0"
BATCH_COLUMNS = (
    "versi_format",
    "no_baris",
    "nik",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "kode_desa",
    "nama_desa",
    "telepon",
    "sektor",
    "tingkat_penghasilan",
    "program",
    "bulan_mulai",
    "jumlah_bulan",
    "iuran",
    "kode_pemberi_dana",
    "pemberi_dana",
    "sumber_dana",
)
ACK_COLUMNS = ("no_baris", "nik", "status", "kpj", "alasan")
ACCEPTED_WORDS = {
    "diterima": RowStatus.ACCEPTED,
    "accepted": RowStatus.ACCEPTED,
    "ditolak": RowStatus.REJECTED,
    "rejected": RowStatus.REJECTED,
}


def _batch_dir() -> Path:
    path = Path(settings.VAR_DIR) / "enrolment"
    path.mkdir(parents=True, exist_ok=True)
    return path


def batch_frame(batch: EnrolmentBatch) -> pl.DataFrame:
    """The batch's rows in file order, as written to the file."""
    rows = (
        EnrolmentRow.objects.filter(batch=batch)
        .order_by("row_number")
        .values_list(
            "row_number",
            "line__worker__nik",
            "line__worker__name",
            "line__worker__birth_date",
            "line__worker__sex",
            "line__worker__desa_id",
            "line__worker__desa__name",
            "line__worker__phone",
            "line__worker__sector",
            "line__program__income_level",
            "line__program__jht",
            "line__first_month",
            "line__months",
            "line__cost",
            "line__program__funder_id",
            "line__program__funder__name",
            "line__program__funder__funding_source",
        )
    )
    data = [
        (
            FORMAT_VERSION,
            number,
            nik,
            name,
            birth.isoformat(),
            sex,
            desa,
            desa_name,
            phone,
            sector,
            level,
            "JKK+JKM+JHT" if jht else "JKK+JKM",
            f"{first:%Y-%m}",
            months,
            cost,
            funder_id,
            funder,
            source,
        )
        for (
            number,
            nik,
            name,
            birth,
            sex,
            desa,
            desa_name,
            phone,
            sector,
            level,
            jht,
            first,
            months,
            cost,
            funder_id,
            funder,
            source,
        ) in rows
    ]
    return pl.DataFrame(data, schema=list(BATCH_COLUMNS), orient="row")


@transaction.atomic
def enrolment_batch_create(*, plan: AllocationPlan, actor, xlsx: bool = False) -> EnrolmentBatch:
    """Turn an approved plan into a batch file (CSV, and XLSX on request) and an invoice per funder."""
    plan = AllocationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.kind != PlanKind.ALLOCATION or plan.status != PlanStatus.APPROVED:
        raise DomainError("plan_not_approved", f"Rencana #{plan.pk} belum disetujui atau sudah dikirim.")
    if EnrolmentBatch.objects.filter(plan=plan).exists():
        raise DomainError("batch_exists", f"Rencana #{plan.pk} sudah mempunyai batch pendaftaran.")
    lines = list(
        PlanLine.objects.filter(plan=plan, released=False).order_by("pk").values_list("pk", flat=True)
    )
    batch = EnrolmentBatch.objects.create(
        plan=plan,
        format_version=FORMAT_VERSION,
        status=BatchStatus.SENT,
        rows=len(lines),
        file_path="",
        file_sha256="",
        created_by=actor,
    )
    EnrolmentRow.objects.bulk_create(
        (
            EnrolmentRow(batch=batch, row_number=number, line_id=line_id)
            for number, line_id in enumerate(lines, 1)
        ),
        batch_size=2000,
    )
    frame = batch_frame(batch)
    stem = f"batch-{batch.pk:06d}-v{FORMAT_VERSION}"
    csv_path = _batch_dir() / f"{stem}.csv"
    content = frame.write_csv(separator=",").encode("utf-8")
    csv_path.write_bytes(content)
    if xlsx:
        frame.write_excel(_batch_dir() / f"{stem}.xlsx", worksheet="batch")
    batch.file_path = str(csv_path)
    batch.file_sha256 = hashlib.sha256(content).hexdigest()
    batch.save(update_fields=["file_path", "file_sha256"])
    invoices_create(plan, month=plan_month(plan))
    plan.status = PlanStatus.BATCHED
    plan.save(update_fields=["status"])
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        obj=batch,
        region_code=plan.region_code,
        metadata={"plan": plan.pk, "rows": batch.rows, "sha256": batch.file_sha256},
    )
    return batch


def _read_ack(content: bytes) -> list[dict[str, str]]:
    try:
        text = content.decode("utf-8-sig") if content else ""
    except UnicodeDecodeError as error:
        raise DomainError("ack_encoding", "Berkas tanggapan harus CSV berpengodean UTF-8.") from error
    if not text.strip():
        raise DomainError("ack_empty", "Berkas tanggapan kosong.")
    dialect = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("no_baris", "nik", "status") if name not in header]
    if missing:
        raise DomainError("ack_column_missing", f"Kolom wajib tidak ada: {', '.join(missing)}.")
    return [
        {(k or "").strip().lower(): v.strip() if isinstance(v, str) else "" for k, v in row.items()}
        for row in reader
    ]


@transaction.atomic
def enrolment_ack_import(*, batch: EnrolmentBatch, content: bytes, actor) -> dict:
    """Apply BPJS TK's acknowledgement (format in docs/enrolment-batch-format.md). All or nothing: any
    row that does not match the batch is reported and nothing changes. Returns the counts."""
    batch = EnrolmentBatch.objects.select_for_update().get(pk=batch.pk)
    sha = hashlib.sha256(content).hexdigest()
    records = _read_ack(content)
    rows = {
        row.row_number: row
        for row in EnrolmentRow.objects.filter(batch=batch).select_related(
            "line", "line__worker", "line__program"
        )
    }
    problems, decisions, seen = [], {}, set()
    for index, record in enumerate(records, start=2):
        number_text, nik = record.get("no_baris", ""), record.get("nik", "")
        status = ACCEPTED_WORDS.get(record.get("status", "").lower())
        kpj, reason = record.get("kpj", ""), record.get("alasan", "")
        if not number_text.isdigit() or int(number_text) not in rows:
            problems.append(f"baris {index}: no_baris '{number_text}' tidak ada dalam batch #{batch.pk}")
            continue
        row = rows[int(number_text)]
        if row.line.worker.nik != nik:
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
        seen.add(int(number_text))
        if row.status == RowStatus.SENT:
            decisions[row.row_number] = (status, kpj, reason)
    accepted = {n: d for n, d in decisions.items() if d[0] == RowStatus.ACCEPTED}
    kpjs = [d[1] for d in accepted.values()]
    if len(set(kpjs)) != len(kpjs):
        problems.append("nomor KPJ yang sama dipakai untuk lebih dari satu baris")
    owners = dict(Membership.objects.filter(kpj__in=kpjs).values_list("kpj", "worker_id"))
    for number, (_, kpj, _) in accepted.items():
        if kpj in owners and owners[kpj] != rows[number].line.worker_id:
            problems.append(f"no_baris {number}: KPJ {kpj} sudah milik pekerja lain")
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
    _memberships_apply({n: rows[n] for n in accepted}, accepted, changes)
    rejected = [rows[n] for n, d in decisions.items() if d[0] == RowStatus.REJECTED]
    _release(batch, rejected, actor=actor, changes=changes)
    changes.before_update(ENROLMENT_ROW_ROWS, changes.ids_sql(rows[n].pk for n in decisions))
    updates = []
    for number, (status, kpj, reason) in decisions.items():
        row = rows[number]
        row.status, row.kpj, row.reason = status, kpj if status == RowStatus.ACCEPTED else "", reason[:300]
        updates.append(row)
    EnrolmentRow.objects.bulk_update(updates, ["status", "kpj", "reason"], batch_size=2000)
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
    desa = sorted({rows[n].line.worker.desa_id for n in decisions})
    coverage_refresh(desa_codes=desa)
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
    rows: dict[int, EnrolmentRow], accepted: dict[int, tuple], changes: RowChangeSet
) -> None:
    """Accepted rows: a new BPU membership under the KPJ, or the existing one paid through further."""
    existing = {m.kpj: m for m in Membership.objects.filter(kpj__in=[d[1] for d in accepted.values()])}
    new, changed = [], []
    for number, (_, kpj, _) in accepted.items():
        line = rows[number].line
        last = add_months(line.first_month, line.months - 1)
        membership = existing.get(kpj)
        if membership is None:
            new.append(
                Membership(
                    worker_id=line.worker_id,
                    kpj=kpj,
                    segment=Segment.BPU,
                    jht=line.program.jht,
                    status=MembershipStatus.AKTIF,
                    paid_through=last,
                    source=MembershipSource.ENROLMENT,
                )
            )
        else:
            membership.paid_through = max(membership.paid_through, last)
            membership.status = MembershipStatus.AKTIF
            changed.append(membership)
    if changed:
        changes.before_update(MEMBERSHIP_ROWS, changes.ids_sql(m.pk for m in changed))
    Membership.objects.bulk_create(new, batch_size=2000)
    Membership.objects.bulk_update(changed, ["paid_through", "status"], batch_size=2000)
    if new:
        changes.inserted(MEMBERSHIP_ROWS, changes.ids_sql(m.pk for m in new))


def _release(batch: EnrolmentBatch, rejected: list[EnrolmentRow], *, actor, changes: RowChangeSet) -> None:
    """Rejected rows: free their worker-months and move their money from committed back to available,
    taking it off the funder's invoice."""
    if not rejected:
        return
    line_ids = [row.line_id for row in rejected]
    per_program: dict[int, int] = defaultdict(int)
    funder_of: dict[int, int] = {}
    for row in rejected:
        per_program[row.line.program_id] += row.line.cost
        funder_of[row.line.program_id] = row.line.program.funder_id
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
    FundedMonth.objects.filter(line_id__in=line_ids).delete()
    PlanLine.objects.filter(pk__in=line_ids).update(released=True)


def _release_serial(batch: EnrolmentBatch, program_id: int) -> int:
    from cakupan.funding.models import LedgerTransaction

    return LedgerTransaction.objects.filter(
        reference__startswith=f"release:batch:{batch.pk}:program:{program_id}:"
    ).count()


def released_total(plan: AllocationPlan) -> int:
    return int(PlanLine.objects.filter(plan=plan, released=True).aggregate(total=Sum("cost"))["total"] or 0)


def ack_template(batch: EnrolmentBatch) -> str:
    """An acknowledgement file with every row still 'dikirim', for BPJS TK (and tests) to fill in."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ACK_COLUMNS)
    for number, nik in (
        EnrolmentRow.objects.filter(batch=batch)
        .order_by("row_number")
        .values_list("row_number", "line__worker__nik")
    ):
        writer.writerow([number, nik, "", "", ""])
    return out.getvalue()


__all__ += ["ack_template", "batch_frame", "released_total"]
