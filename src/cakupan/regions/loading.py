"""Loads the vendored reference data into the database; used by the data migration and its tests."""

from __future__ import annotations

import datetime as dt

from cakupan.regions import reference


def load_reference_data(region_model, labour_stat_model) -> None:
    """Insert regions (parents first), population and labour statistics. Idempotent: existing rows stay."""
    existing = set(region_model.objects.values_list("code", flat=True))
    population = {record.code: record for record in reference.load_population()}
    new_regions = []
    for record in reference.load_regions():  # sorted by code, so parents precede children
        if record.code in existing:
            continue
        pop = population.get(record.code)
        new_regions.append(
            region_model(
                code=record.code,
                name=record.name,
                level=record.level,
                kind=record.kind,
                parent_id=record.parent_code,
                population=pop.total if pop else None,
                area_km2=pop.area_km2 if pop else None,
            )
        )
    region_model.objects.bulk_create(new_regions, batch_size=2000)

    have = set(labour_stat_model.objects.values_list("region_id", "period", "indicator"))
    stats = []
    for record in reference.load_labour_stats():
        period = dt.date.fromisoformat(f"{record.period}-01")
        if (record.region_code, period, record.indicator) in have:
            continue
        stats.append(
            labour_stat_model(
                region_id=record.region_code,
                period=period,
                indicator=record.indicator,
                value=record.value,
                unit=record.unit,
                value_type=record.value_type,
                persons=record.persons,
                source_url=record.source_url,
                source_note=record.source_note,
            )
        )
    labour_stat_model.objects.bulk_create(stats)
