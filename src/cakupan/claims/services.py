"""Writes of the claim follow-up: report a case, receive its documents, pause for the heirs, record BPJS TK's
decision, run the clock and its escalations, record a later holiday decree.

Every write checks the authorization table, changes nothing when refused, appends to the case's event log
and writes an audit record in the same transaction; messages to the family and to the staff who must act
go through the outbox (claim updates need no consent: the family asked for them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.accounts.models import Role
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims import checklist as checklists
from cakupan.claims import selectors
from cakupan.claims.clock import BREACH, ClockEvent, clock_compute
from cakupan.claims.decision_file import DecisionFileError, parse_decisions
from cakupan.claims.eligibility import MembershipFacts, ScholarshipFacts, eligibility
from cakupan.claims.models import (
    OPEN_STATUSES,
    CalendarChange,
    ClaimCase,
    ClaimDocument,
    ClaimEvent,
    ClaimEventKind,
    ClaimHeir,
    ClaimKind,
    ClaimStatus,
    DecisionImport,
    HeirRelation,
    HolidayChange,
    JkkCause,
    JkkOutcome,
)
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long, rupiah
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import message_queue, template_current
from cakupan.regions.models import Region
from cakupan.registry.models import Membership, Worker
from cakupan.rules.engine.claims import claim_calendar, payment_working_days
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import default_book

# The legal order of heirs (PP 44/2015 Pasal 37(5)).
HEIR_RANK = {
    HeirRelation.SPOUSE: 1,
    HeirRelation.CHILD: 1,
    HeirRelation.BLOOD: 2,
    HeirRelation.SIBLING: 3,
    HeirRelation.IN_LAW: 4,
    HeirRelation.WILL: 5,
}
UPLOAD_TYPES = {b"%PDF": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG": "png"}
UPLOAD_LIMIT = 5 * 1024 * 1024
# Who each escalation level reaches: the village operator, the kab/kota labour office, BPJS TK's liaison.
ESCALATION_ROLES = {1: Role.VILLAGE_OPERATOR, 2: Role.REGENCY_OFFICER, 3: Role.BPJS_LIAISON}
ESCALATION_WORDS = {
    1: "sudah lewat separuh waktu layanan",
    2: "sudah lewat 75% waktu layanan",
    3: "terlambat",
}
REFRESH_BATCH = 500


def today() -> dt.date:
    """Today in Asia/Jakarta: the day every clock counts from (tests replace it)."""
    return timezone.localdate()


@dataclass(frozen=True)
class HeirInput:
    name: str
    relation: str
    phone: str = ""


@dataclass(frozen=True)
class ChildInput:
    name: str
    level: str
    year: int
    age: int
    school_year: int
    basis: str  # jkm or jkk


def _require(actor, action: str, obj) -> None:
    if not authz.can(actor, action, obj):
        raise DomainError("claim_not_allowed", "Peran atau wilayah kerja Anda tidak mencakup tindakan ini.")


def _clean_text(value: object, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if "\x00" in text:
        raise DomainError("text_invalid", f"{label} memuat karakter yang tidak sah.", field=field)
    if required and not text:
        raise DomainError(f"{field}_missing", f"{label} wajib diisi.", field=field)
    if len(text) > limit:
        raise DomainError(f"{field}_too_long", f"{label} paling panjang {limit} karakter.", field=field)
    return text


def _phone(value: str, *, field: str) -> str:
    if not value:
        return ""
    from cakupan.messaging.addresses import mobile_number

    try:
        return mobile_number(value)
    except DomainError as error:
        raise DomainError("phone_invalid", "Nomor HP tidak dapat dipakai untuk SMS.", field=field) from error


def _membership_facts(worker: Worker) -> list[MembershipFacts]:
    return [
        MembershipFacts(since=since, paid_through=paid, jkk=jkk, jkm=jkm, jht=jht)
        for since, paid, jkk, jkm, jht in Membership.objects.filter(worker=worker).values_list(
            "since", "paid_through", "jkk", "jkm", "jht"
        )
    ]


def _rules_error(error: RulesError) -> DomainError:
    return DomainError(error.code, error.message, field=error.field)


def _validate_report(*, kind, incident_date, jkk_cause, jkk_outcome, heirs, child, day) -> None:
    if kind not in ClaimKind.values:
        raise DomainError("claim_kind_unknown", "Jenis klaim tidak dikenal.", field="kind")
    if not isinstance(incident_date, dt.date):
        raise DomainError("incident_date_missing", "Tanggal kejadian wajib diisi.", field="incident_date")
    if incident_date > day:
        raise DomainError(
            "incident_in_future",
            f"Tanggal kejadian ({date_long(incident_date)}) belum terjadi: hari ini {date_long(day)}.",
            field="incident_date",
        )
    ruleset = default_book().for_date(incident_date, field="incident_date")
    years = ruleset["claim_period_years"].value
    try:
        claim_by = incident_date.replace(year=incident_date.year + years)
    except ValueError:
        claim_by = incident_date.replace(year=incident_date.year + years, day=28)
    if kind in (ClaimKind.JKK, ClaimKind.JKM) and day > claim_by:
        raise DomainError(
            "claim_period_over",
            f"Hak klaim berakhir {date_long(claim_by)} ({years} tahun setelah kejadian).",
            field="incident_date",
        )
    if kind == ClaimKind.JKK:
        if jkk_cause not in JkkCause.values:
            raise DomainError(
                "jkk_cause_missing", "Pilih penyebab: kecelakaan kerja atau penyakit.", field="jkk_cause"
            )
        if jkk_outcome not in JkkOutcome.values:
            raise DomainError("jkk_outcome_missing", "Pilih akibat kecelakaan.", field="jkk_outcome")
    dies = kind == ClaimKind.JKM or (kind == ClaimKind.JKK and jkk_outcome == JkkOutcome.DEATH)
    if dies and not heirs:
        raise DomainError(
            "heirs_missing", "Peserta meninggal: isi paling sedikit satu ahli waris.", field="heirs"
        )
    if kind == ClaimKind.SCHOLARSHIP:
        if child is None:
            raise DomainError("child_missing", "Isi data anak untuk klaim beasiswa.", field="child_name")
        if child.basis not in ("jkm", "jkk"):
            raise DomainError(
                "scholarship_basis_unknown", "Pilih dasar beasiswa: JKM atau JKK.", field="basis"
            )
        if not 2000 <= child.school_year <= day.year + 1:
            raise DomainError("school_year_invalid", "Tahun ajaran tidak masuk akal.", field="school_year")


def claim_report(
    *,
    actor,
    worker: Worker,
    kind: str,
    incident_date: dt.date,
    reporter_name: str,
    reporter_relation: str,
    reporter_phone: str = "",
    jkk_cause: str = "",
    jkk_outcome: str = "",
    road_accident: bool = False,
    heirs: Sequence[HeirInput] = (),
    child: ChildInput | None = None,
) -> ClaimCase:
    """Records a claim: the member's rights on the incident date from the rules engine, the heirs in the
    legal order, and the documents this case needs (all missing). The reporter gets the list by SMS."""
    _require(actor, authz.CLAIM_REPORT, worker.desa_id)
    day = today()
    _validate_report(
        kind=kind,
        incident_date=incident_date,
        jkk_cause=jkk_cause,
        jkk_outcome=jkk_outcome,
        heirs=heirs,
        child=child,
        day=day,
    )
    reporter_name = _clean_text(reporter_name, field="reporter_name", label="Nama pelapor", limit=150)
    reporter_relation = _clean_text(
        reporter_relation, field="reporter_relation", label="Hubungan pelapor", limit=40
    )
    phone = _phone(reporter_phone, field="reporter_phone")
    cleaned_heirs = []
    for index, heir in enumerate(heirs):
        if heir.relation not in HeirRelation.values:
            raise DomainError(
                "heir_relation_unknown", f"Hubungan ahli waris ke-{index + 1} tidak dikenal.", field="heirs"
            )
        cleaned_heirs.append(
            HeirInput(
                _clean_text(heir.name, field="heir_name", label=f"Nama ahli waris ke-{index + 1}", limit=150),
                heir.relation,
                _phone(heir.phone, field="heirs"),
            )
        )
    if len({(h.name.casefold(), h.relation) for h in cleaned_heirs}) != len(cleaned_heirs):
        raise DomainError("heir_duplicate", "Ahli waris yang sama tertulis dua kali.", field="heirs")
    scholarship = None
    if child is not None and kind == ClaimKind.SCHOLARSHIP:
        child = ChildInput(
            _clean_text(child.name, field="child_name", label="Nama anak", limit=150),
            child.level,
            child.year,
            child.age,
            child.school_year,
            child.basis,
        )
        scholarship = ScholarshipFacts(child.basis, child.level, child.year, child.age)
    try:
        rights = eligibility(
            kind=kind,
            incident=incident_date,
            memberships=_membership_facts(worker),
            income=worker.monthly_income,
            jkk_outcome=jkk_outcome if kind == ClaimKind.JKK else "",
            scholarship=scholarship,
        )
    except RulesError as error:
        raise _rules_error(error) from error
    ruleset = default_book().for_date(incident_date, field="incident_date")
    needed = checklists.checklist(
        checklists.CaseFacts(
            kind=kind,
            jkk_cause=jkk_cause,
            jkk_outcome=jkk_outcome,
            road_accident=bool(road_accident) and kind == ClaimKind.JKK,
            heir_is_spouse=any(h.relation == HeirRelation.SPOUSE for h in cleaned_heirs),
            benefit_total=rights.total,
            npwp_threshold=ruleset["claim_npwp_threshold"].value,
        )
    )
    working_days = None
    if kind in ("jkk", "jkm", "beasiswa"):
        working_days, _ = payment_working_days(kind, incident_date)
    try:
        with transaction.atomic():
            case = ClaimCase.objects.create(
                number=uuid.uuid4().hex[:16],
                kind=kind,
                worker=worker,
                region_code=worker.desa_id,
                incident_date=incident_date,
                jkk_cause=jkk_cause if kind == ClaimKind.JKK else "",
                jkk_outcome=jkk_outcome if kind == ClaimKind.JKK else "",
                road_accident=bool(road_accident) and kind == ClaimKind.JKK,
                child_name=child.name if scholarship else "",
                child_level=child.level if scholarship else "",
                child_year=child.year if scholarship else None,
                child_age=child.age if scholarship else None,
                school_year=child.school_year if scholarship else None,
                scholarship_basis=child.basis if scholarship else "",
                reporter_name=reporter_name,
                reporter_relation=reporter_relation,
                reporter_phone=phone,
                eligible=rights.eligible,
                eligibility_reason=rights.reason,
                member_status=rights.member_status,
                contribution_months=rights.contribution_months,
                benefit_lines=list(rights.lines),
                benefit_total=rights.total,
                rules_version=rights.rules_version,
                working_days=working_days,
                clock_state="not_started" if working_days else "none",
                created_by=actor,
            )
            # The number is the row's own: unique without a counter to lock.
            case.number = f"KL-{incident_date:%y}-{case.pk:06d}"
            ClaimCase.objects.filter(pk=case.pk).update(number=case.number)
            ClaimHeir.objects.bulk_create(
                ClaimHeir(
                    case=case, name=h.name, relation=h.relation, rank=HEIR_RANK[h.relation], phone=h.phone
                )
                for h in cleaned_heirs
            )
            ClaimDocument.objects.bulk_create(
                ClaimDocument(case=case, code=item.code, label=item.label, reason=item.reason, position=index)
                for index, item in enumerate(needed, start=1)
            )
            ClaimEvent.objects.create(case=case, kind=ClaimEventKind.REPORTED, on=day, actor=actor)
            audit_record(
                action=AuditAction.CREATE,
                actor=actor,
                obj=case,
                region_code=case.region_code,
                metadata={
                    "event": "claim_reported",
                    "kind": kind,
                    "eligible": rights.eligible,
                    "documents": [item.code for item in needed],
                    "heirs": len(cleaned_heirs),
                },
            )
            _tell_missing(case, actor=actor)
    except IntegrityError as error:
        raise DomainError(
            "claim_duplicate",
            "Klaim untuk kejadian ini (atau beasiswa anak ini untuk tahun ajaran ini) sudah tercatat.",
            field="incident_date",
        ) from error
    return case


def _tracking_link() -> str:
    return f"{settings.SITE_URL.rstrip('/')}/cek/" if getattr(settings, "SITE_URL", "") else "/cek/"


def _family_message(case: ClaimCase, *, key: str, template: str, values: dict, actor=None) -> None:
    if not case.reporter_phone:
        return
    message_queue(
        purpose=Purpose.CLAIM,
        channel=Channel.SMS,
        address=case.reporter_phone,
        template=template_current(template),
        values={"nomor": case.number, "jenis": case.get_kind_display().split(" (")[0], **values},
        idempotency_key=f"claim:{case.pk}:{key}",
        worker=case.worker,
        region_code=case.region_code,
        actor=actor,
    )


def _tell_missing(case: ClaimCase, *, actor, key: str = "missing:0") -> None:
    missing = list(case.documents.filter(received_at__isnull=True).values_list("label", flat=True))
    if missing:
        _family_message(
            case,
            key=key,
            template="klaim_dokumen_kurang",
            values={"dokumen": "; ".join(missing), "tautan": _tracking_link()},
            actor=actor,
        )


def _locked(case: ClaimCase) -> ClaimCase:
    return ClaimCase.objects.select_for_update().get(pk=case.pk)


def _sniff(content: bytes) -> str | None:
    return next((kind for magic, kind in UPLOAD_TYPES.items() if content.startswith(magic)), None)


def claim_document_receive(
    *, actor, case: ClaimCase, code: str, content: bytes | None = None, file_name: str = "", note: str = ""
) -> ClaimDocument:
    """Marks one document received, checked by `actor`, with its scan when given. When it was the last one
    missing, the documents are complete today and the service clock starts."""
    _require(actor, authz.CLAIM_DOCUMENT, case)
    note = _clean_text(note, field="note", label="Catatan", limit=200, required=False)
    digest = ""
    if content is not None:
        if not content:
            raise DomainError("file_empty", "Berkas kosong.", field="file")
        if len(content) > UPLOAD_LIMIT:
            raise DomainError("file_too_large", "Berkas paling besar 5 MB.", field="file")
        if _sniff(content) is None:
            raise DomainError("file_type", "Berkas harus PDF, JPG, atau PNG.", field="file")
        digest = hashlib.sha256(content).hexdigest()
    day = today()
    with transaction.atomic():
        case = _locked(case)
        if case.status not in (ClaimStatus.COLLECTING, ClaimStatus.WAITING_HEIRS):
            raise DomainError(
                "claim_not_collecting", "Berkas klaim ini sudah lengkap atau sudah diputuskan.", field="code"
            )
        document = ClaimDocument.objects.select_for_update().filter(case=case, code=str(code)[:24]).first()
        if document is None:
            raise DomainError(
                "document_unknown", "Dokumen ini tidak ada dalam daftar klaim ini.", field="code"
            )
        if document.received_at is not None:
            received = timezone.localtime(document.received_at).date()
            raise DomainError(
                "document_already_received",
                f"{document.label} sudah diterima {date_long(received)}.",
                field="code",
            )
        if digest and ClaimDocument.objects.filter(case=case, file_sha256=digest).exists():
            raise DomainError(
                "document_file_duplicate",
                "Berkas yang sama sudah diunggah untuk dokumen lain klaim ini.",
                field="file",
            )
        document.received_at = timezone.now()
        document.received_by = actor
        document.note = note
        if digest:
            from django.core.files.base import ContentFile

            extension = _sniff(content)
            document.file_sha256 = digest
            document.file.save(f"{case.number}-{document.code}.{extension}", ContentFile(content), save=False)
        document.save()
        ClaimEvent.objects.create(
            case=case, kind=ClaimEventKind.DOCUMENT, on=day, actor=actor, reason=document.code
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=case,
            region_code=case.region_code,
            changes={f"document:{document.code}": ["missing", "received"]},
            metadata={"event": "claim_document_received", "file_sha256": digest or None},
        )
        if (
            case.status == ClaimStatus.COLLECTING
            and not case.documents.filter(received_at__isnull=True).exists()
        ):
            ClaimEvent.objects.create(case=case, kind=ClaimEventKind.COMPLETE, on=day, actor=actor)
            case.status = ClaimStatus.RUNNING
            case.save(update_fields=["status"])
            audit_record(
                action=AuditAction.UPDATE,
                actor=actor,
                obj=case,
                region_code=case.region_code,
                changes={"status": [ClaimStatus.COLLECTING, ClaimStatus.RUNNING]},
                metadata={"event": "claim_complete", "on": day.isoformat()},
            )
            clock = _refresh(case, day=day, actor=actor)
            if clock.due is not None:
                _family_message(
                    case,
                    key="complete",
                    template="klaim_lengkap",
                    values={"lengkap": date_long(day), "batas": date_long(clock.due)},
                    actor=actor,
                )
    return document


def claim_pause(*, actor, case: ClaimCase, reason: str) -> ClaimCase:
    """Stops the clock while BPJS TK waits for a document only the heirs can bring (with the reason); the
    family is told what is missing."""
    _require(actor, authz.CLAIM_PAUSE, case)
    reason = _clean_text(reason, field="reason", label="Alasan (dokumen yang ditunggu)", limit=300)
    day = today()
    with transaction.atomic():
        case = _locked(case)
        if case.status != ClaimStatus.RUNNING:
            raise DomainError(
                "claim_not_running",
                "Hanya klaim yang berkasnya lengkap dan sedang diproses dapat dihentikan sementara.",
                field="reason",
            )
        paused = ClaimEvent.objects.create(
            case=case, kind=ClaimEventKind.PAUSED, on=day, actor=actor, reason=reason
        )
        case.status = ClaimStatus.WAITING_HEIRS
        case.save(update_fields=["status"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=case,
            region_code=case.region_code,
            changes={"status": [ClaimStatus.RUNNING, ClaimStatus.WAITING_HEIRS]},
            metadata={"event": "claim_paused", "reason": reason},
        )
        _refresh(case, day=day, actor=actor)
        _family_message(
            case,
            key=f"paused:{paused.pk}",
            template="klaim_dokumen_kurang",
            values={"dokumen": reason, "tautan": _tracking_link()},
            actor=actor,
        )
    return case


def claim_resume(*, actor, case: ClaimCase) -> ClaimCase:
    _require(actor, authz.CLAIM_PAUSE, case)
    day = today()
    with transaction.atomic():
        case = _locked(case)
        if case.status != ClaimStatus.WAITING_HEIRS:
            raise DomainError("claim_not_paused", "Klaim ini tidak sedang menunggu dokumen ahli waris.")
        ClaimEvent.objects.create(case=case, kind=ClaimEventKind.RESUMED, on=day, actor=actor)
        case.status = ClaimStatus.RUNNING
        case.save(update_fields=["status"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=case,
            region_code=case.region_code,
            changes={"status": [ClaimStatus.WAITING_HEIRS, ClaimStatus.RUNNING]},
            metadata={"event": "claim_resumed"},
        )
        _refresh(case, day=day, actor=actor)
    return case


def _check_decision(case: ClaimCase, *, decision: str, on: dt.date, amount: int | None, day: dt.date) -> None:
    if decision not in (ClaimStatus.PAID, ClaimStatus.REJECTED):
        raise DomainError("decision_unknown", "Keputusan harus 'dibayar' atau 'ditolak'.", field="decision")
    if case.status not in OPEN_STATUSES:
        raise DomainError("claim_already_decided", f"Klaim {case.number} sudah diputuskan.", field="decision")
    if on > day:
        raise DomainError(
            "decision_in_future", f"Tanggal keputusan ({date_long(on)}) belum terjadi.", field="on"
        )
    if on < case.incident_date:
        raise DomainError(
            "decision_before_incident",
            f"Tanggal keputusan ({date_long(on)}) sebelum tanggal kejadian.",
            field="on",
        )
    if decision == ClaimStatus.PAID and (amount is None or amount <= 0):
        raise DomainError(
            "amount_missing", "Jumlah yang dibayar wajib diisi (rupiah, lebih dari 0).", field="amount"
        )


def _apply_decision(
    case: ClaimCase,
    *,
    actor,
    decision: str,
    on: dt.date,
    amount: int | None,
    reference: str,
    reason: str,
    day: dt.date,
    source: str,
) -> None:
    before = case.status
    ClaimEvent.objects.create(
        case=case, kind=decision, on=on, actor=actor, reason=(reference or reason)[:300]
    )
    case.status = decision
    case.decided_on = on
    case.paid_amount = amount if decision == ClaimStatus.PAID else None
    case.decision_reference = reference
    case.save(update_fields=["status", "decided_on", "paid_amount", "decision_reference"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=case,
        region_code=case.region_code,
        changes={"status": [before, decision]},
        metadata={
            "event": f"claim_{decision}",
            "on": on.isoformat(),
            "amount": amount,
            "source": source,
            "reference": reference,
        },
    )
    _refresh(case, day=day, actor=actor)
    if decision == ClaimStatus.PAID:
        _family_message(
            case,
            key="paid",
            template="klaim_dibayar",
            values={"jumlah": rupiah(amount), "tanggal": date_long(on)},
            actor=actor,
        )
    else:
        _family_message(
            case,
            key="rejected",
            template="klaim_ditolak",
            values={"alasan": reason or "alasan tidak disebutkan"},
            actor=actor,
        )


def claim_decide(
    *,
    actor,
    case: ClaimCase,
    decision: str,
    on: dt.date,
    amount: int | None = None,
    reference: str = "",
    reason: str = "",
) -> ClaimCase:
    """Records BPJS TK's decision (paid with the amount, or rejected with the reason); the clock stops."""
    _require(actor, authz.CLAIM_DECIDE, case)
    reference = _clean_text(reference, field="reference", label="Nomor keputusan", limit=40, required=False)
    reason = _clean_text(reason, field="reason", label="Alasan", limit=200, required=decision == "rejected")
    day = today()
    with transaction.atomic():
        case = _locked(case)
        _check_decision(case, decision=decision, on=on, amount=amount, day=day)
        _apply_decision(
            case,
            actor=actor,
            decision=decision,
            on=on,
            amount=amount,
            reference=reference,
            reason=reason,
            day=day,
            source="form",
        )
    return case


