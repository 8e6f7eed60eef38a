"""Making a sponsorship: of a named person (who must agree first, asked on a number her village operator
has made sure is hers when the registry holds none), of the most vulnerable worker in a pool, or a gift to a
zakat or CSR program; and the worker's answer, or either side ending it."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long, month_long, number
from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import message_queue, template_current
from cakupan.providers.config import public_url
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import nik as nik_module
from cakupan.registry.models import Worker, WorkerSource
from cakupan.registry.services import worker_register
from cakupan.sponsors.models import (
    OPEN_STATUSES,
    PHONE_CHECK_DAYS,
    EndReason,
    PhoneCheck,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
)
from cakupan.sponsors.services import common

CONSENT_TEMPLATE = "sertakan_persetujuan"
ENDED_TEMPLATE = "sertakan_dihentikan"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_sponsor(sponsor) -> None:
    if sponsor is None or not sponsor.is_authenticated or getattr(sponsor, "role", "") != "sponsor":
        raise DomainError("sponsor_not_allowed", "Masuk dengan akun sponsor untuk mendukung pekerja.")


def check_months(months) -> int:
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


def audit_created(sponsorship: Sponsorship, sponsor) -> None:
    changes = {"status": [None, sponsorship.status]}
    if sponsorship.phone_check:
        changes["phone_check"] = [None, sponsorship.phone_check]
    _audit(
        sponsorship,
        actor=sponsor,
        action=AuditAction.CREATE,
        changes=changes,
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
    be paid before she does. Raises DomainError, writing nothing.

    The request goes to the phone the registry holds for her. When it holds none (she is new, or has no
    phone on file) the number the sponsor typed is only kept on the sponsorship, and no request is sent
    until the operator of her desa has made sure it is hers (`sponsorship_phone_confirm`): otherwise a
    sponsor could type a number of their own and agree in her place. The typed number is never written to
    the registry, where it would be the public status check's second factor and skip this check next time."""
    check_sponsor(sponsor)
    months = check_months(months)
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
        _end_lapsed_phone_checks(worker)
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
            source=WorkerSource.SPONSOR,
        )
    if worker.phone:
        token, fields = _consent_link()
    else:
        # No link yet, so the consent link's time has not started: it starts when the number is confirmed.
        token = ""
        fields = {
            "consent_phone": phone,
            "phone_check": PhoneCheck.PENDING,
            "phone_check_until": common.now() + dt.timedelta(days=PHONE_CHECK_DAYS),
        }
    try:
        with transaction.atomic():
            sponsorship = Sponsorship.objects.create(
                sponsor=sponsor,
                kind=SponsorshipKind.NAMED,
                worker=worker,
                months=months,
                recurring=bool(recurring),
                status=SponsorshipStatus.AWAITING_CONSENT,
                **fields,
            )
    except IntegrityError as error:
        raise DomainError(
            "worker_already_sponsored",
            "Orang ini sudah didukung sponsor lain atau sedang dimintai persetujuan. Pilih orang lain.",
            field="nik",
        ) from error
    if token:
        _request_consent(sponsorship, token=token, address=worker.phone)
    audit_created(sponsorship, sponsor)
    return sponsorship


def _consent_link() -> tuple[str, dict]:
    """A new one-time link: the token for the SMS, and the fields that keep only its digest and its end
    (which counts from the moment the request is sent)."""
    token = secrets.token_urlsafe(18)
    expires = common.now() + dt.timedelta(days=common.config()["consent_days"])
    return token, {"consent_digest": _digest(token), "consent_expires_at": expires}


def _request_consent(sponsorship: Sponsorship, *, token: str, address: str, actor=None) -> None:
    """The SMS that asks her to agree, with her one-time link: once per sponsorship."""
    worker, sponsor = sponsorship.worker, sponsorship.sponsor
    message_queue(
        purpose=Purpose.SPONSORSHIP,
        channel=Channel.SMS,
        address=address,
        template=template_current(CONSENT_TEMPLATE),
        values={
            "nama_depan": _first_name(worker.name),
            "sponsor": _first_name(sponsor.first_name or sponsor.email.split("@")[0]),
            "tautan": public_url(reverse("sponsors:consent", args=[token])),
            "batas": date_long(timezone.localtime(sponsorship.consent_expires_at).date()),
        },
        idempotency_key=f"sertakan:consent:{sponsorship.reference}",
        worker=worker,
        actor=actor,
    )


