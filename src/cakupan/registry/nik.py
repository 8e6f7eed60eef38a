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

The rules are data (`NIK_RULES`: lengths, ranges, codes, message templates, prefixes) that `parse_nik`
reads and that the field agents' phones receive in their rulebook (`cakupan.agents.device`), so the
phone refuses exactly what the server refuses, with the same words.

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
import functools
import sys
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cakupan.regions.reference import NikPrefixes, nik_prefixes

__all__ = [
    "ERROR_CODES",
    "NIK_EMPTY",
    "NIK_INVALID_BIRTH_DATE",
    "NIK_INVALID_CHARACTERS",
    "NIK_INVALID_DAY",
    "NIK_INVALID_MONTH",
    "NIK_INVALID_SERIAL",
    "NIK_LENGTH",
    "NIK_RULES",
    "NIK_UNKNOWN_DISTRICT",
    "NIK_UNKNOWN_PROVINCE",
    "NIK_UNKNOWN_REGENCY",
    "NIK_WRONG_LENGTH",
    "WARNING_CODES",
    "NikIssue",
    "NikResult",
    "NikRules",
    "normalise_nik",
    "parse_nik",
]

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


# Messages are `str.format` templates with named fields only (no format specs), so that a plain "replace
# {name}" on the phone renders them identically; numbers are padded before they are filled in.
_MESSAGES = {
    NIK_EMPTY: "NIK kosong.",
    NIK_INVALID_CHARACTERS: (
        "NIK hanya boleh berisi angka (spasi, titik, dan tanda hubung diabaikan); "
        "ditemukan karakter tidak sah: {characters}."
    ),
    NIK_WRONG_LENGTH: "NIK harus terdiri dari {length} digit, bukan {count} {unit}.",
    NIK_UNKNOWN_PROVINCE: "Kode provinsi {province_code} (digit 1-2 NIK) tidak dikenal.",
    NIK_UNKNOWN_REGENCY: (
        "Kode kabupaten/kota {regency_code} (digit 1-4 NIK) tidak ada dalam daftar Kemendagri "
        "saat ini; mungkin kode lama sebelum pemekaran wilayah."
    ),
    NIK_UNKNOWN_DISTRICT: (
        "Kode kecamatan {district_code} (digit 1-6 NIK) tidak ada dalam daftar Kemendagri "
        "saat ini; mungkin kode lama sebelum pemekaran wilayah."
    ),
    NIK_INVALID_DAY: (
        "Tanggal lahir {digits} (digit 7-8 NIK) tidak sah: harus {male_days} untuk laki-laki "
        "atau {female_days} untuk perempuan."
    ),
    NIK_INVALID_MONTH: "Bulan lahir {digits} (digit 9-10 NIK) tidak sah: harus {months}.",
    NIK_INVALID_BIRTH_DATE: "Tanggal lahir {day}-{month}-{year} (digit 7-12 NIK) tidak ada di kalender.",
    NIK_INVALID_SERIAL: "Nomor urut {serial} (digit 13-16 NIK) tidak sah: nomor urut dimulai dari 0001.",
}
# (start, end) of each part, 0-based and end-exclusive, as in nik[start:end].
_LAYOUT = {
    "province": (0, 2),
    "regency": (2, 4),
    "district": (4, 6),
    "day": (6, 8),
    "month": (8, 10),
    "year": (10, 12),
    "serial": (12, 16),
}


