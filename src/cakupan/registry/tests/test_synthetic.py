"""Calibration of the synthetic population at scale 0.01 (57,600 workers)."""

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
    assert workers.height == 57_600
    # 45.12% informal and 42.9% active, exact to the rounding of the total.
    assert (workers["employment"] == "informal").sum() == 25_989
    assert (population.memberships["status"] == "aktif").sum() == 24_710
    assert population.calibration == {"employed": 57_600, "informal": 25_989, "active": 24_710}


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
    formal_active_rate = (active["employment"] == "formal").sum() / (
        population.workers["employment"] == "formal"
    ).sum()
    assert abs(formal_active_rate - 0.70) < 0.001
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
