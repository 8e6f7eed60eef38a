"""The one exception of the intake layer: the file as a whole cannot be read."""

from __future__ import annotations

from cakupan.core.errors import DomainError

# Stable codes of IntakeFileError (row-level problems are issues, not exceptions).
FILE_EMPTY = "file_empty"
FILE_TYPE_UNSUPPORTED = "file_type_unsupported"
FILE_TOO_LARGE = "file_too_large"
FILE_ENCODING = "file_encoding"
FILE_MALFORMED = "file_malformed"
COLUMNS_MISSING = "columns_missing"
COLUMNS_DUPLICATE = "columns_duplicate"
SHEET_NOT_FOUND = "sheet_not_found"
HEADER_MISSING = "header_missing"
XLSX_TOO_LARGE = "xlsx_too_large"

FILE_ERROR_CODES = frozenset(
    {
        FILE_EMPTY,
        FILE_TYPE_UNSUPPORTED,
        FILE_TOO_LARGE,
        FILE_ENCODING,
        FILE_MALFORMED,
        COLUMNS_MISSING,
        COLUMNS_DUPLICATE,
        SHEET_NOT_FOUND,
        HEADER_MISSING,
        XLSX_TOO_LARGE,
    }
)


class IntakeFileError(DomainError):
    """The file cannot be imported at all; `code` is stable English, `message` Bahasa Indonesia.

    A DomainError (plain Python, no Django) so the web and API layers render it like every other
    domain error.
    """

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
