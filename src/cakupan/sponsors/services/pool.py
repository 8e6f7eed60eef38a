"""Sponsorships that need nobody's consent: the most vulnerable uncovered worker of a pool (a desa,
kecamatan or kab/kota, optionally one sector), and a gift to a zakat or CSR program."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from cakupan.core.errors import DomainError
from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS
from cakupan.funding import candidates as candidates_module
from cakupan.funding import priority
from cakupan.funding.models import FunderKind, FundingProgram, ProgramStatus
from cakupan.regions.models import Region
from cakupan.sponsors.models import GiftListing, Sponsorship, SponsorshipKind, SponsorshipStatus
from cakupan.sponsors.services import common
from cakupan.sponsors.services.sponsorships import audit_created, check_months, check_sponsor


def pool_candidate(*, area_code: str, sector: str, months: int) -> int | None:
    """The most vulnerable uncovered informal worker of the pool, by the allocation's priority weights
    (with one person to fund, the solver's optimum is the highest weight), not yet sponsored; None if
    nobody is left."""
    import numpy as np

    program = FundingProgram(
        funder=common.sertakan_funder(),
        name="SERTAKAN pool",
        budget=1,
        fiscal_year=common.current_month().year,
        months=months,
        start_month=common.current_month(),
        areas=[area_code],
        sectors=[sector] if sector else [],
        informal_only=True,
        uncovered_only=True,
    )
    table = candidates_module.program_candidates(program, also=common.not_sponsored_sql())
    if table.is_empty():
        return None
    weights = priority.weights(
        deciles=table.get_column("decile").to_numpy(),
        sectors=table.get_column("sector").to_numpy(),
        renewal=table.get_column("renewal").to_numpy(),
    )
    # Ties go to the lowest worker id: the same pool asked twice gives the same answer.
    return int(table.get_column("worker_id").to_numpy()[int(np.argmax(weights))])


@transaction.atomic
def sponsorship_create_pool(
    *, sponsor, area_code: str, sector: str = "", months: int = 1, recurring: bool = False
) -> Sponsorship:
    """The most vulnerable uncovered worker of a desa, kecamatan or kabupaten (optionally of one sector).
    She is chosen now, so renewals keep protecting the same person."""
    check_sponsor(sponsor)
    months = check_months(months)
    region = Region.objects.filter(code=str(area_code or "")).first()
    if region is None or not region.code.startswith(common.config()["province"]):
        raise DomainError("region_unknown", "Pilih wilayah di Banten.", field="area")
    if sector and (sector not in SECTOR_LABELS or sector == FORMAL_SECTOR):
        raise DomainError("sector_unknown", "Sektor tidak dikenal.", field="sector")
    for _attempt in range(3):
        worker_id = pool_candidate(area_code=region.code, sector=sector, months=months)
        if worker_id is None:
            raise DomainError(
                "pool_empty",
                f"Tidak ada lagi pekerja yang belum terlindungi dan belum didukung di {region.name}"
                + (f" untuk sektor {SECTOR_LABELS[sector].lower()}" if sector else "")
                + ". Pilih wilayah lain.",
                field="area",
            )
        try:
            with transaction.atomic():
                sponsorship = Sponsorship.objects.create(
                    sponsor=sponsor,
                    kind=SponsorshipKind.POOL,
                    worker_id=worker_id,
                    pool_area=region.code,
                    pool_sector=sector or "",
                    months=months,
                    recurring=bool(recurring),
                    status=SponsorshipStatus.READY,
                )
        except IntegrityError:
            continue  # taken by another sponsor a moment ago: choose again
        audit_created(sponsorship, sponsor)
        return sponsorship
    raise DomainError("pool_busy", "Banyak sponsor memilih wilayah ini bersamaan. Coba lagi.", field="area")


@transaction.atomic
def sponsorship_create_gift(*, sponsor, listing_id: int) -> Sponsorship:
    """A gift to a zakat program (which funds only mustahik) or a company's CSR program."""
    check_sponsor(sponsor)
    listing = (
        GiftListing.objects.select_related("program__funder")
        .filter(pk=listing_id, active=True, program__status=ProgramStatus.ACTIVE)
        .first()
    )
    if listing is None or listing.program.funder.kind not in (FunderKind.ZAKAT, FunderKind.CSR):
        raise DomainError("gift_program_unknown", "Program ini tidak menerima sumbangan.", field="program")
    sponsorship = Sponsorship.objects.create(
        sponsor=sponsor, kind=SponsorshipKind.GIFT, program=listing.program, status=SponsorshipStatus.READY
    )
    audit_created(sponsorship, sponsor)
    return sponsorship
