"""Reads of the public status check. The first tier's read runs the same queries, with the same shapes,
whether or not the NIK is registered, so that neither the answer nor its time tells anyone who is in the
registry (a test holds the query lists equal)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection

from cakupan.claims.models import OPEN_STATUSES, ClaimCase, ClaimStatus, ClockState
from cakupan.claims.selectors import PublicClaim, claims_of_worker
from cakupan.core import prepared
from cakupan.core.masking import mask_name
from cakupan.coverage.selectors import WorkerState, add_months, state_of
from cakupan.funding.models import FundedMonth
from cakupan.funding.selectors import (
    FundedSpan,
    ProgramArea,
    VillageProgram,
    funded_spans,
    programs_started_by,
    village_programs,
)
from cakupan.regions.models import Region
from cakupan.registry.models import Membership, Worker

# Who funds cover where changes when an officer opens or closes a program, not between two look-ups: each
# server process reads the programs at most once a minute, whoever asks.
PROGRAMS_SECONDS = 60
_programs: dict[dt.date, tuple[float, list[ProgramArea]]] = {}


def _programs_of(month: dt.date) -> list[ProgramArea]:
    now = time.monotonic()
    kept = _programs.get(month)
    if kept is None or now - kept[0] > PROGRAMS_SECONDS:
        kept = (now, programs_started_by(month))
        _programs.clear()
        _programs[month] = kept
    return kept[1]


# The id no worker has: an unknown NIK's reads go on with it and find nothing, as a known one's would.
NOBODY = 0


@dataclass(frozen=True)
class CoverFacts:
    worker_id: int  # NOBODY when the NIK is not registered
    desa_code: str
    phone: str
    kpjs: tuple[str, ...]
    state: WorkerState
    next_month_funded: bool
    programs: tuple[VillageProgram, ...]

    @property
    def registered(self) -> bool:
        return self.worker_id != NOBODY


# One statement for the worker, her memberships and whether next month is funded: the check is the public's
# busiest path, and an unknown NIK runs it as a known one does (it returns no row).
_FACTS_SQL = (
    "SELECT w.id, w.desa_id, w.phone, m.kpj, m.paid_through, "
    f"EXISTS (SELECT 1 FROM {FundedMonth._meta.db_table} f WHERE f.worker_id = w.id AND f.month = %s) "
    f"FROM {Worker._meta.db_table} w LEFT JOIN {Membership._meta.db_table} m ON m.worker_id = w.id "
    "WHERE w.nik = %s"
)


def _as_date(value) -> dt.date | None:
    # SQLite returns a raw query's dates as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def cover_facts(nik: str, *, month: dt.date) -> CoverFacts:
    """What the first tier needs to answer a NIK: two reads, whoever it is."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, name="cakupan_cek_facts", sql=_FACTS_SQL, params=[add_months(month, 1), nik])
        rows = cursor.fetchall()
    if rows:
        worker_id, desa_code, phone = rows[0][0], rows[0][1], rows[0][2]
    else:
        # An unknown NIK's village programs are read for the kecamatan its digits name: the same read.
        worker_id, desa_code, phone = NOBODY, f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}", ""
    kpjs = tuple(row[3] for row in rows if row[3] is not None)
    last_paid = max((_as_date(row[4]) for row in rows if row[4] is not None), default=None)
    return CoverFacts(
        worker_id=worker_id,
        desa_code=desa_code,
        phone=phone,
        kpjs=kpjs,
        state=state_of(last_paid, month=month),
        next_month_funded=bool(rows and rows[0][5]),
        programs=tuple(village_programs(desa_code, month=month, programs=_programs_of(month))),
    )


@dataclass(frozen=True)
class CoverDetail:
    """The second tier: what a worker who proved her phone sees of her own cover."""

    masked_name: str
    desa: str
    state: WorkerState
    since: dt.date | None
    paid_months: int  # contribution months paid through Cakupan's funders
    spans: tuple[FundedSpan, ...]
    memberships: int
    # Her claims as the family follows them: number, kind, status, the deadline while open, the missing
    # documents by name, the amount once paid; never the staff who handle them.
    claims: tuple[PublicClaim, ...] = ()


def cover_detail(worker_id: int, *, month: dt.date) -> CoverDetail | None:
    worker = Worker.objects.filter(pk=worker_id).first()
    if worker is None:
        return None
    memberships = list(Membership.objects.filter(worker_id=worker_id).values_list("paid_through", "since"))
    last_paid = max((paid for paid, _ in memberships), default=None)
    since = max((start for _, start in memberships if start is not None), default=None)
    desa = Region.objects.filter(pk=worker.desa_id).values_list("name", flat=True).first() or ""
    return CoverDetail(
        masked_name=mask_name(worker.name),
        desa=desa,
        state=state_of(last_paid, month=month),
        since=since,
        paid_months=FundedMonth.objects.filter(worker_id=worker_id, paid=True).count(),
        spans=tuple(funded_spans(worker)),
        memberships=len(memberships),
        claims=tuple(claims_of_worker(worker_id)),
    )


def worker_phone(worker_id: int) -> str:
    return Worker.objects.filter(pk=worker_id).values_list("phone", flat=True).first() or ""


# --- the family's claim tracking -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFacts:
    claim_id: int  # NOBODY when no claim has the number
    worker_id: int
    phone: str  # the reporter's phone (E.164), empty when none was given


def claim_facts(number: str) -> ClaimFacts:
    """What the claim tracking needs to answer a claim number: one read, whether or not the claim exists."""
    row = ClaimCase.objects.filter(number=number).values_list("pk", "worker_id", "reporter_phone").first()
    if row is None:
        return ClaimFacts(claim_id=NOBODY, worker_id=NOBODY, phone="")
    return ClaimFacts(claim_id=row[0], worker_id=row[1], phone=row[2] or "")


# The clock runs (and the deadline means something) only in these states: not before the documents are
# complete, not while it waits for the heirs' documents.
RUNNING_CLOCK = (ClockState.ON_TRACK, ClockState.AT_RISK, ClockState.BREACHED)


def public_claim(claim_id: int) -> PublicClaim | None:
    """One claim as the family follows it: number, kind, status, the deadline while open with the clock
    running, the missing documents by name, the amount once paid; never the worker, the staff or any other
    amount."""
    case = ClaimCase.objects.filter(pk=claim_id).prefetch_related("documents").first()
    if case is None:
        return None
    running = case.status in OPEN_STATUSES and case.clock_state in RUNNING_CLOCK
    return PublicClaim(
        number=case.number,
        kind=case.get_kind_display().split(" (")[0],
        status=case.get_status_display(),
        due_on=case.due_on if running else None,
        decided_on=case.decided_on,
        paid_amount=case.paid_amount if case.status == ClaimStatus.PAID else None,
        missing=tuple(d.label for d in case.documents.all() if d.received_at is None),
    )
