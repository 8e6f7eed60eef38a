import datetime as dt

from django.apps import apps
from django.utils import timezone

COUNTED_MODELS = ("regions.Region", "registry.Worker", "registry.Membership", "coverage.RegionCoverage")


def table_row_counts() -> dict[str, int]:
    """Exact row counts of the main tables, for the health check."""
    counts = {}
    for label in COUNTED_MODELS:
        model = apps.get_model(label)
        counts[model._meta.db_table] = model.objects.count()
    return counts


# A task waiting longer than this means no worker takes tasks; one running longer is presumed stuck.
TASK_WAIT_ALERT = dt.timedelta(minutes=5)
TASK_RUN_ALERT = dt.timedelta(hours=2)


def task_health(*, now=None) -> dict[str, int]:
    """Background tasks (django-tasks' database queue) waiting too long, running too long, and failed in
    the last 7 days: a stopped task worker shows here, not only as imports that never finish."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    rows = DBTaskResult.objects.all()
    week = now - dt.timedelta(days=7)
    return {
        "waiting_too_long": rows.filter(status="READY", enqueued_at__lt=now - TASK_WAIT_ALERT).count(),
        "running_too_long": rows.filter(status="RUNNING", started_at__lt=now - TASK_RUN_ALERT).count(),
        "failed_last_7_days": rows.filter(status="FAILED", enqueued_at__gte=week).count(),
    }


def tasks_healthy(health: dict[str, int]) -> bool:
    return health["waiting_too_long"] == 0 and health["running_too_long"] == 0
