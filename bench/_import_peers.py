"""The two importers bench/import_bench.py compares ours with, each run in a child process on the first
rows of the same file: careful Django (full_clean and bulk_create) and django-import-export. Also the
children's Django set-up."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    django.setup()


def _head_lines(path: Path, rows: int) -> str:
    with open(path, encoding="utf-8") as handle:
        return "".join(line for _, line in zip(range(rows + 1), handle, strict=False))


def _parse_date(text: str) -> dt.date:
    if "/" in text:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    return dt.date.fromisoformat(text)


def child_careful(path: Path, rows: int) -> dict:
    setup_django()
    import csv
    import io

    from django.core.exceptions import ValidationError
    from django.db import connection, transaction

    from cakupan.registry.models import Worker, WorkerSource

    assert not Worker.objects.exists(), "the peer needs an empty registry"
    started = time.perf_counter()
    seen: set[str] = set()
    invalid = duplicates = inserted = 0
    batch: list[Worker] = []
    with transaction.atomic():
        for record in csv.DictReader(io.StringIO(_head_lines(path, rows)), delimiter=";"):
            if record["nik"] in seen:
                duplicates += 1
                continue
            try:
                worker = Worker(
                    nik=record["nik"],
                    name=record["nama"],
                    birth_date=_parse_date(record["tanggal_lahir"]),
                    sex=record["jenis_kelamin"],
                    desa_id=record["kode_desa"],
                    employment="formal" if record["sektor"] == "formal" else "informal",
                    sector=record["sektor"],
                    monthly_income=int(record["penghasilan"].replace(".", "")),
                    decile=int(record["desil"]) if record["desil"] else None,
                    phone=record["telepon"],
                    source=WorkerSource.IMPORT,
                )
                # Choices, validators, check constraints, the NIK's uniqueness and the desa's existence.
                worker.full_clean()
            except (ValueError, ValidationError):
                invalid += 1
                continue
            seen.add(worker.nik)
            batch.append(worker)
            if len(batch) == 2000:
                Worker.objects.bulk_create(batch)
                inserted += len(batch)
                batch = []
        Worker.objects.bulk_create(batch)
        inserted += len(batch)
    seconds = time.perf_counter() - started
    assert Worker.objects.count() == inserted
    return {
        "vendor": connection.vendor,
        "rows": rows,
        "inserted": inserted,
        "invalid": invalid,
        "duplicates": duplicates,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
    }


def child_import_export(path: Path, rows: int) -> dict:
    setup_django()
    import tablib
    from django.db import connection
    from import_export import fields, resources, widgets

    from cakupan.regions.models import Region
    from cakupan.registry.models import Worker, WorkerSource

    class FlexibleDateWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return _parse_date(value) if value else None

    class RupiahWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return int(str(value).replace(".", "")) if value else None

    class WorkerResource(resources.ModelResource):
        nik = fields.Field(attribute="nik", column_name="nik")
        name = fields.Field(attribute="name", column_name="nama")
        birth_date = fields.Field(
            attribute="birth_date", column_name="tanggal_lahir", widget=FlexibleDateWidget()
        )
        sex = fields.Field(attribute="sex", column_name="jenis_kelamin")
        desa = fields.Field(
            attribute="desa", column_name="kode_desa", widget=widgets.ForeignKeyWidget(Region, field="code")
        )
        sector = fields.Field(attribute="sector", column_name="sektor")
        monthly_income = fields.Field(
            attribute="monthly_income", column_name="penghasilan", widget=RupiahWidget()
        )
        decile = fields.Field(attribute="decile", column_name="desil", widget=widgets.IntegerWidget())
        phone = fields.Field(attribute="phone", column_name="telepon", widget=widgets.CharWidget())

        class Meta:
            model = Worker
            import_id_fields = ("nik",)
            fields = (
                "nik",
                "name",
                "birth_date",
                "sex",
                "desa",
                "sector",
                "monthly_income",
                "decile",
                "phone",
            )
            clean_model_instances = True

        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            instance.employment = "formal" if instance.sector == "formal" else "informal"
            instance.source = WorkerSource.IMPORT

    assert not Worker.objects.exists(), "the peer needs an empty registry"
    started = time.perf_counter()
    dataset = tablib.Dataset().load(_head_lines(path, rows), format="csv", delimiter=";")
    result = WorkerResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    return {
        "vendor": connection.vendor,
        "rows": rows,
        "inserted": Worker.objects.count(),
        "invalid": len(result.invalid_rows),
        "errors": len(result.row_errors()),
        "seconds": seconds,
        "rows_per_s": rows / seconds,
    }
