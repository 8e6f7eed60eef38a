import datetime as dt

import numpy as np
import pytest

from cakupan.core.errors import DomainError
from cakupan.funding import costs, priority, services
from cakupan.funding.candidates import program_candidates
from cakupan.funding.models import AccountKind, Funder, FunderKind, FundingProgram, LedgerAccount, LedgerEntry
from cakupan.funding.tests.conftest import DESA_A, DESA_B, DESA_C, START


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# --- plain modules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("funding", "sector", "months", "total", "first"),
    [
        ("apbd", "nelayan", 12, 201_600, 16_800),  # APBD pays full price (PP 50/2025 excludes it)
        ("baznas", "nelayan", 3, 8_400 + 16_800 * 2, 8_400),  # discount Apr–Dec 2026 for other sectors
        ("baznas", "transportasi", 3, 8_400 * 3, 8_400),  # transport discounted to March 2027
        ("dana_desa", "petani", 1, 8_400, 8_400),
    ],
)
def test_package_cost_comes_from_the_rules_engine(funding, sector, months, total, first):
    cost = costs.package_cost(
        income_level=1_000_000, programs=("jkk", "jkm"), start_month=START, months=months, funding=funding,
        sector=sector,
    )  # fmt: skip
    assert cost.total == total
    assert cost.per_month[0] == (START, first)
    assert len(cost.per_month) == months


def test_priority_lower_decile_first_then_sector_risk_then_renewal():
    weights = priority.weights(
        deciles=np.array([1, 2, 2, 2, 0]),
        sectors=np.array(["lainnya", "nelayan", "jasa", "jasa", "nelayan"]),
        renewal=np.array([False, False, True, False, True]),
    )
    assert weights.tolist() == [1011.0, 991.0, 926.0, 921.0, 96.0]
    assert (weights > 0).all()


# --- funders ---------------------------------------------------------------------------------------------


def test_funder_kinds_map_to_funding_sources(funders):
    assert funders["province"].funding_source == "apbd"
    assert funders["zakat"].funding_source == "baznas"
    assert funders["desa"].funding_source == "dana_desa"
    assert funders["csr"].funding_source == "csr"


def test_one_dana_desa_per_desa_and_area_levels(funders):
    assert _code(services.funder_create, name="Lagi", kind=FunderKind.DANA_DESA, area_code=DESA_A) == (
        "dana_desa_duplicate"
    )
    assert _code(services.funder_create, name="X", kind=FunderKind.DANA_DESA, area_code="36.02") == (
        "funder_area_level"
    )
    assert _code(services.funder_create, name="X", kind=FunderKind.APBD_REGENCY, area_code="36") == (
        "funder_area_level"
    )
    assert _code(services.funder_create, name="X", kind="bank", area_code="36") == "funder_kind_unknown"
    assert (
        _code(services.funder_create, name=" ", kind=FunderKind.CSR, area_code="36") == "funder_name_required"
    )
    assert Funder.objects.count() == 4


def test_funder_officer_needs_the_role(people, funders):
    link = services.funder_officer_add(funder=funders["zakat"], user=people["officer"])
    assert link.funder == funders["zakat"]
    assert _code(services.funder_officer_add, funder=funders["zakat"], user=people["regency"]) == (
        "funder_officer_role"
    )


# --- programs --------------------------------------------------------------------------------------------


def test_program_create_grants_the_budget_in_the_ledger(program_factory):
    program = program_factory(budget=1_000_000)
    balances = dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))
    assert balances == {"source": -1_000_000, "available": 1_000_000, "committed": 0, "paid": 0, "covered": 0}
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == 0
    assert program.package == ("jkk", "jkm")


