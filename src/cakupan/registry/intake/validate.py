"""Validate chunks from `read_table`: typed rows without errors, and every issue found.

Both validators are columnar (Polars expressions); Python runs only once per distinct value where a
library must decide (phone numbers, sector words, NIKs that are not plain 16 digits).

Decisions:

* A stated birth date or sex that contradicts the NIK is a warning and the stated value is kept: NIKs
  are never reissued, so a wrong NIK date is a fact of the person's card. Birth dates are compared on
  what the NIK holds (day, month, two-digit year), so the NIK's century guess never causes a warning.
* A birth date after `today` or before 1900 is `birth_date_invalid`.
* Income: digits, optionally with "Rp"/"Rp." and dots as thousand separators ("Rp 1.500.000"); a zero
  fraction (",00" or Excel's ".0") is accepted; "1.500" is one thousand five hundred (Indonesian
  grouping), "1500.5" or "1.500,50" is `income_not_integer`; a leading "-" is `income_negative`.
* Region codes: dotted (36.02.01.2002) or 10 digits (3602012002); spaces are ignored. A code of a
  province, kab/kota or kecamatan is `region_not_village`; a village code not among `villages` is
  `region_unknown`.
* Phones: parsed as Indonesian numbers (a leading 0, 62 or +62, or none at all as when Excel drops the
  0) and stored as E.164; an invalid number is a warning and the phone is left empty.
* Text that a spreadsheet would run as a formula (=, +, -, @ first) is kept, with a
  `formula_like_text` warning, so exports can quote it.
* Roster KPJ numbers: 11 digits after removing spaces, dots and dashes. Programs: any of JKK, JKM, JHT
  separated by commas, plus signs, slashes or spaces; JKK and JKM are mandatory.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import phonenumbers
import polars as pl

from cakupan.core.spreadsheet import FORMULA_PREFIX_PATTERN
from cakupan.regions.reference import load_regions
from cakupan.registry.intake import columns as cols
from cakupan.registry.intake.nikcheck import check_niks
from cakupan.registry.intake.reader import NIK_NUMERIC_COLUMN

__all__ = [
    "ISSUE_CODES",
    "ISSUE_SCHEMA",
    "ROSTER_ROW_SCHEMA",
    "WORKER_ROW_SCHEMA",
    "Validated",
    "name_key",
    "validate_roster",
    "validate_workers",
]

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


# --- shared worker-field checks ------------------------------------------------------------------


def _check_nik(checks: _Checks, today: dt.date) -> None:
    """NIK rules on the present values; adds nik_norm, nik_valid, nik_birth, nik_sex to the frame."""
    frame = checks.frame
    present = frame.filter(pl.col("nik").is_not_null())
    result = check_niks(present["nik"], today=today)
    rows = present["row"]
    checks.add_frame(
        result.issues.with_columns(
            row=rows.gather(result.issues["index"]),
            field=pl.lit("nik"),
            value=present["nik"].gather(result.issues["index"]).str.slice(0, VALUE_MAX_LENGTH),
        ).select(list(ISSUE_SCHEMA))
    )
    typed = result.results.select(
        rows.alias("row"),
        pl.col("nik").alias("nik_norm"),
        pl.col("valid").alias("nik_valid"),
        pl.col("birth_date").alias("nik_birth"),
        pl.col("sex").alias("nik_sex"),
    )
    checks.frame = frame.join(typed, on="row", how="left", maintain_order="left")
    checks.add(
        pl.col(NIK_NUMERIC_COLUMN),
        "nik",
        NIK_NUMERIC_CELL,
        "NIK tersimpan sebagai angka di Excel, sehingga digit terakhirnya kemungkinan sudah berubah "
        "(Excel hanya menyimpan 15 digit). Format kolom NIK sebagai Teks lalu ketik ulang NIK-nya.",
    )


def _check_worker_fields(
    checks: _Checks, *, today: dt.date, villages: frozenset[str], required: bool
) -> None:
    """Nama, tanggal lahir, jenis kelamin, kode desa, sektor, penghasilan: typed columns and issues.

    With `required` False (roster), an empty cell is simply absent.
    """
    village_list = sorted(villages)
    frame = checks.frame.with_columns(
        name=clean_name_expr(pl.col("nama")),
        birth_date=parse_date_expr(pl.col("tanggal_lahir")),
        sex=parse_sex_expr(pl.col("jenis_kelamin")),
        region=_dotted_region(pl.col("kode_desa")),
        sector=_map_unique(checks.frame, "sektor", _sector_code),
    )
    frame = _with_income(frame, "penghasilan").with_columns(
        desa_id=pl.when(pl.col("region").is_in(village_list)).then(pl.col("region")),
        name_key=name_key_expr(clean_name_expr(pl.col("nama"))),
    )
    frame = frame.with_columns(
        employment=pl.when(pl.col("sector") == cols.FORMAL_SECTOR)
        .then(pl.lit("formal"))
        .when(pl.col("sector").is_not_null())
        .then(pl.lit("informal"))
    )
    checks.frame = frame
    if required:
        for field in ("nama", "tanggal_lahir", "jenis_kelamin", "kode_desa", "sektor", "penghasilan"):
            checks.add(pl.col(field).is_null(), field, MISSING_CODES[field], f"{_label(field)} wajib diisi.")

    checks.add(
        pl.col("name").str.len_chars() > NAME_MAX_LENGTH,
        "nama",
        NAME_TOO_LONG,
        f"Nama terlalu panjang: paling banyak {NAME_MAX_LENGTH} karakter.",
    )
    checks.add(
        pl.col("nama").str.contains(FORMULA_PREFIX_PATTERN),
        "nama",
        FORMULA_LIKE_TEXT,
        "Nama tidak boleh diawali =, +, -, @ atau baris baru: Excel akan menjalankannya sebagai rumus. "
        "Perbaiki nama pada berkas lalu unggah kembali.",
    )

    date_format = "gunakan format YYYY-MM-DD atau DD/MM/YYYY (contoh 1990-06-05 atau 05/06/1990)"
    given = pl.col("tanggal_lahir").is_not_null()
    checks.add(
        given & pl.col("birth_date").is_null(),
        "tanggal_lahir",
        BIRTH_DATE_INVALID,
        f"Tanggal lahir tidak dapat dibaca atau tidak ada di kalender; {date_format}.",
    )
    checks.add(
        pl.col("birth_date") > today,
        "tanggal_lahir",
        BIRTH_DATE_INVALID,
        "Tanggal lahir berada di masa depan.",
    )
    checks.add(
        pl.col("birth_date") < EARLIEST_BIRTH_DATE,
        "tanggal_lahir",
        BIRTH_DATE_INVALID,
        "Tanggal lahir sebelum tahun 1900 tidak masuk akal.",
    )
    nik_birth = pl.col("nik_birth")
    stated = pl.col("birth_date")
    differs = (
        (stated.dt.day() != nik_birth.dt.day())
        | (stated.dt.month() != nik_birth.dt.month())
        | (stated.dt.year() % 100 != nik_birth.dt.year() % 100)
    )
    checks.add(
        pl.col("nik_valid") & stated.is_between(EARLIEST_BIRTH_DATE, today) & differs,
        "tanggal_lahir",
        BIRTH_DATE_MISMATCH_NIK,
        pl.format(
            "Tanggal lahir berbeda dengan yang tercantum di NIK ({}); tanggal lahir yang diisi dipakai.",
            nik_birth.dt.strftime("%d/%m/%y"),
        ),
        severity="warning",
    )

    checks.add(
        pl.col("jenis_kelamin").is_not_null() & pl.col("sex").is_null(),
        "jenis_kelamin",
        SEX_INVALID,
        "Jenis kelamin harus L (laki-laki) atau P (perempuan).",
    )
    checks.add(
        pl.col("nik_valid") & pl.col("sex").is_not_null() & (pl.col("sex") != pl.col("nik_sex")),
        "jenis_kelamin",
        SEX_MISMATCH_NIK,
        pl.format(
            "Jenis kelamin berbeda dengan yang tercantum di NIK ({}); jenis kelamin yang diisi dipakai.",
            pl.col("nik_sex"),
        ),
        severity="warning",
    )

    region_given = pl.col("kode_desa").is_not_null() & pl.col("desa_id").is_null()
    other_level = pl.col("region").is_in(_other_level_codes())
    checks.add(
        region_given & other_level,
        "kode_desa",
        REGION_NOT_VILLAGE,
        pl.format(
            "Kode {} adalah kode provinsi, kabupaten/kota atau kecamatan; isi kode desa/kelurahan "
            "(10 digit, contoh 36.02.01.2002).",
            pl.col("region"),
        ),
    )
    checks.add(
        region_given & ~other_level,
        "kode_desa",
        REGION_UNKNOWN,
        "Kode desa/kelurahan tidak dikenal; gunakan kode Kemendagri 10 digit (contoh 36.02.01.2002).",
    )

    codes = ", ".join(cols.SECTOR_LABELS)
    checks.add(
        pl.col("sektor").is_not_null() & pl.col("sector").is_null(),
        "sektor",
        SECTOR_UNKNOWN,
        f"Sektor tidak dikenal; gunakan salah satu kode: {codes}.",
    )

    checks.add(
        pl.col("income_negative"),
        "penghasilan",
        INCOME_NEGATIVE,
        "Penghasilan tidak boleh negatif.",
    )
    checks.add(
        pl.col("income_not_integer"),
        "penghasilan",
        INCOME_NOT_INTEGER,
        "Penghasilan harus rupiah bulat tanpa sen (contoh 1.500.000).",
    )
    checks.add(
        pl.col("income_invalid"),
        "penghasilan",
        INCOME_INVALID,
        "Penghasilan harus berupa angka rupiah per bulan (contoh 1500000, 1.500.000 atau Rp1.500.000).",
    )


def _check_decile_and_phone(checks: _Checks) -> None:
    """Desil (optional, 1-10) and telepon (optional; invalid is only a warning): decile, phone_e164."""
    decile_text = pl.col("desil").str.replace(r"\.0+$", "")
    decile = pl.when(decile_text.str.contains(r"^[0-9]{1,2}$")).then(decile_text.cast(pl.Int64, strict=False))
    frame = checks.frame.with_columns(
        decile=pl.when(decile.is_between(1, 10)).then(decile),
        phone_e164=_phones(checks.frame["telepon"]),
    )
    checks.frame = frame
    checks.add(
        pl.col("desil").is_not_null() & pl.col("decile").is_null(),
        "desil",
        DECILE_INVALID,
        "Desil harus angka bulat 1 sampai 10, atau dikosongkan.",
    )
    checks.add(
        pl.col("telepon").is_not_null() & pl.col("phone_e164").is_null(),
        "telepon",
        PHONE_INVALID,
        "Nomor telepon tidak sah sehingga dikosongkan; contoh yang benar 081234567890 atau +6281234567890.",
        severity="warning",
    )


# --- public validators -------------------------------------------------------------------------------


def validate_workers(chunk: pl.DataFrame, *, today: dt.date, villages: frozenset[str]) -> Validated:
    """Validate a worker chunk from `read_table(kind="workers")`."""
    checks = _Checks(_present(chunk, cols.WORKER_COLUMNS))
    checks.add(pl.col("nik").is_null(), "nik", MISSING_CODES["nik"], "NIK wajib diisi.")
    _check_nik(checks, today)
    _check_worker_fields(checks, today=today, villages=villages, required=True)

    _check_decile_and_phone(checks)
    rows = checks.clean().select(
        pl.col("row"),
        pl.col("nik_norm").alias("nik"),
        pl.col("name"),
        pl.col("birth_date"),
        pl.col("sex"),
        pl.col("desa_id"),
        pl.col("employment"),
        pl.col("sector"),
        pl.col("monthly_income"),
        pl.col("decile"),
        pl.col("phone_e164").fill_null("").alias("phone"),
        pl.col("name_key"),
    )
    return Validated(rows.cast(WORKER_ROW_SCHEMA), checks.issues())


def validate_roster(
    chunk: pl.DataFrame, *, villages: frozenset[str], today: dt.date | None = None
) -> Validated:
    """Validate a roster chunk from `read_table(kind="roster")`; `today` defaults to today in Jakarta."""
    if today is None:
        today = _today_in_jakarta()
    checks = _Checks(_present(chunk, cols.ROSTER_COLUMNS + cols.ROSTER_OPTIONAL_COLUMNS))
    for field in cols.ROSTER_COLUMNS:
        checks.add(pl.col(field).is_null(), field, MISSING_CODES[field], f"{_label(field)} wajib diisi.")
    _check_nik(checks, today)
    _check_worker_fields(checks, today=today, villages=villages, required=False)
    _check_decile_and_phone(checks)

    kpj = pl.col("kpj").str.replace_all(r"[\s.\-]", "")
    segment_key = pl.col("segmen").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    tokens = (
        pl.col("program")
        .str.to_lowercase()
        .str.replace_all(r"[\s,+/;&]+", ",")
        .str.strip_chars(",")
        .str.split(",")
    )
    status_key = pl.col("status").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    frame = checks.frame.with_columns(
        kpj_clean=pl.when(kpj.str.contains(r"^[0-9]{11}$")).then(kpj),
        segment=pl.when(segment_key.is_in(["pu", "penerimaupah"]))
        .then(pl.lit("PU"))
        .when(segment_key.is_in(["bpu", "bukanpenerimaupah"]))
        .then(pl.lit("BPU")),
        programs_ok=tokens.list.eval(pl.element().is_in(["jkk", "jkm", "jht"])).list.all()
        & tokens.list.contains("jkk")
        & tokens.list.contains("jkm"),
        jht=tokens.list.contains("jht"),
        status_clean=pl.when(status_key.is_in(["aktif", "menunggak", "nonaktif"])).then(status_key),
        paid_through=parse_month_expr(pl.col("bulan_terakhir_dibayar")),
    )
    checks.frame = frame
    checks.add(
        pl.col("kpj").is_not_null() & pl.col("kpj_clean").is_null(),
        "kpj",
        KPJ_INVALID,
        "Nomor KPJ harus 11 digit angka.",
    )
    checks.add(
        pl.col("segmen").is_not_null() & pl.col("segment").is_null(),
        "segmen",
        SEGMENT_INVALID,
        "Segmen harus PU (penerima upah) atau BPU (bukan penerima upah).",
    )
    checks.add(
        pl.col("program").is_not_null() & ~pl.col("programs_ok"),
        "program",
        PROGRAMS_INVALID,
        "Program harus berisi JKK dan JKM, boleh ditambah JHT, dipisah koma (contoh: JKK, JKM, JHT).",
    )
    checks.add(
        pl.col("status").is_not_null() & pl.col("status_clean").is_null(),
        "status",
        STATUS_INVALID,
        "Status harus aktif, menunggak atau nonaktif.",
    )
    checks.add(
        pl.col("bulan_terakhir_dibayar").is_not_null() & pl.col("paid_through").is_null(),
        "bulan_terakhir_dibayar",
        PAID_MONTH_INVALID,
        "Bulan terakhir dibayar harus berformat YYYY-MM atau MM/YYYY (contoh 2026-10 atau 10/2026).",
    )
    rows = checks.clean().select(
        pl.col("row"),
        pl.col("nik_norm").alias("nik"),
        pl.col("kpj_clean").alias("kpj"),
        pl.col("segment"),
        pl.lit(True).alias("jkk"),
        pl.lit(True).alias("jkm"),
        pl.col("jht"),
        pl.col("status_clean").alias("status"),
        pl.col("paid_through"),
        pl.col("name"),
        pl.col("birth_date"),
        pl.col("sex"),
        pl.col("desa_id"),
        pl.col("employment"),
        pl.col("sector"),
        pl.col("monthly_income"),
        pl.col("decile"),
        pl.col("phone_e164").fill_null("").alias("phone"),
        pl.when(pl.col("name").is_not_null()).then(pl.col("name_key")).alias("name_key"),
    )
    return Validated(rows.cast(ROSTER_ROW_SCHEMA), checks.issues())
