"""Writes to the worker registry. Every write goes through a function here."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.audit.models import AuditAction, AuditEvent
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.masking import national_phone
from cakupan.core.spreadsheet import looks_like_formula, neutralise
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import nik as nik_module
from cakupan.registry import selectors
from cakupan.registry.models import Employment, Membership, Sector, Sex, SyntheticRun, Worker, WorkerSource

if TYPE_CHECKING:
    from cakupan.registry.bulk import Progress


def worker_register(
    *,
    nik: str,
    name: str,
    birth_date: dt.date,
    sex: str,
    desa_code: str,
    sector: str,
    monthly_income: int,
    decile: int | None = None,
    phone: str = "",
    source: str = WorkerSource.MANUAL,
    actor=None,
) -> Worker:
    """Register one worker after validating every field; raises DomainError naming the first bad field.

    With an `actor` (a person, not a script), the desa must lie in the actor's area and the actor's role
    must register workers (the authorization table)."""
    parsed = nik_module.parse_nik(nik)
    if not parsed.valid:
        first = parsed.errors[0]
        raise DomainError(first.code, first.message, field="nik")
    if sex not in Sex.values:
        raise DomainError("sex_invalid", "Jenis kelamin harus L atau P.", field="sex")
    if sector not in Sector.values:
        raise DomainError("sector_unknown", f"Sektor '{sector}' tidak dikenal.", field="sector")
    if not isinstance(monthly_income, int) or isinstance(monthly_income, bool) or monthly_income < 0:
        raise DomainError(
            "income_invalid",
            "Penghasilan harus bilangan bulat rupiah, tidak negatif.",
            field="monthly_income",
        )
    if looks_like_formula(name.strip() or " "):
        raise DomainError(
            "formula_like_text",
            "Nama tidak boleh diawali =, +, -, @ atau baris baru: Excel akan menjalankannya sebagai rumus.",
            field="name",
        )
    desa = Region.objects.filter(code=desa_code).first()
    if desa is None:
        raise DomainError("region_unknown", f"Kode wilayah '{desa_code}' tidak dikenal.", field="desa_code")
    if desa.level != RegionLevel.VILLAGE:
        raise DomainError(
            "region_not_village", f"Kode wilayah '{desa_code}' bukan desa/kelurahan.", field="desa_code"
        )
    if actor is not None:
        check_may_register(actor=actor, desa_code=desa.code)
    worker = Worker(
        nik=parsed.nik,
        name=name.strip(),
        birth_date=birth_date,
        sex=sex,
        desa=desa,
        employment=Employment.FORMAL if sector == Sector.FORMAL else Employment.INFORMAL,
        sector=sector,
        monthly_income=monthly_income,
        decile=decile,
        phone=phone,
        source=source,
    )
    try:
        worker.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        code = "nik_duplicate" if field == "nik" else f"{field}_invalid"
        raise DomainError(code, f"{field}: {' '.join(messages)}", field=field) from error
    with transaction.atomic():
        worker.save()
    return worker


def check_may_register(*, actor, desa_code: str) -> None:
    """The one check of every hand-made worker write: the role registers workers, inside its area."""
    if not authz.can(actor, authz.WORKER_REGISTER):
        raise DomainError(
            "worker_register_not_allowed", "Peran Anda tidak dapat mendaftarkan atau mengubah pekerja."
        )
    if not authz.can(actor, authz.WORKER_REGISTER, desa_code):
        raise DomainError(
            "desa_outside_area",
            f"Desa/kelurahan {desa_code} berada di luar wilayah kerja Anda.",
            field="desa_code",
        )


def population_generate(
    *,
    scale: float,
    seed: int | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> SyntheticRun:
    """Generate the synthetic Banten population into an empty registry, all-or-nothing. Without a seed,
    the synthetic module's DEFAULT_SEED."""
    # Polars and the generator (NumPy) only here: every command and request loads this module, few of them
    # generate a population.
    import polars as pl

    from cakupan.registry import bulk, synthetic

    if seed is None:
        seed = synthetic.DEFAULT_SEED
    started = time.perf_counter()
    as_of = (as_of or timezone.localdate()).replace(day=1)
    if Worker.objects.exists():
        raise DomainError(
            "registry_not_empty",
            "Registri pekerja sudah berisi data; data sintetis hanya untuk registri kosong.",
        )
    try:
        population = synthetic.generate_population(scale=scale, seed=seed, as_of=as_of)
    except ValueError as error:
        raise DomainError("scale_invalid", f"Skala tidak dapat dipakai: {error}", field="scale") from error

    with transaction.atomic():
        first_id = bulk.next_id(Worker._meta.db_table)
        stamp = bulk.timestamp_literal()
        workers = population.workers.with_columns(
            pl.int_range(first_id, first_id + population.workers.height).alias("id"),
            pl.lit(WorkerSource.SYNTHETIC).alias("source"),
            pl.lit(stamp).alias("created_at"),
            pl.lit(stamp).alias("updated_at"),
        )
        expected = population.workers.height + population.memberships.height
        bulk.load_frame(table=Worker._meta.db_table, frame=workers, progress=progress, expected=expected)
        bulk.reset_id_sequence(Worker._meta.db_table)
        memberships = population.memberships.select(
            (pl.col("worker_row") + first_id).alias("worker_id"),
            "kpj",
            "segment",
            pl.lit(True).alias("jkk"),
            pl.lit(True).alias("jkm"),
            "jht",
            "status",
            "paid_through",
            pl.lit("synthetic").alias("source"),
            pl.lit(stamp).alias("created_at"),
            pl.lit(stamp).alias("updated_at"),
        )
        bulk.load_frame(
            table=Membership._meta.db_table, frame=memberships, progress=progress, expected=expected
        )
        bulk.reset_id_sequence(Membership._meta.db_table)
        run = SyntheticRun.objects.create(
            scale=Decimal(str(scale)),
            seed=seed,
            as_of=as_of,
            workers=workers.height,
            memberships=memberships.height,
            seconds=round(time.perf_counter() - started, 3),
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Worker._meta.db_table}, {Membership._meta.db_table}")
    return run


