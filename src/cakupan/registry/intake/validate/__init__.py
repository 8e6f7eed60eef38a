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
* Text that a spreadsheet would run as a formula (=, +, -, @ or a line break first) is refused
  (`formula_like_text`): no name starts like that, and exports neutralise such text anyway.
* Roster KPJ numbers: 11 digits after removing spaces, dots and dashes. Programs: any of JKK, JKM, JHT
  separated by commas, plus signs, slashes or spaces; JKK and JKM are mandatory.
"""

from cakupan.registry.intake.validate.codes import (
    ISSUE_CODES,
    ISSUE_SCHEMA,
    ROSTER_ROW_SCHEMA,
    WORKER_ROW_SCHEMA,
)
from cakupan.registry.intake.validate.fields import (
    Validated,
    _phone_e164,
    _phones,
    clean_name_expr,
    name_key,
    name_key_expr,
)
from cakupan.registry.intake.validate.rules import validate_roster, validate_workers

__all__ = [
    "ISSUE_CODES",
    "ISSUE_SCHEMA",
    "ROSTER_ROW_SCHEMA",
    "WORKER_ROW_SCHEMA",
    "Validated",
    "_phone_e164",
    "_phones",
    "clean_name_expr",
    "name_key",
    "name_key_expr",
    "validate_roster",
    "validate_workers",
]