@dataclass(frozen=True, slots=True)
class NikRules:
    """Everything `parse_nik` checks, as data. The field agents' phones get this same structure in their
    rulebook (cakupan.agents.device) and interpret it, so the device and the server cannot drift apart:
    a changed range or message changes both."""

    length: int = 16
    # Removed wherever they occur (after the surrounding whitespace is stripped).
    separators: str = " .-"
    layout: MappingProxyType = field(default_factory=lambda: MappingProxyType(_LAYOUT))
    # Days of birth of men; women's are the same plus the offset.
    days: tuple[int, int] = (1, 31)
    female_day_offset: int = 40
    months: tuple[int, int] = (1, 12)
    invalid_serial: str = "0000"
    # Characters quoted in the invalid-characters message; a pasted paragraph should not flood the report.
    max_shown_characters: int = 5
    errors: tuple[str, ...] = (
        NIK_EMPTY,
        NIK_INVALID_CHARACTERS,
        NIK_WRONG_LENGTH,
        NIK_UNKNOWN_PROVINCE,
        NIK_INVALID_DAY,
        NIK_INVALID_MONTH,
        NIK_INVALID_BIRTH_DATE,
        NIK_INVALID_SERIAL,
    )
    warnings: tuple[str, ...] = (NIK_UNKNOWN_REGENCY, NIK_UNKNOWN_DISTRICT)
    messages: MappingProxyType = field(default_factory=lambda: MappingProxyType(_MESSAGES))
    # Pieces of the messages above.
    more_characters: str = ", dan {count} lainnya"
    unit_digits: str = "digit"
    unit_characters: str = "karakter"

    def prefixes(self) -> NikPrefixes:
        """The 2-, 4- and 6-digit prefixes of the regions in force (vendored Kemendagri list, cached)."""
        return nik_prefixes()

    def message(self, code: str, **values: object) -> str:
        return self.messages[code].format(**values)

    def part(self, nik: str, name: str) -> str:
        start, end = self.layout[name]
        return nik[start:end]

    def day_ranges(self) -> tuple[str, str]:
        """("01-31", "41-71"): the men's and women's day fields, as the invalid-day message writes them."""
        low, high = self.days
        offset = self.female_day_offset
        return f"{low:02d}-{high:02d}", f"{low + offset:02d}-{high + offset:02d}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the device rulebook. `whitespace` lists what `str.strip()` removes and
        `not_printable` what repr() escapes; the kecamatan prefixes are grouped by their regency's four
        digits, each group one string of two-digit codes ({"3602": "0102…"}): a third of the size of a
        flat list, on a phone's slow connection."""
        prefixes = self.prefixes()
        districts: dict[str, str] = {}
        for prefix in sorted(prefixes.districts):
            districts[prefix[:4]] = districts.get(prefix[:4], "") + prefix[4:]
        return {
            "length": self.length,
            "separators": self.separators,
            "whitespace": _whitespace(),
            "not_printable": _not_printable(),
            "layout": {name: list(span) for name, span in self.layout.items()},
            "days": list(self.days),
            "female_day_offset": self.female_day_offset,
            "months": list(self.months),
            "invalid_serial": self.invalid_serial,
            "max_shown_characters": self.max_shown_characters,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "messages": dict(self.messages),
            "more_characters": self.more_characters,
            "unit_digits": self.unit_digits,
            "unit_characters": self.unit_characters,
            "provinces": sorted(prefixes.provinces),
            "regencies": sorted(prefixes.regencies),
            "districts": districts,
        }


@functools.cache
def _whitespace() -> str:
    # The characters str.strip() removes, so that the phone strips exactly the same ones.
    return "".join(char for char in map(chr, range(sys.maxunicode + 1)) if char.isspace())


@functools.cache
def _not_printable() -> str:
    """The code points that repr() escapes (not str.isprintable()), as hex ranges "0-1f,7f-a0,ad,…": the
    phone's own Unicode tables are of another version than Python's, and the invalid-characters message
    quotes characters as repr() does."""
    ranges: list[str] = []
    start = None
    for code in range(sys.maxunicode + 2):
        printable = code > sys.maxunicode or chr(code).isprintable()
        if not printable and start is None:
            start = code
        elif printable and start is not None:
            end = code - 1
            ranges.append(f"{start:x}" if start == end else f"{start:x}-{end:x}")
            start = None
    return ",".join(ranges)


