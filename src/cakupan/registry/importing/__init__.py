"""Import services: worker lists and BPJS TK rosters, all-or-nothing and set-based.

A file is read in chunks and validated columnar (`registry.intake`, no Django); valid rows go into a
temporary staging table with COPY (PostgreSQL) or executemany (SQLite). De-duplication against the file
itself and against the registry, updates and inserts are then a handful of SQL statements, never a
per-row ORM save. Everything happens in one transaction: a failure, or a dry run, leaves the registry
exactly as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cakupan.core.lazy import lazy_exports

if TYPE_CHECKING:
    from cakupan.registry.importing.handlers import register_handlers
    from cakupan.registry.importing.run import ImportResult, roster_import, workers_import
    from cakupan.registry.importing.staging import STAGE
    from cakupan.registry.importing.web import (
        UPLOAD_LIMIT_BYTES,
        import_apply,
        import_check,
        import_progress,
        import_submit,
        import_task_alert,
        import_task_failed,
        progress_key,
        report_path,
        stuck_imports,
        template_dir,
    )

# Loaded on first use: the app registers its approval handlers at start-up, and every command would
# otherwise import Polars, NumPy and xlsxwriter, which only an import of a file needs.
__getattr__ = lazy_exports(
    __name__,
    {
        "handlers": ("register_handlers",),
        "run": ("ImportResult", "roster_import", "workers_import"),
        "staging": ("STAGE",),
        "web": (
            "UPLOAD_LIMIT_BYTES",
            "import_apply",
            "import_check",
            "import_progress",
            "import_submit",
            "import_task_alert",
            "import_task_failed",
            "progress_key",
            "report_path",
            "stuck_imports",
            "template_dir",
        ),
    },
)

__all__ = [
    "STAGE",
    "UPLOAD_LIMIT_BYTES",
    "ImportResult",
    "import_apply",
    "import_check",
    "import_progress",
    "import_submit",
    "import_task_alert",
    "import_task_failed",
    "progress_key",
    "register_handlers",
    "report_path",
    "roster_import",
    "stuck_imports",
    "template_dir",
    "workers_import",
]
