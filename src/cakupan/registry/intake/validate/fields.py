"""Field parsers and checks shared by both validators (Polars expressions)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import phonenumbers
import polars as pl

from cakupan.regions.reference import load_regions
from cakupan.registry.intake import columns as cols
from cakupan.registry.intake.reader import NIK_NUMERIC_COLUMN
from cakupan.registry.intake.validate.codes import (
    _ANY_DATE,
    _ISO_MONTH,
    _MY_MONTH,
    ISSUE_SCHEMA,
    PHONE_MAX_LENGTH,
    VALUE_MAX_LENGTH,
)


@dataclass(frozen=True)
class Validated:
    """`rows`: the rows without errors, typed (WORKER_ROW_SCHEMA / ROSTER_ROW_SCHEMA); `issues`: every
    error and warning (ISSUE_SCHEMA), ordered by row."""

    rows: pl.DataFrame
    issues: pl.DataFrame


class _Checks:
    """Collects issue frames from masks over one working frame."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame
        self.parts: list[pl.DataFrame] = []
        self.error_rows: list[pl.Series] = []

    def add(
        self,
        mask: pl.Expr,
        field: str,
        code: str,
        message: str | pl.Expr,
        *,
        severity: str = "error",
        value: str | None = None,
    ) -> None:
        raw = pl.col(value or field)
        found = self.frame.filter(mask.fill_null(False)).select(
            pl.col("row"),
            pl.lit(field).alias("field"),
            pl.lit(code).alias("code"),
            (pl.lit(message) if isinstance(message, str) else message).alias("message"),
            pl.lit(severity).alias("severity"),
            raw.cast(pl.String).str.slice(0, VALUE_MAX_LENGTH).alias("value"),
        )
        if found.height:
            self.parts.append(found)
            if severity == "error":
                self.error_rows.append(found["row"])

    def add_frame(self, issues: pl.DataFrame) -> None:
        if issues.height:
            self.parts.append(issues)
            errors = issues.filter(pl.col("severity") == "error")["row"]
            if errors.len():
                self.error_rows.append(errors)

    def issues(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=ISSUE_SCHEMA)
        # A stable sort keeps the order of the checks within a row.
        return pl.concat([part.cast(ISSUE_SCHEMA) for part in self.parts]).sort("row", maintain_order=True)

    def clean(self) -> pl.DataFrame:
        if not self.error_rows:
            return self.frame
        bad = pl.DataFrame({"row": pl.concat(self.error_rows)})
        return self.frame.join(bad, on="row", how="anti", maintain_order="left")


