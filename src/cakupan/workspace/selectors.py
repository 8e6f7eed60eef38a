"""Reads of the staff workspace: the worklists of a village operator or field agent, a worker's page and
what waits for each role. Always through the user's area scope (`for_user`).

A worker's state in a month is decided as the coverage facts decide it (coverage.services): active if a
membership is paid through the month, in arrears if the last paid month is at most two months back,
lapsed if older, never registered without a membership. The lists' counts therefore equal the
dashboard's figures for the same area and month (a test holds them equal).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.approvals.services import may_decide
from cakupan.claims.selectors import attention_count, attention_level
from cakupan.core import selectors as core_selectors
from cakupan.core.folding import Folded, fold
from cakupan.core.formatting import date_long, number, rupiah
from cakupan.core.waiting import Waiting, waiting_elsewhere
from cakupan.coverage.models import RegionCoverage
from cakupan.coverage.selectors import (  # noqa: F401 (the workspace's pages read them from here)
    STATUS_LABELS,
    WorkerState,
    add_months,
    latest_month,
    worker_state,
)
from cakupan.coverage.services import UNPAID_MONTHS_BEFORE_LAPSE
from cakupan.funding import selectors as funding_selectors
from cakupan.funding.models import BatchStatus, FundedMonth, InvoiceStatus
from cakupan.regions.models import Region
from cakupan.registry.importing import stuck_imports
from cakupan.registry.models import ImportStatus, Membership, Worker, WorkerImport
from cakupan.rules.engine import default_book, jkm_benefit

LAPSING_DAYS = 30
# The worker_desa_cell index's columns, then the id (SQLite's rowid ends every index entry).
LIST_ORDER = ("desa_id", "sector", "sex", "decile", "birth_date", "id")


@dataclass(frozen=True)
class Worklist:
    slug: str
    title: str
    explanation: str


WORKLISTS = (
    Worklist(
        "belum-terlindungi",
        "Belum terlindungi",
        "Terdaftar di Cakupan tetapi iurannya tidak dibayar untuk bulan ini: belum pernah menjadi peserta, "
        "menunggak atau nonaktif.",
    ),
    Worklist(
        "menunggak",
        "Menunggak",
        f"Iuran terakhir dibayar kurang dari {UNPAID_MONTHS_BEFORE_LAPSE} bulan lalu: masih bisa dilanjutkan "
        "sebelum kepesertaan nonaktif.",
    ),
    Worklist(
        "akan-berakhir",
        f"Berakhir dalam {LAPSING_DAYS} hari",
        f"Peserta aktif yang iurannya hanya dibayar sampai {LAPSING_DAYS} hari ke depan.",
    ),
    Worklist(
        "dana-berakhir",
        "Bantuan iuran segera berakhir",
        f"Pekerja yang iurannya dibiayai pendana dan bulan terakhir yang dibiayai berakhir dalam "
        f"{LAPSING_DAYS} hari.",
    ),
)
WORKLIST_SLUGS = {item.slug: item for item in WORKLISTS}


def reference_day(month: dt.date, today: dt.date) -> dt.date:
    """The day a month's lists look ahead from: today within the month, else its first or last day."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return min(max(today, month), last)


def _ends_before(month: dt.date, today: dt.date) -> dt.date:
    """A paid or funded month whose last day falls within LAPSING_DAYS of the reference day is earlier
    than this first-of-month."""
    horizon = reference_day(month, today) + dt.timedelta(days=LAPSING_DAYS)
    # A month's last day is on or before the horizon exactly when the next month starts by the day after.
    return (horizon + dt.timedelta(days=1)).replace(day=1)


def list_month(month: dt.date | None = None) -> dt.date | None:
    """The month the lists describe: the given one, or the dashboard's latest."""
    return month or latest_month()


def _paid(month: dt.date):
    return Membership.objects.filter(worker=OuterRef("pk"), paid_through__gte=month)


def _last_paid():
    return Subquery(
        Membership.objects.filter(worker=OuterRef("pk")).order_by("-paid_through").values("paid_through")[:1]
    )


def _last_funded():
    return Subquery(
        FundedMonth.objects.filter(worker=OuterRef("pk"))
        .values("worker")
        .annotate(last=Max("month"))
        .values("last")[:1]
    )


def everyone_queryset(*, user):
    """Everyone in the user's area, in the desa index's order, with the last paid month of each."""
    return Worker.objects.for_user(user).annotate(last_paid=_last_paid()).order_by(*LIST_ORDER)


