"""Parse and validate the NIK (Nomor Induk Kependudukan), the 16-digit Indonesian national ID number.

Layout (positions 1-based):

    1-2   province            } Kemendagri codes in force where and when the NIK was issued
    3-4   regency/city        }
    5-6   kecamatan (district)}
    7-8   day of birth, plus 40 for women
    9-10  month of birth
    11-12 two-digit year of birth
    13-16 serial number, from 0001

Deliberately free of Django: it is used by bulk imports and the synthetic population generator, which
must be able to validate millions of rows without a configured project. Only the region prefixes are
looked up, from `cakupan.regions.reference.nik_prefixes()` (cached after the first call).

Decisions the issue leaves open, made here once:

* Separators (space, dot, dash) are removed wherever they occur, not only between digit groups, and
  surrounding whitespace of any kind is stripped. Nothing else is forgiven.
* Invalid characters and a wrong length are reported together (both can be judged on the stripped
  input), but no field is checked unless the input is exactly 16 ASCII digits.
* The codes (province_code ...) and the serial are filled in for every 16-digit input, even when the
  province is unknown or the serial is 0000: they say what the NIK contains, `errors` says what is wrong.
* An unknown province makes regency and kecamatan unknowable, so they are not checked; an unknown
  regency gives only `nik_unknown_regency`, since its kecamatan is then necessarily unknown too.
* Two-digit year: the most recent year ending in those digits whose date is not after `today`; so a
  birth date equal to today is accepted, and one day later goes back a century. The century is chosen
  before the calendar check, which is what makes 29-02-00 valid as 2000 but impossible as 1900.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cakupan.regions.reference import nik_prefixes

__all__ = [
    "ERROR_CODES",
    "NIK_EMPTY",
    "NIK_INVALID_BIRTH_DATE",
    "NIK_INVALID_CHARACTERS",
    "NIK_INVALID_DAY",
    "NIK_INVALID_MONTH",
    "NIK_INVALID_SERIAL",
    "NIK_LENGTH",
    "NIK_UNKNOWN_DISTRICT",
    "NIK_UNKNOWN_PROVINCE",
    "NIK_UNKNOWN_REGENCY",
    "NIK_WRONG_LENGTH",
    "WARNING_CODES",
    "NikIssue",
    "NikResult",
    "normalise_nik",
    "parse_nik",
]

NIK_LENGTH = 16

# Errors: the NIK is invalid.
NIK_EMPTY = "nik_empty"
NIK_INVALID_CHARACTERS = "nik_invalid_characters"
NIK_WRONG_LENGTH = "nik_wrong_length"
NIK_UNKNOWN_PROVINCE = "nik_unknown_province"
NIK_INVALID_DAY = "nik_invalid_day"
NIK_INVALID_MONTH = "nik_invalid_month"
NIK_INVALID_BIRTH_DATE = "nik_invalid_birth_date"
NIK_INVALID_SERIAL = "nik_invalid_serial"
# Warnings: the NIK stays valid. NIKs keep the codes of the time they were issued, and regions are split
# (Kota Tangerang Selatan, 36.74, came out of Kabupaten Tangerang, 36.03), so an old prefix is expected.
NIK_UNKNOWN_REGENCY = "nik_unknown_regency"
NIK_UNKNOWN_DISTRICT = "nik_unknown_district"

ERROR_CODES = frozenset(
    {
        NIK_EMPTY,
        NIK_INVALID_CHARACTERS,
        NIK_WRONG_LENGTH,
        NIK_UNKNOWN_PROVINCE,
        NIK_INVALID_DAY,
        NIK_INVALID_MONTH,
        NIK_INVALID_BIRTH_DATE,
        NIK_INVALID_SERIAL,
    }
)
WARNING_CODES = frozenset({NIK_UNKNOWN_REGENCY, NIK_UNKNOWN_DISTRICT})

_SEPARATORS = str.maketrans("", "", " .-")
_FEMALE_DAY_OFFSET = 40
# Characters quoted in the invalid-characters message; a pasted paragraph should not flood the report.
_MAX_SHOWN_CHARACTERS = 5

try:
    _JAKARTA: dt.tzinfo = ZoneInfo("Asia/Jakarta")
except ZoneInfoNotFoundError:  # pragma: no cover - only on systems without a tz database or tzdata
    # WIB has been UTC+7 without daylight saving since 1964, so the fixed offset gives the same date.
    _JAKARTA = dt.timezone(dt.timedelta(hours=7), "WIB")


@dataclass(frozen=True, slots=True)
class NikIssue:
    """One error or warning: a stable English code and a Bahasa Indonesia message naming the problem."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class NikResult:
    nik: str  # the 16 digits without separators, or the stripped input when it is not 16 digits
    valid: bool
    province_code: str | None  # "36"
    regency_code: str | None  # "36.02"
    district_code: str | None  # "36.02.01"
    birth_date: dt.date | None
    sex: str | None  # "L" (laki-laki) or "P" (perempuan)
    serial: str | None  # "0001"
    errors: tuple[NikIssue, ...] = ()
    warnings: tuple[NikIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in the order the CLI and API document."""
        return {
            "nik": self.nik,
            "valid": self.valid,
            "province_code": self.province_code,
            "regency_code": self.regency_code,
            "district_code": self.district_code,
            "birth_date": self.birth_date.isoformat() if self.birth_date is not None else None,
            "sex": self.sex,
            "serial": self.serial,
            "errors": [issue.to_dict() for issue in self.errors],
            "warnings": [issue.to_dict() for issue in self.warnings],
        }


def normalise_nik(raw: str) -> str:
    """Strip surrounding whitespace and every space, dot and dash; nothing else is changed or checked."""
    return raw.strip().translate(_SEPARATORS)


def _today_in_jakarta() -> dt.date:
    return dt.datetime.now(_JAKARTA).date()


def _resolve_year(two_digits: int, month: int, day: int, today: dt.date) -> int:
    # The latest year <= today's year that ends in the two digits, then a century earlier if that would
    # put the birth after today. Tuples, not dates: 29-02 must be compared before knowing if it exists.
    year = today.year - (today.year - two_digits) % 100
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


def _invalid_result(nik: str, errors: list[NikIssue]) -> NikResult:
    return NikResult(nik, False, None, None, None, None, None, None, tuple(errors), ())


def parse_nik(raw: str, *, today: dt.date | None = None) -> NikResult:
    """Parse a NIK and report every independent problem found; never raises on any string.

    `today` decides the century of the two-digit birth year; it defaults to today's date in Jakarta.
    """
    nik = normalise_nik(raw)
    if not nik:
        return _invalid_result(nik, [NikIssue(NIK_EMPTY, "NIK kosong.")])

    # isdigit() alone would accept other scripts' digits ("٣", "²"), which are not NIK digits.
    all_digits = nik.isascii() and nik.isdigit()
    if not all_digits or len(nik) != NIK_LENGTH:
        errors = []
        if not all_digits:
            shown = [char for char in dict.fromkeys(nik) if not ("0" <= char <= "9")]
            listed = ", ".join(repr(char) for char in shown[:_MAX_SHOWN_CHARACTERS])
            if len(shown) > _MAX_SHOWN_CHARACTERS:
                listed += f", dan {len(shown) - _MAX_SHOWN_CHARACTERS} lainnya"
            errors.append(
                NikIssue(
                    NIK_INVALID_CHARACTERS,
                    "NIK hanya boleh berisi angka (spasi, titik, dan tanda hubung diabaikan); "
                    f"ditemukan karakter tidak sah: {listed}.",
                )
            )
        if len(nik) != NIK_LENGTH:
            unit = "digit" if all_digits else "karakter"
            errors.append(
                NikIssue(NIK_WRONG_LENGTH, f"NIK harus terdiri dari 16 digit, bukan {len(nik)} {unit}.")
            )
        return _invalid_result(nik, errors)

    errors = []
    warnings = []
    province, regency, district = nik[0:2], nik[2:4], nik[4:6]
    province_code = province
    regency_code = f"{province}.{regency}"
    district_code = f"{regency_code}.{district}"

    prefixes = nik_prefixes()
    if province not in prefixes.provinces:
        errors.append(
            NikIssue(NIK_UNKNOWN_PROVINCE, f"Kode provinsi {province_code} (digit 1-2 NIK) tidak dikenal.")
        )
    elif nik[0:4] not in prefixes.regencies:
        warnings.append(
            NikIssue(
                NIK_UNKNOWN_REGENCY,
                f"Kode kabupaten/kota {regency_code} (digit 1-4 NIK) tidak ada dalam daftar Kemendagri "
                "saat ini; mungkin kode lama sebelum pemekaran wilayah.",
            )
        )
    elif nik[0:6] not in prefixes.districts:
        warnings.append(
            NikIssue(
                NIK_UNKNOWN_DISTRICT,
                f"Kode kecamatan {district_code} (digit 1-6 NIK) tidak ada dalam daftar Kemendagri "
                "saat ini; mungkin kode lama sebelum pemekaran wilayah.",
            )
        )

    day_field = int(nik[6:8])
    sex: str | None
    if 1 <= day_field <= 31:
        sex, day = "L", day_field
    elif 1 + _FEMALE_DAY_OFFSET <= day_field <= 31 + _FEMALE_DAY_OFFSET:
        sex, day = "P", day_field - _FEMALE_DAY_OFFSET
    else:
        sex, day = None, 0
        errors.append(
            NikIssue(
                NIK_INVALID_DAY,
                f"Tanggal lahir {nik[6:8]} (digit 7-8 NIK) tidak sah: harus 01-31 untuk laki-laki "
                "atau 41-71 untuk perempuan.",
            )
        )

    month = int(nik[8:10])
    month_ok = 1 <= month <= 12
    if not month_ok:
        errors.append(
            NikIssue(NIK_INVALID_MONTH, f"Bulan lahir {nik[8:10]} (digit 9-10 NIK) tidak sah: harus 01-12.")
        )

    birth_date = None
    if sex is not None and month_ok:
        if today is None:
            today = _today_in_jakarta()
        year = _resolve_year(int(nik[10:12]), month, day, today)
        try:
            birth_date = dt.date(year, month, day)
        except ValueError:
            errors.append(
                NikIssue(
                    NIK_INVALID_BIRTH_DATE,
                    f"Tanggal lahir {day:02d}-{month:02d}-{year:04d} (digit 7-12 NIK) tidak ada di kalender.",
                )
            )

    serial = nik[12:16]
    if serial == "0000":
        errors.append(
            NikIssue(
                NIK_INVALID_SERIAL,
                "Nomor urut 0000 (digit 13-16 NIK) tidak sah: nomor urut dimulai dari 0001.",
            )
        )

    return NikResult(
        nik,
        not errors,
        province_code,
        regency_code,
        district_code,
        birth_date,
        sex,
        serial,
        tuple(errors),
        tuple(warnings),
    )
