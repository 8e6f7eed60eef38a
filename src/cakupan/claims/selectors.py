"""Reads of the claim follow-up: worklists in the user's area, a worker's own claims for the status check,
the holiday corrections of the claim calendar, and the service figures per kab/kota and claim kind."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from cakupan.accounts.models import Role
from cakupan.claims.models import (
    OPEN_STATUSES,
    CalendarChange,
    ClaimCase,
    ClaimEvent,
    ClaimEventKind,
    ClaimKind,
    ClaimStatus,
    DecisionImport,
    HolidayChange,
)
from cakupan.core.scoping import area_filter
from cakupan.regions.models import Region

# The escalation level from which a case is on each role's worklist (services.ESCALATION_ROLES).
ATTENTION_LEVEL = {Role.VILLAGE_OPERATOR: 1, Role.REGENCY_OFFICER: 2, Role.BPJS_LIAISON: 3}
LISTS = {
    "perhatian": "Perlu perhatian saya",
    "berjalan": "Masih berjalan",
    "selesai": "Sudah diputuskan",
    "semua": "Semua",
}


def holiday_changes() -> dict[dt.date, str | None]:
    """The claim calendar's corrections: a name adds a holiday, None removes one."""
    return {
        day: (name or "Hari libur (keputusan)") if change == CalendarChange.ADD else None
        for day, change, name in HolidayChange.objects.values_list("day", "change", "name")
    }


def holiday_change_list():
    return HolidayChange.objects.select_related("created_by").order_by("day")


def _imports_for(user):
    """Decision files imported by someone whose area lies inside the user's (all for administrators)."""
    imports = DecisionImport.objects.select_related("imported_by")
    if user.is_superuser:
        return imports
    if user.area_id is None:
        return imports.none()
    return imports.filter(area_filter("imported_by__area_id", user.area_id))


def decision_import(pk: int, *, user) -> DecisionImport | None:
    return _imports_for(user).filter(pk=pk).first()


def recent_decision_imports(*, user, limit: int = 10) -> list[DecisionImport]:
    return list(_imports_for(user).order_by("-pk")[:limit])


def attention_level(user) -> int | None:
    return ATTENTION_LEVEL.get(getattr(user, "role", ""))


def case_list(*, user, slug: str = "semua"):
    cases = ClaimCase.objects.for_user(user).select_related("worker")
    if slug == "perhatian":
        level = attention_level(user)
        if level is None:
            return cases.none()
        return cases.filter(status__in=OPEN_STATUSES, escalation_level__gte=level).order_by("due_on", "pk")
    if slug == "berjalan":
        return cases.filter(status__in=OPEN_STATUSES).order_by("due_on", "pk")
    if slug == "selesai":
        return cases.exclude(status__in=OPEN_STATUSES).order_by("-decided_on", "-pk")
    return cases.order_by("-pk")


def attention_count(user) -> int:
    return case_list(user=user, slug="perhatian").count()


def case_for_user(*, user, number: str) -> ClaimCase | None:
    return (
        ClaimCase.objects.for_user(user).select_related("worker", "created_by").filter(number=number).first()
    )


@dataclass(frozen=True)
class PublicClaim:
    """What the family sees on the status check's second tier: no staff names, no amounts beyond the paid
    one, the missing documents by name."""

    number: str
    kind: str
    status: str
    due_on: dt.date | None
    decided_on: dt.date | None
    paid_amount: int | None
    missing: tuple[str, ...]


def claims_of_worker(worker_id: int) -> list[PublicClaim]:
    claims = []
    for case in (
        ClaimCase.objects.filter(worker_id=worker_id).prefetch_related("documents").order_by("-pk")[:10]
    ):
        claims.append(
            PublicClaim(
                number=case.number,
                kind=case.get_kind_display().split(" (")[0],
                status=case.get_status_display(),
                due_on=case.due_on if case.status in OPEN_STATUSES else None,
                decided_on=case.decided_on,
                paid_amount=case.paid_amount,
                missing=tuple(d.label for d in case.documents.all() if d.received_at is None),
            )
        )
    return claims


# --- service figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRow:
    region_code: str
    region_name: str
    kind: str
    kind_label: str
    cases: int
    open: int
    paid: int
    paid_on_time: int
    # Paid cases that had a service level (JHT has none): the share on time is of these.
    paid_with_deadline: int
    complete: int
    first_time_complete: int
    median_days_to_payment: float | None

    @property
    def on_time_percent(self) -> float | None:
        if not self.paid_with_deadline:
            return None
        return round(100 * self.paid_on_time / self.paid_with_deadline, 1)

    @property
    def first_time_complete_percent(self) -> float | None:
        return round(100 * self.first_time_complete / self.complete, 1) if self.complete else None


def service_figures(*, area_code: str, year: int | None = None) -> list[ServiceRow]:
    """Per kab/kota and claim kind in the area: cases, the share paid within the service level (paid on or
    before the due date), the median calendar days from the incident to payment, and the first-time-complete
    rate (cases whose complete documents were never sent back for the heirs' documents). `year` keeps the
    cases reported in that year."""
    cases = ClaimCase.objects.in_area(area_code)
    if year is not None:
        cases = cases.filter(created_at__year=year)
    paused = ClaimEvent.objects.filter(case=OuterRef("pk"), kind=ClaimEventKind.PAUSED)
    rows = cases.annotate(was_paused=Exists(paused)).values_list(
        "region_code", "kind", "status", "incident_date", "decided_on", "due_on", "complete_on", "was_paused"
    )
    groups: dict[tuple[str, str], dict] = {}
    for region, kind, status, incident, decided, due, complete, was_paused in rows.iterator():
        key = (region[:5], kind)
        group = groups.setdefault(
            key,
            {"cases": 0, "open": 0, "paid": 0, "timed": 0, "on_time": 0, "complete": 0, "ftc": 0, "days": []},
        )
        group["cases"] += 1
        group["open"] += status in OPEN_STATUSES
        if complete is not None:
            group["complete"] += 1
            group["ftc"] += not was_paused
        if status == ClaimStatus.PAID and decided is not None:
            group["paid"] += 1
            group["timed"] += due is not None
            group["on_time"] += due is not None and decided <= due
            group["days"].append((decided - incident).days)
    names = dict(Region.objects.filter(code__in={code for code, _ in groups}).values_list("code", "name"))
    labels = dict(ClaimKind.choices)
    return [
        ServiceRow(
            region_code=code,
            region_name=names.get(code, code),
            kind=kind,
            kind_label=str(labels[kind]).split(" (")[0],
            cases=group["cases"],
            open=group["open"],
            paid=group["paid"],
            paid_on_time=group["on_time"],
            paid_with_deadline=group["timed"],
            complete=group["complete"],
            first_time_complete=group["ftc"],
            median_days_to_payment=float(statistics.median(group["days"])) if group["days"] else None,
        )
        for (code, kind), group in sorted(groups.items())
    ]