EXPORT_COLUMNS = ("id", "nik", "nama", "tanggal_lahir", "kelompok_umur", "jenis_kelamin", "kode_desa",
                  "sektor", "penghasilan", "desil", "telepon")  # fmt: skip

# Officers who see identifiers masked may open this many workers' a day (Asia/Jakarta); the next attempt
# is refused and the auditors are alerted once that day.
UNMASK_DAILY_LIMIT = 20


def _start_of_today() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


def worker_unmask(*, user, worker_id: int, request=None) -> Worker:
    """Show one worker's full NIK, phone and birth date to an officer whose role sees them masked: an
    explicit, audited act, for the roles that need it, at most UNMASK_DAILY_LIMIT times a day. Outside the
    area, the worker does not exist for this user."""
    worker = selectors.worker_get(user=user, worker_id=worker_id)
    if worker is None:
        raise DomainError("worker_not_found", "Pekerja tidak ditemukan di wilayah kerja Anda.")
    if not authz.can(user, authz.WORKER_UNMASK, worker):
        raise DomainError(
            "unmask_not_allowed",
            "Peran Anda tidak dapat membuka NIK dan nomor telepon pekerja.",
        )
    with transaction.atomic():
        # One user's unmasks are counted one at a time: the row lock on the user serialises them.
        type(user).objects.select_for_update().filter(pk=user.pk).first()
        used = AuditEvent.objects.filter(
            action=AuditAction.UNMASK, actor=user, when__gte=_start_of_today()
        ).count()
        refused = used >= UNMASK_DAILY_LIMIT
        if refused:
            _alert_unmask_limit(user=user, request=request)
        else:
            audit_record(
                action=AuditAction.UNMASK, actor=user, obj=worker, object_repr=worker.name, request=request,
                metadata={"fields": ["nik", "phone", "birth_date"], "count_today": used + 1},
            )  # fmt: skip
    # Raised after the commit, so that the auditors' alert is kept.
    if refused:
        raise DomainError(
            "unmask_limit_reached",
            f"Batas {UNMASK_DAILY_LIMIT} kali membuka data tersamar per hari sudah tercapai; "
            "auditor telah diberi tahu. Coba lagi besok.",
        )
    return worker


def _alert_unmask_limit(*, user, request) -> None:
    """One alert a day per user for the auditors' page."""
    already = AuditEvent.objects.filter(
        action=AuditAction.ALERT, actor=user, when__gte=_start_of_today(), metadata__alert="unmask_limit"
    ).exists()
    if not already:
        audit_record(
            action=AuditAction.ALERT, actor=user, obj=user, request=request,
            object_repr=f"Batas buka data tersamar tercapai: {user.get_username()}",
            metadata={"alert": "unmask_limit", "limit": UNMASK_DAILY_LIMIT},
        )  # fmt: skip


def worker_export_csv(
    *,
    user,
    region_code: str | None = None,
    sector: str | None = None,
    ids: list[int] | None = None,
    request=None,
) -> str:
    """The user's workers as CSV (identifiers masked unless the role sees them); records who and when.

    `ids` narrows to chosen workers (the admin's selection); the area scope applies either way."""
    workers = selectors.worker_list(user=user, region_code=region_code, sector=sector)
    if ids is not None:
        workers = workers.filter(id__in=ids)
    full = authz.sees_identifiers(user)
    today = timezone.localdate()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for worker in workers.iterator(chunk_size=5000):
        identity = selectors.worker_identity(worker, full=full, on=today)
        writer.writerow([
            worker.id, identity.nik, neutralise(worker.name),
            identity.birth_date.isoformat() if identity.birth_date else "", identity.age_band, worker.sex,
            worker.desa_id, worker.sector, worker.monthly_income, worker.decile or "",
            national_phone(identity.phone),
        ])  # fmt: skip
        count += 1
    audit_record(
        action=AuditAction.EXPORT, actor=user, object_type="registry.worker",
        object_repr=f"Ekspor {count} pekerja",
        region_code=region_code or getattr(user, "area_id", None), request=request,
        metadata={"rows": count, "region": region_code, "sector": sector, "selected": ids is not None,
                  "masked": not full},
    )  # fmt: skip
    return buffer.getvalue()
