"""Reads of the worker registry, always through the user's area scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cakupan.accounts.authorization import sees_identifiers
from cakupan.core.ages import age_band
from cakupan.core.errors import DomainError
from cakupan.core.masking import mask_nik, mask_phone, national_phone
from cakupan.core.scoping import area_filter
from cakupan.regions.models import Region
from cakupan.registry.models import Worker


def worker_list(*, user, region_code: str | None = None, sector: str | None = None):
    """Workers the user may see, optionally inside one region; a region outside the area is refused."""
    workers = Worker.objects.for_user(user).order_by("id")
    if region_code:
        if not Region.objects.filter(code=region_code).exists():
            raise DomainError(
                "region_unknown", f"Kode wilayah '{region_code}' tidak dikenal.", field="region"
            )
        area = getattr(user, "area_id", None)
        inside = user.is_superuser or (
            area is not None and (region_code == area or region_code.startswith(f"{area}."))
        )
        # A region that contains the user's whole area (e.g. the province for a kab/kota officer) is
        # allowed: the scope still limits the rows to the area.
        contains_area = area is not None and area.startswith(f"{region_code}.")
        if not (inside or contains_area):
            raise DomainError(
                "region_outside_area", f"Wilayah {region_code} di luar wilayah kerja Anda.", field="region"
            )
        workers = workers.filter(area_filter("desa__code", region_code))
    if sector:
        workers = workers.filter(sector=sector)
    return workers


def worker_get(*, user, worker_id: int) -> Worker | None:
    """One worker inside the user's area, or None: outside the area and non-existent look the same."""
    return Worker.objects.for_user(user).filter(id=worker_id).first()


@dataclass(frozen=True)
class WorkerIdentity:
    """What of a worker's identifiers a user may see: everything, or the masked forms and an age band in
    place of the birth date (which would give back the NIK's hidden digits)."""

    nik: str
    phone: str
    birth_date: dt.date | None
    age_band: str
    full: bool


def worker_identity(worker: Worker, *, full: bool, on: dt.date | None = None) -> WorkerIdentity:
    on = on or timezone.localdate()
    return WorkerIdentity(
        nik=worker.nik if full else mask_nik(worker.nik),
        phone=worker.phone if full else mask_phone(worker.phone),
        birth_date=worker.birth_date if full else None,
        age_band=age_band(worker.birth_date, on=on),
        full=full,
    )


def identity_for(user, worker: Worker) -> WorkerIdentity:
    return worker_identity(worker, full=sees_identifiers(user))


def worker_version(updated_at) -> int:
    """A worker's version for offline editing: its last change in whole microseconds since the epoch.
    Every write to a worker sets `updated_at` (the ORM's auto_now, the imports' set-based UPDATE), so a
    phone that started from another version edited data that has changed since."""
    return int(updated_at.timestamp()) * 1_000_000 + updated_at.microsecond


def worker_import_values(worker: Worker) -> dict[str, str]:
    """A worker as the worker import's columns (what a form or a phone edits and sends back as a row)."""
    return {
        "nik": worker.nik,
        "nama": worker.name,
        "tanggal_lahir": worker.birth_date.isoformat(),
        "jenis_kelamin": worker.sex,
        "kode_desa": worker.desa_id,
        "sektor": worker.sector,
        "penghasilan": str(worker.monthly_income),
        "desil": "" if worker.decile is None else str(worker.decile),
        "telepon": national_phone(worker.phone) if worker.phone else "",
    }
