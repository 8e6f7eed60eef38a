"""The service clock of every open case, its escalations, and later holiday decrees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims import selectors
from cakupan.claims.clock import BREACH, ClockEvent, clock_compute
from cakupan.claims.models import (
    OPEN_STATUSES,
    CalendarChange,
    ClaimCase,
    ClaimEvent,
    ClaimEventKind,
    HolidayChange,
)
from cakupan.claims.services import common
from cakupan.claims.services.common import (
    ESCALATION_ROLES,
    ESCALATION_WORDS,
    REFRESH_BATCH,
    clean_text,
    require,
)
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import PROVINCE, message_queue, template_current
from cakupan.regions.models import Region
from cakupan.rules.engine.claims import claim_calendar


def _events(case: ClaimCase) -> list[ClockEvent]:
    return [ClockEvent(on, kind) for on, kind in case.events.values_list("on", "kind")]


def case_clock(case: ClaimCase, *, day: dt.date, changes=None):
    """The case's clock today, recomputed from its events under the current calendar."""
    if case.working_days is None:
        return clock_compute(working_days=None, events=_events(case), today=day, calendar=None)
    events = _events(case)
    start = next((event.on for event in events if event.kind == "complete"), case.incident_date)
    calendar = claim_calendar(start, changes=selectors.holiday_changes() if changes is None else changes)
    return clock_compute(working_days=case.working_days, events=events, today=day, calendar=calendar)


def refresh(case: ClaimCase, *, day: dt.date, actor=None, changes=None, cause: dict | None = None):
    """Stores the recomputed clock on the case and escalates to each level newly reached; `cause` says
    in the audit record why it was recomputed (a holiday decree, say)."""
    clock = case_clock(case, day=day, changes=changes)
    stored = {
        "complete_on": clock.started_on,
        "due_on": clock.due,
        "clock_state": clock.state,
    }
    changed = {
        name: [getattr(case, name), value] for name, value in stored.items() if getattr(case, name) != value
    }
    if changed:
        for name, value in stored.items():
            setattr(case, name, value)
        case.save(update_fields=list(stored))
    for level in range(case.escalation_level + 1, clock.level + 1):
        _escalate(case, level=level, clock=clock, day=day)
    if changed and {"due_on", "clock_state"} & set(changed):
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=case,
            region_code=case.region_code,
            changes={name: [str(a) if a else a, str(b) if b else b] for name, (a, b) in changed.items()},
            metadata={"event": "claim_clock", **(cause or {})},
        )
    return clock


def _recipients(case: ClaimCase, level: int):
    """Active staff of the role for the level whose area holds the case (the desa's operator, the kab/kota
    office, the liaison)."""
    role = ESCALATION_ROLES[level]
    code = case.region_code
    parts = code.split(".")
    areas = [".".join(parts[:size]) for size in range(1, len(parts) + 1)]
    return (
        get_user_model()
        .objects.filter(role=role, is_active=True, area_id__in=areas)
        .exclude(email="")
        .order_by("pk")
    )


def _escalate(case: ClaimCase, *, level: int, clock, day: dt.date) -> None:
    try:
        with transaction.atomic():
            ClaimEvent.objects.create(case=case, kind=ClaimEventKind.ESCALATED, on=day, level=level)
    except IntegrityError:
        return  # reached already by an overlapping run
    case.escalation_level = level
    ClaimCase.objects.filter(pk=case.pk, escalation_level__lt=level).update(escalation_level=level)
    wilayah = (
        Region.objects.filter(code=case.region_code).values_list("name", flat=True).first()
        or case.region_code
    )
    notified = []
    failed = []
    for user in _recipients(case, level):
        try:
            with transaction.atomic():
                message_queue(
                    purpose=Purpose.CLAIM,
                    channel=Channel.EMAIL,
                    address=user.email,
                    template=template_current("klaim_eskalasi"),
                    values={
                        "nomor": case.number,
                        "jenis": case.get_kind_display().split(" (")[0],
                        "wilayah": wilayah,
                        "keadaan": ESCALATION_WORDS[level],
                        "batas": date_long(clock.due) if clock.due else "-",
                        "hari": clock.elapsed,
                        "hari_layanan": clock.working_days,
                        "tautan": f"/kasus-klaim/{case.number}/",
                    },
                    idempotency_key=f"claim:{case.pk}:escalation:{level}:{user.pk}",
                    region_code=case.region_code,
                )
        except DomainError as error:
            failed.append({"user": user.username, "code": error.code})
            continue
        notified.append(user.username)
    audit_record(
        action=AuditAction.UPDATE,
        obj=case,
        region_code=case.region_code,
        changes={"escalation_level": [level - 1, level]},
        metadata={
            "event": "claim_escalated",
            "level": level,
            "role": ESCALATION_ROLES[level],
            "notified": notified,
            "failed": failed,
            "percent": clock.percent,
            "breached": level == BREACH,
        },
    )


def claims_clock_refresh(
    *,
    day: dt.date | None = None,
    case_ids: Iterable[int] | None = None,
    actor=None,
    cause: dict | None = None,
) -> int:
    """Recomputes every open case's clock (the daily run, and after a calendar change), escalating where a
    threshold was crossed. Cases are taken in batches by primary key, each batch in its own transaction,
    the rows locked in key order. The calendar's corrections are read inside each batch, after its locks:
    a run that overlaps a new decree cannot write back the old calendar's due dates."""
    day = day or common.today()
    queryset = ClaimCase.objects.filter(status__in=OPEN_STATUSES)
    if case_ids is not None:
        queryset = queryset.filter(pk__in=list(case_ids))
    refreshed = 0
    last = 0
    while True:
        with transaction.atomic():
            batch = list(queryset.filter(pk__gt=last).select_for_update().order_by("pk")[:REFRESH_BATCH])
            changes = selectors.holiday_changes()
            for case in batch:
                refresh(case, day=day, changes=changes, actor=actor, cause=cause)
        if not batch:
            return refreshed
        refreshed += len(batch)
        last = batch[-1].pk


def holiday_change_record(*, actor, day: dt.date, change: str, name: str = "", decree: str) -> HolidayChange:
    """Records a decree that adds or removes a holiday or cuti bersama, and recomputes every open case."""
    require(actor, authz.CALENDAR_CHANGE, None)
    if change not in CalendarChange.values:
        raise DomainError("calendar_change_unknown", "Pilih: tambah atau hapus hari libur.", field="change")
    decree = clean_text(decree, field="decree", label="Dasar keputusan", limit=200)
    name = clean_text(
        name, field="name", label="Nama hari libur", limit=120, required=change == CalendarChange.ADD
    )
    if not isinstance(day, dt.date) or not 2000 <= day.year <= 2100:
        raise DomainError("date_invalid", "Tanggal tidak sah.", field="day")
    with transaction.atomic():
        record, created = HolidayChange.objects.update_or_create(
            day=day, defaults={"change": change, "name": name, "decree": decree, "created_by": actor}
        )
        audit_record(
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            actor=actor,
            obj=record,
            region_code=PROVINCE,
            metadata={"event": "holiday_change", "day": day.isoformat(), "change": change, "decree": decree},
        )
    claims_clock_refresh(actor=actor, cause={"holiday_change": record.pk, "decree": decree})
    return record
