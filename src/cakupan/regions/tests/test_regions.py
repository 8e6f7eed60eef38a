from collections import Counter

import pytest

from cakupan.regions import reference
from cakupan.regions.loading import load_reference_data
from cakupan.regions.models import LabourStat, Region, RegionLevel


def test_reference_counts_for_banten_and_indonesia():
    levels = Counter(record.level for record in reference.load_regions())
    assert levels == {"province": 38, "regency": 514, "district": 7285, "village": 1552}
    banten = Counter(record.level for record in reference.load_regions() if record.code.split(".")[0] == "36")
    assert banten == {"province": 1, "regency": 8, "district": 155, "village": 1552}


def test_population_of_regencies_adds_up_to_the_province():
    records = {record.code: record for record in reference.load_population()}
    regencies = [record for code, record in records.items() if code != "36"]
    assert len(regencies) == 8
    assert sum(record.total for record in regencies) == records["36"].total == 12_881_374


def test_labour_stat_persons_are_converted_from_their_unit():
    assert reference.labour_stat("penduduk_bekerja", "2025-08").persons == 5_760_000
    assert reference.labour_stat("pengangguran", "2025-08").persons == 412_360
    assert reference.labour_stat("tpt", "2025-08").persons is None
    with pytest.raises(LookupError):
        reference.labour_stat("penduduk_bekerja", "1999-08")


@pytest.mark.django_db
def test_migration_loaded_every_region_with_levels_and_parents():
    assert Region.objects.count() == 9389
    assert Region.objects.filter(code__startswith="36.", level=RegionLevel.REGENCY).count() == 8
    assert Region.objects.filter(code__startswith="36.", level=RegionLevel.DISTRICT).count() == 155
    assert Region.objects.filter(level=RegionLevel.VILLAGE).count() == 1552
    assert Region.objects.filter(level=RegionLevel.VILLAGE, kind="desa").count() == 1238
    assert Region.objects.filter(level=RegionLevel.VILLAGE, kind="kelurahan").count() == 314
    lebak = Region.objects.get(code="36.02")
    assert (lebak.name, lebak.kind, lebak.parent_id, lebak.population) == (
        "Kabupaten Lebak",
        "kabupaten",
        "36",
        1531564,
    )


@pytest.mark.django_db
def test_every_parent_is_the_code_prefix_one_level_up():
    depth = {"province": 1, "regency": 2, "district": 3, "village": 4}
    for code, parent_id, level in Region.objects.values_list("code", "parent_id", "level"):
        parts = code.split(".")
        assert len(parts) == depth[level]
        assert parent_id == (".".join(parts[:-1]) or None)


@pytest.mark.django_db
def test_descendants_are_a_prefix_query():
    lebak_subtree = Region.objects.descendants_of("36.02")
    assert lebak_subtree.filter(level=RegionLevel.DISTRICT).count() == 28
    assert lebak_subtree.filter(level=RegionLevel.VILLAGE).count() == 345
    assert not lebak_subtree.filter(code="36.02").exists()
    assert Region.objects.descendants_of("36.02", include_self=True).filter(code="36.02").exists()
    # 36.0 is not a region; a prefix without the dot must not leak 36.01…36.04 into 36.0's subtree.
    assert not Region.objects.descendants_of("36.0").exists()
    assert Region.objects.get(code="36.02.01.2002").ancestors_codes() == [
        "36",
        "36.02",
        "36.02.01",
        "36.02.01.2002",
    ]


@pytest.mark.django_db
def test_labour_stats_loaded_with_sources():
    employed = LabourStat.objects.get(region_id="36", indicator="penduduk_bekerja", period="2025-08-01")
    assert employed.persons == 5_760_000
    assert employed.source_url.startswith("https://")
    assert LabourStat.objects.count() == 34


@pytest.mark.django_db
def test_loading_again_adds_nothing():
    before = (Region.objects.count(), LabourStat.objects.count())
    load_reference_data(Region, LabourStat)
    assert (Region.objects.count(), LabourStat.objects.count()) == before


@pytest.mark.django_db
def test_a_malformed_region_code_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="36.2", name="Salah", level=RegionLevel.REGENCY)


def test_vendored_data_carries_sources_and_licences():
    assert (reference.DATA_DIR / "SOURCES.md").read_text(encoding="utf-8").startswith("# Reference data")
    licences = sorted(path.name for path in (reference.DATA_DIR / "LICENSES").iterdir())
    assert licences == ["cahyadsn-wilayah.MIT.txt", "cahyadsn-wilayah_boundaries.MIT.txt"]
