"""Reading and validating registry import files (workers, BPJS TK rosters), with no Django import.

The Django side (staging tables, de-duplication against the registry, applying, the command) builds on
this: it calls `read_table`, validates each chunk, accumulates the valid rows and issues, and calls
`in_file_duplicates` / `likely_duplicates` and `write_issue_report` at the end. Plain so that it can be
tested and benchmarked without a database, and run on millions of rows in a worker process.

Modules: columns (names, aliases, sectors), reader (CSV/XLSX chunks), nikcheck (vectorised NIK rules),
validate (row rules and codes), duplicates, report (issue report and template).
"""

from __future__ import annotations

from cakupan.registry.intake.columns import (
    HEADER_ALIASES,
    ROSTER_COLUMNS,
    ROSTER_OPTIONAL_COLUMNS,
    ROSTER_REQUIRED,
    SECTOR_LABELS,
    WORKER_COLUMNS,
    WORKER_REQUIRED,
)
from cakupan.registry.intake.duplicates import FirstSeen, in_file_duplicates, likely_duplicates
from cakupan.registry.intake.errors import FILE_ERROR_CODES, IntakeFileError
from cakupan.registry.intake.nikcheck import NikCheck, check_niks
from cakupan.registry.intake.reader import NIK_NUMERIC_COLUMN, TableReader, file_sha256, read_table
from cakupan.registry.intake.report import template_rows, write_issue_report, write_template
from cakupan.registry.intake.validate import (
    ISSUE_CODES,
    ISSUE_SCHEMA,
    ROSTER_ROW_SCHEMA,
    WORKER_ROW_SCHEMA,
    Validated,
    name_key,
    validate_roster,
    validate_workers,
)

__all__ = [
    "FILE_ERROR_CODES",
    "HEADER_ALIASES",
    "ISSUE_CODES",
    "ISSUE_SCHEMA",
    "NIK_NUMERIC_COLUMN",
    "ROSTER_COLUMNS",
    "ROSTER_OPTIONAL_COLUMNS",
    "ROSTER_REQUIRED",
    "ROSTER_ROW_SCHEMA",
    "SECTOR_LABELS",
    "WORKER_COLUMNS",
    "WORKER_REQUIRED",
    "WORKER_ROW_SCHEMA",
    "FirstSeen",
    "IntakeFileError",
    "NikCheck",
    "TableReader",
    "Validated",
    "check_niks",
    "file_sha256",
    "in_file_duplicates",
    "likely_duplicates",
    "name_key",
    "read_table",
    "template_rows",
    "validate_roster",
    "validate_workers",
    "write_issue_report",
    "write_template",
]
