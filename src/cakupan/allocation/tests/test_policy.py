"""Allocation policies: most vulnerable first, most people per rupiah, and plans that mix the two."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.allocation import AllocationInputError, instance_from_arrays, instance_from_json
from cakupan.allocation.policy import (
    MOST_PEOPLE,
    MOST_PEOPLE_TIER,
    PRIORITY_SHARE,
    VULNERABLE_FIRST,
    count_weights,
    entry_tiers,
    solve_with_policies,
)
from cakupan.allocation.tests.test_solver import assert_feasible, json_instance


def funded(instance, solution) -> dict[str, str]:
    return {
        instance.candidate_ids[i]: instance.program_ids[j]
        for i, j in enumerate(solution.assignment.tolist())
        if j >= 0
    }


# The README's case: room for one decile-1 worker (a dearer package) or two decile-2 workers.
ONE_OR_TWO = json_instance(
    {"P": 33_600},
    [("d1", 1100.0, {"P": 33_600}), ("d2a", 1000.0, {"P": 16_800}), ("d2b", 1000.0, {"P": 16_800})],
)
ONE_OR_TWO_DECILES = np.array([1, 2, 2])


def test_most_vulnerable_first_funds_the_decile_1_worker_over_two_of_decile_2():
    instance = instance_from_json(ONE_OR_TWO)
    solution = solve_with_policies(instance, deciles=ONE_OR_TWO_DECILES, policies=(VULNERABLE_FIRST,))
    assert funded(instance, solution) == {"d1": "P"}
    assert solution.spent.tolist() == [33_600]
    assert solution.objective == 1100.0
    assert_feasible(instance, solution)


def test_most_people_per_rupiah_funds_the_two_decile_2_workers():
    instance = instance_from_json(ONE_OR_TWO)
    solution = solve_with_policies(instance, deciles=ONE_OR_TWO_DECILES, policies=(MOST_PEOPLE,))
    assert funded(instance, solution) == {"d2a": "P", "d2b": "P"}
    assert solution.spent.tolist() == [33_600]
    # Each person counts 1 plus their share of the highest priority weight (1100) times PRIORITY_SHARE.
    assert solution.objective == pytest.approx(2 * (1 + PRIORITY_SHARE * 1000 / 1100))


def test_a_higher_decile_is_funded_with_what_no_lower_decile_worker_fits_in():
    # 50.000 left after the two decile-1 workers: the decile-2 worker (33.600) fits, the decile-1 one
    # who costs 60.000 never did.
    instance = instance_from_json(
        json_instance(
            {"P": 100_000},
            [
                ("a", 1100.0, {"P": 25_000}),
                ("b", 1100.0, {"P": 25_000}),
                ("too_dear", 1100.0, {"P": 60_000}),
                ("c", 1000.0, {"P": 33_600}),
                ("d", 1000.0, {"P": 33_600}),
            ],
        )
    )
    solution = solve_with_policies(instance, deciles=np.array([1, 1, 1, 2, 2]), policies=(VULNERABLE_FIRST,))
    assert funded(instance, solution) == {"a": "P", "b": "P", "c": "P"}
    assert solution.spent.tolist() == [83_600]


def test_unknown_deciles_come_after_decile_10():
    instance = instance_from_json(
        json_instance({"P": 16_800}, [("unknown", 5000.0, {"P": 16_800}), ("ten", 1.0, {"P": 16_800})])
    )
    solution = solve_with_policies(instance, deciles=np.array([0, 10]), policies=(VULNERABLE_FIRST,))
    assert funded(instance, solution) == {"ten": "P"}


def test_mixed_plan_runs_the_vulnerable_first_programs_before_the_most_people_ones():
    # "x" is eligible for both; the vulnerable-first program V takes her, so the most-people program M
    # funds the two others.
    instance = instance_from_json(
        json_instance(
            {"M": 33_600, "V": 16_800},
            [
                ("x", 1100.0, {"M": 16_800, "V": 16_800}),
                ("y", 200.0, {"M": 16_800}),
                ("z", 100.0, {"M": 16_800}),
            ],
        )
    )
    deciles = np.array([1, 9, 10])
    tiers = entry_tiers(instance, deciles=deciles, policies=(MOST_PEOPLE, VULNERABLE_FIRST))
    assert tiers.tolist() == [MOST_PEOPLE_TIER, 1, MOST_PEOPLE_TIER, MOST_PEOPLE_TIER]
    solution = solve_with_policies(instance, deciles=deciles, policies=(MOST_PEOPLE, VULNERABLE_FIRST))
    assert funded(instance, solution) == {"x": "V", "y": "M", "z": "M"}
    assert solution.spent.tolist() == [33_600, 16_800]


def test_count_weights_stay_between_1_and_1_plus_the_priority_share():
    weights = count_weights(np.array([1.0, 550.0, 1100.0]))
    assert weights.tolist() == [1 + PRIORITY_SHARE / 1100, 1 + PRIORITY_SHARE / 2, 1 + PRIORITY_SHARE]
    assert count_weights(np.zeros(0)).size == 0


def test_empty_instance_funds_nobody():
    instance = instance_from_json(json_instance({"P": 1000}, []))
    solution = solve_with_policies(instance, deciles=np.zeros(0), policies=(VULNERABLE_FIRST,))
    assert solution.assignment.size == 0
    assert solution.spent.tolist() == [0]
    assert solution.objective == 0.0


@pytest.mark.parametrize(
    ("policies", "deciles", "code"),
    [
        (("semua",), [1, 2, 2], "unknown_policy"),
        ((VULNERABLE_FIRST, MOST_PEOPLE), [1, 2, 2], "malformed_instance"),
        ((VULNERABLE_FIRST,), [1, 2], "malformed_instance"),
    ],
)
def test_invalid_policy_input(policies, deciles, code):
    instance = instance_from_json(ONE_OR_TWO)
    with pytest.raises(AllocationInputError) as error:
        solve_with_policies(instance, deciles=np.array(deciles), policies=policies)
    assert error.value.code == code


@st.composite
def policy_instances(draw):
    programs = draw(st.integers(1, 3))
    candidates = draw(st.integers(0, 12))
    budgets = [draw(st.integers(0, 400)) for _ in range(programs)]
    indptr, chosen, costs, weights, deciles = [0], [], [], [], []
    for _ in range(candidates):
        for j in sorted(draw(st.sets(st.integers(0, programs - 1), max_size=programs))):
            chosen.append(j)
            costs.append(draw(st.integers(1, 200)))
        indptr.append(len(chosen))
        weights.append(draw(st.floats(0.1, 10.0, allow_nan=False)))
        deciles.append(draw(st.integers(0, 10)))
    policies = tuple(draw(st.sampled_from((VULNERABLE_FIRST, MOST_PEOPLE))) for _ in range(programs))
    instance = instance_from_arrays(
        program_ids=[f"P{j}" for j in range(programs)],
        budgets=budgets,
        candidate_ids=[f"K{i}" for i in range(candidates)],
        weights=np.array(weights, dtype=np.float64),
        indptr=indptr,
        programs=np.array(chosen, dtype=np.int64),
        costs=np.array(costs, dtype=np.int64),
    )
    return instance, np.array(deciles, dtype=np.int64), policies


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(policy_instances())
def test_no_affordable_more_vulnerable_worker_is_left_behind(case):
    instance, deciles, policies = case
    solution = solve_with_policies(instance, deciles=deciles, policies=policies)
    assignment = solution.assignment
    spent = np.zeros(instance.n_programs, dtype=np.int64)
    for i, j in enumerate(assignment.tolist()):
        if j >= 0:
            row = slice(instance.indptr[i], instance.indptr[i + 1])
            spent[j] += instance.costs[row][instance.programs[row].tolist().index(j)]
    # Feasible, and the objective is the passes' weights of the funded.
    assert np.all(spent <= instance.budgets)
    assert np.array_equal(spent, solution.spent)
    assert solution.objective <= solution.upper_bound + 1e-9
    remaining = instance.budgets - spent
    tier = np.where((deciles >= 1) & (deciles <= 10), deciles, 11)
    for a in np.flatnonzero(assignment < 0).tolist():
        for entry in range(instance.indptr[a], instance.indptr[a + 1]):
            j = int(instance.programs[entry])
            cost = int(instance.costs[entry])
            if policies[j] == MOST_PEOPLE:
                # Nobody is left out of a most-people program while their cost still fits.
                assert cost > remaining[j]
                continue
            # What program j spent on less vulnerable workers than `a`, plus what it has left, is less
            # than `a` costs: had it been enough, `a` would have been funded in her decile's pass.
            later = sum(
                int(instance.costs[e])
                for b in np.flatnonzero((assignment == j) & (tier > tier[a])).tolist()
                for e in range(instance.indptr[b], instance.indptr[b + 1])
                if instance.programs[e] == j
            )
            assert cost > remaining[j] + later


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(policy_instances())
def test_policies_are_deterministic(case):
    instance, deciles, policies = case
    first = solve_with_policies(instance, deciles=deciles, policies=policies)
    second = solve_with_policies(instance, deciles=deciles, policies=policies)
    assert np.array_equal(first.assignment, second.assignment)
    assert first.objective == second.objective
