"""A deterministic synthetic worker population for Banten, calibrated to published figures.

No Django import: this module only builds columnar frames (Polars). Writing them is `registry.bulk`'s job.

Calibration (every figure is either reference data or a documented assumption):
- Workers: the employed persons, BPS Sakernas August 2025, 5,760,000 (labour reference data), times
  `scale`.
- Split to kab/kota by Dukcapil population (Semester II 2024), largest-remainder rounding, so the
  kab/kota counts add up exactly to the total. There is no desa population in the reference data, so
  desa shares inside a kab/kota are an estimate: a kelurahan weighs KELURAHAN_WEIGHT times a desa, with
  a seeded log-normal spread; again largest remainder, so desa counts add up exactly.
- Informal share: 45.12% (Sakernas Aug 2025), exact to the rounding of the total; kab/kota informal
  propensities (rural kabupaten higher, cities lower) decide where, not how many.
- Active memberships: 42.9% (BPJS TK Banten, Nov 2025) of the labour force (angkatan kerja, BPS
  Sakernas August 2025, 6,170,000, labour reference data), not of the employed (decision of 2026-12-02,
  docs/jamsostek-rules.md §8): 2,646,930 at scale 1, exact to the rounding of the scaled labour force.
  The registry holds the employed only; the unemployed part of the labour force (6,170,000 - 5,760,000
  = 410,000 at scale 1) is not in it, so the active members are 45.95% of the registry's workers.
- Of the active, FORMAL_ACTIVE_MEMBERS = 1,100,000 at scale 1 are formal (PU) and the rest, 1,546,930,
  informal (BPU): about 1.1 of about 2.7 million active are formal, Kanwil BPJS TK Banten head Eko
  Yuyulianda quoted by bantenraya (confidence M). Both exact to the rounding of 1,100,000 × `scale`; a
  scale at which either segment would have more active members than workers is refused (ValueError).
  Which formal workers are active is drawn uniformly; informal ones by sector and decile weights.
  Some further memberships are in arrears or lapsed (nonaktif).
- Sectors by area type (rural, mixed, urban) with fishers concentrated in coastal desa
  (regions/data/derived/desa_coastal.csv); incomes log-normal by area and sector; DTSEN deciles from
  income rank with noise; valid, unique NIKs mostly issued in the domicile kecamatan.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import polars as pl

from cakupan.core.apportion import largest_remainder
from cakupan.regions import reference

DEFAULT_SEED = 20251103
# BPJS Ketenagakerjaan Banten, 3 Nov 2025 (Antara): 42.9% protected, of the labour force
# (docs/jamsostek-rules.md §6 and §8, decision of 2026-12-02).
ACTIVE_SHARE = Decimal("0.429")
EMPLOYED_PERIOD = "2025-08"
EMPLOYED_INDICATOR = "penduduk_bekerja"
LABOUR_FORCE_INDICATOR = "angkatan_kerja"
# Active formal (PU) members in Banten at scale 1: about 1.1 of about 2.7 million active, Kanwil BPJS TK
# Banten head Eko Yuyulianda quoted by bantenraya (docs/jamsostek-rules.md §8, confidence M). The rest of
# the active members are informal (BPU).
FORMAL_ACTIVE_MEMBERS = 1_100_000
# Of the employed, besides the active: memberships in arrears (1–2 months) and lapsed (nonaktif).
ARREARS_SHARE = 0.015
LAPSED_SHARE = 0.06
KELURAHAN_WEIGHT = 2.5
DESA_WEIGHT_SPREAD = 0.35
LOCAL_NIK_SHARE, OTHER_BANTEN_NIK_SHARE = 0.87, 0.08  # the rest were issued in other provinces
DECILE_KNOWN_SHARE = 0.9
PHONE_KNOWN_SHARE = 0.85
BPU_JHT_SHARE = 0.12
KPJ_SPACE = 89_999_999_999  # 11-digit numbers from 10000000000
KPJ_MULTIPLIER = 48_271_000_007  # coprime with KPJ_SPACE

# Propensity of a kab/kota's workers to be informal: rural kabupaten high, cities low (assumption).
INFORMAL_PROPENSITY = {
    "36.01": 0.66, "36.02": 0.66, "36.03": 0.40, "36.04": 0.52,
    "36.71": 0.30, "36.72": 0.30, "36.73": 0.40, "36.74": 0.28,
}  # fmt: skip
AREA_TYPE = {
    "36.01": "rural", "36.02": "rural", "36.03": "mixed", "36.04": "mixed",
    "36.71": "urban", "36.72": "urban", "36.73": "urban", "36.74": "urban",
}  # fmt: skip

INFORMAL_SECTORS = (
    "nelayan", "petani", "peternak", "pedagang", "transportasi", "buruh_harian",
    "prt", "pengrajin", "pemulung", "jasa", "lainnya",
)  # fmt: skip
# Informal sector mix by area type; coastal desa swap part of farming for fishing.
SECTOR_MIX = {
    "rural":  (0.02, 0.40, 0.07, 0.15, 0.07, 0.12, 0.03, 0.04, 0.01, 0.05, 0.04),
    "mixed":  (0.01, 0.22, 0.04, 0.22, 0.12, 0.15, 0.06, 0.04, 0.02, 0.08, 0.04),
    "urban":  (0.00, 0.02, 0.01, 0.32, 0.21, 0.12, 0.10, 0.03, 0.03, 0.13, 0.03),
}  # fmt: skip
# Sector codes index SECTORS; the formal sector comes last.
SECTORS = (*INFORMAL_SECTORS, "formal")
FORMAL_SECTOR = len(INFORMAL_SECTORS)
AREA_TYPES = ("rural", "mixed", "urban")
COASTAL_FISHER_SHARE = 0.32
MALE_SHARE_BY_SECTOR = {
    "nelayan": 0.97, "petani": 0.72, "peternak": 0.75, "pedagang": 0.45, "transportasi": 0.96,
    "buruh_harian": 0.78, "prt": 0.12, "pengrajin": 0.50, "pemulung": 0.65, "jasa": 0.55,
    "lainnya": 0.60, "formal": 0.64,
}  # fmt: skip
# Median monthly income (rupiah) by area type; sector multipliers for informal work.
FORMAL_MEDIAN_INCOME = {"rural": 3_300_000, "mixed": 4_600_000, "urban": 5_000_000}
INFORMAL_MEDIAN_INCOME = {"rural": 1_150_000, "mixed": 1_500_000, "urban": 1_900_000}
INCOME_FACTOR_BY_SECTOR = {
    "nelayan": 1.0, "petani": 0.85, "peternak": 0.95, "pedagang": 1.15, "transportasi": 1.35,
    "buruh_harian": 0.9, "prt": 0.8, "pengrajin": 0.95, "pemulung": 0.55, "jasa": 1.2, "lainnya": 1.0,
}  # fmt: skip
# Chance that an informal worker of a sector is among the informal active members (ojol drivers are
# often enrolled through their platforms; scavengers and household workers rarely).
INFORMAL_COVER_WEIGHT = {
    "nelayan": 1.3, "petani": 0.8, "peternak": 0.8, "pedagang": 1.0, "transportasi": 2.6,
    "buruh_harian": 0.7, "prt": 0.5, "pengrajin": 0.9, "pemulung": 0.3, "jasa": 1.1, "lainnya": 0.8,
}  # fmt: skip
PHONE_PREFIXES = ("811", "812", "813", "821", "822", "852", "853", "857", "858", "877", "878", "881",
                  "882", "895", "896", "897", "898", "899")  # fmt: skip
OTHER_PROVINCES_WEIGHTED = {"31": 0.35, "32": 0.35, "33": 0.12, "18": 0.08, "35": 0.06, "12": 0.04}

MALE_NAMES = (
    "Ahmad", "Asep", "Agus", "Budi", "Dede", "Dedi", "Deni", "Eko", "Endang", "Hasan", "Hendra",
    "Iwan", "Jaja", "Joko", "Komarudin", "Maman", "Muhamad", "Nana", "Rahmat", "Ridwan", "Rudi",
    "Saepul", "Sarip", "Slamet", "Sukma", "Supriyadi", "Tatang", "Ujang", "Wahyu", "Yayan", "Yusuf",
    "Zainal", "Aris", "Bambang", "Dadang", "Firman", "Hamdani", "Iqbal", "Jajang", "Lukman", "Mulyadi",
)  # fmt: skip
FEMALE_NAMES = (
    "Aisyah", "Ani", "Ayu", "Dewi", "Eneng", "Euis", "Fitri", "Hana", "Ida", "Imas", "Iis", "Juju",
    "Kokom", "Lilis", "Maryam", "Nani", "Neneng", "Nur", "Nurhayati", "Rina", "Rohmah", "Siti",
    "Sri", "Tuti", "Umi", "Wati", "Yani", "Yuli", "Zahra", "Atikah", "Cucu", "Dian", "Ela", "Entin",
)  # fmt: skip
FAMILY_NAMES = (
    "Hidayat", "Saputra", "Setiawan", "Kurniawan", "Rahayu", "Lestari", "Permana", "Suryana",
    "Nugraha", "Gunawan", "Hakim", "Maulana", "Ramdani", "Sulaeman", "Fauzi", "Firdaus", "Hamid",
    "Jaelani", "Mulyana", "Sopandi", "Wijaya", "Pratama", "Kusuma", "Sanusi", "Suhendi", "Syamsudin",
)  # fmt: skip


@dataclass(frozen=True)
class Population:
    """The generated rows: `workers` (one per employed person) and `memberships` (by worker row)."""

    workers: pl.DataFrame
    memberships: pl.DataFrame
    as_of: dt.date
    calibration: dict[str, int] = field(default_factory=dict)


def _pick_exact(rng: np.random.Generator, groups: np.ndarray, weights: np.ndarray, counts: np.ndarray):
    """Choose exactly counts[g] rows in each group g, with probability growing with the row's weight.

    Weighted sampling without replacement by exponential keys (Efraimidis–Spirakis): a group keeps its
    counts[g] smallest keys, ties going to the earlier row. A partial sort per group finds them; that is
    the same choice a full (stable) sort by group and key would make, several times faster.
    """
    keys = rng.exponential(size=groups.size) / np.maximum(weights, 1e-12)
    chosen = np.zeros(groups.size, dtype=bool)
    for group, count in enumerate(counts.tolist()):
        if count <= 0:
            continue
        rows = np.flatnonzero(groups == group)
        if count >= rows.size:
            chosen[rows] = True
            continue
        group_keys = keys[rows]
        threshold = np.partition(group_keys, count - 1)[count - 1]
        below = group_keys < threshold
        chosen[rows[below]] = True
        tied = rows[group_keys == threshold]
        chosen[tied[: count - int(below.sum())]] = True
    return chosen


def _by_code(names: tuple[str, ...], table: dict[str, float]) -> np.ndarray:
    """A small table's values in the order of `names`, to be indexed by a code array."""
    return np.array([table[name] for name in names], dtype=np.float64)


