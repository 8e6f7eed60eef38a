"""Funding programs: budget, package, months of cover and eligibility, checked on every write."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS
from cakupan.funding import candidates as candidates_module
from cakupan.funding import ledger
from cakupan.funding.models import (
    AccountKind,
    AllocationPolicy,
    Funder,
    FunderKind,
    FundingProgram,
    ProgramStatus,
    TransactionKind,
)
from cakupan.regions.models import Region
from cakupan.rules.engine import RulesError

# --- programs -------------------------------------------------------------------------------------

_PROGRAM_FIELDS = (
    "name",
    "budget",
    "fiscal_year",
    "start_month",
    "months",
    "jht",
    "income_level",
    "areas",
    "sectors",
    "decile_min",
    "decile_max",
    "age_min",
    "age_max",
    "informal_only",
    "uncovered_only",
    "mustahik_only",
    "mustahik_decile_max",
    "renew",
    "policy",
    "status",
)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _within(code: str, area: str) -> bool:
    return code == area or code.startswith(f"{area}.")


def _check_program(program: FundingProgram) -> None:
    """Raise DomainError (stable code, Bahasa message) for a program that cannot fund anyone."""
    funder = program.funder
    if not str(program.name or "").strip():
        raise DomainError("program_name_required", "Nama program wajib diisi.", field="name")
    if program.policy not in AllocationPolicy.values:
        raise DomainError(
            "program_policy_invalid",
            "Kebijakan alokasi tidak sah: pilih Paling rentan dulu atau Terbanyak per rupiah.",
            field="policy",
        )
    if program.budget is None or (_is_int(program.budget) and program.budget == 0):
        raise DomainError(
            "program_budget_required", "Anggaran program wajib diisi dan lebih dari Rp0.", field="budget"
        )
    if not _is_int(program.budget) or program.budget < 1:
        raise DomainError(
            "program_budget_invalid", "Anggaran harus bilangan bulat rupiah lebih dari 0.", field="budget"
        )
    if not _is_int(program.fiscal_year) or not 2015 <= program.fiscal_year <= 2100:
        raise DomainError("program_fiscal_year_invalid", "Tahun anggaran tidak sah.", field="fiscal_year")
    start = program.start_month
    if not isinstance(start, dt.date) or start.day != 1:
        raise DomainError(
            "program_start_month_invalid", "Bulan mulai harus hari pertama suatu bulan.", field="start_month"
        )
    if start.year != program.fiscal_year:
        raise DomainError(
            "program_start_outside_fiscal_year",
            f"Bulan mulai harus di dalam tahun anggaran {program.fiscal_year}.",
            field="start_month",
        )
    if program.months not in (1, 3, 6, 12):
        raise DomainError(
            "program_months_invalid", "Jumlah bulan perlindungan harus 1, 3, 6 atau 12.", field="months"
        )
    if not _is_int(program.income_level):
        raise DomainError(
            "program_income_invalid", "Tingkat penghasilan harus bilangan bulat rupiah.", field="income_level"
        )
    if not isinstance(program.sectors, list) or not isinstance(program.areas, list):
        raise DomainError("program_eligibility_invalid", "Wilayah dan sektor harus berupa daftar.")
    for sector in program.sectors:
        if sector not in SECTOR_LABELS:
            raise DomainError("program_sector_unknown", f"Sektor '{sector}' tidak dikenal.", field="sectors")
    if program.sectors and all(sector == FORMAL_SECTOR for sector in program.sectors):
        raise DomainError(
            "program_sectors_only_formal",
            "Pekerja formal (penerima upah) tidak dapat didanai sebagai peserta BPU.",
            field="sectors",
        )
    for low, high, label, field in (
        (program.decile_min, program.decile_max, "Desil", "decile_min"),
        (program.age_min, program.age_max, "Umur", "age_min"),
    ):
        if (low is not None and not _is_int(low)) or (high is not None and not _is_int(high)):
            raise DomainError("program_eligibility_invalid", f"{label} harus bilangan bulat.", field=field)
        if low is not None and high is not None and low > high:
            raise DomainError(
                "program_range_empty",
                f"{label} terendah ({low}) lebih besar dari tertinggi ({high}).",
                field=field,
            )
    for decile in (program.decile_min, program.decile_max, program.mustahik_decile_max):
        if decile is not None and not 1 <= decile <= 10:
            raise DomainError("program_decile_invalid", "Desil harus antara 1 dan 10.", field="decile_min")
    if program.age_max is not None and program.age_max < 15:
        raise DomainError(
            "program_age_invalid", "Umur tertinggi di bawah usia kerja (15 tahun).", field="age_max"
        )
    if funder.kind == FunderKind.ZAKAT and not program.mustahik_only:
        raise DomainError(
            "program_zakat_requires_mustahik",
            "Dana zakat hanya untuk mustahik: centang 'hanya mustahik'.",
            field="mustahik_only",
        )
    if funder.kind == FunderKind.DANA_DESA:
        if not program.own_village_only:
            raise DomainError(
                "program_dana_desa_own_village",
                "Dana Desa hanya untuk warga desa sendiri.",
                field="own_village_only",
            )
        if any(code != funder.area_id for code in program.areas):
            raise DomainError(
                "program_area_outside_funder",
                f"Dana Desa {funder.area_id} tidak dapat membiayai warga desa lain.",
                field="areas",
            )
    known = set(Region.objects.filter(code__in=program.areas).values_list("code", flat=True))
    for code in program.areas:
        if code not in known:
            raise DomainError("region_unknown", f"Kode wilayah '{code}' tidak dikenal.", field="areas")
        if not _within(code, funder.area_id):
            raise DomainError(
                "program_area_outside_funder",
                f"Wilayah {code} di luar wilayah pemberi dana ({funder.area_id}).",
                field="areas",
            )
    try:
        cheapest = min(
            candidates_module.sector_cost(program, sector).total
            for sector in (program.sectors or list(SECTOR_LABELS))
            if sector != FORMAL_SECTOR
        )
    except RulesError as error:
        raise DomainError(error.code, error.message, field=error.field) from error
    if program.budget < cheapest:
        raise DomainError(
            "program_budget_too_small",
            f"Anggaran {rupiah(program.budget)} belum cukup untuk satu pekerja ({rupiah(cheapest)} untuk "
            f"{program.months} bulan).",
            field="budget",
        )


def _defaults_for(funder: Funder, values: dict) -> dict:
    if funder.kind == FunderKind.ZAKAT:
        values.setdefault("mustahik_only", True)
    if funder.kind == FunderKind.DANA_DESA:
        values.setdefault("own_village_only", True)
    return values


@transaction.atomic
def program_create(*, funder: Funder, actor, **values) -> FundingProgram:
    """Create a program and grant its budget in the ledger. Raises DomainError, writing nothing."""
    unknown = set(values) - set(_PROGRAM_FIELDS) - {"own_village_only"}
    if unknown:
        raise DomainError("program_field_unknown", f"Isian tidak dikenal: {', '.join(sorted(unknown))}.")
    values = _defaults_for(funder, dict(values))
    values["areas"] = list(values.get("areas") or [])
    values["sectors"] = list(values.get("sectors") or [])
    if "budget" not in values:
        raise DomainError(
            "program_budget_required", "Anggaran program wajib diisi dan lebih dari Rp0.", field="budget"
        )
    program = FundingProgram(funder=funder, created_by=actor, **values)
    _check_program(program)
    program.full_clean(exclude=["created_by"])
    program.save()
    accounts = ledger.accounts_create(program)
    ledger.post(
        kind=TransactionKind.BUDGET,
        funder_id=funder.pk,
        reference=f"budget:program:{program.pk}:0",
        memo=f"Anggaran {program.name}",
        month=program.start_month,
        actor=actor,
        entries=[
            (accounts[AccountKind.SOURCE], -program.budget),
            (accounts[AccountKind.AVAILABLE], program.budget),
        ],
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=program,
        region_code=funder.area_id,
        changes={"budget": [None, program.budget]},
    )
    return program


@transaction.atomic
def program_update(*, program: FundingProgram, actor, **changes) -> FundingProgram:
    """Change a program. A budget change posts the difference; it may not go below what is already
    committed, paid or covered."""
    unknown = set(changes) - set(_PROGRAM_FIELDS)
    if unknown:
        raise DomainError("program_field_unknown", f"Isian tidak dikenal: {', '.join(sorted(unknown))}.")
    program = FundingProgram.objects.select_for_update().select_related("funder").get(pk=program.pk)
    before = {field: getattr(program, field) for field in changes}
    for field, value in changes.items():
        setattr(program, field, list(value) if field in ("areas", "sectors") else value)
    if program.status not in ProgramStatus.values:
        raise DomainError("program_status_invalid", "Status program tidak sah.", field="status")
    _check_program(program)
    program.full_clean(exclude=["created_by"])
    delta = program.budget - before.get("budget", program.budget)
    if delta:
        accounts = ledger.accounts_locked([program.pk])
        available = accounts[(program.pk, AccountKind.AVAILABLE)]
        if available.balance + delta < 0:
            used = before["budget"] - available.balance
            raise DomainError(
                "program_budget_below_used",
                f"Anggaran tidak dapat dikurangi di bawah dana yang sudah terpakai ({rupiah(used)}).",
                field="budget",
            )
        serial = program.accounts.get(kind=AccountKind.SOURCE).entries.count()
        ledger.post(
            kind=TransactionKind.BUDGET,
            funder_id=program.funder_id,
            reference=f"budget:program:{program.pk}:{serial}",
            memo=f"Perubahan anggaran {program.name}",
            month=program.start_month,
            actor=actor,
            entries=[(accounts[(program.pk, AccountKind.SOURCE)], -delta), (available, delta)],
        )
    program.save()
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=program,
        region_code=program.funder.area_id,
        changes={f: [_plain(before[f]), _plain(getattr(program, f))] for f in changes},
    )
    return program


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


RENEWAL_LIMIT_MAX = 10**13  # Rp10 triliun: above any provincial budget, a typo rather than a limit


@transaction.atomic
def program_renewal_limit_set(*, program: FundingProgram, limit: int | None, actor) -> FundingProgram:
    """Record (or, with None, withdraw) a standing approval of the program's renewals: each month the
    cycle commits them without a checker while they cost at most `limit`. Recorded by someone who may
    approve plans from the program's funder, not by the program's maker."""
    from django.utils import timezone

    from cakupan.accounts import authorization as authz

    program = FundingProgram.objects.select_for_update().select_related("funder").get(pk=program.pk)
    if not authz.can(actor, authz.RENEWAL_LIMIT_SET, program):
        raise DomainError(
            "renewal_limit_not_allowed",
            f"Persetujuan tetap perpanjangan {program.name} dicatat oleh petugas yang menyetujui rencana "
            "dana ini, bukan pembuat programnya.",
        )
    if limit is not None and (not _is_int(limit) or not 1 <= limit <= RENEWAL_LIMIT_MAX):
        raise DomainError(
            "renewal_limit_invalid",
            "Batas perpanjangan harus bilangan bulat rupiah lebih dari 0 (kosongkan untuk mencabut).",
            field="renewal_limit",
        )
    before = program.renewal_limit
    program.renewal_limit = limit
    program.renewal_limit_by = actor if limit is not None else None
    program.renewal_limit_at = timezone.now() if limit is not None else None
    program.save(update_fields=["renewal_limit", "renewal_limit_by", "renewal_limit_at"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=program,
        region_code=program.funder.area_id,
        changes={"renewal_limit": [before, limit]},
        metadata={"event": "renewal_standing_approval"},
    )
    return program
