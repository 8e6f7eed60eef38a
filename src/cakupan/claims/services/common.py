"""What every claim write shares: the day the clocks count from, authorization, clean text, the
row lock, and messages to the family."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.accounts.models import Role
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims.eligibility import MembershipFacts
from cakupan.claims.models import (
    ClaimCase,
    HeirRelation,
)
from cakupan.core.errors import DomainError
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import message_queue, template_current
from cakupan.registry.models import Membership, Worker
from cakupan.rules.engine.errors import RulesError

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


def require(actor, action: str, obj) -> None:
    if not authz.can(actor, action, obj):
        raise DomainError("claim_not_allowed", "Peran atau wilayah kerja Anda tidak mencakup tindakan ini.")


def clean_text(value: object, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if "\x00" in text:
        raise DomainError("text_invalid", f"{label} memuat karakter yang tidak sah.", field=field)
    if required and not text:
        raise DomainError(f"{field}_missing", f"{label} wajib diisi.", field=field)
    if len(text) > limit:
        raise DomainError(f"{field}_too_long", f"{label} paling panjang {limit} karakter.", field=field)
    return text


def phone_number(value: str, *, field: str) -> str:
    if not value:
        return ""
    from cakupan.messaging.addresses import mobile_number

    try:
        return mobile_number(value)
    except DomainError as error:
        raise DomainError("phone_invalid", "Nomor HP tidak dapat dipakai untuk SMS.", field=field) from error


def membership_facts(worker: Worker) -> list[MembershipFacts]:
    return [
        MembershipFacts(since=since, paid_through=paid, jkk=jkk, jkm=jkm, jht=jht)
        for since, paid, jkk, jkm, jht in Membership.objects.filter(worker=worker).values_list(
            "since", "paid_through", "jkk", "jkm", "jht"
        )
    ]


def rules_error(error: RulesError) -> DomainError:
    return DomainError(error.code, error.message, field=error.field)


def tracking_link() -> str:
    return f"{settings.SITE_URL.rstrip('/')}/cek/" if getattr(settings, "SITE_URL", "") else "/cek/"


def family_message(case: ClaimCase, *, key: str, template: str, values: dict, actor=None) -> None:
    if not case.reporter_phone:
        return
    try:
        with transaction.atomic():
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
    except DomainError as error:
        # A message that cannot be queued (a template withdrawn, an address refused) must not undo the
        # case's own change; it is recorded for the officers instead.
        audit_record(
            action=AuditAction.ALERT,
            actor=actor,
            obj=case,
            region_code=case.region_code,
            metadata={"event": "claim_message_failed", "template": template, "code": error.code},
        )


def tell_missing(case: ClaimCase, *, actor, key: str = "missing:0") -> None:
    missing = list(case.documents.filter(received_at__isnull=True).values_list("label", flat=True))
    if missing:
        family_message(
            case,
            key=key,
            template="klaim_dokumen_kurang",
            values={"dokumen": "; ".join(missing), "tautan": tracking_link()},
            actor=actor,
        )


def locked(case: ClaimCase) -> ClaimCase:
    return ClaimCase.objects.select_for_update().get(pk=case.pk)
