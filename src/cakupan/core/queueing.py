"""Queueing the background work a transaction leaves to do, so that it cannot be lost between the commit and
the queueing."""

from __future__ import annotations

from django.db import transaction


def enqueue_with_commit(task, *args) -> None:
    """Queue `task(*args)` as part of the current transaction's work.

    With the database queue (django-tasks-db, production) the task's row is written in the transaction
    itself: the worker sees it when the transaction commits and never if it rolls back, and a process that
    dies right after the commit has queued it already (`transaction.on_commit` would have lost it, leaving an
    import waiting for ever with nothing to say so; tests/test_faults.py). Any other backend (the immediate
    one of tests and scripts runs the task where it is queued) is called after the commit, as before.
    """
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
