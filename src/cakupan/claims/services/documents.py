"""Documents of a case, and the pause while BPJS TK waits for the heirs' documents."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims.models import (
    ClaimCase,
    ClaimDocument,
    ClaimEvent,
    ClaimEventKind,
    ClaimStatus,
)
from cakupan.claims.services import common
from cakupan.claims.services.clocks import refresh
from cakupan.claims.services.common import (
    UPLOAD_LIMIT,
    UPLOAD_TYPES,
    clean_text,
    family_message,
    locked,
    require,
    tracking_link,
)
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long

# How far back a paper may be recorded as received: the clock starts from it, so a month-old date would
# start a case already breached.
RECEIVED_BACK_DAYS = 30


def _move(case: ClaimCase, *, actor, to: str, event: str, **metadata) -> None:
    """The case's new status, audited with its before and after."""
    before = case.status
    case.status = to
    case.save(update_fields=["status"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=case,
        region_code=case.region_code,
        changes={"status": [before, to]},
        metadata={"event": event, **metadata},
    )


def _sniff(content: bytes) -> str | None:
    return next((kind for magic, kind in UPLOAD_TYPES.items() if content.startswith(magic)), None)


def claim_document_receive(
    *,
    actor,
    case: ClaimCase,
    code: str,
    content: bytes | None = None,
    note: str = "",
    received_on: dt.date | None = None,
) -> ClaimDocument:
    """Marks one document received, checked by `actor`, with its scan when given. `received_on` is the day
    the paper came in (today when not given; an officer may record Friday's papers on Monday). When it was
    the last one missing, the documents are complete on the latest of those days and the clock starts."""
    require(actor, authz.CLAIM_DOCUMENT, case)
    note = clean_text(note, field="note", label="Catatan", limit=200, required=False)
    digest = ""
    if content is not None:
        if not content:
            raise DomainError("file_empty", "Berkas kosong.", field="file")
        if len(content) > UPLOAD_LIMIT:
            raise DomainError("file_too_large", "Berkas paling besar 5 MB.", field="file")
        if _sniff(content) is None:
            raise DomainError("file_type", "Berkas harus PDF, JPG, atau PNG.", field="file")
        digest = hashlib.sha256(content).hexdigest()
    day = common.today()
    received_on = received_on or day
    if received_on > day:
        raise DomainError("received_in_future", "Tanggal diterima belum terjadi.", field="received_on")
    # A scan is written to storage inside the transaction; when the transaction fails, it goes too.
    written: list[str] = []
    try:
        with transaction.atomic():
            case = locked(case)
            earliest = max(case.incident_date, day - dt.timedelta(days=RECEIVED_BACK_DAYS))
            if received_on < earliest:
                raise DomainError(
                    "received_too_early",
                    f"Tanggal diterima paling awal {date_long(earliest)} (tanggal kejadian, dan paling lama "
                    f"{RECEIVED_BACK_DAYS} hari lalu).",
                    field="received_on",
                )
            if case.status not in (ClaimStatus.COLLECTING, ClaimStatus.WAITING_HEIRS):
                raise DomainError(
                    "claim_not_collecting",
                    "Berkas klaim ini sudah lengkap atau sudah diputuskan.",
                    field="code",
                )
            document = (
                ClaimDocument.objects.select_for_update().filter(case=case, code=str(code)[:24]).first()
            )
            if document is None:
                raise DomainError(
                    "document_unknown", "Dokumen ini tidak ada dalam daftar klaim ini.", field="code"
                )
            if document.received_at is not None:
                received = (
                    case.events.filter(kind=ClaimEventKind.DOCUMENT, reason=document.code)
                    .values_list("on", flat=True)
                    .first()
                    or timezone.localtime(document.received_at).date()
                )
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
                document.file.save(
                    f"{case.number}-{document.code}.{extension}", ContentFile(content), save=False
                )
                written.append(document.file.name)
            document.save()
            ClaimEvent.objects.create(
                case=case, kind=ClaimEventKind.DOCUMENT, on=received_on, actor=actor, reason=document.code
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
                complete_on = max(
                    case.events.filter(kind=ClaimEventKind.DOCUMENT).values_list("on", flat=True), default=day
                )
                ClaimEvent.objects.create(
                    case=case, kind=ClaimEventKind.COMPLETE, on=complete_on, actor=actor
                )
                _move(
                    case,
                    actor=actor,
                    to=ClaimStatus.RUNNING,
                    event="claim_complete",
                    on=complete_on.isoformat(),
                )
                clock = refresh(case, day=day, actor=actor)
                if clock.due is not None:
                    family_message(
                        case,
                        key="complete",
                        template="klaim_lengkap",
                        values={"lengkap": date_long(complete_on), "batas": date_long(clock.due)},
                        actor=actor,
                    )
    except BaseException:
        for name in written:
            ClaimDocument.file.field.storage.delete(name)
        raise
    return document


def claim_pause(*, actor, case: ClaimCase, reason: str) -> ClaimCase:
    """Stops the clock while BPJS TK waits for a document only the heirs can bring (with the reason); the
    family is told what is missing."""
    require(actor, authz.CLAIM_PAUSE, case)
    reason = clean_text(reason, field="reason", label="Alasan (dokumen yang ditunggu)", limit=300)
    day = common.today()
    with transaction.atomic():
        case = locked(case)
        if case.status != ClaimStatus.RUNNING:
            raise DomainError(
                "claim_not_running",
                "Hanya klaim yang berkasnya lengkap dan sedang diproses dapat dihentikan sementara.",
                field="reason",
            )
        paused = ClaimEvent.objects.create(
            case=case, kind=ClaimEventKind.PAUSED, on=day, actor=actor, reason=reason
        )
        _move(case, actor=actor, to=ClaimStatus.WAITING_HEIRS, event="claim_paused", reason=reason)
        refresh(case, day=day, actor=actor)
        family_message(
            case,
            key=f"paused:{paused.pk}",
            template="klaim_dokumen_kurang",
            values={"dokumen": reason, "tautan": tracking_link()},
            actor=actor,
        )
    return case


def claim_resume(*, actor, case: ClaimCase) -> ClaimCase:
    require(actor, authz.CLAIM_PAUSE, case)
    day = common.today()
    with transaction.atomic():
        case = locked(case)
        if case.status != ClaimStatus.WAITING_HEIRS:
            raise DomainError("claim_not_paused", "Klaim ini tidak sedang menunggu dokumen ahli waris.")
        ClaimEvent.objects.create(case=case, kind=ClaimEventKind.RESUMED, on=day, actor=actor)
        _move(case, actor=actor, to=ClaimStatus.RUNNING, event="claim_resumed")
        refresh(case, day=day, actor=actor)
    return case
