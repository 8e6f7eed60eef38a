import datetime as dt

import pytest

from cakupan.core.errors import DomainError
from cakupan.coverage import selectors
from cakupan.coverage.models import RegionCoverage
from cakupan.coverage.services import coverage_refresh, membership_record
from cakupan.registry.models import Membership
from cakupan.registry.services import worker_register

MONTH = dt.date(2026, 11, 1)
DESA = "36.02.01.2002"  # Cilangkahan, Malingping, Lebak


def _worker(serial: int, *, desa=DESA, sector="petani"):
    return worker_register(
        nik=f"36020115069{serial:05d}", name=f"Pekerja {serial}", birth_date=dt.date(1990, 6, 15), sex="L",
        desa_code=desa, sector=sector, monthly_income=1_000_000,
    )  # fmt: skip


@pytest.fixture
def village(db):
    """Six workers in one Lebak desa and one in Pandeglang, each in a different membership state."""
    pu_active, bpu_active, arrears, lapsed, never, both = (_worker(i) for i in range(1, 7))
    pu_active.sector = "formal"
    membership_record(worker=pu_active, kpj="10000000001", segment="PU", paid_through=MONTH, jht=True)
    membership_record(worker=bpu_active, kpj="10000000002", segment="BPU", paid_through=dt.date(2027, 4, 1))
    membership_record(worker=arrears, kpj="10000000003", segment="BPU", paid_through=dt.date(2026, 9, 1))
    membership_record(worker=lapsed, kpj="10000000004", segment="BPU", paid_through=dt.date(2026, 8, 1))
    # A worker who moved from BPU to a job: counted once, as PU.
    membership_record(worker=both, kpj="10000000005", segment="BPU", paid_through=MONTH)
    membership_record(worker=both, kpj="10000000006", segment="PU", paid_through=MONTH)
    elsewhere = _worker(7, desa="36.01.01.2001")
    membership_record(worker=elsewhere, kpj="10000000007", segment="BPU", paid_through=MONTH)
    return never


def _counts(code):
    row = RegionCoverage.objects.get(month=MONTH, region_id=code)
    return (row.workers, row.informal, row.active, row.active_bpu, row.active_pu, row.in_arrears, row.lapsed)


def test_refresh_counts_each_worker_once_at_every_level(village):
    assert coverage_refresh(month=dt.date(2026, 11, 20)) == 1 + 2 + 2 + 2  # province, 2 kab, 2 kec, 2 desa
    assert _counts(DESA) == (6, 6, 3, 1, 2, 1, 1)
    assert _counts("36.02.01") == _counts("36.02") == _counts(DESA)
    assert _counts("36.01") == (1, 1, 1, 1, 0, 0, 0)
    assert _counts("36") == (7, 7, 4, 2, 2, 1, 1)


def test_a_month_later_the_arrears_lapse_and_the_unpaid_fall_behind(village):
    coverage_refresh(month=dt.date(2026, 12, 1))
    row = RegionCoverage.objects.get(month=dt.date(2026, 12, 1), region_id=DESA)
    # Only the prepaid BPU worker is still paid; the two who paid November are in arrears; those who
    # last paid September and August have lapsed (3 and 4 unpaid months).
    assert (row.active, row.in_arrears, row.lapsed) == (1, 2, 2)


def test_refreshing_again_replaces_the_month(village):
    coverage_refresh(month=MONTH)
    coverage_refresh(month=MONTH)
    assert RegionCoverage.objects.filter(month=MONTH).count() == 7


@pytest.mark.parametrize("desa_codes", [None, [DESA]])
def test_refreshing_a_month_that_has_facts_updates_inserts_and_deletes_cells(village, desa_codes):
    from cakupan.coverage.models import CoverageFact, RegionBreakdown

    coverage_refresh(month=MONTH)
    # `never` joins BPU: their "none" cell empties (deleted) and the BPU-active cell of the same
    # person-attributes grows (updated); a fisher is a cell the month has not seen (inserted).
    membership_record(worker=village, kpj="10000000008", segment="BPU", paid_through=MONTH)
    _worker(8, sector="nelayan")
    coverage_refresh(month=MONTH, desa_codes=desa_codes)
    refreshed = _month_snapshot()
    assert _counts(DESA) == (7, 7, 4, 2, 2, 1, 1)
    assert _counts("36") == (8, 8, 5, 3, 2, 1, 1)
    facts = CoverageFact.objects.filter(month=MONTH, desa_id=DESA)
    assert sorted(facts.filter(status="none").values_list("sector", "workers")) == [("nelayan", 1)]
    assert facts.get(status="aktif", segment="BPU", sector="petani").workers == 2
    for model in (CoverageFact, RegionCoverage, RegionBreakdown):
        model.objects.filter(month=MONTH).delete()
    coverage_refresh(month=MONTH)
    assert _month_snapshot() == refreshed


