"""Duplicates inside one import file (the registry side is the Django layer's job)."""

from __future__ import annotations

import polars as pl

__all__ = ["in_file_duplicates", "likely_duplicates"]

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
