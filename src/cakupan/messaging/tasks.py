"""Background sending (django-tasks): `cakupan task_worker` drains each channel's outbox after messages are
queued, and again when a retry falls due."""

from __future__ import annotations

import datetime as dt

from django_tasks import default_task_backend, task


@task()
def outbox_drain_task(channel: str) -> dict:
    from cakupan.messaging.sending import outbox_drain, outbox_recover

    outbox_recover()
    return outbox_drain(channel=channel)


def schedule_retry(channel: str, at: dt.datetime) -> None:
    """A drain when the earliest retry falls due, where the task backend can defer (the database backend);
    elsewhere the next queueing or `cakupan messages send` picks it up."""
    if default_task_backend.supports_defer:
        outbox_drain_task.using(run_after=at).enqueue(channel)