# --- the village operator's check of a typed number ------------------------------------------------------


def phone_checks_for(*, user):
    """The sponsorships of the user's area whose typed number waits for the check, oldest first; none for
    a user who may not check numbers. Those past their time are left out: they can no longer be
    confirmed."""
    if not authz.can(user, authz.SPONSOR_PHONE_CHECK):
        return Sponsorship.objects.none()
    return (
        Sponsorship.objects.for_user(user)
        .filter(
            kind=SponsorshipKind.NAMED,
            status=SponsorshipStatus.AWAITING_CONSENT,
            phone_check=PhoneCheck.PENDING,
            phone_check_until__gte=common.now(),
        )
        .select_related("worker__desa__parent", "sponsor")
        .order_by("phone_check_until", "pk")
    )


def phone_checks_waiting(user) -> list:
    """The count on the staff home page (registered with `core.waiting` by the app's start-up)."""
    from cakupan.core.waiting import Waiting

    count = phone_checks_for(user=user).count()
    if not count:
        return []
    return [
        Waiting(
            title=f"{number(count)} nomor SERTAKAN perlu diperiksa",
            url=reverse("sponsors:phone-checks"),
            detail="Pastikan nomor telepon milik orang yang didukung sebelum ia dimintai persetujuan",
        )
    ]


def _locked_for_check(sponsorship: Sponsorship, actor) -> Sponsorship:
    """The sponsorship, locked, once the actor may check numbers and it lies in the actor's area; then it
    must be waiting for the check (a second click finds it checked already)."""
    if not authz.can(actor, authz.SPONSOR_PHONE_CHECK):
        raise DomainError(
            "phone_check_not_allowed", "Peran Anda tidak dapat memeriksa nomor telepon SERTAKAN."
        )
    locked = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    if not authz.can(actor, authz.SPONSOR_PHONE_CHECK, locked):
        raise DomainError("sponsorship_outside_area", "Dukungan ini berada di luar wilayah kerja Anda.")
    if locked.status != SponsorshipStatus.AWAITING_CONSENT or locked.phone_check != PhoneCheck.PENDING:
        raise DomainError(
            "phone_check_not_pending",
            "Nomor telepon dukungan ini tidak sedang menunggu pemeriksaan: sudah diperiksa, atau dukungannya "
            "sudah berakhir.",
        )
    return locked


def sponsorship_phone_confirm(*, sponsorship: Sponsorship, actor) -> Sponsorship:
    """The village operator has made sure the typed number is the person's: she is now asked to agree, by
    the same SMS as a person with a phone on file, and her link's time counts from now.

    A check waits at most PHONE_CHECK_DAYS days: after that it is no longer confirmed (the sponsor's wish
    is old and the person must be free for others) but ends (`phone_unchecked`, committed) and the answer
    says so, as a consent link past its time does. Refused, changing nothing, for a role that does not
    check numbers, outside the actor's area, and when the number is not waiting for a check (a double
    click sends nothing twice)."""
    with transaction.atomic():
        confirmed = _phone_confirm(sponsorship=sponsorship, actor=actor)
    if confirmed is None:
        raise DomainError(
            "phone_check_expired",
            f"Pemeriksaan nomor ini sudah lewat {PHONE_CHECK_DAYS} hari; permintaannya berakhir. Sponsor "
            "dapat mengajukan lagi.",
        )
    return confirmed


def _phone_confirm(*, sponsorship: Sponsorship, actor) -> Sponsorship | None:
    locked = _locked_for_check(sponsorship, actor)
    now = common.now()
    if locked.phone_check_until is not None and locked.phone_check_until < now:
        _end_unchecked(locked)
        return None
    token, fields = _consent_link()
    for field, value in {
        **fields,
        "phone_check": PhoneCheck.CONFIRMED,
        "phone_checked_by": actor,
        "phone_checked_at": now,
    }.items():
        setattr(locked, field, value)
    locked.save(
        update_fields=[
            "consent_digest",
            "consent_expires_at",
            "phone_check",
            "phone_checked_by",
            "phone_checked_at",
        ]
    )
    _audit(locked, actor=actor, changes={"phone_check": [PhoneCheck.PENDING, PhoneCheck.CONFIRMED]})
    _request_consent(locked, token=token, address=locked.consent_phone, actor=actor)
    return locked