def worklist_queryset(*, user, slug: str, month: dt.date, today: dt.date | None = None):
    """The workers of one list in the user's area for the month, desa by desa and within a desa by
    occupation: exactly the order of the registry's desa index (LIST_ORDER), so a page is read from the
    index without sorting the whole area (a kab/kota holds ~700,000 workers)."""
    today = today or timezone.localdate()
    workers = Worker.objects.for_user(user).annotate(last_paid=_last_paid())
    if slug == "belum-terlindungi":
        return workers.filter(~Exists(_paid(month))).order_by(*LIST_ORDER)
    if slug == "menunggak":
        floor = add_months(month, -(UNPAID_MONTHS_BEFORE_LAPSE - 1))
        return workers.filter(last_paid__gte=floor, last_paid__lt=month).order_by(*LIST_ORDER)
    if slug == "akan-berakhir":
        return workers.filter(last_paid__gte=month, last_paid__lt=_ends_before(month, today)).order_by(
            *LIST_ORDER
        )
    if slug == "dana-berakhir":
        return (
            workers.annotate(last_funded=_last_funded())
            .filter(last_funded__gte=month, last_funded__lt=_ends_before(month, today))
            .order_by(*LIST_ORDER)
        )
    raise KeyError(slug)


@dataclass(frozen=True)
class SearchTerms:
    nik: str | None = None
    kpj: str | None = None
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.nik or self.kpj or self.words)


def parse_search(text: str) -> SearchTerms:
    """16 digits are a NIK, 11 digits a KPJ (spaces, dots and dashes ignored); anything else is words of
    a name, each of which must appear in it."""
    text = (text or "").strip()[:200]
    digits = re.sub(r"[\s.\-]", "", text)
    if digits.isdigit() and len(digits) == 16:
        return SearchTerms(nik=digits)
    if digits.isdigit() and len(digits) == 11:
        return SearchTerms(kpj=digits)
    words = tuple(word for word in re.split(r"\s+", fold(text)) if word)[:6]
    return SearchTerms(words=words)


# A search counts its matches up to this many: counting every "siti" of a kab/kota reads all its names.
SEARCH_COUNT_CAP = 1000


def search_count(queryset) -> int:
    """The number of matches, or SEARCH_COUNT_CAP + 1 when there are more ("lebih dari 1.000")."""
    return queryset.order_by()[: SEARCH_COUNT_CAP + 1].count()


def worker_search(queryset, *, user, terms: SearchTerms):
    """Narrow a worker queryset by the terms. Exact NIK and KPJ searches only for roles that see
    identifiers: for others they would confirm a guessed number (an oracle undoing the masking)."""
    if terms.nik or terms.kpj:
        if not authz.sees_identifiers(user):
            return queryset.none()
        if terms.nik:
            return queryset.filter(nik=terms.nik)
        return queryset.filter(Exists(Membership.objects.filter(worker=OuterRef("pk"), kpj=terms.kpj)))
    if terms.words:
        queryset = queryset.annotate(folded_name=Folded("name"))
        for word in terms.words:
            queryset = queryset.filter(folded_name__contains=word)
    return queryset


@dataclass(frozen=True)
class DashboardFigures:
    """The dashboard's counts for the area and month, beside which the lists' counts are shown."""

    workers: int
    active: int
    in_arrears: int
    lapsed: int

    @property
    def not_covered(self) -> int:
        return self.workers - self.active


def dashboard_figures(*, area_code: str, month: dt.date) -> DashboardFigures | None:
    row = RegionCoverage.objects.filter(region_id=area_code, month=month).first()
    if row is None:
        return None
    return DashboardFigures(
        workers=row.workers, active=row.active, in_arrears=row.in_arrears, lapsed=row.lapsed
    )


# Lists whose count the dashboard's roll-up of the user's area holds exactly (tested equal).
FROM_ROLLUP = {
    "semua": lambda figures: figures.workers,
    "belum-terlindungi": lambda figures: figures.not_covered,
    "menunggak": lambda figures: figures.in_arrears,
}


def worklist_count(*, user, slug: str, month: dt.date, today: dt.date | None = None) -> int:
    """A list's size: from the area's roll-up where it holds it (the area is one region, so the roll-up
    counts exactly the scoped workers), otherwise counted."""
    region = area_region(user)
    if slug in FROM_ROLLUP and region is not None:
        figures = dashboard_figures(area_code=region.code, month=month)
        if figures is not None:
            return FROM_ROLLUP[slug](figures)
    if slug == "semua":
        return Worker.objects.for_user(user).count()
    return worklist_queryset(user=user, slug=slug, month=month, today=today).count()