def _coastal_desa() -> set[str]:
    with open(reference.DATA_DIR / "derived" / "desa_coastal.csv", encoding="utf-8", newline="") as handle:
        return {row["code"] for row in csv.DictReader(handle) if row["coastal"] == "1"}


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def employed_total(scale: float) -> int:
    """The registry's workers at `scale`: the employed persons (Sakernas), rounded."""
    employed = reference.labour_stat(EMPLOYED_INDICATOR, EMPLOYED_PERIOD).persons
    informal_pct = reference.labour_stat("persen_pekerja_informal", EMPLOYED_PERIOD).value
    assert employed is not None and informal_pct is not None
    return round(employed * scale)


def labour_force_total(scale: float) -> int:
    """The labour force at `scale` (Sakernas angkatan kerja), rounded: the base of the active share."""
    labour_force = reference.labour_stat(LABOUR_FORCE_INDICATOR, EMPLOYED_PERIOD).persons
    assert labour_force is not None
    return round(labour_force * scale)


def active_targets(scale: float) -> tuple[int, int]:
    """(active PU, active BPU) members at `scale`: 42.9% of the labour force, FORMAL_ACTIVE_MEMBERS formal.

    Each figure is the exact figure times `scale`, rounded half to even (Python's `round`)."""
    active = round(Decimal(labour_force_total(scale)) * ACTIVE_SHARE)
    formal = round(FORMAL_ACTIVE_MEMBERS * scale)
    if formal > active:
        raise ValueError(
            f"calibration impossible at this scale: {formal} active PU members of {active} active members"
        )
    return formal, active - formal


