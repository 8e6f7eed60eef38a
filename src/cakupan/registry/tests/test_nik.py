"""The plain NIK parser: no database, no Django needed."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cakupan.regions.reference import nik_prefixes
from cakupan.registry import nik as nik_module
from cakupan.registry.nik import (
    ERROR_CODES,
    NIK_EMPTY,
    NIK_INVALID_BIRTH_DATE,
    NIK_INVALID_CHARACTERS,
    NIK_INVALID_DAY,
    NIK_INVALID_MONTH,
    NIK_INVALID_SERIAL,
    NIK_UNKNOWN_DISTRICT,
    NIK_UNKNOWN_PROVINCE,
    NIK_UNKNOWN_REGENCY,
    NIK_WRONG_LENGTH,
    WARNING_CODES,
    NikIssue,
    NikResult,
    normalise_nik,
    parse_nik,
)

TODAY = dt.date(2026, 11, 23)
# Kabupaten Lebak, Kecamatan Malingping: 36.02.01 is in the current Kemendagri list.
LEBAK_MALINGPING = "360201"


def parse(raw: str, today: dt.date = TODAY) -> NikResult:
    return parse_nik(raw, today=today)


def error_codes(result: NikResult) -> list[str]:
    return [issue.code for issue in result.errors]


def warning_codes(result: NikResult) -> list[str]:
    return [issue.code for issue in result.warnings]


def nik_with(*, prefix: str = LEBAK_MALINGPING, dmy: str = "450690", serial: str = "0001") -> str:
    return prefix + dmy + serial


# --- the example of the issue -------------------------------------------------------------------------


def test_example_from_the_issue_parses_every_field():
    result = parse("3602014506900001")
    assert result == NikResult(
        nik="3602014506900001",
        valid=True,
        province_code="36",
        regency_code="36.02",
        district_code="36.02.01",
        birth_date=dt.date(1990, 6, 5),
        sex="P",
        serial="0001",
        errors=(),
        warnings=(),
    )


def test_man_in_kota_tangerang_selatan():
    result = parse("3674012505850123")
    assert result.valid
    assert (result.province_code, result.regency_code, result.district_code) == ("36", "36.74", "36.74.01")
    assert result.birth_date == dt.date(1985, 5, 25)
    assert result.sex == "L"
    assert result.serial == "0123"
    assert result.errors == result.warnings == ()


def test_to_dict_has_the_documented_shape_and_key_order():
    assert parse("3602014506900001").to_dict() == {
        "nik": "3602014506900001",
        "valid": True,
        "province_code": "36",
        "regency_code": "36.02",
        "district_code": "36.02.01",
        "birth_date": "1990-06-05",
        "sex": "P",
        "serial": "0001",
        "errors": [],
        "warnings": [],
    }
    assert list(parse("x").to_dict()) == [
        "nik",
        "valid",
        "province_code",
        "regency_code",
        "district_code",
        "birth_date",
        "sex",
        "serial",
        "errors",
        "warnings",
    ]


def test_to_dict_of_an_invalid_nik_lists_issues_as_code_and_message():
    assert parse("3602011513900000").to_dict() == {
        "nik": "3602011513900000",
        "valid": False,
        "province_code": "36",
        "regency_code": "36.02",
        "district_code": "36.02.01",
        "birth_date": None,
        "sex": "L",
        "serial": "0000",
        "errors": [
            {"code": NIK_INVALID_MONTH, "message": "Bulan lahir 13 (digit 9-10 NIK) tidak sah: harus 01-12."},
            {
                "code": NIK_INVALID_SERIAL,
                "message": "Nomor urut 0000 (digit 13-16 NIK) tidak sah: nomor urut dimulai dari 0001.",
            },
        ],
        "warnings": [],
    }


def test_result_and_issue_are_frozen():
    result = parse("3602014506900001")
    with pytest.raises(AttributeError):
        result.valid = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        NikIssue("a", "b").code = "c"  # type: ignore[misc]


def test_code_constants():
    assert {
        "nik_empty",
        "nik_invalid_characters",
        "nik_wrong_length",
        "nik_unknown_province",
        "nik_invalid_day",
        "nik_invalid_month",
        "nik_invalid_birth_date",
        "nik_invalid_serial",
    } == ERROR_CODES
    assert {"nik_unknown_regency", "nik_unknown_district"} == WARNING_CODES


# --- normalisation, characters, length ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "3602 0145 0690 0001",
        "3602.0145.0690.0001",
        "3602-0145-0690-0001",
        "36.02.01 450690 0001",
        "  3602014506900001\n",
        "\t3602 0145 0690 0001 ",
    ],
)
def test_separators_and_surrounding_whitespace_are_stripped(raw):
    result = parse(raw)
    assert result.nik == "3602014506900001"
    assert result.valid
    assert result.birth_date == dt.date(1990, 6, 5)


def test_normalise_nik_only_strips():
    assert normalise_nik(" 36.02-01 45 ") == "36020145"
    assert normalise_nik("36a02") == "36a02"
    assert normalise_nik("") == ""


@pytest.mark.parametrize("raw", ["", "   ", "\n", " - . "])
def test_empty(raw):
    result = parse(raw)
    assert not result.valid
    assert error_codes(result) == [NIK_EMPTY]
    assert result.errors[0].message == "NIK kosong."
    assert result.nik == ""
    assert result.warnings == ()


def test_letters_in_a_16_character_nik():
    result = parse("36020145069000AB")
    assert not result.valid
    assert error_codes(result) == [NIK_INVALID_CHARACTERS]
    assert result.errors[0].message == (
        "NIK hanya boleh berisi angka (spasi, titik, dan tanda hubung diabaikan); "
        "ditemukan karakter tidak sah: 'A', 'B'."
    )
    # Field checks need 16 digits, so nothing is decoded.
    assert result.nik == "36020145069000AB"
    assert (result.province_code, result.regency_code, result.district_code) == (None, None, None)
    assert (result.birth_date, result.sex, result.serial) == (None, None, None)


def test_letters_and_wrong_length_are_both_reported():
    result = parse("3602O1450690001")
    assert error_codes(result) == [NIK_INVALID_CHARACTERS, NIK_WRONG_LENGTH]
    assert result.errors[1].message == "NIK harus terdiri dari 16 digit, bukan 15 karakter."


def test_invalid_characters_are_named_once_each_and_capped():
    result = parse("abcabcdefg")
    assert result.errors[0].message.endswith(
        "ditemukan karakter tidak sah: 'a', 'b', 'c', 'd', 'e', dan 2 lainnya."
    )


@pytest.mark.parametrize(
    "raw", ["٣٦٠٢٠١٤٥٠٦٩٠٠٠٠١", "36020145069000０1", "360201450690000²", "3602\t01450690001"]
)
def test_non_ascii_digits_and_inner_tabs_are_invalid_characters(raw):
    assert error_codes(parse(raw)) == [NIK_INVALID_CHARACTERS]


@pytest.mark.parametrize(("raw", "length"), [("360201450690001", 15), ("36020145069000011", 17), ("3", 1)])
def test_wrong_length(raw, length):
    result = parse(raw)
    assert not result.valid
    assert error_codes(result) == [NIK_WRONG_LENGTH]
    assert result.errors[0].message == f"NIK harus terdiri dari 16 digit, bukan {length} digit."
    assert result.nik == raw
    assert (result.province_code, result.birth_date, result.sex, result.serial) == (None, None, None, None)


def test_wrong_length_after_stripping_separators():
    result = parse("3602 0145 0690 001")
    assert result.nik == "360201450690001"
    assert error_codes(result) == [NIK_WRONG_LENGTH]


# --- regions ------------------------------------------------------------------------------------------


def test_unknown_province_is_an_error_and_stops_the_region_checks():
    result = parse("9901014506900001")
    assert not result.valid
    assert error_codes(result) == [NIK_UNKNOWN_PROVINCE]
    assert result.errors[0].message == "Kode provinsi 99 (digit 1-2 NIK) tidak dikenal."
    assert result.warnings == ()
    # What the NIK says is still reported.
    assert (result.province_code, result.regency_code, result.district_code) == ("99", "99.01", "99.01.01")
    assert (result.birth_date, result.sex, result.serial) == (dt.date(1990, 6, 5), "P", "0001")


def test_unknown_regency_is_a_warning_only():
    result = parse("3605014506900001")
    assert result.valid
    assert result.errors == ()
    # Its kecamatan cannot be known either; one warning says it all.
    assert warning_codes(result) == [NIK_UNKNOWN_REGENCY]
    assert result.warnings[0].message == (
        "Kode kabupaten/kota 36.05 (digit 1-4 NIK) tidak ada dalam daftar Kemendagri saat ini; "
        "mungkin kode lama sebelum pemekaran wilayah."
    )
    assert (result.regency_code, result.district_code) == ("36.05", "36.05.01")


def test_unknown_kecamatan_of_a_known_regency_is_a_warning_only():
    # 36.03.21 is not in the current list of Kabupaten Tangerang (codes went to Kota Tangerang Selatan).
    assert "360321" not in nik_prefixes().districts
    result = parse("3603212505850001")
    assert result.valid
    assert warning_codes(result) == [NIK_UNKNOWN_DISTRICT]
    assert result.warnings[0].message == (
        "Kode kecamatan 36.03.21 (digit 1-6 NIK) tidak ada dalam daftar Kemendagri saat ini; "
        "mungkin kode lama sebelum pemekaran wilayah."
    )


def test_warnings_combine_with_errors():
    result = parse("3605010013900000")
    assert error_codes(result) == [NIK_INVALID_DAY, NIK_INVALID_MONTH, NIK_INVALID_SERIAL]
    assert warning_codes(result) == [NIK_UNKNOWN_REGENCY]


# --- day, sex, month, birth date ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day_field", "sex", "day"),
    [("01", "L", 1), ("31", "L", 31), ("41", "P", 1), ("45", "P", 5), ("71", "P", 31)],
)
def test_valid_days_and_sex(day_field, sex, day):
    result = parse(nik_with(dmy=f"{day_field}0190"))
    assert result.valid
    assert result.sex == sex
    assert result.birth_date == dt.date(1990, 1, day)


@pytest.mark.parametrize("day_field", ["00", "32", "39", "40", "72", "80", "99"])
def test_invalid_day(day_field):
    result = parse(nik_with(dmy=f"{day_field}0190"))
    assert not result.valid
    assert error_codes(result) == [NIK_INVALID_DAY]
    assert result.errors[0].message == (
        f"Tanggal lahir {day_field} (digit 7-8 NIK) tidak sah: harus 01-31 untuk laki-laki "
        "atau 41-71 untuk perempuan."
    )
    assert (result.sex, result.birth_date) == (None, None)


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_invalid_month(month):
    result = parse(nik_with(dmy=f"15{month}90"))
    assert error_codes(result) == [NIK_INVALID_MONTH]
    assert result.errors[0].message == f"Bulan lahir {month} (digit 9-10 NIK) tidak sah: harus 01-12."
    # The sex comes from the day alone.
    assert (result.sex, result.birth_date) == ("L", None)


@pytest.mark.parametrize("month", ["01", "12"])
def test_month_bounds(month):
    assert parse(nik_with(dmy=f"15{month}90")).birth_date == dt.date(1990, int(month), 15)


def test_invalid_day_and_month_skip_the_calendar_check():
    assert error_codes(parse(nik_with(dmy="401390"))) == [NIK_INVALID_DAY, NIK_INVALID_MONTH]


@pytest.mark.parametrize(
    ("dmy", "shown"),
    [
        ("310490", "31-04-1990"),  # April has 30 days
        ("710490", "31-04-1990"),  # the same for a woman
        ("300290", "30-02-1990"),
        ("290201", "29-02-2001"),
        ("290227", "29-02-1927"),
        ("310999", "31-09-1999"),
    ],
)
def test_dates_not_in_the_calendar(dmy, shown):
    result = parse(nik_with(dmy=dmy))
    assert error_codes(result) == [NIK_INVALID_BIRTH_DATE]
    assert result.errors[0].message == f"Tanggal lahir {shown} (digit 7-12 NIK) tidak ada di kalender."
    assert result.birth_date is None
    assert result.sex == ("P" if dmy.startswith("71") else "L")


@pytest.mark.parametrize(
    ("dmy", "born"),
    [
        ("290200", dt.date(2000, 2, 29)),  # 2000 is a leap year (divisible by 400)
        ("690200", dt.date(2000, 2, 29)),
        ("290296", dt.date(1996, 2, 29)),
        ("290228", dt.date(1928, 2, 29)),
        ("280201", dt.date(2001, 2, 28)),
    ],
)
def test_leap_days(dmy, born):
    result = parse(nik_with(dmy=dmy))
    assert result.valid
    assert result.birth_date == born


@pytest.mark.parametrize("today", [dt.date(2000, 2, 28), dt.date(1999, 12, 31)])
def test_29_february_00_is_impossible_when_it_resolves_to_1900(today):
    # Only a `today` before 29 February 2000 sends "00" back to 1900, which is not a leap year.
    result = parse(nik_with(dmy="290200"), today=today)
    assert error_codes(result) == [NIK_INVALID_BIRTH_DATE]
    assert result.errors[0].message == "Tanggal lahir 29-02-1900 (digit 7-12 NIK) tidak ada di kalender."
    # The day after goes back to 1900 as well, and exists there.
    assert parse(nik_with(dmy="010300"), today=today).birth_date == dt.date(1900, 3, 1)


def test_29_february_00_is_2000_from_that_day_on():
    assert parse(nik_with(dmy="290200"), today=dt.date(2000, 2, 29)).birth_date == dt.date(2000, 2, 29)


# --- two-digit year -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dmy", "born"),
    [
        ("010126", dt.date(2026, 1, 1)),  # 26 -> 2026
        ("010127", dt.date(1927, 1, 1)),  # 27 -> 1927
        ("231126", dt.date(2026, 11, 23)),  # born today: not in the future
        ("241126", dt.date(1926, 11, 24)),  # tomorrow in 2026 would be the future, so 1926
        ("311226", dt.date(1926, 12, 31)),
        ("221126", dt.date(2026, 11, 22)),
        ("010100", dt.date(2000, 1, 1)),
        ("311299", dt.date(1999, 12, 31)),
    ],
)
def test_two_digit_year_is_the_most_recent_past_year(dmy, born):
    result = parse(nik_with(dmy=dmy))
    assert result.valid
    assert result.birth_date == born


def test_year_resolution_follows_the_injected_today():
    nik = nik_with(dmy="150630")
    assert parse(nik, today=dt.date(2030, 6, 15)).birth_date == dt.date(2030, 6, 15)
    assert parse(nik, today=dt.date(2030, 6, 14)).birth_date == dt.date(1930, 6, 15)
    assert parse(nik, today=dt.date(2026, 11, 23)).birth_date == dt.date(1930, 6, 15)
    assert parse(nik, today=dt.date(2131, 1, 1)).birth_date == dt.date(2130, 6, 15)


def test_today_defaults_to_the_date_in_jakarta(monkeypatch):
    monkeypatch.setattr(nik_module, "_today_in_jakarta", lambda: dt.date(2030, 6, 15))
    assert parse_nik(nik_with(dmy="150630")).birth_date == dt.date(2030, 6, 15)
    monkeypatch.setattr(nik_module, "_today_in_jakarta", lambda: dt.date(2030, 6, 14))
    assert parse_nik(nik_with(dmy="150630")).birth_date == dt.date(1930, 6, 15)


def test_jakarta_today_is_a_real_date_near_the_system_clock():
    today = nik_module._today_in_jakarta()
    utc_today = dt.datetime.now(dt.UTC).date()
    assert today - utc_today in (dt.timedelta(0), dt.timedelta(days=1))


# --- serial and multiple errors -----------------------------------------------------------------------


def test_serial_0000_is_invalid():
    result = parse(nik_with(serial="0000"))
    assert error_codes(result) == [NIK_INVALID_SERIAL]
    assert result.serial == "0000"
    assert result.birth_date == dt.date(1990, 6, 5)


@pytest.mark.parametrize("serial", ["0001", "0010", "9999"])
def test_serial_bounds(serial):
    result = parse(nik_with(serial=serial))
    assert result.valid
    assert result.serial == serial


def test_all_independent_errors_are_reported_in_position_order():
    result = parse("9901007213000000")
    assert error_codes(result) == [
        NIK_UNKNOWN_PROVINCE,
        NIK_INVALID_DAY,
        NIK_INVALID_MONTH,
        NIK_INVALID_SERIAL,
    ]
    assert not result.valid


def test_bad_calendar_date_and_serial_together():
    assert error_codes(parse(nik_with(dmy="310490", serial="0000"))) == [
        NIK_INVALID_BIRTH_DATE,
        NIK_INVALID_SERIAL,
    ]


# --- no Django ----------------------------------------------------------------------------------------


def test_module_imports_and_runs_without_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import sys, datetime\n"
        "from cakupan.registry.nik import parse_nik\n"
        "assert parse_nik('3602014506900001', today=datetime.date(2026, 11, 23)).valid\n"
        "assert parse_nik('3602014506900001').valid\n"
        "assert not [name for name in sys.modules if name.split('.')[0] == 'django'], 'django imported'\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


# --- properties ---------------------------------------------------------------------------------------

DISTRICTS = sorted(nik_prefixes().districts)


@st.composite
def niks_with_facts(draw):
    prefix = draw(st.sampled_from(DISTRICTS))
    today = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)))
    # The two-digit year covers exactly the century that ends today.
    born = draw(st.dates(min_value=dt.date(1850, 1, 1), max_value=today))
    assume((born.year, born.month, born.day) > (today.year - 100, today.month, today.day))
    sex = draw(st.sampled_from("LP"))
    serial = draw(st.integers(min_value=1, max_value=9999))
    day_field = born.day + (40 if sex == "P" else 0)
    nik = f"{prefix}{day_field:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    return nik, today, born, sex, prefix, serial


@given(niks_with_facts())
def test_property_well_formed_niks_round_trip(case):
    nik, today, born, sex, prefix, serial = case
    result = parse_nik(nik, today=today)
    assert result.valid, result.errors
    assert result.errors == result.warnings == ()
    assert result.nik == nik
    assert result.birth_date == born
    assert result.sex == sex
    assert result.serial == f"{serial:04d}"
    assert result.district_code == f"{prefix[0:2]}.{prefix[2:4]}.{prefix[4:6]}"
    assert result.regency_code == result.district_code[:5]
    assert result.province_code == prefix[0:2]


@given(niks_with_facts(), st.lists(st.sampled_from([" ", ".", "-"]), min_size=3, max_size=3))
def test_property_separators_between_groups_change_nothing(case, separators):
    nik, today, *_ = case
    grouped = nik[0:4] + separators[0] + nik[4:8] + separators[1] + nik[8:12] + separators[2] + nik[12:16]
    assert parse_nik(grouped, today=today) == parse_nik(nik, today=today)


def _check_invariants(result: NikResult) -> None:
    assert result.valid == (not result.errors)
    assert {issue.code for issue in result.errors} <= ERROR_CODES
    assert {issue.code for issue in result.warnings} <= WARNING_CODES
    assert all(issue.message for issue in result.errors + result.warnings)
    if result.valid:
        assert len(result.nik) == 16
        assert result.birth_date is not None
        assert result.birth_date <= TODAY
        assert result.sex in ("L", "P")
        assert result.serial is not None and result.serial != "0000"
    result.to_dict()


@given(st.text())
def test_property_never_raises_on_arbitrary_text(raw):
    _check_invariants(parse_nik(raw, today=TODAY))


@given(st.text(alphabet="0123456789 .-", max_size=24))
def test_property_never_raises_on_digits_and_separators(raw):
    _check_invariants(parse_nik(raw, today=TODAY))