# An area with up to this many registered workers (a desa or kelurahan: Banten's hold about 3,700 on
# average) counts any list while the page is made. A larger one shows the page at once and fetches the
# counts the roll-up does not hold in a second request (`/pekerja/jumlah/`): they read every worker of the
# area, 70-110 ms for a kecamatan of ~40,000 on PostgreSQL and about two seconds for a kab/kota of ~700,000.
INLINE_COUNT_LIMIT = 20_000


def count_is_quick(*, user, slug: str, month: dt.date, terms: SearchTerms) -> bool:
    """Whether the list's count can be had while the page is made: from the roll-up, or a small area."""
    region = area_region(user)
    figures = dashboard_figures(area_code=region.code, month=month) if region is not None else None
    if figures is None:
        return True  # no roll-up: an area without figures this month holds no registered workers yet
    if terms.empty and (slug or "semua") in FROM_ROLLUP:
        return True
    return figures.workers <= INLINE_COUNT_LIMIT


def list_count(*, user, slug: str, month: dt.date, terms: SearchTerms, queryset) -> int:
    """A list's size: the roll-up's or counted, and a search's matches only up to SEARCH_COUNT_CAP + 1."""
    if terms.empty:
        return worklist_count(user=user, slug=slug or "semua", month=month)
    return search_count(queryset)


def worklist_counts(*, user, month: dt.date, today: dt.date | None = None) -> dict[str, int | None]:
    """Each list's count for the home page; None where it is fetched afterwards (see INLINE_COUNT_LIMIT)."""
    return {
        item.slug: worklist_count(user=user, slug=item.slug, month=month, today=today)
        if count_is_quick(user=user, slug=item.slug, month=month, terms=SearchTerms())
        else None
        for item in WORKLISTS
    }


# --- one worker ------------------------------------------------------------------------------------------


# --- what waits for a role -------------------------------------------------------------------------------


PENDING_SCAN = 200
# The escalation level from which claims are on the role's attention list (claims.selectors.ATTENTION_LEVEL).
ATTENTION_WORDS = {
    1: "Sudah lewat 50% waktu layanan",
    2: "Sudah lewat 75% waktu layanan",
    3: "Sudah melewati batas waktu layanan",
}


def waiting_for(user) -> list[Waiting]:
    """Claims whose service clock has reached the user's escalation level, what the apps beside the
    workspace list for the user (SERTAKAN's numbers to check), decisions this user may take now (the
    authorization table decides), and the user's own imports that are still running or failed."""
    items: list[Waiting] = _claims_waiting(user)
    items += waiting_elsewhere(user)
    pending = (
        Approval.objects.for_user(user)
        .filter(status=ApprovalStatus.PENDING)
        .select_related("submitted_by")
        .order_by("submitted_at", "id")[:PENDING_SCAN]
    )
    for approval in pending:
        if not may_decide(approval, user):
            continue
        if approval.kind == ApprovalKind.WORKER_IMPORT:
            url = f"/impor/{approval.subject_id}/"
        elif approval.kind == ApprovalKind.ALLOCATION_PLAN:
            url = f"/dana/rencana/{approval.subject_id}/"
        else:
            url = f"/dana/batch/{approval.subject_id}/"
        items.append(
            Waiting(
                title=approval.title,
                url=url,
                detail=f"{approval.get_kind_display()} · diajukan {approval.submitted_by or 'sistem'}",
            )
        )
    items += _money_waiting(user)
    mine = (
        WorkerImport.objects.filter(submitted_by=user)
        .filter(
            Q(
                status__in=[
                    ImportStatus.CHECKING,
                    ImportStatus.APPLYING,
                    ImportStatus.FAILED,
                    ImportStatus.PENDING_APPROVAL,
                ]
            )
        )
        .order_by("-created_at")[:20]
    )
    for record in mine:
        items.append(
            Waiting(
                title=f"Impor #{record.pk}: {record.file_name}",
                url=f"/impor/{record.pk}/",
                detail=record.get_status_display(),
            )
        )
    return items


def _claims_waiting(user) -> list[Waiting]:
    level = attention_level(user)
    if level is None:
        return []
    count = attention_count(user)
    if not count:
        return []
    return [
        Waiting(
            title=f"{number(count)} klaim perlu perhatian",
            url="/kasus-klaim/?daftar=perhatian",
            detail=ATTENTION_WORDS[level],
        )
    ]


