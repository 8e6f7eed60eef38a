"""BPJS TK's decisions: one by form, or a file of them applied all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims.decision_file import DecisionFileError, parse_decisions
from cakupan.claims.models import (
    OPEN_STATUSES,
    ClaimCase,
    ClaimEvent,
    ClaimStatus,
    DecisionImport,
)
from cakupan.claims.services import common
from cakupan.claims.services.clocks import refresh
from cakupan.claims.services.common import (
    clean_text,
    family_message,
    locked,
    require,
)
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long, rupiah
from cakupan.messaging.services import PROVINCE


def _check_decision(case: ClaimCase, *, decision: str, on: dt.date, amount: int | None, day: dt.date) -> None:
    if decision not in (ClaimStatus.PAID, ClaimStatus.REJECTED):
        raise DomainError("decision_unknown", "Keputusan harus 'dibayar' atau 'ditolak'.", field="decision")
    if case.status not in OPEN_STATUSES:
        raise DomainError("claim_already_decided", f"Klaim {case.number} sudah diputuskan.", field="decision")
    if case.status == ClaimStatus.COLLECTING:
        # BPJS TK decides on complete documents; a decision here would leave a case without a clock.
        raise DomainError(
            "claim_documents_incomplete",
            f"Berkas klaim {case.number} belum lengkap di Cakupan: tandai dokumen yang diterima lebih dulu.",
            field="decision",
        )
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
    if case.complete_on is not None and on < case.complete_on:
        raise DomainError(
            "decision_before_complete",
            f"Tanggal keputusan ({date_long(on)}) sebelum berkas lengkap ({date_long(case.complete_on)}).",
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
    refresh(case, day=day, actor=actor)
    if decision == ClaimStatus.PAID:
        family_message(
            case,
            key="paid",
            template="klaim_dibayar",
            values={"jumlah": rupiah(amount), "tanggal": date_long(on)},
            actor=actor,
        )
    else:
        family_message(
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
    require(actor, authz.CLAIM_DECIDE, case)
    reference = clean_text(reference, field="reference", label="Nomor keputusan", limit=40, required=False)
    reason = clean_text(reason, field="reason", label="Alasan", limit=200, required=decision == "rejected")
    day = common.today()
    with transaction.atomic():
        case = locked(case)
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


def decisions_import(*, actor, file_name: str, content: bytes) -> DecisionImport:
    """Applies a file of BPJS TK's claim decisions (docs/claims.md): every row is checked first (its case
    exists in the liaison's area, is still open, the date is possible) and one wrong row refuses the whole
    file, so nothing is half applied. The same file twice is refused by its digest."""
    require(actor, authz.CLAIM_DECIDE, None)
    file_name = clean_text(file_name, field="file", label="Nama berkas", limit=200)
    try:
        decisions = parse_decisions(content)
    except DecisionFileError as error:
        raise DomainError(
            "decision_file_invalid", f"Berkas keputusan tidak dapat dipakai: {error}", field="file"
        ) from error
    digest = hashlib.sha256(content).hexdigest()
    day = common.today()
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
            # The importer's area, so that its auditors see the file beside the cases it closed.
            region_code=actor.area_id or PROVINCE,
            metadata={"event": "claim_decisions_imported", "rows": record.rows, "sha256": digest},
        )
    return record
