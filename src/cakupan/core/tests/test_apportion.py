import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cakupan.core.apportion import largest_remainder


def test_leftover_units_go_to_the_largest_remainders():
    # Quotas 3.33, 3.33, 3.33 → 3, 3, 3 plus one left over for the first (tie broken by order).
    assert largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]
    # Quotas 1.5, 2.5, 6.0 → floors 1, 2, 6; one unit left, remainders tie at .5 → first.
    assert largest_remainder(10, [15, 25, 60]).tolist() == [2, 2, 6]
    assert largest_remainder(0, [5, 7]).tolist() == [0, 0]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_impossible_weights_are_refused(weights):
    with pytest.raises(ValueError):
        largest_remainder(10, weights)


def test_negative_total_is_refused():
    with pytest.raises(ValueError):
        largest_remainder(-1, [1, 2])


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=40),
)
def test_parts_add_up_exactly_and_stay_within_one_of_the_quota(total, weights):
    parts = largest_remainder(total, weights)
    assert int(parts.sum()) == total
    quotas = np.array(weights, dtype=float) / sum(weights) * total
    assert (np.abs(parts - quotas) < 1 + 1e-6).all()
    assert (parts >= 0).all()
