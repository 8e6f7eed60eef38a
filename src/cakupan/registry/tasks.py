"""Background tasks (django-tasks): the import steps run in `cakupan task_worker`, not in a web request.

A step that meets a database lock held by someone else (SQLite's "database is locked", PostgreSQL's lock
or statement timeout, a deadlock) is retried a few times with a growing pause: each step is one
transaction, so a retry starts from nothing. Any other failure, or locks that outlast the retries, mark
the import failed with a Bahasa message instead of leaving it "Sedang diperiksa" for ever.
"""

from __future__ import annotations

import logging
import time

from django.db import OperationalError
from django_tasks import task

logger = logging.getLogger("cakupan.tasks")

LOCK_RETRIES = 5
FIRST_PAUSE_SECONDS = 2.0
LOCK_MARKERS = ("database is locked", "lock timeout", "lock_timeout", "deadlock", "could not obtain lock",
                "canceling statement due to statement timeout")  # fmt: skip


def is_lock_error(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, OperationalError) and any(marker in text for marker in LOCK_MARKERS)


def run_with_retries(step, import_id: int, *, sleep=time.sleep, pause: float = FIRST_PAUSE_SECONDS) -> None:
    from cakupan.registry.importing import import_task_failed

    for attempt in range(1, LOCK_RETRIES + 1):
        try:
            step(import_id=import_id)
            return
        except OperationalError as error:
            if not is_lock_error(error) or attempt == LOCK_RETRIES:
                logger.exception(
                    "import %s step %s failed after %s attempts", import_id, step.__name__, attempt
                )
                import_task_failed(import_id=import_id, error=error, locked=is_lock_error(error))
                return
            logger.warning("import %s: database locked (attempt %s), retrying", import_id, attempt)
            sleep(pause * 2 ** (attempt - 1))
        except Exception as error:
            logger.exception("import %s step %s failed", import_id, step.__name__)
            import_task_failed(import_id=import_id, error=error, locked=False)
            return


@task()
def import_check_task(import_id: int) -> None:
    from cakupan.registry.importing import import_check

    run_with_retries(import_check, import_id)


@task()
def import_apply_task(import_id: int) -> None:
    from cakupan.registry.importing import import_apply

    run_with_retries(import_apply, import_id)
