"""validate_workers and validate_roster: every issue code, the typed rows, and the fast paths."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan.regions.reference import load_regions
from cakupan.registry.intake import (
    ISSUE_CODES,
    ISSUE_SCHEMA,
    NIK_NUMERIC_COLUMN,
    ROSTER_ROW_SCHEMA,
    SECTOR_LABELS,
    WORKER_ROW_SCHEMA,
    name_key,
    validate_roster,
    validate_workers,
)
from cakupan.registry.intake import validate as validate_module

TODAY = dt.date(2026, 11, 23)
VILLAGES = frozenset(record.code for record in load_regions() if record.level == "village")
BASE = {
    "nik": "3602014506900001",
    "nama": "Siti Aminah",
    "tanggal_lahir": "1990-06-05",
    "jenis_kelamin": "P",
    "kode_desa": "36.02.01.2002",
    "sektor": "pedagang",
    "penghasilan": "1500000",
    "desil": "3",
    "telepon": "081234567890",
}
ROSTER_BASE = {
    "nik": "3602014506900001",
    "kpj": "12345678901",
    "segmen": "BPU",
    "program": "JKK, JKM",
    "status": "aktif",
    "bulan_terakhir_dibayar": "2026-10",
}


def chunk(*rows: dict, base: dict = BASE) -> pl.DataFrame:
    records = [{**base, **row} for row in rows]
    return pl.DataFrame(
        [{"row": index + 2, **record} for index, record in enumerate(records)],
        schema={"row": pl.Int64, **dict.fromkeys(base, pl.String)},
    )


def workers(*rows: dict):
    return validate_workers(chunk(*rows), today=TODAY, villages=VILLAGES)


def roster(*rows: dict):
    return validate_roster(chunk(*rows, base=ROSTER_BASE), today=TODAY, villages=VILLAGES)


def issues_of(result) -> list[tuple]:
    return [
        (i["row"], i["field"], i["code"], i["severity"], i["value"])
        for i in result.issues.iter_rows(named=True)
    ]


# --- workers: the valid row --------------------------------------------------------------------------


def test_valid_row_is_typed():
    result = workers({})
    assert result.issues.schema == pl.Schema(ISSUE_SCHEMA)
    assert result.issues.height == 0
    assert result.rows.schema == pl.Schema(WORKER_ROW_SCHEMA)
    assert result.rows.to_dicts() == [
        {
            "row": 2,
            "nik": "3602014506900001",
            "name": "Siti Aminah",
            "birth_date": dt.date(1990, 6, 5),
            "sex": "P",
            "desa_id": "36.02.01.2002",
            "employment": "informal",
            "sector": "pedagang",
            "monthly_income": 1_500_000,
            "decile": 3,
            "phone": "+6281234567890",
            "name_key": "siti aminah",
        }
    ]


def test_forgiving_forms_are_normalised():
    result = workers(
        {
            "nik": "3602 0145 0690 0001",
            "nama": "  Ṣiti   Ma'rufah-Aminah ",
            "tanggal_lahir": "5/6/1990",
            "jenis_kelamin": "perempuan",
            "kode_desa": "3602012002",
            "sektor": "Buruh harian lepas",
            "penghasilan": "Rp 1.500.000",
            "desil": "10",
            "telepon": "+62 812-3456-7890",
        },
        {"nik": "3602011203850002", "tanggal_lahir": "12-03-1985", "jenis_kelamin": "Laki-Laki",
         "sektor": "FORMAL", "penghasilan": "2500000.0", "desil": None, "telepon": None},
    )  # fmt: skip
    assert result.issues.height == 0
    first, second = result.rows.to_dicts()
    assert first["nik"] == "3602014506900001"
    assert first["name"] == "Ṣiti Ma'rufah-Aminah"
    assert first["name_key"] == "siti marufah aminah"
    assert first["birth_date"] == dt.date(1990, 6, 5)
    assert first["desa_id"] == "36.02.01.2002"
    assert (first["sector"], first["employment"]) == ("buruh_harian", "informal")
    assert (first["monthly_income"], first["decile"], first["phone"]) == (1_500_000, 10, "+6281234567890")
    assert (second["sex"], second["birth_date"]) == ("L", dt.date(1985, 3, 12))
    assert (second["sector"], second["employment"]) == ("formal", "formal")
    assert (second["monthly_income"], second["decile"], second["phone"]) == (2_500_000, None, "")


def test_three_date_formats_in_one_column():
    result = workers(
        {"tanggal_lahir": "1990-06-05"}, {"tanggal_lahir": "05/06/1990"}, {"tanggal_lahir": "5-6-1990"}
    )
    assert result.rows["birth_date"].to_list() == [dt.date(1990, 6, 5)] * 3


# --- workers: every code -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field", "code", "severity"),
    [
        ({"nik": None}, "nik", "nik_missing", "error"),
        ({"nama": None}, "nama", "name_missing", "error"),
        ({"tanggal_lahir": None}, "tanggal_lahir", "birth_date_missing", "error"),
        ({"jenis_kelamin": None}, "jenis_kelamin", "sex_missing", "error"),
        ({"kode_desa": None}, "kode_desa", "region_missing", "error"),
        ({"sektor": None}, "sektor", "sector_missing", "error"),
        ({"penghasilan": None}, "penghasilan", "income_missing", "error"),
        ({"nik": "36020145069"}, "nik", "nik_wrong_length", "error"),
        ({"nik": "360201450690000A"}, "nik", "nik_invalid_characters", "error"),
        ({"nik": "9902014506900001"}, "nik", "nik_unknown_province", "error"),
        ({"nik": "3602013506900001"}, "nik", "nik_invalid_day", "error"),
        ({"nik": "3602014513900001"}, "nik", "nik_invalid_month", "error"),
        (
            {"nik": "3602017102900001", "tanggal_lahir": "1990-02-31"},
            "nik",
            "nik_invalid_birth_date",
            "error",
        ),
        ({"nik": "3602014506900000"}, "nik", "nik_invalid_serial", "error"),
        ({"nik": "---"}, "nik", "nik_empty", "error"),
        ({"nik": "3699014506900001"}, "nik", "nik_unknown_regency", "warning"),
        ({"nik": "3602994506900001"}, "nik", "nik_unknown_district", "warning"),
        ({"nama": "N" * 151}, "nama", "name_too_long", "error"),
        ({"nama": '=HYPERLINK("x")'}, "nama", "formula_like_text", "error"),
        ({"nama": "@Aminah"}, "nama", "formula_like_text", "error"),
        ({"nama": "-Aminah"}, "nama", "formula_like_text", "error"),
        ({"tanggal_lahir": "1990-02-30"}, "tanggal_lahir", "birth_date_invalid", "error"),
        ({"tanggal_lahir": "5 Juni 1990"}, "tanggal_lahir", "birth_date_invalid", "error"),
        ({"tanggal_lahir": "1990/06/05"}, "tanggal_lahir", "birth_date_invalid", "error"),
        ({"tanggal_lahir": "2026-11-24"}, "tanggal_lahir", "birth_date_invalid", "error"),
        ({"tanggal_lahir": "1899-12-31"}, "tanggal_lahir", "birth_date_invalid", "error"),
        ({"tanggal_lahir": "1990-06-06"}, "tanggal_lahir", "birth_date_mismatch_nik", "warning"),
        ({"jenis_kelamin": "W"}, "jenis_kelamin", "sex_invalid", "error"),
        ({"jenis_kelamin": "M"}, "jenis_kelamin", "sex_invalid", "error"),
        ({"jenis_kelamin": "L"}, "jenis_kelamin", "sex_mismatch_nik", "warning"),
        ({"kode_desa": "36.02.01.9999"}, "kode_desa", "region_unknown", "error"),
        ({"kode_desa": "Cilangkahan"}, "kode_desa", "region_unknown", "error"),
        ({"kode_desa": "36.02.01"}, "kode_desa", "region_not_village", "error"),
        ({"kode_desa": "3602"}, "kode_desa", "region_not_village", "error"),
        ({"sektor": "astronot"}, "sektor", "sector_unknown", "error"),
        ({"penghasilan": "-1500000"}, "penghasilan", "income_negative", "error"),
        ({"penghasilan": "-1.500.000"}, "penghasilan", "income_negative", "error"),
        ({"penghasilan": "1500000.50"}, "penghasilan", "income_not_integer", "error"),
        ({"penghasilan": "1.500.000,50"}, "penghasilan", "income_not_integer", "error"),
        ({"penghasilan": "satu juta"}, "penghasilan", "income_invalid", "error"),
        ({"penghasilan": "1,500,000"}, "penghasilan", "income_invalid", "error"),
        ({"penghasilan": "99999999999999999999"}, "penghasilan", "income_invalid", "error"),
        ({"desil": "0"}, "desil", "decile_invalid", "error"),
        ({"desil": "11"}, "desil", "decile_invalid", "error"),
        ({"desil": "tiga"}, "desil", "decile_invalid", "error"),
        ({"telepon": "12"}, "telepon", "phone_invalid", "warning"),
        ({"telepon": "bukan nomor"}, "telepon", "phone_invalid", "warning"),
    ],
)
def test_each_worker_code(override, field, code, severity):
    result = workers(override)
    value = next(iter(override.values())) if len(override) == 1 else override[field]
    shown = value[:100] if value is not None else None
    assert (2, field, code, severity, shown) in issues_of(result)
    assert code in ISSUE_CODES or code.startswith("nik_")
    if severity == "warning":
        assert result.issues["severity"].to_list() == ["warning"]
        assert result.rows.height == 1
    else:
        assert result.rows.height == 0


def test_messages_name_the_field():
    result = workers({"penghasilan": "Rp1.500.000,50", "kode_desa": "36.02.01", "sektor": None})
    messages = dict(zip(result.issues["code"], result.issues["message"], strict=True))
    assert messages == {
        "sector_missing": "Sektor wajib diisi.",
        "region_not_village": "Kode 36.02.01 adalah kode provinsi, kabupaten/kota atau kecamatan; isi kode "
        "desa/kelurahan (10 digit, contoh 36.02.01.2002).",
        "income_not_integer": "Penghasilan harus rupiah bulat tanpa sen (contoh 1.500.000).",
    }


def test_mismatch_warnings_keep_the_stated_values():
    result = workers({"tanggal_lahir": "06/06/1990", "jenis_kelamin": "L"})
    assert result.rows.select("birth_date", "sex").row(0) == (dt.date(1990, 6, 6), "L")
    assert result.issues.select("code", "message").rows() == [
        (
            "birth_date_mismatch_nik",
            "Tanggal lahir berbeda dengan yang tercantum di NIK (05/06/90); "
            "tanggal lahir yang diisi dipakai.",
        ),
        (
            "sex_mismatch_nik",
            "Jenis kelamin berbeda dengan yang tercantum di NIK (P); jenis kelamin yang diisi dipakai.",
        ),
    ]


def test_nik_century_is_not_a_mismatch():
    # NIK 05-06-90 says 1990 today; a person born 1890 is impossible anyway, but 2026-born vs 1926 is
    # exactly what two digits cannot tell: only day, month and two-digit year are compared.
    result = workers({"nik": "3602014506260001", "tanggal_lahir": "1926-06-05"})
    assert result.issues.height == 0


def test_numeric_nik_cell_is_an_error():
    frame = chunk({}).with_columns(pl.lit(True).alias(NIK_NUMERIC_COLUMN))
    result = validate_workers(frame, today=TODAY, villages=VILLAGES)
    assert issues_of(result) == [(2, "nik", "nik_numeric_cell", "error", "3602014506900001")]
    assert result.rows.height == 0


def test_value_is_truncated_to_100_characters():
    result = workers({"nama": "=" + "x" * 200})
    assert {len(value) for value in result.issues["value"]} == {100}


def test_issues_are_ordered_by_row_and_invalid_rows_leave_valid_ones():
    result = workers({"sektor": "?"}, {}, {"nik": "1", "desil": "99"})
    assert [(row, code) for row, _, code, _, _ in issues_of(result)] == [
        (2, "sector_unknown"),
        (4, "nik_wrong_length"),
        (4, "decile_invalid"),
    ]
    assert result.rows["row"].to_list() == [3]


def test_empty_chunk():
    result = validate_workers(chunk({}).clear(), today=TODAY, villages=VILLAGES)
    assert (result.rows.height, result.issues.height) == (0, 0)
    assert result.rows.schema == pl.Schema(WORKER_ROW_SCHEMA)


def test_villages_argument_decides_what_is_known():
    result = validate_workers(chunk({}), today=TODAY, villages=frozenset({"36.72.01.1001"}))
    assert result.issues["code"].to_list() == ["region_unknown"]


# --- sectors and phones ----------------------------------------------------------------------------


def test_sector_codes_match_the_model():
    from cakupan.registry.models import Sector

    assert {code: str(label) for code, label in Sector.choices} == SECTOR_LABELS


@pytest.mark.parametrize(
    ("raw", "code"),
    [("nelayan", "nelayan"), ("Nelayan", "nelayan"), ("BURUH_HARIAN", "buruh_harian"),
     ("Buruh harian lepas", "buruh_harian"), ("Pekerja rumah tangga", "prt"),
     ("Transportasi (ojek, sopir, kurir)", "transportasi"), ("ojek", "transportasi"),
     ("Pekerja formal (penerima upah)", "formal"), ("lainnya", "lainnya")],
)  # fmt: skip
def test_sector_words(raw, code):
    assert workers({"sektor": raw}).rows["sector"].to_list() == [code]


def test_phone_fast_path_examples():
    raws = [
        "081234567890",
        "+6281234567890",
        "0812-3456-7890",
        "(0812) 3456 7890",
        "81234567890",
        "6281234567890",
    ]
    assert validate_module._phones(pl.Series(raws)).to_list() == ["+6281234567890"] * 6


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789+-() .", max_size=18)
    | st.builds(
        lambda p, d: p + d,
        st.sampled_from(["", "0", "62", "+62", "+62 ", "08", "8"]),
        st.text("0123456789", max_size=13),
    )
)  # fmt: skip
def test_phone_fast_path_agrees_with_phonenumbers(raw):
    assert validate_module._phones(pl.Series([raw])).to_list() == [validate_module._phone_e164(raw)]


# --- roster ----------------------------------------------------------------------------------------


def test_roster_valid_rows():
    result = roster(
        {},
        {"nik": "3602011203850002", "kpj": "123-4567-8902", "segmen": "pu", "program": "jkk+jkm+jht",
         "status": "Non Aktif", "bulan_terakhir_dibayar": "09/2026"},
        {"nik": "3602014506900003", "program": "JKM JKK", "status": "MENUNGGAK",
         "bulan_terakhir_dibayar": "2026-08-15"},
    )  # fmt: skip
    assert result.issues.height == 0
    assert result.rows.schema == pl.Schema(ROSTER_ROW_SCHEMA)
    assert result.rows.select(
        "nik", "kpj", "segment", "jkk", "jkm", "jht", "status", "paid_through"
    ).rows() == [
        ("3602014506900001", "12345678901", "BPU", True, True, False, "aktif", dt.date(2026, 10, 1)),
        ("3602011203850002", "12345678902", "PU", True, True, True, "nonaktif", dt.date(2026, 9, 1)),
        ("3602014506900003", "12345678901", "BPU", True, True, False, "menunggak", dt.date(2026, 8, 1)),
    ]
    assert result.rows["name"].to_list() == [None, None, None]


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"nik": None}, "nik", "nik_missing"),
        ({"kpj": None}, "kpj", "kpj_missing"),
        ({"segmen": None}, "segmen", "segment_missing"),
        ({"program": None}, "program", "programs_missing"),
        ({"status": None}, "status", "status_missing"),
        ({"bulan_terakhir_dibayar": None}, "bulan_terakhir_dibayar", "paid_month_missing"),
        ({"nik": "3602014506900000"}, "nik", "nik_invalid_serial"),
        ({"kpj": "1234567890"}, "kpj", "kpj_invalid"),
        ({"kpj": "1234567890A"}, "kpj", "kpj_invalid"),
        ({"segmen": "PBI"}, "segmen", "segment_invalid"),
        ({"program": "JKK"}, "program", "programs_invalid"),
        ({"program": "JHT, JKM"}, "program", "programs_invalid"),
        ({"program": "JKK, JKM, JP"}, "program", "programs_invalid"),
        ({"status": "lunas"}, "status", "status_invalid"),
        ({"bulan_terakhir_dibayar": "2026-13"}, "bulan_terakhir_dibayar", "paid_month_invalid"),
        ({"bulan_terakhir_dibayar": "Oktober 2026"}, "bulan_terakhir_dibayar", "paid_month_invalid"),
    ],
)
def test_each_roster_code(override, field, code):
    result = roster(override)
    assert [(f, c, s) for _, f, c, s, _ in issues_of(result)] == [(field, code, "error")]
    assert result.rows.height == 0


def test_roster_optional_worker_fields_validated_when_present():
    base = {
        "nama": None,
        "tanggal_lahir": None,
        "jenis_kelamin": None,
        "kode_desa": None,
        "sektor": None,
        "penghasilan": None,
    }
    rows = [
        {**base, "nama": "Siti  Aminah", "tanggal_lahir": "05/06/1990", "jenis_kelamin": "P",
         "kode_desa": "3602012002", "sektor": "Pedagang", "penghasilan": "Rp1.500.000"},
        {**base, "sektor": "astronot", "penghasilan": "-5"},
        {**base, "jenis_kelamin": "L"},
    ]  # fmt: skip
    result = validate_roster(chunk(*rows, base={**ROSTER_BASE, **base}), today=TODAY, villages=VILLAGES)
    assert [(r, c, s) for r, _, c, s, _ in issues_of(result)] == [
        (3, "sector_unknown", "error"),
        (3, "income_negative", "error"),
        (4, "sex_mismatch_nik", "warning"),
    ]
    added = result.rows.row(0, named=True)
    assert (added["name"], added["name_key"], added["birth_date"], added["desa_id"]) == (
        "Siti Aminah",
        "siti aminah",
        dt.date(1990, 6, 5),
        "36.02.01.2002",
    )
    assert (added["sector"], added["employment"], added["monthly_income"]) == (
        "pedagang",
        "informal",
        1_500_000,
    )
    assert result.rows.row(1, named=True)["sex"] == "L"
    assert result.rows.row(1, named=True)["name"] is None


def test_roster_today_defaults_to_jakarta():
    result = validate_roster(chunk({}, base=ROSTER_BASE), villages=VILLAGES)
    assert result.rows.height == 1


# --- name keys -------------------------------------------------------------------------------------


def test_name_key_examples():
    assert name_key("  Siti   AMÍNAH ") == "siti aminah"
    assert name_key("Ma'ruf Amin") == name_key("Maruf Amin") == "maruf amin"
    assert name_key("M. Yusuf-Hidayat 2") == "m yusuf hidayat"
    assert name_key("Sutrisno Müller") == "sutrisno muller"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30) | st.text(alphabet="aAéÉüÜ'’` -.ṢİKß\u0301\t", max_size=20))
def test_name_key_function_equals_the_expression(raw):
    expressed = pl.select(validate_module.name_key_expr(validate_module.clean_name_expr(pl.lit(raw)))).item()
    assert name_key(raw) == expressed