def test_headline_uses_the_labour_force_with_its_source(village):
    coverage_refresh(month=MONTH)
    headline = selectors.province_headline("36")
    assert headline.month == MONTH
    # The labour force (angkatan kerja, Sakernas Aug 2025) by default: decision of 2026-12-02.
    assert headline.denominator_title == "Angkatan kerja"
    assert headline.total.denominator == 6_170_000
    assert headline.total.covered == 4
    # ceil(6,170,000 × 99.5%) = 6,139,150; minus the 4 covered.
    assert headline.total.gap_workers == 6_139_146
    assert headline.denominator_source == (
        "BPS Sakernas Agustus 2025, angkatan kerja; kab/kota dibagi menurut proporsi penduduk Dukcapil "
        "(estimasi)"
    )
    assert headline.denominator_url.startswith(
        "https://banten.idntimes.com/news/banten/pengangguran-di-banten"
    )
    assert [line.code for line in headline.children] == [
        "36.01", "36.02", "36.03", "36.04", "36.71", "36.72", "36.73", "36.74",
    ]  # fmt: skip
    # The province's labour force is split to kab/kota by Dukcapil population, as the employed are.
    assert sum(line.denominator for line in headline.children) == 6_170_000
    lebak = headline.children[1]
    assert (lebak.covered, lebak.denominator) == (3, 733_598)


def test_headline_can_still_use_the_employed(village):
    coverage_refresh(month=MONTH)
    headline = selectors.province_headline("36", selectors.EMPLOYED_INDICATOR)
    assert headline.denominator_title == "Penduduk bekerja"
    assert headline.total.denominator == 5_760_000
    assert headline.total.gap_workers == 5_731_196
    assert headline.denominator_source.startswith(
        "BPS Sakernas Agustus 2025, penduduk bekerja; kab/kota dibagi"
    )
    assert sum(line.denominator for line in headline.children) == 5_760_000
    assert (headline.children[1].covered, headline.children[1].denominator) == (3, 684_850)


def test_gap_is_never_negative():
    assert selectors.gap_to_target(1000, 1000) == 0
    assert selectors.gap_to_target(0, 1000) == 995
    assert selectors.gap_to_target(994, 1000) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kpj", "segment", "code"),
    [
        ("123", "BPU", "kpj_invalid"),
        ("1234567890a", "BPU", "kpj_invalid"),
        ("10000000009", "XX", "segment_invalid"),
    ],
)
def test_membership_bad_input_is_refused(kpj, segment, code):
    worker = _worker(9)
    with pytest.raises(DomainError) as raised:
        membership_record(worker=worker, kpj=kpj, segment=segment, paid_through=MONTH)
    assert raised.value.code == code
    assert Membership.objects.count() == 0


def test_a_kpj_is_recorded_once(village):
    with pytest.raises(DomainError) as raised:
        membership_record(worker=village, kpj="10000000001", segment="BPU", paid_through=MONTH)
    assert raised.value.code == "kpj_duplicate"


def test_facts_and_breakdowns_add_up_at_every_level(village):
    from cakupan.coverage.models import CoverageFact, RegionBreakdown

    coverage_refresh(month=MONTH)
    facts = CoverageFact.objects.filter(month=MONTH)
    assert sum(facts.values_list("workers", flat=True)) == 7
    statuses = {
        s: sum(f.workers for f in facts if f.status == s) for s in ("aktif", "menunggak", "nonaktif", "none")
    }
    assert statuses == {"aktif": 4, "menunggak": 1, "nonaktif": 1, "none": 1}
    # All were born on 15 June 1990: 36 years old in November 2026.
    assert set(facts.values_list("age_band", flat=True)) == {"35-44"}

    def breakdown(region, dimension):
        rows = RegionBreakdown.objects.filter(month=MONTH, region_id=region, dimension=dimension)
        return {row.value: (row.workers, row.active) for row in rows}

    assert breakdown("36", "segment") == {"PU": (2, 2), "BPU": (4, 2), "": (1, 0)}
    assert breakdown(DESA, "segment") == {"PU": (2, 2), "BPU": (3, 1), "": (1, 0)}
    assert breakdown("36", "sector") == {"petani": (7, 4)}
    assert breakdown("36.01", "decile") == {"0": (1, 1)}
    for dimension in ("sector", "sex", "age_band", "decile", "segment"):
        assert sum(w for w, _ in breakdown("36", dimension).values()) == 7


