"""Import services: worker lists and BPJS TK rosters, all-or-nothing and set-based.

A file is read in chunks and validated columnar (`registry.intake`, no Django); valid rows go into a
temporary staging table with COPY (PostgreSQL) or executemany (SQLite). De-duplication against the file
itself and against the registry, updates and inserts are then a handful of SQL statements, never a
per-row ORM save. Everything happens in one transaction: a failure, or a dry run, leaves the registry
exactly as it was.
"""

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
    register_handlers,
    report_path,
    stuck_imports,
    template_dir,
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