# --- the clock ---------------------------------------------------------------------------------------------


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


def _refresh(case: ClaimCase, *, day: dt.date, actor=None, changes=None):
    """Stores the recomputed clock on the case and escalates to each level newly reached."""
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
            metadata={"event": "claim_clock"},
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
    for user in _recipients(case, level):
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
            "percent": clock.percent,
            "breached": level == BREACH,
        },
    )


def claims_clock_refresh(*, day: dt.date | None = None, case_ids: Iterable[int] | None = None) -> int:
    """Recomputes every open case's clock (the daily run, and after a calendar change), escalating where a
    threshold was crossed. Cases are taken in batches by primary key, each batch in its own transaction,
    the rows locked in key order."""
    day = day or today()
    changes = selectors.holiday_changes()
    queryset = ClaimCase.objects.filter(status__in=OPEN_STATUSES)
    if case_ids is not None:
        queryset = queryset.filter(pk__in=list(case_ids))
    refreshed = 0
    last = 0
    while True:
        with transaction.atomic():
            batch = list(queryset.filter(pk__gt=last).select_for_update().order_by("pk")[:REFRESH_BATCH])
            for case in batch:
                _refresh(case, day=day, changes=changes)
        if not batch:
            return refreshed
        refreshed += len(batch)
        last = batch[-1].pk


