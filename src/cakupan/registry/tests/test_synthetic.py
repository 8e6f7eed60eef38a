"""Calibration of the synthetic population at scale 0.01 (57,600 workers, a labour force of 61,700)."""

import datetime as dt
from collections import Counter

import numpy as np
import polars as pl
import pytest

from cakupan.regions import reference
from cakupan.registry import synthetic
from cakupan.registry.nik import parse_nik

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def population():
    return synthetic.generate_population(scale=0.01, seed=synthetic.DEFAULT_SEED, as_of=AS_OF)


def test_totals_are_exact(population):
    workers = population.workers
    # The registry holds the employed (5,760,000 × 0.01); the labour force (6,170,000 × 0.01) is the base
    # of the active share, its unemployed part is not in the registry.
    assert workers.height == 57_600
    # 45.12% of the employed informal, exact to the rounding of the total.
    assert (workers["employment"] == "informal").sum() == 25_989
    # 42.9% of the labour force active: 61,700 × 0.429 = 26,469.3 → 26,469; of them 1,100,000 × 0.01 PU.
    active = population.memberships.filter(pl.col("status") == "aktif")
    assert active.height == 26_469
    assert (active["segment"] == "PU").sum() == 11_000
    assert (active["segment"] == "BPU").sum() == 15_469
    assert population.calibration == {
        "employed": 57_600,
        "labour_force": 61_700,
        "informal": 25_989,
        "active": 26_469,
        "active_pu": 11_000,
        "active_bpu": 15_469,
    }


@pytest.mark.parametrize("scale", [1.0, 0.02, 0.01, 0.002, 0.001, 0.0005, 1e-5])
def test_active_share_of_the_labour_force_and_formal_count_are_calibrated(scale):
    labour_force = synthetic.labour_force_total(scale)
    assert labour_force == round(6_170_000 * scale)
    formal, informal = synthetic.active_targets(scale)
    # 42.9% of the labour force to the rounding of one member, and the formal (PU) count is Kanwil BPJS TK
    # Banten's 1,1 juta times the scale.
    assert abs((formal + informal) - labour_force * 0.429) <= 0.5
    assert formal == round(synthetic.FORMAL_ACTIVE_MEMBERS * scale)
    assert synthetic.FORMAL_ACTIVE_MEMBERS == 1_100_000


def test_full_scale_targets_follow_the_decisions_of_2026_12_02():
    # About 2,65 juta active of a 6,17 juta labour force (42,9%), about 1,1 juta of them PU.
    assert synthetic.labour_force_total(1.0) == 6_170_000
    assert synthetic.employed_total(1.0) == 5_760_000
    assert synthetic.active_targets(1.0) == (1_100_000, 1_546_930)


def test_small_population_is_calibrated_exactly():
    population = synthetic.generate_population(scale=0.001, seed=7, as_of=AS_OF)
    active = population.memberships.filter(pl.col("status") == "aktif")
    # 6,170 × 0.429 = 2,646.93 → 2,647 active (42,90% of the labour force), 1,100 PU and 1,547 BPU.
    assert (population.workers.height, active.height) == (5_760, 2_647)
    assert round(active.height / population.calibration["labour_force"] * 100, 1) == 42.9
    assert (active["segment"] == "PU").sum() == 1_100 and (active["segment"] == "BPU").sum() == 1_547


@pytest.mark.parametrize(
    ("formal_members", "message"),
    [
        # More PU members (4.000.000 × 0.001) than active members (2,647) at all.
        (4_000_000, "4000 active PU members of 2647 active members"),
        # No PU at all: 2,647 active BPU members for only 2,599 informal workers.
        (0, "0 active PU members for 3161 formal workers, 2647 active BPU members for 2599 informal workers"),
    ],
)
def test_an_impossible_calibration_is_refused_with_a_clear_error(monkeypatch, formal_members, message):
    monkeypatch.setattr(synthetic, "FORMAL_ACTIVE_MEMBERS", formal_members)
    with pytest.raises(ValueError, match=f"^calibration impossible at this scale: {message}$"):
        synthetic.generate_population(scale=0.001, seed=7, as_of=AS_OF)


def test_regency_shares_follow_dukcapil_population_and_add_up(population):
    counts = Counter(code[:5] for code in population.workers["desa_id"].to_list())
    regencies = {p.code: p.total for p in reference.load_population() if p.code != "36"}
    assert sum(counts.values()) == 57_600
    for code, people in regencies.items():
        expected_share = people / 12_881_374
        assert abs(counts[code] / 57_600 - expected_share) < 0.005
        # Largest remainder: never more than one worker off the exact quota.
        assert abs(counts[code] - expected_share * 57_600) < 1


def test_every_desa_gets_workers_and_desa_add_up_to_regencies(population):
    per_desa = population.workers.group_by("desa_id").len()
    assert per_desa.height == 1552
    assert per_desa["len"].sum() == 57_600
    assert per_desa["len"].min() >= 1


def test_every_nik_is_valid_unique_and_matches_birth_date_and_sex(population):
    workers = population.workers
    assert workers["nik"].n_unique() == workers.height
    sample = workers.sample(n=5_000, seed=1)
    for nik, birth_date, sex in sample.select("nik", "birth_date", "sex").iter_rows():
        parsed = parse_nik(nik, today=dt.date(2026, 11, 23))
        assert parsed.valid, (nik, parsed.errors)
        assert (parsed.birth_date, parsed.sex) == (birth_date, sex)