@transaction.atomic
def sponsorship_phone_reject(*, sponsorship: Sponsorship, actor) -> Sponsorship:
    """The typed number is not the person's (or the operator could not make sure it is): nothing is sent
    to it, the sponsorship ends (`phone_rejected`, shown on the sponsor's page) and the person is free for
    another sponsor. Refused like `sponsorship_phone_confirm`; a check past its time may still be
    rejected, the better reason."""
    locked = _locked_for_check(sponsorship, actor)
    # Nothing can have been ordered while consent was awaited: there is nothing to cancel.
    locked.status = SponsorshipStatus.ENDED
    locked.end_reason = EndReason.PHONE_REJECTED
    locked.ended_at = locked.phone_checked_at = common.now()
    locked.phone_check = PhoneCheck.REJECTED
    locked.phone_checked_by = actor
    locked.save(
        update_fields=[
            "status",
            "end_reason",
            "ended_at",
            "phone_check",
            "phone_checked_by",
            "phone_checked_at",
        ]
    )
    _audit(
        locked,
        actor=actor,
        changes={
            "phone_check": [PhoneCheck.PENDING, PhoneCheck.REJECTED],
            "status": [SponsorshipStatus.AWAITING_CONSENT, SponsorshipStatus.ENDED],
        },
        metadata={"end_reason": EndReason.PHONE_REJECTED},
    )
    return locked


def _end_unchecked(sponsorship: Sponsorship) -> None:
    """A check left waiting past its time: the request ends, by nobody's hand, and is audited so."""
    sponsorship.status = SponsorshipStatus.ENDED
    sponsorship.end_reason = EndReason.PHONE_UNCHECKED
    sponsorship.ended_at = common.now()
    sponsorship.save(update_fields=["status", "end_reason", "ended_at"])
    _audit(
        sponsorship,
        actor=None,
        changes={"status": [SponsorshipStatus.AWAITING_CONSENT, SponsorshipStatus.ENDED]},
        metadata={"end_reason": EndReason.PHONE_UNCHECKED},
    )


def _end_lapsed_phone_checks(worker: Worker) -> None:
    """A check left waiting past its time holds the person no longer: naming her again ends it (the
    worker's row is locked by the caller, so two sponsors naming her queue up here)."""
    lapsed = Sponsorship.objects.select_for_update().filter(
        worker=worker,
        status=SponsorshipStatus.AWAITING_CONSENT,
        phone_check=PhoneCheck.PENDING,
        phone_check_until__lt=common.now(),
    )
    for sponsorship in lapsed.order_by("pk"):
        _end_unchecked(sponsorship)


def phone_checks_expire() -> int:
    """The daily sweep: every check left waiting past its time ends, so the person is free again for the
    pool, a company's match and other sponsors, and the sponsor's page stops saying it is being checked.
    Each in its own short transaction, the row locked and re-read."""
    ended = 0
    lapsed = Sponsorship.objects.filter(
        status=SponsorshipStatus.AWAITING_CONSENT,
        phone_check=PhoneCheck.PENDING,
        phone_check_until__lt=common.now(),
    ).values_list("pk", flat=True)
    for pk in list(lapsed.order_by("pk")[:10_000]):
        with transaction.atomic():
            sponsorship = Sponsorship.objects.select_for_update().filter(pk=pk).first()
            if (
                sponsorship is not None
                and sponsorship.status == SponsorshipStatus.AWAITING_CONSENT
                and sponsorship.phone_check == PhoneCheck.PENDING
            ):
                _end_unchecked(sponsorship)
                ended += 1
    return ended


def common_phone(phone: str) -> str:
    from cakupan.messaging import addresses

    return addresses.normalise(Channel.SMS, str(phone or ""))


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