NIK_RULES = NikRules()
NIK_LENGTH = NIK_RULES.length
ERROR_CODES = frozenset(NIK_RULES.errors)
WARNING_CODES = frozenset(NIK_RULES.warnings)

_SEPARATORS = str.maketrans("", "", NIK_RULES.separators)

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


def _issue(code: str, **values: object) -> NikIssue:
    return NikIssue(code, NIK_RULES.message(code, **values))


def parse_nik(raw: str, *, today: dt.date | None = None) -> NikResult:
    """Parse a NIK and report every independent problem found; never raises on any string.

    `today` decides the century of the two-digit birth year; it defaults to today's date in Jakarta.
    """
    rules = NIK_RULES
    nik = normalise_nik(raw)
    if not nik:
        return _invalid_result(nik, [_issue(NIK_EMPTY)])

    # isdigit() alone would accept other scripts' digits ("٣", "²"), which are not NIK digits.
    all_digits = nik.isascii() and nik.isdigit()
    if not all_digits or len(nik) != rules.length:
        errors = []
        if not all_digits:
            shown = [char for char in dict.fromkeys(nik) if not ("0" <= char <= "9")]
            listed = ", ".join(repr(char) for char in shown[: rules.max_shown_characters])
            if len(shown) > rules.max_shown_characters:
                listed += rules.more_characters.format(count=len(shown) - rules.max_shown_characters)
            errors.append(_issue(NIK_INVALID_CHARACTERS, characters=listed))
        if len(nik) != rules.length:
            unit = rules.unit_digits if all_digits else rules.unit_characters
            errors.append(_issue(NIK_WRONG_LENGTH, length=rules.length, count=len(nik), unit=unit))
        return _invalid_result(nik, errors)

    errors = []
    warnings = []
    province = rules.part(nik, "province")
    province_code = province
    regency_code = f"{province}.{rules.part(nik, 'regency')}"
    district_code = f"{regency_code}.{rules.part(nik, 'district')}"
    regency_prefix = province_code + rules.part(nik, "regency")
    district_prefix = regency_prefix + rules.part(nik, "district")

    prefixes = rules.prefixes()
    if province not in prefixes.provinces:
        errors.append(_issue(NIK_UNKNOWN_PROVINCE, province_code=province_code))
    elif regency_prefix not in prefixes.regencies:
        warnings.append(_issue(NIK_UNKNOWN_REGENCY, regency_code=regency_code))
    elif district_prefix not in prefixes.districts:
        warnings.append(_issue(NIK_UNKNOWN_DISTRICT, district_code=district_code))

    day_digits = rules.part(nik, "day")
    day_field = int(day_digits)
    low, high = rules.days
    offset = rules.female_day_offset
    sex: str | None
    if low <= day_field <= high:
        sex, day = "L", day_field
    elif low + offset <= day_field <= high + offset:
        sex, day = "P", day_field - offset
    else:
        sex, day = None, 0
        male_days, female_days = rules.day_ranges()
        errors.append(
            _issue(NIK_INVALID_DAY, digits=day_digits, male_days=male_days, female_days=female_days)
        )

    month_digits = rules.part(nik, "month")
    month = int(month_digits)
    first_month, last_month = rules.months
    month_ok = first_month <= month <= last_month
    if not month_ok:
        months = f"{first_month:02d}-{last_month:02d}"
        errors.append(_issue(NIK_INVALID_MONTH, digits=month_digits, months=months))

    birth_date = None
    if sex is not None and month_ok:
        if today is None:
            today = _today_in_jakarta()
        year = _resolve_year(int(rules.part(nik, "year")), month, day, today)
        try:
            birth_date = dt.date(year, month, day)
        except ValueError:
            errors.append(
                _issue(NIK_INVALID_BIRTH_DATE, day=f"{day:02d}", month=f"{month:02d}", year=f"{year:04d}")
            )

    serial = rules.part(nik, "serial")
    if serial == rules.invalid_serial:
        errors.append(_issue(NIK_INVALID_SERIAL, serial=serial))

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