def _today_in_jakarta() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _present(chunk: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """The chunk with every named column (null when absent), so validators accept hand-made frames."""
    missing = [pl.lit(None, dtype=pl.String).alias(name) for name in names if name not in chunk.columns]
    if NIK_NUMERIC_COLUMN not in chunk.columns:
        missing.append(pl.lit(False).alias(NIK_NUMERIC_COLUMN))
    frame = chunk.with_columns(missing) if missing else chunk
    # Cells may come from hand-made frames: strip, and treat "" as missing, like the reader does.
    stripped = [pl.col(name).cast(pl.String).str.strip_chars() for name in names]
    return frame.with_columns(
        [
            pl.when(value == "").then(None).otherwise(value).alias(name)
            for name, value in zip(names, stripped, strict=True)
        ]
    ).with_columns(pl.col("row").cast(pl.Int64), pl.col(NIK_NUMERIC_COLUMN).fill_null(False))


def _label(field: str) -> str:
    return cols.COLUMN_LABELS[field]


# --- field parsers (expressions) ------------------------------------------------------------------


def parse_date_expr(value: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD, DD/MM/YYYY, D/M/YYYY, DD-MM-YYYY → Date; null when the format or the calendar fails."""
    # One regex pass with both layouts as alternatives: group 1-3 ISO, 4-6 day-first.
    parts = value.str.extract_groups(_ANY_DATE)
    year = pl.coalesce(parts.struct.field("1"), parts.struct.field("6"))
    month = pl.coalesce(parts.struct.field("2"), parts.struct.field("5"))
    day = pl.coalesce(parts.struct.field("3"), parts.struct.field("4"))
    text = pl.concat_str(year, pl.lit("-"), month.str.zfill(2), pl.lit("-"), day.str.zfill(2))
    return text.str.to_date("%Y-%m-%d", strict=False)


def parse_month_expr(value: pl.Expr) -> pl.Expr:
    """YYYY-MM, MM/YYYY (also M/YYYY, MM-YYYY) or any date of parse_date_expr → the first of that month."""
    year = pl.coalesce(value.str.extract(_ISO_MONTH, 1), value.str.extract(_MY_MONTH, 2))
    month = pl.coalesce(value.str.extract(_ISO_MONTH, 2), value.str.extract(_MY_MONTH, 1))
    text = pl.concat_str(year, pl.lit("-"), month.str.zfill(2), pl.lit("-01"))
    return pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), parse_date_expr(value).dt.month_start())


def parse_sex_expr(value: pl.Expr) -> pl.Expr:
    key = value.str.to_lowercase().str.replace_all(r"[^a-z]", "")
    return (
        pl.when(key.is_in(["l", "lakilaki"]))
        .then(pl.lit("L"))
        .when(key.is_in(["p", "perempuan"]))
        .then(pl.lit("P"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def clean_name_expr(value: pl.Expr) -> pl.Expr:
    return value.str.replace_all(r"\s+", " ").str.strip_chars()


def name_key_expr(value: pl.Expr) -> pl.Expr:
    """Lower case, accents dropped, apostrophes removed (Ma'ruf = Maruf), other non-letters → one space."""
    folded = value.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()
    letters = folded.str.replace_all(r"['’`]", "").str.replace_all(r"[^a-z]+", " ")
    return letters.str.strip_chars()


_APOSTROPHES = re.compile(r"['’`]")
_NOT_ASCII_LETTERS = re.compile(r"[^a-z]+")
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """name_key_expr for one Python string (registry names compared one by one); the same result."""
    cleaned = _SPACES.sub(" ", name).strip()
    decomposed = unicodedata.normalize("NFKD", cleaned)
    folded = "".join(char for char in decomposed if not unicodedata.category(char).startswith("M")).lower()
    return _NOT_ASCII_LETTERS.sub(" ", _APOSTROPHES.sub("", folded)).strip()


def _with_income(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Adds monthly_income (Int64) and the flags income_negative, income_not_integer, income_invalid."""
    text = pl.col("_income_text")
    frame = frame.with_columns(
        pl.col(column).str.replace(r"(?i)^rp\.?", "").str.replace_all(r"\s", "").alias("_income_text")
    ).with_columns(
        text.str.starts_with("-").alias("_income_minus"), text.str.strip_prefix("-").alias("_income_text")
    )
    grouped = r"^[0-9]{1,3}(?:\.[0-9]{3})+$"
    zero_cents = r"^[0-9]{1,3}(?:\.[0-9]{3})*,0+$|^[0-9]+,0+$"
    whole = (
        pl.when(text.str.contains(r"^[0-9]+$"))
        .then(text)
        .when(text.str.contains(grouped))
        .then(text.str.replace_all(r"\.", ""))
        .when(text.str.contains(zero_cents))
        .then(text.str.replace(r",0+$", "").str.replace_all(r"\.", ""))
        .when(text.str.contains(r"^[0-9]+\.0+$"))
        .then(text.str.replace(r"\.0+$", ""))
    )
    frame = frame.with_columns(
        whole.cast(pl.Int64, strict=False).alias("_income_amount"),
        text.str.contains(r"^[0-9]+[.,][0-9]+$|^[0-9]{1,3}(?:\.[0-9]{3})*,[0-9]+$").alias("_income_fraction"),
    )
    amount, minus, fraction = pl.col("_income_amount"), pl.col("_income_minus"), pl.col("_income_fraction")
    not_integer = amount.is_null() & fraction
    return frame.with_columns(
        monthly_income=pl.when(minus).then(None).otherwise(amount),
        income_negative=minus & (amount.is_not_null() | not_integer),
        income_not_integer=~minus & not_integer,
        income_invalid=amount.is_null() & ~fraction,
    )


def _map_unique(frame: pl.DataFrame, column: str, function) -> pl.Series:
    """function(value) for each distinct non-null value of a column, gathered back to every row."""
    values = frame[column]
    distinct = values.drop_nulls().unique().to_list()
    mapping = {value: function(value) for value in distinct}
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)


def _phone_e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return formatted if len(formatted) <= PHONE_MAX_LENGTH else None


# Indonesian mobile numbers, the bulk of any file, are recognised by libphonenumber's own pattern in Polars;
# phonenumbers.parse (~25 µs) is left for the other values. test_intake_validate checks the two agree.
_MOBILE = phonenumbers.PhoneMetadata.metadata_for_region("ID").mobile.national_number_pattern.replace(
    r"\d", "[0-9]"
)
_PHONE_FAST = rf"^(?:\+62|0)?({_MOBILE})$"


def _phones(values: pl.Series) -> pl.Series:
    """E.164 form of each phone cell, null when missing or invalid."""
    frame = pl.DataFrame({"raw": values})
    frame = frame.with_columns(
        fast=pl.concat_str(
            pl.lit("+62"), pl.col("raw").str.replace_all(r"[\s\-.()]", "").str.extract(_PHONE_FAST, 1)
        )
    )
    slow = frame.filter(pl.col("raw").is_not_null() & pl.col("fast").is_null())
    slow_values = slow["raw"].unique().to_list()
    mapping = {value: _phone_e164(value) for value in slow_values}
    looked_up = frame["raw"].replace_strict(mapping, default=None, return_dtype=pl.String)
    return frame.select(pl.coalesce(pl.col("fast"), looked_up)).to_series()


def _sector_code(raw: str) -> str | None:
    return cols.SECTOR_LOOKUP.get(cols.sector_key(raw))


# --- regions ---------------------------------------------------------------------------------------


@functools.cache
def _other_level_codes() -> list[str]:
    return [record.code for record in load_regions() if record.level != "village"]


def _dotted_region(value: pl.Expr) -> pl.Expr:
    """Region codes as written by Kemendagri: 10 digits → 36.02.01.2002; 2/4/6 digits likewise."""
    text = value.str.replace_all(r"\s", "")
    parts = [text.str.slice(0, 2), text.str.slice(2, 2), text.str.slice(4, 2), text.str.slice(6, 4)]
    dotted = [
        pl.concat_str(parts[:count], separator=".") for count in (1, 2, 3, 4)
    ]  # digits-only forms of each level
    return (
        pl.when(text.str.contains(r"^[0-9]{10}$"))
        .then(dotted[3])
        .when(text.str.contains(r"^[0-9]{6}$"))
        .then(dotted[2])
        .when(text.str.contains(r"^[0-9]{4}$"))
        .then(dotted[1])
        .otherwise(text)
    )
