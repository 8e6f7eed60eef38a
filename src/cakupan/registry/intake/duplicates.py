"""Duplicates inside one import file (the registry side is the Django layer's job)."""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["FirstSeen", "in_file_duplicates", "likely_duplicates"]

LIKELY_DUPLICATE_KEYS = ("name_key", "birth_date", "desa_id")


def in_file_duplicates(frame: pl.DataFrame, key: str = "nik") -> pl.DataFrame:
    """`frame` with Boolean `duplicate_in_file`: False for the first row of each key (lowest `row`, or
    frame order without a `row` column), True for its repeats; rows with a null key are never duplicates.
    The frame keeps its order."""
    ordered = frame.with_row_index("_position")
    if "row" in frame.columns:
        ordered = ordered.sort("row", maintain_order=True)
    marked = ordered.with_columns(
        (~pl.col(key).is_first_distinct() & pl.col(key).is_not_null()).alias("duplicate_in_file")
    )
    return marked.sort("_position").drop("_position")


def likely_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """Pairs of rows with the same name_key, birth_date and desa_id but different NIKs: row, other_row,
    nik, other_nik (row < other_row, each pair once, sorted). Rows without a name key are skipped."""
    keys = list(LIKELY_DUPLICATE_KEYS)
    candidates = frame.select("row", "nik", *keys).filter(
        pl.all_horizontal(pl.col(name).is_not_null() for name in keys) & (pl.col("name_key") != "")
    )
    # Only keys that occur more than once can pair; this keeps the self-join small.
    candidates = candidates.filter(pl.len().over(keys) > 1)
    pairs = candidates.join(candidates, on=keys, suffix="_other")
    return (
        pairs.filter((pl.col("row") < pl.col("row_other")) & (pl.col("nik") != pl.col("nik_other")))
        .select(
            pl.col("row").cast(pl.Int64),
            pl.col("row_other").cast(pl.Int64).alias("other_row"),
            pl.col("nik"),
            pl.col("nik_other").alias("other_nik"),
        )
        .sort("row", "other_row")
    )


class FirstSeen:
    """In-file duplicates across the chunks of one file, read in row order: remembers the first row of
    every key seen so far, so no staging table or second pass is needed.

    Keys are digit strings (NIK: 16 digits, KPJ: 11), kept as sorted int64 with their first row in
    numpy arrays: 16 bytes per distinct key (96 MB for 6 million), not Python objects; a chunk's new keys
    are inserted at their sorted places (one linear copy), and lookups are binary searches.
    """

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.int64)
        self._rows = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return int(self._keys.size)

    def mark(self, frame: pl.DataFrame, key: str = "nik") -> pl.DataFrame:
        """`frame` (rows in file order, `row` increasing across calls; `key` all digits, never null) with
        Int64 `first_row`: null for the first row of its key in the file so far, else that first row."""
        if frame.is_empty():
            return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("first_row"))
        keys = frame[key].cast(pl.Int64).to_numpy()
        rows = frame["row"].cast(pl.Int64).to_numpy()
        # Earlier chunks first: a key already seen points at its first row there. Sorted queries walk the
        # known keys in order; random ones would miss the CPU cache on almost every probe.
        order = np.argsort(keys)
        position = np.empty_like(order)
        position[order] = np.searchsorted(self._keys, keys[order])
        inside = position < self._keys.size
        earlier = np.zeros(keys.size, dtype=bool)
        earlier[inside] = self._keys[position[inside]] == keys[inside]
        first = np.full(keys.size, -1, dtype=np.int64)
        first[earlier] = self._rows[position[earlier]]
        # Within this chunk: the lowest row of each key not seen before.
        local = pl.DataFrame({"key": keys, "row": rows})
        chunk_first = local.select(pl.col("row").min().over("key")).to_series().to_numpy()
        first = np.where(earlier, first, np.where(chunk_first == rows, -1, chunk_first))
        new = ~earlier & (first == -1)
        # New keys go in at the places just searched, in key order (np.insert keeps the given order
        # among equal places): one linear copy, no re-sort of the keys already known.
        added = order[new[order]]
        self._keys = np.insert(self._keys, position[added], keys[added])
        self._rows = np.insert(self._rows, position[added], rows[added])
        return frame.with_columns(
            pl.Series("first_row", first, dtype=pl.Int64).replace(-1, None).alias("first_row")
        )
