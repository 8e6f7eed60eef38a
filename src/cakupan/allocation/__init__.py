"""Funding allocation solver (issue #7): which candidates each program pays contribution months for.

Plain NumPy, no Django import (a test holds it to that). See the `solver` package's docstring for the
method and docs/benchmarks.md for its figures.
"""

from cakupan.allocation.instance import (
    AllocationInputError,
    Instance,
    instance_from_arrays,
    instance_from_json,
)
from cakupan.allocation.solver import Solution, solution_to_json, solve

__all__ = [
    "AllocationInputError",
    "Instance",
    "Solution",
    "instance_from_arrays",
    "instance_from_json",
    "solution_to_json",
    "solve",
]
