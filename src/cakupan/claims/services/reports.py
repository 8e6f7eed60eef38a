"""Reporting a claim: the member's rights on the incident date, the heirs in the legal order, the
documents the case needs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims import checklist as checklists
from cakupan.claims.eligibility import ScholarshipFacts, eligibility
from cakupan.claims.models import (
    ClaimCase,
    ClaimDocument,
    ClaimEvent,
    ClaimEventKind,
    ClaimHeir,
    ClaimKind,
    HeirRelation,
    JkkCause,
    JkkOutcome,
)
from cakupan.claims.services import common
from cakupan.claims.services.common import (
    HEIR_RANK,
    clean_text,
    membership_facts,
    phone_number,
    require,
    rules_error,
    tell_missing,
)
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long
from cakupan.registry.models import Worker
from cakupan.rules.engine.claims import payment_working_days
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import default_book


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
    try:
        ruleset = default_book().for_date(incident_date, field="incident_date")
    except RulesError as error:
        raise rules_error(error) from error
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
    require(actor, authz.CLAIM_REPORT, worker.desa_id)
    day = common.today()
    _validate_report(
        kind=kind,
        incident_date=incident_date,
        jkk_cause=jkk_cause,
        jkk_outcome=jkk_outcome,
        heirs=heirs,
        child=child,
        day=day,
    )
    reporter_name = clean_text(reporter_name, field="reporter_name", label="Nama pelapor", limit=150)
    reporter_relation = clean_text(
        reporter_relation, field="reporter_relation", label="Hubungan pelapor", limit=40
    )
    phone = phone_number(reporter_phone, field="reporter_phone")
    cleaned_heirs = []
    for index, heir in enumerate(heirs):
        if heir.relation not in HeirRelation.values:
            raise DomainError(
                "heir_relation_unknown", f"Hubungan ahli waris ke-{index + 1} tidak dikenal.", field="heirs"
            )
        cleaned_heirs.append(
            HeirInput(
                clean_text(heir.name, field="heir_name", label=f"Nama ahli waris ke-{index + 1}", limit=150),
                heir.relation,
                phone_number(heir.phone, field="heirs"),
            )
        )
    if len({(h.name.casefold(), h.relation) for h in cleaned_heirs}) != len(cleaned_heirs):
        raise DomainError("heir_duplicate", "Ahli waris yang sama tertulis dua kali.", field="heirs")
    scholarship = None
    if child is not None and kind == ClaimKind.SCHOLARSHIP:
        child = ChildInput(
            clean_text(child.name, field="child_name", label="Nama anak", limit=150),
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
            memberships=membership_facts(worker),
            income=worker.monthly_income,
            jkk_outcome=jkk_outcome if kind == ClaimKind.JKK else "",
            scholarship=scholarship,
        )
    except RulesError as error:
        raise rules_error(error) from error
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
                child_key=child.name.casefold() if scholarship else "",
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
            tell_missing(case, actor=actor)
    except IntegrityError as error:
        raise DomainError(
            "claim_duplicate",
            "Klaim untuk kejadian ini sudah tercatat (kematian peserta dilaporkan sekali; beasiswa satu anak "
            "sekali setiap tahun ajaran).",
            field="incident_date",
        ) from error
    return case
