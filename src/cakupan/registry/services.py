"""Writes to the worker registry. Every write goes through a function here."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import polars as pl
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cakupan.core.errors import DomainError
from cakupan.coverage.models import Membership
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import bulk, synthetic
from cakupan.registry import nik as nik_module
from cakupan.registry.models import Employment, Sector, Sex, SyntheticRun, Worker, WorkerSource


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
) -> Worker:
    """Register one worker after validating every field; raises DomainError naming the first bad field."""
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
    desa = Region.objects.filter(code=desa_code).first()
    if desa is None:
        raise DomainError("region_unknown", f"Kode wilayah '{desa_code}' tidak dikenal.", field="desa_code")
    if desa.level != RegionLevel.VILLAGE:
        raise DomainError(
            "region_not_village", f"Kode wilayah '{desa_code}' bukan desa/kelurahan.", field="desa_code"
        )
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


def population_generate(
    *,
    scale: float,
    seed: int = synthetic.DEFAULT_SEED,
    as_of: dt.date | None = None,
    progress: bulk.Progress | None = None,
) -> SyntheticRun:
    """Generate the synthetic Banten population into an empty registry, all-or-nothing."""
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
        stamp = _timestamp_literal()
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


def _timestamp_literal() -> str:
    now = timezone.now().astimezone(dt.UTC)
    if connection.vendor == "sqlite":
        return now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return now.isoformat()
