"""Text that a spreadsheet would run as a formula (CSV injection). No Django import.

Every CSV and XLSX that Cakupan writes passes its text cells through `neutralise` (XLSX is written with
strings_to_formulas off as well): Excel, LibreOffice and Google Sheets treat a cell that starts with =, +,
-, @, a tab or a line break as a formula, so such a text gets an apostrophe in front, which they show as
text (OWASP's advice). Names that look like formulas are refused at intake (`FORMULA_PREFIX_PATTERN`).
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# The same prefixes as a regular expression, for vectorised checks (Polars).
FORMULA_PREFIX_PATTERN = r"^[=+\-@\t\r\n]"


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
