"""Reads of field work: who to visit, the agent's records, and what waits for the user.

The visit list is a small case load (CommCare keeps a device's cases few), ordered by urgency and then
by vulnerability: a claim whose documents are missing, then members in arrears (still rescuable before
the membership ends), members whose paid months end within 30 days, people never registered with BPJS
TK, and lapsed members. Within a reason: the poorest first (DTSEN decile, then declared income)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.agents.models import FieldRecord, RecordStatus
from cakupan.claims.models import ClaimCase, ClaimDocument, ClaimStatus
from cakupan.core.formatting import date_long, number
from cakupan.core.scoping import area_filter
from cakupan.core.waiting import Waiting
from cakupan.coverage.selectors import add_months
from cakupan.coverage.services import UNPAID_MONTHS_BEFORE_LAPSE
from cakupan.registry.models import Membership, Worker
from cakupan.registry.selectors import worker_import_values, worker_version

VISIT_LIMIT = 200
MAX_VISIT_LIMIT = 1000
LAPSING_DAYS = 30


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    rank: int


REASONS = {
    reason.code: reason
    for reason in (
        Reason("claim_documents", "Dokumen klaim belum lengkap", 1),
        Reason("arrears", "Menunggak iuran", 2),
        Reason("lapsing", f"Iuran berakhir dalam {LAPSING_DAYS} hari", 3),
        Reason("never", "Belum pernah terdaftar BPJS Ketenagakerjaan", 4),
        Reason("lapsed", "Kepesertaan nonaktif", 5),
    )
}


@dataclass(frozen=True)
class Visit:
    reason: Reason
    detail: str
    worker: Worker
    version: int

    def to_dict(self) -> dict:
        worker = self.worker
        return {
            "reason": self.reason.code,
            "reason_label": self.reason.label,
            "detail": self.detail,
            "worker_id": worker.pk,
            "version": self.version,
            "values": worker_import_values(worker),
            "desa_name": getattr(worker.desa, "name", ""),
        }


def _last_paid():
    return Subquery(
        Membership.objects.filter(worker=OuterRef("pk")).order_by("-paid_through").values("paid_through")[:1]
    )


def _ends_before(month: dt.date, today: dt.date) -> dt.date:
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    horizon = min(max(today, month), last) + dt.timedelta(days=LAPSING_DAYS)
    return (horizon + dt.timedelta(days=1)).replace(day=1)


VULNERABLE_FIRST = (F("decile").asc(nulls_last=True), "monthly_income", "id")


def _workers(user, desa: str | None):
    workers = Worker.objects.for_user(user).select_related("desa")
    if desa:
        workers = workers.filter(area_filter("desa_id", desa))
    return workers


def visit_list(*, user, desa: str | None = None, limit: int = VISIT_LIMIT, today: dt.date | None = None):
    """Up to `limit` visits in the user's area (or one desa/kecamatan of it), most urgent first."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    limit = max(1, min(limit, MAX_VISIT_LIMIT))
    visits: list[Visit] = []
    seen: set[int] = set()

    def take(queryset, reason: str, detail) -> None:
        if len(visits) >= limit:
            return
        for worker in queryset.exclude(pk__in=list(seen))[: limit - len(visits)]:
            seen.add(worker.pk)
            visits.append(Visit(REASONS[reason], detail(worker), worker, worker_version(worker.updated_at)))

    workers = _workers(user, desa)
    missing = ClaimDocument.objects.filter(case=OuterRef("pk"), received_at__isnull=True)
    cases = (
        ClaimCase.objects.for_user(user)
        .filter(status__in=[ClaimStatus.COLLECTING, ClaimStatus.WAITING_HEIRS])
        .filter(Exists(missing))
        .order_by("created_at")
    )
    case_by_worker: dict[int, ClaimCase] = {}
    for case in cases[:MAX_VISIT_LIMIT]:
        case_by_worker.setdefault(case.worker_id, case)
    take(
        workers.filter(pk__in=list(case_by_worker)).order_by(*VULNERABLE_FIRST),
        "claim_documents",
        lambda w: _claim_text(case_by_worker[w.pk]),
    )
    paid = workers.annotate(last_paid=_last_paid())
    floor = add_months(month, -(UNPAID_MONTHS_BEFORE_LAPSE - 1))
    take(
        paid.filter(last_paid__gte=floor, last_paid__lt=month).order_by(*VULNERABLE_FIRST),
        "arrears",
        lambda w: f"Iuran terakhir dibayar untuk {_month_text(w.last_paid)}",
    )
    take(
        paid.filter(last_paid__gte=month, last_paid__lt=_ends_before(month, today)).order_by(
            *VULNERABLE_FIRST
        ),
        "lapsing",
        lambda w: f"Dibayar sampai akhir {_month_text(w.last_paid)}",
    )
    take(
        workers.filter(~Exists(Membership.objects.filter(worker=OuterRef("pk")))).order_by(*VULNERABLE_FIRST),
        "never",
        _vulnerability_text,
    )
    take(
        paid.filter(last_paid__lt=floor).order_by(*VULNERABLE_FIRST),
        "lapsed",
        lambda w: f"Iuran terakhir untuk {_month_text(w.last_paid)}",
    )
    return visits


MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")  # fmt: skip


def _month_text(month: dt.date | None) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}" if month else "-"


def _claim_text(case: ClaimCase) -> str:
    missing = case.documents.filter(received_at__isnull=True).count()
    return f"Klaim {case.number}: {number(missing)} dokumen belum diterima"


def _vulnerability_text(worker: Worker) -> str:
    parts = []
    if worker.decile is not None:
        parts.append(f"desil {worker.decile}")
    parts.append(f"penghasilan Rp{number(worker.monthly_income)}/bulan")
    return ", ".join(parts)


def records_of(*, user, status: str | None = None):
    """The user's own records from the phone, newest first."""
    records = FieldRecord.objects.filter(agent=user).select_related("worker", "desa")
    if status:
        records = records.filter(status=status)
    return records


def with_comparison(*, user, records) -> list[FieldRecord]:
    """The records, each conflict with `compare`: (field label, her value, the server's) for every column,
    the server's only while the worker is still in her area."""
    # Here, not at the top: the intake package loads polars, and this module is imported at start-up.
    from cakupan.registry.intake.columns import COLUMN_LABELS, WORKER_COLUMNS

    records = list(records)
    visible = set(
        Worker.objects.for_user(user)
        .filter(pk__in=[r.worker_id for r in records if r.status == RecordStatus.CONFLICT and r.worker_id])
        .values_list("pk", flat=True)
    )
    for record in records:
        if record.status != RecordStatus.CONFLICT:
            continue
        server = worker_import_values(record.worker) if record.worker_id in visible else {}
        record.compare = [
            (COLUMN_LABELS[column], record.values.get(column, ""), server.get(column, "–"))
            for column in WORKER_COLUMNS
        ]
    return records


def waiting_for(user) -> list[Waiting]:
    """For /kerja/: the agent's records in conflict (only she can settle them) and those refused lately."""
    if not getattr(user, "is_authenticated", False) or not authz.can(user, authz.FIELD_SYNC):
        return []
    items: list[Waiting] = []
    conflicts = FieldRecord.objects.filter(agent=user, status=RecordStatus.CONFLICT).count()
    if conflicts:
        items.append(
            Waiting(
                title=f"{number(conflicts)} rekaman lapangan bentrok dengan data server",
                url=reverse("agents:records") + "?status=conflict",
                detail="Bandingkan dan pilih data yang dipakai.",
            )
        )
    since = timezone.now() - dt.timedelta(days=14)
    refused = FieldRecord.objects.filter(
        agent=user, status=RecordStatus.REJECTED, settled_at__gte=since
    ).count()
    if refused:
        items.append(
            Waiting(
                title=f"{number(refused)} rekaman lapangan ditolak dalam 14 hari terakhir",
                url=reverse("agents:records") + "?status=rejected",
                detail="Lihat alasannya; perbaiki di ponsel lalu kirim ulang.",
            )
        )
    return items


__all__ = ["REASONS", "Visit", "date_long", "records_of", "visit_list", "waiting_for"]