def test_incremental_refresh_touches_only_the_changed_desa_and_its_ancestors(village):
    coverage_refresh(month=MONTH)
    before_other = RegionCoverage.objects.get(month=MONTH, region_id="36.01.01.2001").refreshed_at
    extra = _worker(8, desa=DESA)
    membership_record(worker=extra, kpj="10000000008", segment="BPU", paid_through=MONTH)
    coverage_refresh(month=MONTH, desa_codes=[DESA])
    assert _counts(DESA)[:3] == (7, 7, 4)
    assert _counts("36")[:3] == (8, 8, 5)
    assert RegionCoverage.objects.get(month=MONTH, region_id="36.01.01.2001").refreshed_at == before_other
    # The incremental result equals a full rebuild.
    incremental = {(r.region_id, r.active, r.workers) for r in RegionCoverage.objects.filter(month=MONTH)}
    coverage_refresh(month=MONTH)
    assert {
        (r.region_id, r.active, r.workers) for r in RegionCoverage.objects.filter(month=MONTH)
    } == incremental


def _month_snapshot():
    """Every aggregate of the month except timestamps, to compare an incremental result with a rebuild."""
    from cakupan.coverage.models import CoverageFact, RegionBreakdown

    coverage = set(
        RegionCoverage.objects.filter(month=MONTH).values_list(
            "region_id", "workers", "informal", "active", "active_bpu", "active_pu", "in_arrears", "lapsed"
        )
    )
    breakdowns = set(
        RegionBreakdown.objects.filter(month=MONTH).values_list(
            "region_id", "dimension", "value", "workers", "active"
        )
    )
    facts = set(
        CoverageFact.objects.filter(month=MONTH).values_list(
            "desa_id", "sector", "sex", "age_band", "decile", "segment", "status", "workers"
        )
    )
    return coverage, breakdowns, facts


def _new_ids_after(last_id):
    return ("SELECT id FROM registry_worker WHERE id > %s", [last_id])


def test_adding_new_workers_equals_a_rebuild_at_every_level(village):
    from cakupan.coverage.services import coverage_add_workers

    coverage_refresh(month=MONTH)
    before = _month_snapshot()
    from cakupan.registry.models import Worker

    last_id = Worker.objects.order_by("-id").values_list("id", flat=True).first()
    _worker(8)  # same desa, same cell as `never`: the cell grows
    _worker(9, sector="nelayan")  # same desa, a new cell
    newcomer = _worker(10, desa="36.04.05.2001")  # a kab/kota and desa the month has not seen
    membership_record(worker=newcomer, kpj="10000000010", segment="PU", paid_through=MONTH)
    assert coverage_add_workers(month=dt.date(2026, 11, 20), worker_ids=_new_ids_after(last_id)) == 3
    added = _month_snapshot()
    assert added != before
    assert _counts(DESA) == (8, 8, 3, 1, 2, 1, 1)
    assert _counts("36.04") == (1, 1, 1, 0, 1, 0, 0)
    assert _counts("36") == (10, 10, 5, 2, 3, 1, 1)
    coverage_refresh(month=MONTH)
    assert _month_snapshot() == added


def test_adding_no_new_workers_changes_nothing(village):
    from cakupan.coverage.services import coverage_add_workers
    from cakupan.registry.models import Worker

    coverage_refresh(month=MONTH)
    before = _month_snapshot()
    last_id = Worker.objects.order_by("-id").values_list("id", flat=True).first()
    assert coverage_add_workers(month=MONTH, worker_ids=_new_ids_after(last_id)) == 0
    assert _month_snapshot() == before


def test_refreshing_most_desa_rebuilds_the_whole_month(village):
    from cakupan.regions.models import Region, RegionLevel

    coverage_refresh(month=MONTH)
    _worker(8, desa="36.01.01.2001")
    others = Region.objects.filter(level=RegionLevel.VILLAGE).exclude(code="36.01.01.2001")
    coverage_refresh(month=MONTH, desa_codes=list(others.values_list("code", flat=True)))
    # The unlisted desa was rebuilt too: more than half of all desa means one full pass.
    assert _counts("36.01.01.2001")[0] == 2
    assert _counts("36")[0] == 8
