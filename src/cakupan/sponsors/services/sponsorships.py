"""Making a sponsorship: of a named person (who must agree first), of the most vulnerable worker in a pool,
or a gift to a zakat or CSR program; and the worker's answer, or either side ending it."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import numpy as np
from django.db import IntegrityError, transaction
from django.urls import reverse

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long, month_long
from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS
from cakupan.funding import candidates as candidates_module
from cakupan.funding import priority
from cakupan.funding.models import FunderKind, FundingProgram, ProgramStatus
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import message_queue, template_current
from cakupan.providers.config import public_url
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import nik as nik_module
from cakupan.registry.models import Worker, WorkerSource
from cakupan.registry.services import worker_register
from cakupan.sponsors.models import (
    OPEN_STATUSES,
    EndReason,
    GiftListing,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
)
from cakupan.sponsors.services import common

CONSENT_TEMPLATE = "sertakan_persetujuan"
ENDED_TEMPLATE = "sertakan_dihentikan"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_sponsor(sponsor) -> None:
    if sponsor is None or not sponsor.is_authenticated or getattr(sponsor, "role", "") != "sponsor":
        raise DomainError("sponsor_not_allowed", "Masuk dengan akun sponsor untuk mendukung pekerja.")


def _check_months(months) -> int:
    if months not in (1, 3, 6, 12):
        raise DomainError("months_invalid", "Pilih 1, 3, 6 atau 12 bulan.", field="months")
    return months


def _first_name(name: str) -> str:
    return (name.split() or ["Bapak/Ibu"])[0].title()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _audit(
    sponsorship: Sponsorship, *, actor, action=AuditAction.UPDATE, changes=None, metadata=None
) -> None:
    region = sponsorship.worker.desa_id if sponsorship.worker_id else common.config()["province"]
    audit_record(
        action=action, actor=actor, obj=sponsorship, region_code=region, changes=changes, metadata=metadata
    )


def _register_once(**fields) -> Worker:
    """worker_register, with a second sign-up of the same new NIK at the same moment answered as taken."""
    try:
        with transaction.atomic():
            return worker_register(**fields)
    except IntegrityError as error:
        raise _being_registered() from error
    except DomainError as error:
        if error.code == "nik_duplicate":
            raise _being_registered() from error
        raise


def _being_registered() -> DomainError:
    return DomainError(
        "worker_already_sponsored",
        "Orang ini sedang didaftarkan oleh sponsor lain. Coba lagi sebentar, atau pilih orang lain.",
        field="nik",
    )


def _audit_created(sponsorship: Sponsorship, sponsor) -> None:
    _audit(
        sponsorship,
        actor=sponsor,
        action=AuditAction.CREATE,
        changes={"status": [None, sponsorship.status]},
        metadata={"kind": sponsorship.kind},
    )


def _refuse_if_covered(worker: Worker) -> None:
    """A person already covered now (by herself, her employer or a funder) needs no sponsor today."""
    month = common.current_month()
    through = common.covered_through(worker.pk)
    if through is not None and through >= month:
        raise DomainError(
            "worker_already_covered",
            f"Orang ini sudah terlindungi BPJS Ketenagakerjaan sampai {month_long(through)}. "
            "Pilih orang lain, atau dukung pekerja di sekitar Anda lewat pilihan wilayah.",
            field="nik",
        )
    if common.next_free_month(worker.pk) != month:
        raise DomainError(
            "worker_already_funded",
            "Iuran orang ini bulan ini sudah ditanggung program lain. Pilih orang lain.",
            field="nik",
        )


@transaction.atomic
def sponsorship_create_named(
    *,
    sponsor,
    nik: str,
    name: str,
    desa_code: str,
    phone: str,
    sector: str,
    months: int = 1,
    recurring: bool = False,
) -> Sponsorship:
    """A person the sponsor knows. She is found in the registry by NIK (the name must match what is
    registered) or registered through the registry's own rules, and is asked by SMS to agree; nothing can
    be paid before she does. Raises DomainError, writing nothing."""
    _check_sponsor(sponsor)
    months = _check_months(months)
    name = " ".join(str(name or "").replace("\x00", "").split())
    if not name:
        raise DomainError("name_required", "Nama lengkap wajib diisi.", field="name")
    try:
        phone = common_phone(phone)
    except DomainError as error:
        raise DomainError(error.code, error.message, field="phone") from error
    parsed = nik_module.parse_nik(str(nik or ""))
    if not parsed.valid:
        first = parsed.errors[0]
        raise DomainError(first.code, first.message, field="nik")
    worker = Worker.objects.select_for_update().filter(nik=parsed.nik).first()
    if worker is not None:
        # The same answer for a wrong name and a wrong village: nothing about a stranger's NIK leaks.
        if not _same_name(worker.name, name) or worker.desa_id != desa_code:
            raise DomainError(
                "worker_details_mismatch",
                "NIK, nama dan desa tidak cocok dengan data pekerja yang terdaftar. Periksa lagi, atau minta "
                "operator desa memperbaiki datanya.",
                field="nik",
            )
        if worker.sector == FORMAL_SECTOR:
            raise DomainError(
                "worker_formal",
                "Orang ini terdaftar sebagai pekerja penerima upah: iurannya dibayar pemberi kerjanya.",
                field="nik",
            )
        _refuse_if_covered(worker)
    else:
        if sector not in SECTOR_LABELS or sector == FORMAL_SECTOR:
            raise DomainError("sector_unknown", "Pilih pekerjaan orang ini.", field="sector")
        desa = Region.objects.filter(code=desa_code, level=RegionLevel.VILLAGE).first()
        if desa is None:
            raise DomainError(
                "region_unknown", "Pilih desa/kelurahan tempat orang ini tinggal.", field="desa"
            )
        worker = _register_once(
            nik=parsed.nik,
            name=name,
            birth_date=parsed.birth_date,
            sex=parsed.sex,
            desa_code=desa.code,
            sector=sector,
            monthly_income=0,
            phone=phone,
            source=WorkerSource.SPONSOR,
        )
    token = secrets.token_urlsafe(18)
    expires = common.now() + dt.timedelta(days=common.config()["consent_days"])
    try:
        with transaction.atomic():
            sponsorship = Sponsorship.objects.create(
                sponsor=sponsor,
                kind=SponsorshipKind.NAMED,
                worker=worker,
                months=months,
                recurring=bool(recurring),
                status=SponsorshipStatus.AWAITING_CONSENT,
                consent_digest=_digest(token),
                consent_expires_at=expires,
            )
    except IntegrityError as error:
        raise DomainError(
            "worker_already_sponsored",
            "Orang ini sudah didukung sponsor lain atau sedang dimintai persetujuan. Pilih orang lain.",
            field="nik",
        ) from error
    # The request goes to the number the registry holds when it has one: a sponsor cannot send another
    # person's consent to a phone of their own choosing.
    address = worker.phone or phone
    message_queue(
        purpose=Purpose.SPONSORSHIP,
        channel=Channel.SMS,
        address=address,
        template=template_current(CONSENT_TEMPLATE),
        values={
            "nama_depan": _first_name(worker.name),
            "sponsor": _first_name(sponsor.first_name or sponsor.email.split("@")[0]),
            "tautan": public_url(reverse("sponsors:consent", args=[token])),
            "batas": date_long(expires.date()),
        },
        idempotency_key=f"sertakan:consent:{sponsorship.reference}",
        worker=worker,
    )
    _audit_created(sponsorship, sponsor)
    return sponsorship


def common_phone(phone: str) -> str:
    from cakupan.messaging import addresses

    return addresses.normalise(Channel.SMS, str(phone or ""))


def pool_candidate(*, area_code: str, sector: str, months: int) -> int | None:
    """The most vulnerable uncovered informal worker of the pool, by the allocation's priority weights
    (with one person to fund, the solver's optimum is the highest weight), not yet sponsored; None if
    nobody is left."""
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
    table = candidates_module.program_candidates(program)
    if table.is_empty():
        return None
    taken = set(
        Sponsorship.objects.filter(status__in=OPEN_STATUSES, worker_id__isnull=False).values_list(
            "worker_id", flat=True
        )
    )
    if taken:
        table = table.filter(~table["worker_id"].is_in(list(taken)))
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
    _check_sponsor(sponsor)
    months = _check_months(months)
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
        _audit_created(sponsorship, sponsor)
        return sponsorship
    raise DomainError("pool_busy", "Banyak sponsor memilih wilayah ini bersamaan. Coba lagi.", field="area")


@transaction.atomic
def sponsorship_create_gift(*, sponsor, listing_id: int) -> Sponsorship:
    """A gift to a zakat program (which funds only mustahik) or a company's CSR program."""
    _check_sponsor(sponsor)
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
    _audit_created(sponsorship, sponsor)
    return sponsorship


def sponsorship_by_token(token: str) -> Sponsorship | None:
    if not isinstance(token, str) or not 10 <= len(token) <= 60:
        return None
    return (
        Sponsorship.objects.select_related("worker__desa", "sponsor")
        .filter(consent_digest=_digest(token))
        .first()
    )


def sponsorship_answer(*, token: str, agree: bool) -> Sponsorship:
    """The worker's answer through her one-time link: agreed, the sponsor may pay; declined, the
    sponsorship closes and nothing is paid. The link answers once. A link past its time ends the request
    (committed, so that the person is free for others) and says so."""
    with transaction.atomic():
        answered = _answer(token=token, agree=agree)
    if answered is None:
        raise DomainError(
            "consent_link_expired", "Tautan ini sudah kedaluwarsa. Sponsor dapat mengirim ulang."
        )
    return answered


def _answer(*, token: str, agree: bool) -> Sponsorship | None:
    found = sponsorship_by_token(token)
    if found is None:
        raise DomainError(
            "consent_link_unknown", "Tautan ini tidak dikenal. Periksa lagi pesan yang Anda terima."
        )
    sponsorship = Sponsorship.objects.select_for_update().get(pk=found.pk)
    if sponsorship.status != SponsorshipStatus.AWAITING_CONSENT:
        raise DomainError("consent_already_answered", "Tautan ini sudah dipakai untuk menjawab.")
    if sponsorship.consent_expires_at and sponsorship.consent_expires_at < common.now():
        sponsorship.status = SponsorshipStatus.ENDED
        sponsorship.end_reason = EndReason.CONSENT_EXPIRED
        sponsorship.ended_at = common.now()
        sponsorship.save(update_fields=["status", "end_reason", "ended_at"])
        _audit(sponsorship, actor=None, changes={"status": [SponsorshipStatus.AWAITING_CONSENT, "ended"]})
        return None
    before = sponsorship.status
    if agree:
        sponsorship.status = SponsorshipStatus.READY
        sponsorship.consent_at = common.now()
    else:
        sponsorship.status = SponsorshipStatus.DECLINED
        sponsorship.declined_at = common.now()
    sponsorship.save(update_fields=["status", "consent_at", "declined_at"])
    _audit(
        sponsorship, actor=None, changes={"status": [before, sponsorship.status]}, metadata={"by": "worker"}
    )
    return sponsorship


@transaction.atomic
def sponsorship_end(*, sponsorship: Sponsorship, by: str, actor=None, token: str = "") -> Sponsorship:
    """End a sponsorship: the worker (through her link) or the sponsor. Paid months stay paid and keep
    protecting her; no further payment is taken and recurring charges stop."""
    sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    if by == EndReason.WORKER:
        if not token or sponsorship.consent_digest != _digest(token):
            raise DomainError("consent_link_unknown", "Tautan ini tidak dikenal.")
    elif by == EndReason.SPONSOR:
        if actor is None or actor.pk != sponsorship.sponsor_id:
            raise DomainError("sponsorship_not_found", "Dukungan tidak ditemukan.")
    else:
        raise DomainError("end_reason_unknown", "Alasan berakhir tidak dikenal.")
    if sponsorship.status not in OPEN_STATUSES:
        raise DomainError("sponsorship_closed", "Dukungan ini sudah berakhir.")
    before = sponsorship.status
    sponsorship.status = SponsorshipStatus.ENDED
    sponsorship.end_reason = by
    sponsorship.ended_at = common.now()
    sponsorship.card_token = ""
    sponsorship.save(update_fields=["status", "end_reason", "ended_at", "card_token"])
    _audit(
        sponsorship, actor=actor, changes={"status": [before, SponsorshipStatus.ENDED]}, metadata={"by": by}
    )
    # Its pending orders are cancelled with the provider by a task whose row commits with the ending (the
    # database backend runs it after the commit, so the provider is never asked inside this transaction).
    from cakupan.sponsors.tasks import orders_cancel_ended_task

    orders_cancel_ended_task.enqueue(sponsorship.pk)
    if by == EndReason.WORKER and sponsorship.sponsor.email:
        message_queue(
            purpose=Purpose.SPONSORSHIP,
            channel=Channel.EMAIL,
            address=sponsorship.sponsor.email,
            template=template_current(ENDED_TEMPLATE),
            values={"pekerja": sponsorship_label(sponsorship)},
            idempotency_key=f"sertakan:ended:{sponsorship.reference}",
        )
    return sponsorship


def sponsorship_label(sponsorship: Sponsorship) -> str:
    """What a sponsor may know of whom they support: the masked name and the village."""
    from cakupan.core.masking import mask_name

    if sponsorship.kind == SponsorshipKind.GIFT:
        return sponsorship.program.name
    worker = sponsorship.worker
    return f"{mask_name(worker.name)}, {worker.desa.name}"
