"""An allocation instance: programs with budgets, candidates with weights and per-program costs (CSR).

Plain NumPy, no Django import: the funding app builds instances from the database, the CLI from JSON.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from cakupan.core.errors import DomainError

__all__ = ["MAX_BUDGET", "MAX_COST", "AllocationInputError", "Instance", "instance_from_arrays",
           "instance_from_json"]  # fmt: skip

# A trillion rupiah for one candidate is far beyond any contribution, and keeps every per-program sum of
# costs (≤ candidates × MAX_COST) inside int64 for millions of candidates.
MAX_COST = 10**12
MAX_BUDGET = 10**18


class AllocationInputError(DomainError):
    """An invalid instance: `code` is stable English, `message` is Bahasa Indonesia."""


@dataclass(frozen=True)
class Instance:
    program_ids: tuple[str, ...]
    budgets: np.ndarray  # int64, shape (P,)
    candidate_ids: tuple[str, ...]
    weights: np.ndarray  # float64, shape (N,), > 0
    indptr: np.ndarray  # int64, shape (N+1,), CSR rows = candidates
    programs: np.ndarray  # int32, shape (nnz,), program index per entry
    costs: np.ndarray  # int64, shape (nnz,), > 0

    @property
    def n_candidates(self) -> int:
        return len(self.candidate_ids)

    @property
    def n_programs(self) -> int:
        return len(self.program_ids)


def _first_duplicate(ids: tuple[str, ...]) -> str | None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            return value
        seen.add(value)
    return None


def _integer_array(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise AllocationInputError("malformed_instance", f"Larik {name} harus satu dimensi.")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        if np.any(np.abs(array) > 2**62):
            raise AllocationInputError("value_too_large", f"Nilai pada {name} terlalu besar.")
        return array.astype(np.int64)
    raise AllocationInputError("malformed_instance", f"Larik {name} harus berisi bilangan bulat.")


def instance_from_arrays(
    *,
    program_ids,
    budgets,
    candidate_ids,
    weights,
    indptr,
    programs,
    costs,
) -> Instance:
    """Validate and normalise arrays (dtypes as in `Instance`); raise AllocationInputError if invalid."""
    program_ids = tuple(str(value) for value in program_ids)
    candidate_ids = tuple(str(value) for value in candidate_ids)
    budgets = _integer_array(budgets, "anggaran")
    indptr = _integer_array(indptr, "indptr")
    programs_in = _integer_array(programs, "program")
    costs = _integer_array(costs, "biaya")
    weights = np.asarray(weights, dtype=np.float64) if len(candidate_ids) else np.zeros(0, dtype=np.float64)
    n_programs, n_candidates = len(program_ids), len(candidate_ids)

    if (duplicate := _first_duplicate(program_ids)) is not None:
        raise AllocationInputError("duplicate_program", f"Program {duplicate} tercantum lebih dari sekali.")
    if (duplicate := _first_duplicate(candidate_ids)) is not None:
        raise AllocationInputError(
            "duplicate_candidate", f"Kandidat {duplicate} tercantum lebih dari sekali."
        )
    if budgets.shape != (n_programs,):
        raise AllocationInputError("malformed_instance", "Jumlah anggaran tidak sama dengan jumlah program.")
    if weights.shape != (n_candidates,):
        raise AllocationInputError("malformed_instance", "Jumlah bobot tidak sama dengan jumlah kandidat.")
    if indptr.shape != (n_candidates + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise AllocationInputError(
            "malformed_instance", "indptr tidak sah: harus naik dari 0, satu per kandidat."
        )
    nnz = int(indptr[-1])
    if programs_in.shape != (nnz,) or costs.shape != (nnz,):
        raise AllocationInputError(
            "malformed_instance", "Panjang larik program/biaya tidak sama dengan indptr."
        )

    if n_programs and (negative := np.flatnonzero(budgets < 0)).size:
        raise AllocationInputError("negative_budget", f"Anggaran program {program_ids[negative[0]]} negatif.")
    if n_programs and (huge := np.flatnonzero(budgets > MAX_BUDGET)).size:
        raise AllocationInputError(
            "value_too_large", f"Anggaran program {program_ids[huge[0]]} melebihi batas {MAX_BUDGET}."
        )
    if n_candidates and (bad := np.flatnonzero(~(np.isfinite(weights) & (weights > 0)))).size:
        raise AllocationInputError(
            "non_positive_weight", f"Bobot kandidat {candidate_ids[bad[0]]} harus angka lebih dari 0."
        )
    rows = np.repeat(np.arange(n_candidates), np.diff(indptr)) if nnz else np.zeros(0, dtype=np.int64)
    if nnz and (unknown := np.flatnonzero((programs_in < 0) | (programs_in >= n_programs))).size:
        entry = unknown[0]
        raise AllocationInputError(
            "unknown_program",
            f"Kandidat {candidate_ids[rows[entry]]} merujuk program nomor {programs_in[entry]} (tidak ada).",
        )
    if nnz and (bad := np.flatnonzero(costs <= 0)).size:
        entry = bad[0]
        raise AllocationInputError(
            "non_positive_cost",
            f"Biaya kandidat {candidate_ids[rows[entry]]} untuk program {program_ids[programs_in[entry]]} "
            "harus lebih dari 0.",
        )
    if nnz and (huge := np.flatnonzero(costs > MAX_COST)).size:
        entry = huge[0]
        raise AllocationInputError(
            "value_too_large",
            f"Biaya kandidat {candidate_ids[rows[entry]]} untuk program {program_ids[programs_in[entry]]} "
            f"melebihi batas {MAX_COST}.",
        )
    if nnz:
        # One cost per (candidate, program): sort each row's programs and look for equal neighbours.
        order = np.lexsort((programs_in, rows))
        same = (rows[order][1:] == rows[order][:-1]) & (programs_in[order][1:] == programs_in[order][:-1])
        if (repeated := np.flatnonzero(same)).size:
            entry = order[repeated[0]]
            raise AllocationInputError(
                "duplicate_cost",
                f"Kandidat {candidate_ids[rows[entry]]} punya lebih dari satu biaya untuk program "
                f"{program_ids[programs_in[entry]]}.",
            )
    return Instance(
        program_ids=program_ids,
        budgets=np.ascontiguousarray(budgets, dtype=np.int64),
        candidate_ids=candidate_ids,
        weights=np.ascontiguousarray(weights, dtype=np.float64),
        indptr=np.ascontiguousarray(indptr, dtype=np.int64),
        programs=np.ascontiguousarray(programs_in, dtype=np.int32),
        costs=np.ascontiguousarray(costs, dtype=np.int64),
    )


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _identifier(value, what: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise AllocationInputError("malformed_instance", f"ID {what} harus teks yang tidak kosong.")


def instance_from_json(obj: dict) -> Instance:
    """`{"programs": [{"id", "budget"}], "candidates": [{"id", "weight", "costs": {program id: cost}}]}`."""
    if not isinstance(obj, dict):
        raise AllocationInputError(
            "malformed_instance", "Instans harus objek JSON dengan programs dan candidates."
        )
    programs_in, candidates_in = obj.get("programs"), obj.get("candidates")
    if not isinstance(programs_in, list) or not isinstance(candidates_in, list):
        raise AllocationInputError(
            "malformed_instance", "Instans harus punya daftar programs dan candidates."
        )

    program_ids, budgets = [], []
    for item in programs_in:
        if not isinstance(item, dict) or "id" not in item or "budget" not in item:
            raise AllocationInputError("malformed_instance", "Setiap program harus punya id dan budget.")
        program_id = _identifier(item["id"], "program")
        budget = item["budget"]
        if not _is_integer(budget):
            raise AllocationInputError(
                "malformed_instance", f"Anggaran program {program_id} harus bilangan bulat rupiah."
            )
        if budget < 0:
            raise AllocationInputError("negative_budget", f"Anggaran program {program_id} negatif.")
        if budget > MAX_BUDGET:
            raise AllocationInputError(
                "value_too_large", f"Anggaran program {program_id} melebihi batas {MAX_BUDGET}."
            )
        program_ids.append(program_id)
        budgets.append(int(budget))
    if (duplicate := _first_duplicate(tuple(program_ids))) is not None:
        raise AllocationInputError("duplicate_program", f"Program {duplicate} tercantum lebih dari sekali.")
    index = {program_id: position for position, program_id in enumerate(program_ids)}

    candidate_ids, weights, indptr, programs, costs = [], [], [0], [], []
    for item in candidates_in:
        if not isinstance(item, dict) or "id" not in item or "weight" not in item:
            raise AllocationInputError("malformed_instance", "Setiap kandidat harus punya id dan weight.")
        candidate_id = _identifier(item["id"], "kandidat")
        weight = item["weight"]
        if not _is_number(weight):
            raise AllocationInputError("malformed_instance", f"Bobot kandidat {candidate_id} harus angka.")
        if not (math.isfinite(weight) and weight > 0):
            raise AllocationInputError(
                "non_positive_weight", f"Bobot kandidat {candidate_id} harus angka lebih dari 0."
            )
        item_costs = item.get("costs", {})
        if not isinstance(item_costs, dict):
            raise AllocationInputError(
                "malformed_instance", f"Biaya kandidat {candidate_id} harus objek {{program: biaya}}."
            )
        for program_id, cost in item_costs.items():
            if program_id not in index:
                raise AllocationInputError(
                    "unknown_program", f"Kandidat {candidate_id} merujuk program {program_id} yang tidak ada."
                )
            if not _is_integer(cost):
                raise AllocationInputError(
                    "malformed_instance",
                    f"Biaya kandidat {candidate_id} untuk program {program_id} harus bilangan bulat rupiah.",
                )
            if cost <= 0:
                raise AllocationInputError(
                    "non_positive_cost",
                    f"Biaya kandidat {candidate_id} untuk program {program_id} harus lebih dari 0.",
                )
            if cost > MAX_COST:
                raise AllocationInputError(
                    "value_too_large",
                    f"Biaya kandidat {candidate_id} untuk program {program_id} melebihi batas {MAX_COST}.",
                )
            programs.append(index[program_id])
            costs.append(int(cost))
        candidate_ids.append(candidate_id)
        weights.append(float(weight))
        indptr.append(len(programs))
    return instance_from_arrays(
        program_ids=program_ids,
        budgets=np.array(budgets, dtype=np.int64),
        candidate_ids=candidate_ids,
        weights=np.array(weights, dtype=np.float64),
        indptr=np.array(indptr, dtype=np.int64),
        programs=np.array(programs, dtype=np.int64),
        costs=np.array(costs, dtype=np.int64),
    )
