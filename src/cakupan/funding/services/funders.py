"""Funders, their officers and zakat agencies' mustahik verifications."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from cakupan.accounts.models import Role
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.funding.models import (
    FUNDING_SOURCE_OF_KIND,
    Funder,
    FunderKind,
    FunderOfficer,
    MustahikVerification,
)
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry.models import Worker

# --- funders --------------------------------------------------------------------------------------

_AREA_LEVEL_OF_KIND = {
    FunderKind.APBD_PROVINCE: RegionLevel.PROVINCE,
    FunderKind.APBD_REGENCY: RegionLevel.REGENCY,
    FunderKind.DANA_DESA: RegionLevel.VILLAGE,
}
_OFFICER_ROLES = frozenset({Role.FUNDER_OFFICER, Role.SPONSOR})


@transaction.atomic
def funder_create(*, name: str, kind: str, area_code: str, actor=None) -> Funder:
    name = (name or "").strip()
    if not name:
        raise DomainError("funder_name_required", "Nama pemberi dana wajib diisi.", field="name")
    if kind not in FunderKind.values:
        raise DomainError("funder_kind_unknown", f"Jenis pemberi dana '{kind}' tidak dikenal.", field="kind")
    area = Region.objects.filter(code=area_code).first()
    if area is None:
        raise DomainError("region_unknown", f"Kode wilayah '{area_code}' tidak dikenal.", field="area_code")
    level = _AREA_LEVEL_OF_KIND.get(kind)
    if level is not None and area.level != level:
        raise DomainError(
            "funder_area_level",
            f"Wilayah {FunderKind(kind).label} harus berupa {RegionLevel(level).label.lower()}; "
            f"{area.name} adalah {area.get_level_display().lower()}.",
            field="area_code",
        )
    if kind == FunderKind.DANA_DESA and Funder.objects.filter(kind=kind, area=area).exists():
        raise DomainError(
            "dana_desa_duplicate",
            f"Desa {area.name} sudah mempunyai pemberi dana Dana Desa.",
            field="area_code",
        )
    funder = Funder(name=name, kind=kind, funding_source=FUNDING_SOURCE_OF_KIND[kind], area=area)
    funder.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            funder.save()
    except IntegrityError as error:  # a concurrent second Dana Desa for the same desa
        raise DomainError(
            "dana_desa_duplicate",
            f"Desa {area.name} sudah mempunyai pemberi dana Dana Desa.",
            field="area_code",
        ) from error
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=funder,
        region_code=area.code,
        changes={"kind": ["", kind], "name": ["", name]},
    )
    return funder


@transaction.atomic
def funder_officer_add(*, funder: Funder, user, actor=None) -> FunderOfficer:
    if getattr(user, "role", "") not in _OFFICER_ROLES:
        raise DomainError(
            "funder_officer_role",
            "Hanya pengguna berperan petugas pemberi dana atau sponsor yang dapat ditautkan.",
        )
    link, created = FunderOfficer.objects.get_or_create(funder=funder, user=user)
    if created:
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            obj=link,
            region_code=funder.area_id,
            metadata={"funder": funder.pk, "user": user.get_username()},
        )
    return link


@transaction.atomic
def mustahik_verify(
    *, funder: Funder, worker: Worker, asnaf: str, verified_on: dt.date, actor
) -> MustahikVerification:
    """The zakat agency records that a worker is mustahik (re-verifying renews a revoked record)."""
    if funder.kind != FunderKind.ZAKAT:
        raise DomainError("mustahik_not_zakat", "Verifikasi mustahik hanya oleh lembaga zakat (BAZNAS/LAZ).")
    if asnaf not in MustahikVerification.Asnaf.values:
        raise DomainError("mustahik_asnaf_unknown", f"Golongan asnaf '{asnaf}' tidak dikenal.", field="asnaf")
    record, _ = MustahikVerification.objects.update_or_create(
        funder=funder,
        worker=worker,
        defaults={"asnaf": asnaf, "verified_on": verified_on, "verified_by": actor, "revoked_at": None},
    )
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=record,
        region_code=worker.desa_id,
        metadata={"event": "mustahik_verified", "asnaf": asnaf},
    )
    return record


@transaction.atomic
def mustahik_revoke(*, verification: MustahikVerification, actor) -> MustahikVerification:
    verification.revoked_at = timezone.now()
    verification.save(update_fields=["revoked_at"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=verification,
        region_code=verification.worker.desa_id,
        metadata={"event": "mustahik_revoked"},
    )
    return verification
