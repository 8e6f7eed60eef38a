"""The allocation solver: hand-made answers, input validation, and properties against HiGHS (LP and MIP)."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.allocation import (
    AllocationInputError,
    Instance,
    instance_from_arrays,
    instance_from_json,
    solution_to_json,
    solve,
)

# On tiny random instances the plan reaches at least this share of the integer optimum. Measured, not
# proven: the primal is a heuristic, and a tiny knapsack is its worst case (one program choosing between
# a big candidate and two small ones; the worst seen over 400 seeded instances was 70.9%, 9 of 400 not
# optimal). At scale, a program funds hundreds of candidates and the plan is within 0.1% of the LP.
SMALL_OPTIMUM_SHARE = 0.6
# HiGHS solves to ~1e-7 relative; our bound must not fall below its optimum by more than that.
HIGHS_TOLERANCE = 1e-6


def json_instance(programs: dict[str, int], candidates: list[tuple[str, float, dict[str, int]]]) -> dict:
    return {
        "programs": [{"id": key, "budget": budget} for key, budget in programs.items()],
        "candidates": [{"id": key, "weight": weight, "costs": costs} for key, weight, costs in candidates],
    }


def highs_optimum(instance: Instance, *, integer: bool) -> float:
    """The LP relaxation's (or the integer problem's) optimum, by HiGHS."""
    n, p, nnz = instance.n_candidates, instance.n_programs, instance.costs.size
    if nnz == 0:
        return 0.0
    rows = np.repeat(np.arange(n), np.diff(instance.indptr))
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nnz, n + p
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = instance.weights[rows]
    lp.col_lower_, lp.col_upper_ = np.zeros(nnz), np.ones(nnz)
    lp.row_lower_ = np.full(n + p, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.ones(n), instance.budgets.astype(np.float64)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * nnz + 1, 2, dtype=np.int32)
    index = np.empty(2 * nnz, dtype=np.int32)
    index[0::2], index[1::2] = rows, n + instance.programs
    value = np.empty(2 * nnz)
    value[0::2], value[1::2] = 1.0, instance.costs
    lp.a_matrix_.index_, lp.a_matrix_.value_ = index, value
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * nnz
        highs.setOptionValue("mip_rel_gap", 0.0)
    highs.passModel(lp)
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return highs.getInfo().objective_function_value


def assert_feasible(instance: Instance, solution) -> None:
    """Budgets hold, each candidate is funded at most once and only by a program it has a cost for."""
    assert solution.assignment.shape == (instance.n_candidates,)
    spent = np.zeros(instance.n_programs, dtype=np.int64)
    objective = 0.0
    for i, j in enumerate(solution.assignment.tolist()):
        if j < 0:
            continue
        row = slice(instance.indptr[i], instance.indptr[i + 1])
        eligible = instance.programs[row].tolist()
        assert j in eligible, f"candidate {i} funded by program {j} it has no cost for"
        spent[j] += instance.costs[row][eligible.index(j)]
        objective += instance.weights[i]
    assert np.all(spent <= instance.budgets)
    assert np.array_equal(spent, solution.spent)
    assert solution.objective == pytest.approx(objective, rel=1e-12)
    assert solution.objective <= solution.upper_bound


# --- hand-made instances ---------------------------------------------------------------------------


def test_all_fit_funds_everyone_eligible():
    instance = instance_from_json(
        json_instance(
            {"P1": 300, "P2": 100},
            [
                ("a", 5, {"P1": 100, "P2": 100}),
                ("b", 4, {"P1": 200}),
                ("c", 3, {"P1": 100, "P2": 50}),
                ("d", 1, {}),
            ],
        )
    )
    solution = solve(instance)
    assert_feasible(instance, solution)
    answer = solution_to_json(instance, solution)
    # a, b and c cannot all go to P1 (400 > 300): c must go to P2, the rest to P1. d has no program.
    assert answer["assignments"] == {"a": "P1", "b": "P1", "c": "P2"}
    assert answer["objective"] == 12.0
    assert solution.upper_bound == pytest.approx(12.0, rel=1e-8)
    assert solution.gap_pct == 0.0
    assert solution.spent.tolist() == [300, 50]


def test_binding_budget_keeps_the_heaviest():
    # One program, room for exactly two of four equal-cost candidates.
    instance = instance_from_json(
        json_instance(
            {"P": 200},
            [("a", 1.0, {"P": 100}), ("b", 4.0, {"P": 100}), ("c", 2.5, {"P": 100}), ("d", 3.0, {"P": 100})],
        )
    )
    solution = solve(instance)
    assert_feasible(instance, solution)
    assert solution_to_json(instance, solution)["assignments"] == {"b": "P", "d": "P"}
    assert solution.objective == 7.0
    # LP optimum is 7 too (the budget is filled exactly by whole candidates).
    assert solution.upper_bound == pytest.approx(7.0, rel=1e-6)


def test_candidate_moves_to_the_program_that_has_room():
    # x is worth more in P1's budget terms but y can only use P1; the optimum funds both.
    instance = instance_from_json(
        json_instance({"P1": 10, "P2": 10}, [("x", 5, {"P1": 10, "P2": 10}), ("y", 4, {"P1": 10})])
    )
    solution = solve(instance)
    assert solution_to_json(instance, solution)["assignments"] == {"x": "P2", "y": "P1"}
    assert solution.objective == 9.0


def test_zero_budgets_fund_nobody():
    instance = instance_from_json(
        json_instance({"P1": 0, "P2": 0}, [("a", 2, {"P1": 1}), ("b", 1, {"P1": 5, "P2": 1})])
    )
    solution = solve(instance)
    assert_feasible(instance, solution)
    assert solution.assignment.tolist() == [-1, -1]
    assert solution.objective == 0.0
    assert solution.spent.tolist() == [0, 0]
    assert solution.upper_bound >= highs_optimum(instance, integer=False) * (1 - HIGHS_TOLERANCE)


def test_too_expensive_candidate_is_never_funded():
    instance = instance_from_json(json_instance({"P": 99}, [("a", 9, {"P": 100}), ("b", 1, {"P": 99})]))
    solution = solve(instance)
    assert_feasible(instance, solution)
    assert solution.assignment.tolist() == [-1, 0]
    assert solution.objective == 1.0


@pytest.mark.parametrize(
    "obj",
    [
        {"programs": [], "candidates": []},
        {"programs": [{"id": "P", "budget": 5}], "candidates": []},
        {"programs": [], "candidates": [{"id": "a", "weight": 1, "costs": {}}]},
        {"programs": [{"id": "P", "budget": 5}], "candidates": [{"id": "a", "weight": 1, "costs": {}}]},
    ],
)
def test_empty_instances(obj):
    instance = instance_from_json(obj)
    solution = solve(instance)
    assert solution.objective == 0.0
    assert solution.gap_pct == 0.0
    assert solution.assignment.tolist() == [-1] * instance.n_candidates
    assert solution.spent.tolist() == [0] * instance.n_programs
    assert solution_to_json(instance, solution)["assignments"] == {}


def test_deterministic():
    rng = np.random.default_rng(3)
    instance = random_instance(rng, candidates=400, programs=6)
    first, second = solve(instance), solve(instance)
    assert np.array_equal(first.assignment, second.assignment)
    assert first.upper_bound == second.upper_bound


def random_instance(
    rng: np.random.Generator, *, candidates: int, programs: int, equal_costs=False
) -> Instance:
    counts = rng.integers(0, programs + 1, candidates)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    chosen = np.concatenate([np.sort(rng.choice(programs, k, replace=False)) for k in counts] or [[]])
    costs = np.full(chosen.size, 100) if equal_costs else rng.choice([60, 80, 100, 150, 240], chosen.size)
    demand = np.bincount(chosen.astype(np.int64), weights=costs, minlength=programs)
    return instance_from_arrays(
        program_ids=[f"P{j}" for j in range(programs)],
        budgets=np.round(demand * rng.uniform(0.0, 0.5, programs)).astype(np.int64),
        candidate_ids=[f"K{i}" for i in range(candidates)],
        weights=np.round(rng.uniform(0.5, 10.0, candidates), 2),
        indptr=indptr,
        programs=chosen.astype(np.int64),
        costs=costs,
    )


@pytest.mark.parametrize("equal_costs", [False, True])
def test_medium_instance_close_to_lp(equal_costs):
    # 2,000 × 10 with ~200 funded per program: one lost candidate per program is already ~0.5%.
    instance = random_instance(
        np.random.default_rng(11), candidates=2000, programs=10, equal_costs=equal_costs
    )
    solution = solve(instance)
    assert_feasible(instance, solution)
    lp = highs_optimum(instance, integer=False)
    assert solution.upper_bound >= lp * (1 - HIGHS_TOLERANCE)
    assert solution.upper_bound <= lp * 1.001, "the dual prices are far from optimal"
    assert solution.objective >= 0.99 * lp


# --- properties --------------------------------------------------------------------------------------


@st.composite
def small_instances(draw) -> Instance:
    programs = draw(st.integers(1, 3))
    candidates = draw(st.integers(0, 7))
    budgets = [draw(st.integers(0, 400)) for _ in range(programs)]
    indptr, chosen, costs, weights = [0], [], [], []
    for _ in range(candidates):
        eligible = draw(st.lists(st.integers(0, programs - 1), unique=True, max_size=programs))
        for j in sorted(eligible):
            chosen.append(j)
            costs.append(draw(st.integers(1, 200)))
        indptr.append(len(chosen))
        weights.append(draw(st.floats(0.1, 10.0, allow_nan=False)))
    return instance_from_arrays(
        program_ids=[f"P{j}" for j in range(programs)],
        budgets=budgets,
        candidate_ids=[f"K{i}" for i in range(candidates)],
        weights=np.array(weights, dtype=np.float64),
        indptr=indptr,
        programs=np.array(chosen, dtype=np.int64),
        costs=np.array(costs, dtype=np.int64),
    )


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_properties_against_highs(instance):
    solution = solve(instance)
    assert_feasible(instance, solution)
    lp = highs_optimum(instance, integer=False)
    optimum = highs_optimum(instance, integer=True)
    assert solution.upper_bound >= lp - HIGHS_TOLERANCE * max(lp, 1.0)
    assert solution.objective <= optimum + 1e-9 * max(optimum, 1.0)
    assert solution.objective >= SMALL_OPTIMUM_SHARE * optimum - 1e-9


# --- invalid input -------------------------------------------------------------------------------------


def valid() -> dict:
    return json_instance({"P1": 100, "P2": 50}, [("a", 1.5, {"P1": 10}), ("b", 2, {"P1": 20, "P2": 30})])


def broken(change) -> dict:
    obj = valid()
    change(obj)
    return obj


@pytest.mark.parametrize(
    ("obj", "code", "fragment"),
    [
        (broken(lambda o: o["candidates"][0]["costs"].update(P9=5)), "unknown_program", "P9"),
        (
            broken(lambda o: o["programs"][1].update(budget=-1)),
            "negative_budget",
            "Anggaran program P2 negatif",
        ),
        (broken(lambda o: o["candidates"].append(dict(o["candidates"][0]))), "duplicate_candidate", "a"),
        (broken(lambda o: o["programs"].append({"id": "P1", "budget": 1})), "duplicate_program", "P1"),
        (broken(lambda o: o["candidates"][1]["costs"].update(P2=0)), "non_positive_cost", "P2"),
        (broken(lambda o: o["candidates"][1]["costs"].update(P2=-3)), "non_positive_cost", "b"),
        (broken(lambda o: o["candidates"][0].update(weight=0)), "non_positive_weight", "a"),
        (broken(lambda o: o["candidates"][0].update(weight=-2.5)), "non_positive_weight", "a"),
        (broken(lambda o: o["candidates"][0].update(weight=float("nan"))), "non_positive_weight", "a"),
        (broken(lambda o: o["candidates"][1]["costs"].update(P1=10**13)), "value_too_large", "b"),
        (broken(lambda o: o["programs"][0].update(budget=10**19)), "value_too_large", "P1"),
        ([], "malformed_instance", "objek JSON"),
        ({"programs": []}, "malformed_instance", "candidates"),
        (broken(lambda o: o["programs"][0].pop("budget")), "malformed_instance", "budget"),
        (broken(lambda o: o["programs"][0].update(budget=1.5)), "malformed_instance", "bilangan bulat"),
        (broken(lambda o: o["programs"][0].update(budget=True)), "malformed_instance", "bilangan bulat"),
        (broken(lambda o: o["programs"][0].update(id=7)), "malformed_instance", "ID program"),
        (broken(lambda o: o["candidates"][0].update(id="")), "malformed_instance", "ID kandidat"),
        (broken(lambda o: o["candidates"][0].update(weight="1")), "malformed_instance", "Bobot"),
        (broken(lambda o: o["candidates"][0].update(costs=[10])), "malformed_instance", "Biaya"),
        (broken(lambda o: o["candidates"][0]["costs"].update(P1=12.5)), "malformed_instance", "P1"),
        (broken(lambda o: o["candidates"][0].pop("id")), "malformed_instance", "id"),
    ],
)
def test_invalid_json_instances(obj, code, fragment):
    with pytest.raises(AllocationInputError) as raised:
        instance_from_json(obj)
    assert raised.value.code == code
    assert fragment in raised.value.message


def arrays(**changes) -> dict:
    base = {
        "program_ids": ["P1", "P2"],
        "budgets": [100, 50],
        "candidate_ids": ["a", "b"],
        "weights": [1.0, 2.0],
        "indptr": [0, 1, 3],
        "programs": [0, 0, 1],
        "costs": [10, 20, 30],
    }
    return {**base, **changes}


def test_arrays_round_trip_dtypes():
    instance = instance_from_arrays(**arrays())
    assert instance.budgets.dtype == np.int64 and instance.indptr.dtype == np.int64
    assert instance.programs.dtype == np.int32 and instance.costs.dtype == np.int64
    assert instance.weights.dtype == np.float64


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"programs": [0, 0, 2]}, "unknown_program"),
        ({"programs": [0, -1, 1]}, "unknown_program"),
        ({"budgets": [100, -5]}, "negative_budget"),
        ({"candidate_ids": ["a", "a"]}, "duplicate_candidate"),
        ({"program_ids": ["P1", "P1"]}, "duplicate_program"),
        ({"costs": [10, 0, 30]}, "non_positive_cost"),
        ({"weights": [1.0, 0.0]}, "non_positive_weight"),
        ({"weights": [1.0, np.inf]}, "non_positive_weight"),
        ({"programs": [0, 1, 1]}, "duplicate_cost"),
        ({"costs": [10, 20, 10**13]}, "value_too_large"),
        ({"indptr": [0, 2, 1]}, "malformed_instance"),
        ({"indptr": [1, 1, 3]}, "malformed_instance"),
        ({"indptr": [0, 1, 4]}, "malformed_instance"),
        ({"budgets": [100]}, "malformed_instance"),
        ({"weights": [1.0]}, "malformed_instance"),
        ({"costs": [10.5, 20, 30]}, "malformed_instance"),
        ({"costs": [[10, 20, 30]]}, "malformed_instance"),
    ],
)
def test_invalid_arrays(changes, code):
    with pytest.raises(AllocationInputError) as raised:
        instance_from_arrays(**arrays(**changes))
    assert raised.value.code == code
    assert raised.value.message