def generate_population(*, scale: float, seed: int = DEFAULT_SEED, as_of: dt.date) -> Population:
    if not (0 < scale <= 2):
        raise ValueError("scale must be in (0, 2]")
    rng = np.random.default_rng(seed)
    total = employed_total(scale)
    if total < 1:
        raise ValueError("scale too small: no workers")
    informal_pct = reference.labour_stat("persen_pekerja_informal", EMPLOYED_PERIOD).value

    # --- where people live --------------------------------------------------------------------
    regencies = [p for p in reference.load_population() if p.code.count(".") == 1]
    regency_codes = [p.code for p in regencies]
    per_regency = largest_remainder(total, np.array([p.total for p in regencies]))
    villages = [r for r in reference.load_regions() if r.level == "village" and r.code.startswith("36.")]
    village_codes = np.array([v.code for v in villages])
    village_regency = np.array([regency_codes.index(v.code[:5]) for v in villages])
    village_weight = np.where([v.kind == "kelurahan" for v in villages], KELURAHAN_WEIGHT, 1.0)
    village_weight = village_weight * rng.lognormal(0.0, DESA_WEIGHT_SPREAD, size=len(villages))
    per_village = np.zeros(len(villages), dtype=np.int64)
    for index, count in enumerate(per_regency):
        members = np.flatnonzero(village_regency == index)
        per_village[members] = largest_remainder(int(count), village_weight[members])
    row_village = np.repeat(np.arange(len(villages)), per_village)
    row_regency = village_regency[row_village]
    n = row_village.size

    # --- formal or informal -------------------------------------------------------------------
    informal_total = round(Decimal(total) * informal_pct / 100)
    propensity = np.array([INFORMAL_PROPENSITY[code] for code in regency_codes])
    informal_per_regency = largest_remainder(informal_total, per_regency * propensity)
    is_kelurahan = np.array([v.kind == "kelurahan" for v in villages])
    informal = _pick_exact(
        rng, row_regency, np.where(is_kelurahan[row_village], 0.8, 1.2), informal_per_regency
    )

    # --- sector, sex, age, income --------------------------------------------------------------
    # Categorical columns stay small integer codes until the frame is built: string arrays of millions
    # of Python objects were most of the generation time. The draws are the same (`choice` of n items
    # draws the same indices whether it is given the items or their count).
    coastal = np.isin(village_codes, list(_coastal_desa()))
    regency_area = np.array([AREA_TYPES.index(AREA_TYPE[code]) for code in regency_codes])
    area_type = regency_area[row_regency]
    row_coastal = coastal[row_village]
    sector = np.full(n, FORMAL_SECTOR, dtype=np.int64)
    for kind, mix in SECTOR_MIX.items():
        in_area = informal & (area_type == AREA_TYPES.index(kind))
        for on_coast in (False, True):
            rows = np.flatnonzero(in_area & (row_coastal == on_coast))
            probs = np.array(mix)
            if on_coast:
                probs = probs * (1 - COASTAL_FISHER_SHARE) / (1 - probs[0])
                probs[0] = COASTAL_FISHER_SHARE
            sector[rows] = rng.choice(len(INFORMAL_SECTORS), size=rows.size, p=probs / probs.sum())
    male_share = _by_code(SECTORS, MALE_SHARE_BY_SECTOR)[sector]
    male = rng.random(n) < male_share

    age_years = np.where(
        informal, np.clip(rng.normal(42, 12, n), 15, 70), np.clip(rng.normal(35, 9, n), 18, 60)
    ).astype(np.int64)
    age_days = age_years * 365 + (age_years // 4) + rng.integers(0, 365, n)
    birth = np.datetime64(as_of, "D") - age_days.astype("timedelta64[D]")

    median = np.where(
        informal,
        _by_code(AREA_TYPES, INFORMAL_MEDIAN_INCOME)[area_type],
        _by_code(AREA_TYPES, FORMAL_MEDIAN_INCOME)[area_type],
    )
    factor = _by_code(SECTORS, {**INCOME_FACTOR_BY_SECTOR, "formal": 1.0})[sector]
    sigma = np.where(informal, 0.55, 0.35)
    income = np.round(median * factor * rng.lognormal(0.0, sigma, n) / 1000).astype(np.int64) * 1000
    income = np.maximum(income, 100_000)

    welfare_score = np.log(income) + rng.normal(0, 0.5, n)
    # Ordinal rank breaks ties by position, exactly like a stable argsort of the scores (and is faster).
    welfare_rank = pl.Series(welfare_score).rank("ordinal").to_numpy().astype(np.int64) - 1
    decile = welfare_rank * 10 // n + 1
    decile_known = rng.random(n) < DECILE_KNOWN_SHARE

    # --- identity: NIK, name, phone ------------------------------------------------------------
    nik = _niks(_nik_prefixes(rng, village_codes, row_village), birth, male)

    given = np.where(
        male,
        rng.integers(0, len(MALE_NAMES), n),
        len(MALE_NAMES) + rng.integers(0, len(FEMALE_NAMES), n),
    )
    family = rng.integers(0, len(FAMILY_NAMES), n)
    # Many Indonesians carry a single name.
    single = rng.random(n) < 0.3
    phone_digits = rng.integers(1_000_000, 99_999_999, n)
    phone_prefix = rng.integers(0, len(PHONE_PREFIXES), n)
    phone_known = rng.random(n) < PHONE_KNOWN_SHARE
    # "+62" + prefix + digits, as the number 62·prefix·digits: the digits have 7 or 8 places.
    prefix_number = 62_000 + np.array([int(p) for p in PHONE_PREFIXES], dtype=np.int64)[phone_prefix]
    phone_number = prefix_number * np.where(phone_digits < 10_000_000, 10**7, 10**8) + phone_digits

    given_names = (*MALE_NAMES, *FEMALE_NAMES)
    # Every possible full name once; a row's name is then a gather by code (the last slot is no family).
    full_names = pl.Series(
        [f"{g} {f}" for g in given_names for f in FAMILY_NAMES] + list(given_names), dtype=pl.String
    )
    name_code = np.where(
        single, len(given_names) * len(FAMILY_NAMES) + given, given * len(FAMILY_NAMES) + family
    )
    worker_frame = pl.DataFrame(
        {
            "nik": nik,
            "name": full_names.gather(name_code),
            "birth_date": birth,
            "sex": _strings(("P", "L"), male.astype(np.int64)),
            "desa_id": pl.Series(village_codes, dtype=pl.String).gather(row_village),
            "employment": _strings(("formal", "informal"), informal.astype(np.int64)),
            "sector": _strings(SECTORS, sector),
            "monthly_income": income,
            "decile": pl.Series(decile).set(pl.Series(~decile_known), None),
            "phone": pl.DataFrame({"known": phone_known, "number": phone_number})
            .select(
                pl.when("known")
                .then(pl.concat_str(pl.lit("+"), pl.col("number").cast(pl.String)))
                .otherwise(pl.lit(""))
            )
            .to_series(),
        }
    )

    formal_active, informal_active = active_targets(scale)
    memberships = _memberships(
        rng,
        informal=informal,
        sector=sector,
        decile=decile,
        total=total,
        active_counts=(formal_active, informal_active),
        as_of=as_of,
    )
    active = memberships.filter(pl.col("status") == "aktif")
    calibration = {
        "employed": total,
        "labour_force": labour_force_total(scale),
        "informal": int(informal.sum()),
        "active": active.height,
        "active_pu": int((active["segment"] == "PU").sum()),
        "active_bpu": int((active["segment"] == "BPU").sum()),
    }
    return Population(worker_frame, memberships, as_of, calibration)


def _strings(values: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    """A string column from integer codes into `values`: a gather, no Python string per row."""
    return pl.Series(values, dtype=pl.String).gather(codes)


def _nik_prefixes(rng: np.random.Generator, village_codes: np.ndarray, row_village: np.ndarray) -> np.ndarray:
    """Integer 6-digit NIK prefixes: mostly the domicile kecamatan, some elsewhere in Banten or Indonesia."""
    n = row_village.size
    # "36.01.01.2001" → 360101, computed once per desa rather than once per row.
    local = np.array([int(code[:8].replace(".", "")) for code in village_codes], dtype=np.int64)
    prefixes = reference.nik_prefixes()
    banten = np.array(sorted(p for p in prefixes.districts if p.startswith("36")), dtype=np.int64)
    draw = rng.random(n)
    result = local[row_village]
    elsewhere_in_banten = (draw >= LOCAL_NIK_SHARE) & (draw < LOCAL_NIK_SHARE + OTHER_BANTEN_NIK_SHARE)
    result[elsewhere_in_banten] = banten[rng.integers(0, banten.size, int(elsewhere_in_banten.sum()))]
    migrants = draw >= LOCAL_NIK_SHARE + OTHER_BANTEN_NIK_SHARE
    provinces = list(OTHER_PROVINCES_WEIGHTED)
    chosen_province = rng.choice(
        len(provinces), size=int(migrants.sum()), p=list(OTHER_PROVINCES_WEIGHTED.values())
    )
    migrant_prefix = np.empty(chosen_province.size, dtype=np.int64)
    for index, province in enumerate(provinces):
        rows = chosen_province == index
        pool = np.array(sorted(d for d in prefixes.districts if d[:2] == province), dtype=np.int64)
        migrant_prefix[rows] = pool[rng.integers(0, pool.size, int(rows.sum()))]
    result[migrants] = migrant_prefix
    return result


def _niks(prefix: np.ndarray, birth: np.ndarray, male: np.ndarray) -> pl.Series:
    """16-digit NIKs: prefix, birth DDMMYY (women's day + 40) and a serial per prefix and birth code.

    The serial numbers the rows sharing prefix and birth code in row order. Prefix and birth code pack
    into one integer key; a stable sort by it puts each such group's rows together in row order, which
    is several times faster than a window over the group. The NIK is then key · 10⁴ + serial; it always
    has 16 digits because no province code starts with 0.
    """
    dates = pl.Series(birth)
    day = dates.dt.day().to_numpy().astype(np.int64) + np.where(male, 0, 40)
    month = dates.dt.month().to_numpy().astype(np.int64)
    yy = dates.dt.year().to_numpy().astype(np.int64) % 100
    key = prefix * 1_000_000 + day * 10_000 + month * 100 + yy
    order = (
        pl.DataFrame({"key": key}).select(pl.arg_sort_by("key", maintain_order=True)).to_series().to_numpy()
    )
    sorted_key = key[order]
    position = np.arange(key.size)
    group_start = np.zeros(key.size, dtype=np.int64)
    group_start[1:] = np.where(sorted_key[1:] != sorted_key[:-1], position[1:], 0)
    np.maximum.accumulate(group_start, out=group_start)
    serial = np.empty(key.size, dtype=np.int64)
    serial[order] = position - group_start + 1
    if serial.max(initial=0) > 9999:
        raise ValueError("NIK serials exhausted for a kecamatan and birth date")
    return pl.Series(key * 10_000 + serial).cast(pl.String)


def _memberships(
    rng, *, informal, sector, decile, total: int, active_counts: tuple[int, int], as_of: dt.date
) -> pl.DataFrame:
    formal_active, informal_active = active_counts
    formal_workers = int((~informal).sum())
    informal_workers = int(informal.sum())
    if formal_active > formal_workers or informal_active > informal_workers:
        raise ValueError(
            f"calibration impossible at this scale: {formal_active} active PU members for {formal_workers} "
            f"formal workers, {informal_active} active BPU members for {informal_workers} informal workers"
        )
    cover_weight = np.where(
        informal,
        _by_code(SECTORS, {**INFORMAL_COVER_WEIGHT, "formal": 1.0})[sector] * (0.5 + decile / 10),
        1.0,
    )
    group = informal.astype(np.int64)  # 0 formal, 1 informal
    active = _pick_exact(rng, group, cover_weight, np.array([formal_active, informal_active]))
    rest = ~active
    arrears_total = min(round(total * ARREARS_SHARE), int(rest.sum()))
    lapse_weight = np.where(informal, 4.0, 1.0)
    arrears = _pick_exact(rng, np.where(rest, 0, 1), lapse_weight, np.array([arrears_total, 0]))
    rest &= ~arrears
    lapsed_total = min(round(total * LAPSED_SHARE), int(rest.sum()))
    lapsed = _pick_exact(rng, np.where(rest, 0, 1), lapse_weight, np.array([lapsed_total, 0]))

    member = active | arrears | lapsed
    rows = np.flatnonzero(member)
    month_now = _month_index(as_of)
    months_ahead = np.where(
        informal[rows] & active[rows],
        rng.choice([0, 1, 2, 5, 11], size=rows.size, p=[0.70, 0.08, 0.07, 0.10, 0.05]),
        0,
    )
    paid_month = np.where(
        active[rows],
        month_now + months_ahead,
        np.where(
            arrears[rows],
            month_now - rng.integers(1, 3, rows.size),
            month_now - rng.integers(3, 37, rows.size),
        ),
    )
    paid_through = (paid_month // 12 - 1970) * 12 + paid_month % 12
    paid_through = paid_through.astype("datetime64[M]").astype("datetime64[D]")
    status = np.where(active[rows], 0, np.where(arrears[rows], 1, 2))
    jht = np.where(informal[rows], rng.random(rows.size) < BPU_JHT_SHARE, True)
    # An affine map i → (A·i + B) mod M is a bijection when gcd(A, M) = 1: unique, random-looking KPJs.
    start = int(rng.integers(0, KPJ_SPACE))
    kpj = (
        10_000_000_000
        + (np.arange(rows.size, dtype=np.int64) * KPJ_MULTIPLIER % KPJ_SPACE + start) % KPJ_SPACE
    )
    return pl.DataFrame(
        {
            "worker_row": rows,
            "kpj": pl.Series(kpj).cast(pl.String),
            "segment": _strings(("PU", "BPU"), informal[rows].astype(np.int64)),
            "jht": jht,
            "status": _strings(("aktif", "menunggak", "nonaktif"), status),
            "paid_through": paid_through,
        }
    )
