"""Demo funders and programs for `cakupan demo`."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cakupan.core.errors import DomainError
from cakupan.funding import candidates as candidates_module
from cakupan.funding.models import (
    Funder,
    FunderKind,
    FundingProgram,
)
from cakupan.funding.services.funders import funder_create, funder_officer_add
from cakupan.funding.services.programs import program_create
from cakupan.regions.models import Region

# --- demo data ------------------------------------------------------------------------------------


@transaction.atomic
def funding_demo_seed(*, start_month: dt.date | None = None) -> list[FundingProgram]:
    """Demo funders and programs (idempotent: does nothing if funders exist). Links the demo accounts
    `baznas` to its funder when it exists."""
    if Funder.objects.exists():
        return list(FundingProgram.objects.all())
    User = get_user_model()
    actor = User.objects.filter(is_superuser=True).order_by("pk").first()
    if actor is None:
        raise DomainError("demo_needs_admin", "Buat akun administrator dahulu (cakupan demo).")
    start = start_month or candidates_module.add_months(timezone.localdate().replace(day=1), 1)
    year = start.year
    province = funder_create(name="Pemerintah Provinsi Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    lebak = funder_create(name="Pemerintah Kabupaten Lebak", kind=FunderKind.APBD_REGENCY, area_code="36.02")
    baznas = funder_create(name="BAZNAS Provinsi Banten", kind=FunderKind.ZAKAT, area_code="36")
    csr = funder_create(name="CSR PT Krakatau (contoh)", kind=FunderKind.CSR, area_code="36.72")
    desa = Region.objects.filter(code="36.02.01.2002").first()
    programs = [
        program_create(
            funder=province,
            actor=actor,
            name="Perlindungan nelayan & petani rentan",
            budget=500_000_000,
            fiscal_year=year,
            start_month=start,
            months=12,
            sectors=["nelayan", "petani"],
            decile_max=5,
        ),
        program_create(
            funder=lebak,
            actor=actor,
            name="Pekerja rentan Lebak",
            budget=150_000_000,
            fiscal_year=year,
            start_month=start,
            months=12,
            decile_max=4,
        ),
        program_create(
            funder=baznas,
            actor=actor,
            name="Zakat untuk pekerja mustahik",
            budget=200_000_000,
            fiscal_year=year,
            start_month=start,
            months=6,
            mustahik_decile_max=2,
        ),
        program_create(
            funder=csr,
            actor=actor,
            name="CSR pekerja sekitar pabrik",
            budget=50_000_000,
            fiscal_year=year,
            start_month=start,
            months=12,
        ),
    ]
    if desa is not None:
        village = funder_create(name=f"Dana Desa {desa.name}", kind=FunderKind.DANA_DESA, area_code=desa.code)
        programs.append(
            program_create(
                funder=village,
                actor=actor,
                name=f"PKTD {desa.name}",
                budget=20_000_000,
                fiscal_year=year,
                start_month=start,
                months=12,
            )
        )
    # Sponsors are public accounts with their own pages (cakupan.sponsors), not officers of a funder.
    user = User.objects.filter(username="baznas").first()
    if user is not None:
        funder_officer_add(funder=baznas, user=user, actor=actor)
    return programs