def _money_waiting(user) -> list[Waiting]:
    """Checked batches for BPJS TK's liaison to download or answer, and unpaid invoices for whoever pays
    them (the same table the pages ask)."""
    items: list[Waiting] = []
    if authz.can(user, authz.BATCH_SEND) or authz.can(user, authz.ACK_IMPORT):
        batches = funding_selectors.batches_for_user(user=user).filter(
            status__in=[BatchStatus.READY, BatchStatus.SENT]
        )
        for batch in batches.order_by("pk")[:PENDING_SCAN]:
            ready = batch.status == BatchStatus.READY
            if not authz.can(user, authz.BATCH_SEND if ready else authz.ACK_IMPORT, batch):
                continue
            items.append(
                Waiting(
                    title=f"Batch pendaftaran #{batch.pk}: {batch.rows} baris",
                    url=f"/dana/batch/{batch.pk}/",
                    detail="Siap diunduh" if ready else "Menunggu tanggapan BPJS TK diunggah",
                )
            )
    if authz.can(user, authz.PAYMENT_RECORD):
        invoices = funding_selectors.invoices_for_user(user=user).exclude(status=InvoiceStatus.PAID)
        for invoice in invoices.order_by("due_on", "pk")[:PENDING_SCAN]:
            if not authz.can(user, authz.PAYMENT_RECORD, invoice):
                continue
            items.append(
                Waiting(
                    title=f"Tagihan {invoice.number}: sisa {rupiah(invoice.amount - invoice.paid)}",
                    url=f"/dana/tagihan/{invoice.pk}/",
                    detail=f"{invoice.funder.name} · jatuh tempo {date_long(invoice.due_on)}"
                    if invoice.due_on
                    else invoice.funder.name,
                )
            )
    return items


# --- the staff health page ------------------------------------------------------------------------------

TASK_HEALTH_LABELS = {
    "waiting_too_long": "Tugas menunggu lebih dari 5 menit tanpa diambil",
    "running_too_long": "Tugas berjalan lebih dari 2 jam",
    "failed_last_7_days": "Tugas gagal dalam 7 hari terakhir",
}
FAILED_IMPORTS_SHOWN = 20


def tasks_healthy() -> bool:
    return core_selectors.tasks_healthy(core_selectors.task_health())


def system_health(*, user, now=None) -> dict:
    """Background work for everyone (counts only: which task of which area failed is not theirs to read),
    the imports of the user's area held up by it, and the area's imports that failed this week."""
    now = now or timezone.now()
    counts = core_selectors.task_health(now=now)
    week = now - dt.timedelta(days=7)
    failed = (
        WorkerImport.objects.for_user(user)
        .filter(status=ImportStatus.FAILED, created_at__gte=week)
        .order_by("-created_at")[:FAILED_IMPORTS_SHOWN]
    )
    return {
        "healthy": core_selectors.tasks_healthy(counts),
        "task_counts": [(TASK_HEALTH_LABELS[key], value, key) for key, value in counts.items()],
        "held_up": stuck_imports(user=user, now=now),
        "failed_imports": list(failed),
        "checked_at": now,
    }


def area_region(user) -> Region | None:
    if user.is_superuser and user.area_id is None:
        return Region.objects.filter(code="36").first()
    return Region.objects.filter(code=user.area_id).first() if user.area_id else None


@dataclass(frozen=True)
class MembershipRow:
    """A membership as the worker page shows it: when the running membership began and, within JKM's
    waiting period, what a death before its end would pay."""

    membership: Membership
    jkm_waiting_until: dt.date | None
    jkm_waiting_benefit: int


def membership_rows(worker: Worker, *, today: dt.date) -> list[MembershipRow]:
    rows = []
    for membership in worker.memberships.order_by("-paid_through", "kpj"):
        until, benefit = None, 0
        if membership.since is not None and membership.since <= today:
            within = default_book().for_date(today)["jkm_reduced"]["within_months"]
            month = membership.since.month - 1 + within
            ends = dt.date(membership.since.year + month // 12, month % 12 + 1, 1)
            if today < ends:
                until, benefit = ends, jkm_benefit(member_since=membership.since, on=today).total
        rows.append(
            MembershipRow(membership=membership, jkm_waiting_until=until, jkm_waiting_benefit=benefit)
        )
    return rows
