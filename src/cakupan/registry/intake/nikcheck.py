"""`parse_nik` for a whole column: the same verdicts, codes and messages, at columnar speed.

Values that are exactly 16 ASCII digits (nearly every value of a real file) are checked with Polars
expressions that restate the rules of `cakupan.registry.nik`; every other value (separators, spaces,
letters, wrong length, empty) goes through `parse_nik` itself, once per distinct value. The property
test in test_intake_nik.py holds the two paths to the same results, so a change to the NIK rules that
is not made here fails the suite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from cakupan.regions.reference import nik_prefixes
from cakupan.registry import nik as nik_rules

__all__ = ["NikCheck", "check_niks"]

_ISSUE_SCHEMA = {"index": pl.UInt32, "code": pl.String, "message": pl.String, "severity": pl.String}


@dataclass(frozen=True)
class NikCheck:
    """`results`: per input value, in order: nik (normalised), valid, birth_date, sex.

    `issues`: index (position of the value), code, message, severity ("error" | "warning"), in the order
    parse_nik lists them (errors, then warnings).
    """

    results: pl.DataFrame
    issues: pl.DataFrame


def _two(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.zfill(2)


def _fast(frame: pl.DataFrame, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    prefixes = nik_prefixes()
    raw = pl.col("raw")
    frame = frame.with_columns(
        p2=raw.str.slice(0, 2),
        p4=raw.str.slice(0, 4),
        p6=raw.str.slice(0, 6),
        dd=raw.str.slice(6, 2).cast(pl.Int32),
        mm=raw.str.slice(8, 2).cast(pl.Int32),
        yy=raw.str.slice(10, 2).cast(pl.Int32),
    )
    frame = frame.with_columns(
        prov_ok=pl.col("p2").is_in(sorted(prefixes.provinces)),
        reg_ok=pl.col("p4").is_in(sorted(prefixes.regencies)),
        dist_ok=pl.col("p6").is_in(sorted(prefixes.districts)),
        sex=pl.when(pl.col("dd").is_between(1, 31))
        .then(pl.lit("L"))
        .when(pl.col("dd").is_between(41, 71))
        .then(pl.lit("P")),
        month_ok=pl.col("mm").is_between(1, 12),
        serial_bad=raw.str.slice(12, 4) == "0000",
    )
    # The century rule of nik._resolve_year: the latest year ending in yy, unless that is after today.
    year0 = today.year - (today.year - pl.col("yy")) % 100
    day = pl.when(pl.col("sex") == "L").then(pl.col("dd")).otherwise(pl.col("dd") - 40)
    later = (pl.col("mm") > today.month) | ((pl.col("mm") == today.month) & (day > today.day))
    frame = frame.with_columns(
        day=day, year=pl.when((year0 == today.year) & later).then(year0 - 100).otherwise(year0)
    )
    year = pl.col("year")
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days_in_month = (
        pl.when(pl.col("mm") == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(pl.col("mm").is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    has_date = pl.col("sex").is_not_null() & pl.col("month_ok")
    frame = frame.with_columns(
        date_ok=has_date & (pl.col("day") <= days_in_month) & year.is_between(1, 9999),
        date_bad=has_date & ~((pl.col("day") <= days_in_month) & year.is_between(1, 9999)),
    )
    results = frame.select(
        "index",
        pl.col("raw").alias("nik"),
        (pl.col("prov_ok") & pl.col("date_ok") & ~pl.col("serial_bad")).alias("valid"),
        pl.when(pl.col("date_ok")).then(pl.date(year, pl.col("mm"), pl.col("day"))).alias("birth_date"),
        pl.col("sex"),
    )
    regency = pl.concat_str(pl.col("p2"), pl.lit("."), raw.str.slice(2, 2))
    district = pl.concat_str(regency, pl.lit("."), raw.str.slice(4, 2))
    checks = [
        (
            ~pl.col("prov_ok"),
            nik_rules.NIK_UNKNOWN_PROVINCE,
            pl.format("Kode provinsi {} (digit 1-2 NIK) tidak dikenal.", pl.col("p2")),
            "error",
        ),
        (
            pl.col("sex").is_null(),
            nik_rules.NIK_INVALID_DAY,
            pl.format(
                "Tanggal lahir {} (digit 7-8 NIK) tidak sah: harus 01-31 untuk laki-laki "
                "atau 41-71 untuk perempuan.",
                raw.str.slice(6, 2),
            ),
            "error",
        ),
        (
            ~pl.col("month_ok"),
            nik_rules.NIK_INVALID_MONTH,
            pl.format("Bulan lahir {} (digit 9-10 NIK) tidak sah: harus 01-12.", raw.str.slice(8, 2)),
            "error",
        ),
        (
            pl.col("date_bad"),
            nik_rules.NIK_INVALID_BIRTH_DATE,
            pl.format(
                "Tanggal lahir {}-{}-{} (digit 7-12 NIK) tidak ada di kalender.",
                _two(pl.col("day")),
                _two(pl.col("mm")),
                year.cast(pl.String).str.zfill(4),
            ),
            "error",
        ),
        (
            pl.col("serial_bad"),
            nik_rules.NIK_INVALID_SERIAL,
            pl.lit("Nomor urut 0000 (digit 13-16 NIK) tidak sah: nomor urut dimulai dari 0001."),
            "error",
        ),
        (
            pl.col("prov_ok") & ~pl.col("reg_ok"),
            nik_rules.NIK_UNKNOWN_REGENCY,
            pl.format(
                "Kode kabupaten/kota {} (digit 1-4 NIK) tidak ada dalam daftar Kemendagri "
                "saat ini; mungkin kode lama sebelum pemekaran wilayah.",
                regency,
            ),
            "warning",
        ),
        (
            pl.col("prov_ok") & pl.col("reg_ok") & ~pl.col("dist_ok"),
            nik_rules.NIK_UNKNOWN_DISTRICT,
            pl.format(
                "Kode kecamatan {} (digit 1-6 NIK) tidak ada dalam daftar Kemendagri "
                "saat ini; mungkin kode lama sebelum pemekaran wilayah.",
                district,
            ),
            "warning",
        ),
    ]
    issues = [
        frame.filter(mask).select(
            "index",
            pl.lit(code).alias("code"),
            message.alias("message"),
            pl.lit(severity).alias("severity"),
            pl.lit(order, dtype=pl.Int32).alias("order"),
        )
        for order, (mask, code, message, severity) in enumerate(checks)
    ]
    return results, pl.concat(issues)


def _slow(frame: pl.DataFrame, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    parsed = {raw: nik_rules.parse_nik(raw, today=today) for raw in frame["raw"].unique().to_list()}
    by_raw = pl.DataFrame(
        {
            "raw": list(parsed),
            "nik": [result.nik for result in parsed.values()],
            "valid": [result.valid for result in parsed.values()],
            "birth_date": [result.birth_date for result in parsed.values()],
            "sex": [result.sex for result in parsed.values()],
        },
        schema={
            "raw": pl.String,
            "nik": pl.String,
            "valid": pl.Boolean,
            "birth_date": pl.Date,
            "sex": pl.String,
        },
    )
    rows = [
        (raw, issue.code, issue.message, severity, order)
        for raw, result in parsed.items()
        for severity, listed in (("error", result.errors), ("warning", result.warnings))
        for order, issue in enumerate(listed, start=0 if severity == "error" else 100)
    ]
    issues_by_raw = pl.DataFrame(
        rows,
        schema={
            "raw": pl.String,
            "code": pl.String,
            "message": pl.String,
            "severity": pl.String,
            "order": pl.Int32,
        },
        orient="row",
    )
    results = frame.join(by_raw, on="raw", how="left").select("index", "nik", "valid", "birth_date", "sex")
    issues = frame.join(issues_by_raw, on="raw", how="inner").select(
        "index", "code", "message", "severity", "order"
    )
    return results, issues


def check_niks(values: pl.Series, *, today: dt.date) -> NikCheck:
    """Check every value like `parse_nik(value, today=today)`; a null is checked as ""."""
    frame = pl.DataFrame({"raw": values.cast(pl.String).fill_null("")}).with_row_index("index")
    is_fast = pl.col("raw").str.contains(r"^[0-9]{16}$")
    fast_results, fast_issues = _fast(frame.filter(is_fast), today)
    slow_results, slow_issues = _slow(frame.filter(~is_fast), today)
    results = pl.concat([fast_results, slow_results]).sort("index").drop("index")
    issues = (
        pl.concat([fast_issues, slow_issues])
        .sort("index", "order")
        .select(pl.col("index").cast(pl.UInt32), "code", "message", "severity")
    )
    return NikCheck(results, issues)
