"""The validators' output schemas, issue codes and limits."""

from __future__ import annotations

import datetime as dt

import polars as pl

ISSUE_SCHEMA = {
    "row": pl.Int64,
    "field": pl.String,
    "code": pl.String,
    "message": pl.String,
    "severity": pl.String,
    "value": pl.String,
}
WORKER_ROW_SCHEMA = {
    "row": pl.Int64,
    "nik": pl.String,
    "name": pl.String,
    "birth_date": pl.Date,
    "sex": pl.String,
    "desa_id": pl.String,
    "employment": pl.String,
    "sector": pl.String,
    "monthly_income": pl.Int64,
    "decile": pl.Int64,
    "phone": pl.String,
    "name_key": pl.String,
}
ROSTER_ROW_SCHEMA = {
    "row": pl.Int64,
    "nik": pl.String,
    "kpj": pl.String,
    "segment": pl.String,
    "jkk": pl.Boolean,
    "jkm": pl.Boolean,
    "jht": pl.Boolean,
    "status": pl.String,
    "paid_through": pl.Date,
    "name": pl.String,
    "birth_date": pl.Date,
    "sex": pl.String,
    "desa_id": pl.String,
    "employment": pl.String,
    "sector": pl.String,
    "monthly_income": pl.Int64,
    "decile": pl.Int64,
    "phone": pl.String,
    "name_key": pl.String,
}

MISSING_CODES = {
    "nik": "nik_missing",
    "nama": "name_missing",
    "tanggal_lahir": "birth_date_missing",
    "jenis_kelamin": "sex_missing",
    "kode_desa": "region_missing",
    "sektor": "sector_missing",
    "penghasilan": "income_missing",
    "kpj": "kpj_missing",
    "segmen": "segment_missing",
    "program": "programs_missing",
    "status": "status_missing",
    "bulan_terakhir_dibayar": "paid_month_missing",
}
NIK_NUMERIC_CELL = "nik_numeric_cell"
NAME_TOO_LONG = "name_too_long"
BIRTH_DATE_INVALID = "birth_date_invalid"
BIRTH_DATE_MISMATCH_NIK = "birth_date_mismatch_nik"
SEX_INVALID = "sex_invalid"
SEX_MISMATCH_NIK = "sex_mismatch_nik"
REGION_UNKNOWN = "region_unknown"
REGION_NOT_VILLAGE = "region_not_village"
SECTOR_UNKNOWN = "sector_unknown"
INCOME_NEGATIVE = "income_negative"
INCOME_NOT_INTEGER = "income_not_integer"
INCOME_INVALID = "income_invalid"
DECILE_INVALID = "decile_invalid"
PHONE_INVALID = "phone_invalid"
FORMULA_LIKE_TEXT = "formula_like_text"
KPJ_INVALID = "kpj_invalid"
SEGMENT_INVALID = "segment_invalid"
PROGRAMS_INVALID = "programs_invalid"
STATUS_INVALID = "status_invalid"
PAID_MONTH_INVALID = "paid_month_invalid"

# Besides these, the NIK codes of cakupan.registry.nik (errors and warnings) appear with field "nik".
ISSUE_CODES = frozenset(
    {
        *MISSING_CODES.values(),
        NIK_NUMERIC_CELL,
        NAME_TOO_LONG,
        BIRTH_DATE_INVALID,
        BIRTH_DATE_MISMATCH_NIK,
        SEX_INVALID,
        SEX_MISMATCH_NIK,
        REGION_UNKNOWN,
        REGION_NOT_VILLAGE,
        SECTOR_UNKNOWN,
        INCOME_NEGATIVE,
        INCOME_NOT_INTEGER,
        INCOME_INVALID,
        DECILE_INVALID,
        PHONE_INVALID,
        FORMULA_LIKE_TEXT,
        KPJ_INVALID,
        SEGMENT_INVALID,
        PROGRAMS_INVALID,
        STATUS_INVALID,
        PAID_MONTH_INVALID,
    }
)

NAME_MAX_LENGTH = 150  # Worker.name
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
VALUE_MAX_LENGTH = 100
# Worker.phone holds 16 characters; E.164 allows 15 digits after "+".
PHONE_MAX_LENGTH = 16

_ANY_DATE = r"^(?:([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})|([0-9]{1,2})[/-]([0-9]{1,2})[/-]([0-9]{4}))$"
_ISO_MONTH = r"^([0-9]{4})-([0-9]{1,2})$"
_MY_MONTH = r"^([0-9]{1,2})[/-]([0-9]{4})$"
