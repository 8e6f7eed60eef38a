"""What a company's officers set for SERTAKAN: a matching rule on their CSR program, and the public
listing of a zakat or CSR program that takes gifts. Both are their funder's decisions (the authorization
table's `matching.manage`: whoever governs the program's funder)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.funding.models import FunderKind, FundingProgram, ProgramStatus
from cakupan.sponsors.models import GiftListing, MatchingRule

GIFT_KINDS = (FunderKind.ZAKAT, FunderKind.CSR)


def programs_for(user) -> list[FundingProgram]:
    """Active zakat and CSR programs whose funder this user governs."""
    if not user.is_authenticated:
        return []
    programs = FundingProgram.objects.select_related("funder").filter(
        status=ProgramStatus.ACTIVE, funder__kind__in=GIFT_KINDS
    )
    return [program for program in programs if authz.can(user, authz.MATCHING_MANAGE, program)]


def _program(user, values: Mapping, *, kinds) -> FundingProgram:
    text = str(values.get("program", ""))
    program = (
        FundingProgram.objects.select_related("funder").filter(pk=int(text)).first()
        if text.isdigit()
        else None
    )
    if program is None or program.funder.kind not in kinds or program.status != ProgramStatus.ACTIVE:
        raise DomainError("program_unknown", "Pilih program yang masih aktif.", field="program")
    if not authz.can(user, authz.MATCHING_MANAGE, program):
        raise DomainError("matching_not_allowed", "Anda tidak bertindak untuk pemberi dana program ini.")
    return program


def _clean(values: Mapping, name: str, limit: int) -> str:
    """One line of text, at most `limit` characters, without NUL (which PostgreSQL refuses)."""
    return " ".join(str(values.get(name, "")).replace("\x00", "").split())[:limit]


def _whole(values: Mapping, name: str, label: str, *, low: int, high: int) -> int:
    text = str(values.get(name, "")).strip().replace(".", "")
    if not text.isdigit() or not low <= int(text) <= high:
        raise DomainError(
            f"{name}_invalid", f"{label} harus bilangan bulat {low:,}–{high:,}.".replace(",", "."), field=name
        )
    return int(text)


def _date(values: Mapping, name: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(values.get(name, "")))
    except ValueError as error:
        raise DomainError(f"{name}_invalid", f"{label} harus tanggal (TTTT-BB-HH).", field=name) from error


@transaction.atomic
def matching_rule_create(*, actor, values: Mapping) -> MatchingRule:
    program = _program(actor, values, kinds=(FunderKind.CSR,))
    title = _clean(values, "judul", 120)
    if not title:
        raise DomainError("title_required", "Judul wajib diisi.", field="judul")
    ratio = _whole(values, "rasio", "Rasio pendamping (%)", low=1, high=500)
    per_sponsor = _whole(values, "batas_sponsor", "Batas per sponsor", low=1, high=10**12)
    total = _whole(values, "batas_total", "Batas total", low=1, high=10**12)
    starts, ends = _date(values, "mulai", "Tanggal mulai"), _date(values, "selesai", "Tanggal berakhir")
    if ends < starts:
        raise DomainError(
            "dates_order", "Tanggal berakhir tidak boleh sebelum tanggal mulai.", field="selesai"
        )
    domain = _clean(values, "domain", 100).lower().lstrip("@")
    if domain and ("." not in domain or " " in domain):
        raise DomainError("domain_invalid", "Domain e-mail karyawan seperti contoh.co.id.", field="domain")
    rule = MatchingRule.objects.create(
        program=program,
        title=title,
        ratio_pct=ratio,
        cap_per_sponsor=per_sponsor,
        cap_total=total,
        starts_on=starts,
        ends_on=ends,
        email_domain=domain,
        created_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=rule,
        region_code=program.funder.area_id,
        changes={"ratio_pct": [None, ratio], "cap_total": [None, total]},
    )
    return rule


@transaction.atomic
def gift_listing_create(*, actor, values: Mapping) -> GiftListing:
    program = _program(actor, values, kinds=GIFT_KINDS)
    if program.funder.kind == FunderKind.ZAKAT and not program.mustahik_only:
        # Zakat may reach only those entitled to it (MUI Fatwa 102/2025): a gift is spent by the program's
        # own rules, so the program must fund mustahik only.
        raise DomainError(
            "zakat_program_not_mustahik",
            "Program zakat harus khusus mustahik untuk menerima sumbangan publik.",
            field="program",
        )
    title = _clean(values, "judul", 120)
    blurb = _clean(values, "keterangan", 400)
    if not title or not blurb:
        raise DomainError("listing_text_required", "Judul dan keterangan wajib diisi.", field="judul")
    listing, created = GiftListing.objects.update_or_create(
        program=program, defaults={"title": title, "blurb": blurb, "active": True, "created_by": actor}
    )
    audit_record(
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        actor=actor,
        obj=listing,
        region_code=program.funder.area_id,
        changes={"title": [None, title]},
    )
    return listing