def test_most_niks_are_local_and_some_from_other_provinces(population):
    workers = population.workers
    local = workers["nik"].str.slice(0, 6) == workers["desa_id"].str.replace_all(
        ".", "", literal=True
    ).str.slice(0, 6)
    assert 0.85 < local.mean() < 0.89
    other_province = (workers["nik"].str.slice(0, 2) != "36").mean()
    assert 0.04 < other_province < 0.06


def test_sectors_follow_the_land(population):
    workers = population.workers
    informal = workers.filter(pl.col("employment") == "informal")
    assert set(informal["sector"].unique()) == set(synthetic.INFORMAL_SECTORS)
    assert set(workers.filter(pl.col("employment") == "formal")["sector"].unique()) == {"formal"}
    coastal = synthetic._coastal_desa()
    fishers = informal.filter(pl.col("sector") == "nelayan")
    # Most fishers live on the coast (the rest fish rivers, lakes and ponds inland) ...
    assert fishers["desa_id"].is_in(list(coastal)).mean() > 0.65
    # ... and a coastal informal worker is far more often a fisher than an inland one.
    on_coast = informal["desa_id"].is_in(list(coastal))
    is_fisher = informal["sector"] == "nelayan"
    assert is_fisher.filter(on_coast).mean() > 10 * is_fisher.filter(~on_coast).mean()
    by_regency = informal.with_columns(regency=pl.col("desa_id").str.slice(0, 5))
    farmer_share = by_regency.group_by("regency").agg((pl.col("sector") == "petani").mean().alias("share"))
    shares = dict(farmer_share.iter_rows())
    assert shares["36.02"] > 0.3 and shares["36.01"] > 0.3
    assert shares["36.74"] < 0.05
    # Agriculture (farming, livestock, fishing) lands near Sakernas' 12.94% of the employed.
    agriculture = workers["sector"].is_in(["petani", "peternak", "nelayan"]).mean()
    assert 0.11 < agriculture < 0.15


def test_incomes_deciles_and_ages_are_plausible(population):
    workers = population.workers
    assert workers["monthly_income"].min() >= 100_000
    medians = dict(workers.group_by("employment").agg(pl.col("monthly_income").median()).iter_rows())
    assert 1_000_000 < medians["informal"] < 2_000_000
    assert 3_500_000 < medians["formal"] < 5_500_000
    known = workers["decile"].drop_nulls()
    assert set(known.unique()) == set(range(1, 11))
    assert 0.88 < known.len() / workers.height < 0.92
    informal_decile = workers.filter(pl.col("employment") == "informal")["decile"].mean()
    formal_decile = workers.filter(pl.col("employment") == "formal")["decile"].mean()
    assert informal_decile < formal_decile
    ages = (AS_OF - workers["birth_date"]).dt.total_days() / 365.25
    assert ages.min() >= 15 and ages.max() < 71.1
    phones = workers.filter(pl.col("phone") != "")["phone"]
    assert phones.str.contains(r"^\+628[0-9]{8,10}$").all()


def test_memberships_are_consistent_with_status_and_segment(population):
    members = population.memberships.join(
        population.workers.with_row_index("worker_row").with_columns(pl.col("worker_row").cast(pl.Int64)),
        on="worker_row",
    )
    assert members["kpj"].n_unique() == members.height
    assert members["kpj"].str.contains(r"^[0-9]{11}$").all()
    assert ((members["segment"] == "PU") == (members["employment"] == "formal")).all()
    month = pl.lit(AS_OF)
    statuses = members.select(
        active_ok=((pl.col("status") == "aktif") == (pl.col("paid_through") >= month)),
        lapsed_ok=(
            (pl.col("status") == "nonaktif") == (pl.col("paid_through") <= pl.lit(dt.date(2026, 8, 1)))
        ),
    )
    assert statuses["active_ok"].all() and statuses["lapsed_ok"].all()
    active = members.filter(pl.col("status") == "aktif")
    # Every active PU member is a formal worker: 11,000 of the 31,611 formal workers.
    assert (active["employment"] == "formal").sum() == 11_000
    assert (population.workers["employment"] == "formal").sum() == 31_611
    assert (members["paid_through"].dt.day() == 1).all()


def test_same_seed_same_population_other_seed_other_population():
    first = synthetic.generate_population(scale=0.002, seed=11, as_of=AS_OF)
    again = synthetic.generate_population(scale=0.002, seed=11, as_of=AS_OF)
    other = synthetic.generate_population(scale=0.002, seed=12, as_of=AS_OF)
    assert first.workers.equals(again.workers) and first.memberships.equals(again.memberships)
    assert not first.workers.equals(other.workers)
    assert other.workers.height == first.workers.height == 11_520


@pytest.mark.parametrize("scale", [0, -1, 3, 1e-9])
def test_impossible_scales_are_refused(scale):
    with pytest.raises(ValueError):
        synthetic.generate_population(scale=scale, as_of=AS_OF)


def test_pick_exact_takes_exactly_the_requested_count_per_group():
    rng = np.random.default_rng(0)
    groups = np.repeat([0, 1, 2], [10, 20, 5])
    chosen = synthetic._pick_exact(rng, groups, np.ones(35), np.array([3, 20, 0]))
    assert [int(chosen[groups == g].sum()) for g in range(3)] == [3, 20, 0]