def holiday_change_record(*, actor, day: dt.date, change: str, name: str = "", decree: str) -> HolidayChange:
    """Records a decree that adds or removes a holiday or cuti bersama, and recomputes every open case."""
    _require(actor, authz.CALENDAR_CHANGE, None)
    if change not in CalendarChange.values:
        raise DomainError("calendar_change_unknown", "Pilih: tambah atau hapus hari libur.", field="change")
    decree = _clean_text(decree, field="decree", label="Dasar keputusan", limit=200)
    name = _clean_text(
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
            region_code="36",
            metadata={"event": "holiday_change", "day": day.isoformat(), "change": change, "decree": decree},
        )
    claims_clock_refresh()
    return record


# --- BPJS TK's decisions ------------------------------------------------------------------------------------


def decisions_import(*, actor, file_name: str, content: bytes) -> DecisionImport:
    """Applies a file of BPJS TK's claim decisions (docs/claims.md): every row is checked first (its case
    exists in the liaison's area, is still open, the date is possible) and one wrong row refuses the whole
    file, so nothing is half applied. The same file twice is refused by its digest."""
    _require(actor, authz.CLAIM_DECIDE, None)
    file_name = _clean_text(file_name, field="file", label="Nama berkas", limit=200)
    try:
        decisions = parse_decisions(content)
    except DecisionFileError as error:
        raise DomainError(
            "decision_file_invalid", f"Berkas keputusan tidak dapat dipakai: {error}", field="file"
        ) from error
    digest = hashlib.sha256(content).hexdigest()
    day = today()
    with transaction.atomic():
        if DecisionImport.objects.filter(sha256=digest).exists():
            raise DomainError(
                "decision_file_duplicate", "Berkas keputusan ini sudah pernah diimpor.", field="file"
            )
        numbers = [decision.number for decision in decisions]
        # Locked in key order, like every other write to cases.
        cases = {
            case.number: case
            for case in ClaimCase.objects.select_for_update().filter(number__in=numbers).order_by("pk")
        }
        problems = []
        for decision in decisions:
            case = cases.get(decision.number)
            if case is None or not authz.can(actor, authz.CLAIM_DECIDE, case):
                problems.append(f"baris {decision.line}: klaim {decision.number} tidak dikenal")
                continue
            try:
                _check_decision(
                    case, decision=decision.decision, on=decision.on, amount=decision.amount, day=day
                )
            except DomainError as error:
                problems.append(f"baris {decision.line}: {error.message}")
        if problems:
            raise DomainError(
                "decision_file_invalid",
                "Berkas keputusan tidak dapat dipakai: " + "; ".join(problems[:50]),
                field="file",
            )
        record = DecisionImport.objects.create(
            file_name=file_name,
            sha256=digest,
            rows=len(decisions),
            paid=sum(d.decision == ClaimStatus.PAID for d in decisions),
            rejected=sum(d.decision == ClaimStatus.REJECTED for d in decisions),
            imported_by=actor,
        )
        for decision in decisions:
            _apply_decision(
                cases[decision.number],
                actor=actor,
                decision=decision.decision,
                on=decision.on,
                amount=decision.amount,
                reference=decision.reference,
                reason=decision.reason,
                day=day,
                source=f"import:{record.pk}",
            )
        audit_record(
            action=AuditAction.IMPORT,
            actor=actor,
            obj=record,
            region_code="36",
            metadata={"event": "claim_decisions_imported", "rows": record.rows, "sha256": digest},
        )
    return record