@pytest.mark.parametrize(
    ("funder", "values", "code"),
    [
        ("province", {"budget": 0}, "program_budget_required"),
        ("province", {"budget": None}, "program_budget_required"),
        ("province", {"budget": -5}, "program_budget_invalid"),
        ("province", {"budget": 100_000}, "program_budget_too_small"),
        ("province", {"months": 5}, "program_months_invalid"),
        ("province", {"age_min": 50, "age_max": 30}, "program_range_empty"),
        ("province", {"decile_min": 6, "decile_max": 2}, "program_range_empty"),
        ("province", {"decile_max": 11}, "program_decile_invalid"),
        ("province", {"sectors": ["formal"]}, "program_sectors_only_formal"),
        ("province", {"sectors": ["astronot"]}, "program_sector_unknown"),
        ("province", {"areas": ["99.99"]}, "region_unknown"),
        ("csr", {"areas": [DESA_C]}, "program_area_outside_funder"),
        ("zakat", {"mustahik_only": False}, "program_zakat_requires_mustahik"),
        ("desa", {"areas": [DESA_B]}, "program_area_outside_funder"),
        ("desa", {"own_village_only": False}, "program_dana_desa_own_village"),
        ("province", {"start_month": dt.date(2027, 1, 1)}, "program_start_outside_fiscal_year"),
        ("province", {"start_month": dt.date(2026, 12, 5)}, "program_start_month_invalid"),
    ],
)
def test_impossible_programs_are_refused_and_nothing_is_written(program_factory, funder, values, code):
    assert _code(program_factory, funder=funder, **values) == code
    assert FundingProgram.objects.count() == 0
    assert LedgerAccount.objects.count() == 0


def test_budget_change_posts_the_difference_and_cannot_go_below_use(program_factory, people):
    program = program_factory(budget=1_000_000)
    services.program_update(program=program, actor=people["officer"], budget=1_500_000)
    balances = dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))
    assert balances["available"] == 1_500_000
    assert balances["source"] == -1_500_000
    # Pretend 1,400,000 is committed: the budget cannot fall below it.
    LedgerAccount.objects.filter(program=program, kind=AccountKind.AVAILABLE).update(balance=100_000)
    LedgerAccount.objects.filter(program=program, kind=AccountKind.COMMITTED).update(balance=1_400_000)
    assert _code(services.program_update, program=program, actor=people["officer"], budget=1_000_000) == (
        "program_budget_below_used"
    )


# --- candidates ------------------------------------------------------------------------------------------


def test_candidates_respect_eligibility_and_get_their_price(program_factory, make_worker):
    fisher = make_worker(DESA_A, sector="nelayan", decile=1)
    driver = make_worker(DESA_B, sector="transportasi", decile=3)
    make_worker(DESA_A, sector="formal", decile=1)  # wage earner: never a BPU candidate
    make_worker(DESA_C, sector="nelayan", decile=1)  # outside the areas
    make_worker(DESA_A, sector="nelayan", decile=9)  # decile too high
    make_worker(DESA_A, sector="nelayan", decile=1, birth=dt.date(1950, 1, 1))  # too old
    make_worker(DESA_A, sector="petani", decile=1, kpj="12345678901", paid_through=dt.date(2027, 1, 1))
    lapsing = make_worker(
        DESA_A, sector="petani", decile=2, kpj="12345678902", paid_through=dt.date(2026, 11, 1)
    )
    program = program_factory(funder="csr", decile_max=5, age_max=60)
    frame = program_candidates(program)
    assert frame.sort("worker_id").rows() == [
        (fisher.pk, DESA_A, "nelayan", 1, False, 8_400 + 16_800 * 11),
        (driver.pk, DESA_B, "transportasi", 3, False, 8_400 * 4 + 16_800 * 8),
        (lapsing.pk, DESA_A, "petani", 2, False, 8_400 + 16_800 * 11),
    ]


def test_zakat_funds_only_mustahik(program_factory, make_worker, funders, people):
    poor = make_worker(decile=1)
    verified = make_worker(decile=6)
    make_worker(decile=6)  # neither poor enough nor verified
    revoked = make_worker(decile=7)
    services.mustahik_verify(funder=funders["zakat"], worker=verified, asnaf="miskin",
                             verified_on=dt.date(2026, 11, 2), actor=people["officer"])  # fmt: skip
    record = services.mustahik_verify(funder=funders["zakat"], worker=revoked, asnaf="fakir",
                                      verified_on=dt.date(2026, 11, 2), actor=people["officer"])  # fmt: skip
    services.mustahik_revoke(verification=record, actor=people["officer"])
    program = program_factory(funder="zakat", mustahik_decile_max=2)
    assert program.mustahik_only
    assert sorted(program_candidates(program)["worker_id"].to_list()) == [poor.pk, verified.pk]


def test_dana_desa_funds_only_its_own_residents(program_factory, make_worker):
    resident = make_worker(DESA_A)
    make_worker(DESA_B)
    program = program_factory(funder="desa")
    assert program.own_village_only
    assert program_candidates(program)["worker_id"].to_list() == [resident.pk]
