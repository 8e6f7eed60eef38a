"""Background import steps survive database locks, and a step that cannot finish marks its import failed;
a task nobody takes shows on the import's page and in the health check."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.registry import tasks
from cakupan.registry.importing import import_task_alert
from cakupan.registry.models import ImportStatus, WorkerImport


@pytest.fixture
def record(db):
    user_upsert_demo(
        account=next(a for a in DEMO_ACCOUNTS if a.username == "desa"), password="Banten-UCJ-2026"
    )
    from cakupan.accounts.models import User

    user = User.objects.get(username="desa")
    return WorkerImport.objects.create(
        kind="workers", file_name="desa.csv", file_sha256="0" * 64, on_duplicate="keep",
        status=ImportStatus.CHECKING, submitted_by=user, area_id=user.area_id,
    )  # fmt: skip


def test_a_locked_database_is_retried_until_the_step_succeeds(record):
    calls, pauses = [], []

    def step(*, import_id):
        calls.append(import_id)
        if len(calls) < 3:
            raise OperationalError("database is locked")

    tasks.run_with_retries(step, record.pk, sleep=pauses.append, pause=1.0)
    assert calls == [record.pk] * 3 and pauses == [1.0, 2.0]
    record.refresh_from_db()
    assert record.status == ImportStatus.CHECKING


def test_locks_that_outlast_the_retries_fail_the_import_with_a_message(record):
    def step(*, import_id):
        raise OperationalError("canceling statement due to lock timeout")

    pauses = []
    tasks.run_with_retries(step, record.pk, sleep=pauses.append, pause=1.0)
    assert pauses == [1.0, 2.0, 4.0, 8.0]
    record.refresh_from_db()
    assert (record.status, record.error_code) == (ImportStatus.FAILED, "database_busy")
    assert "Basis data terus sibuk" in record.message


def test_any_other_error_fails_the_import_at_once(record):
    def step(*, import_id):
        raise ValueError("bug")

    pauses = []
    tasks.run_with_retries(step, record.pk, sleep=pauses.append)
    record.refresh_from_db()
    assert pauses == [] and (record.status, record.error_code) == (ImportStatus.FAILED, "task_failed")


def test_a_task_nobody_takes_shows_on_the_page_and_in_the_health_check(record, client, settings):
    from django_tasks_db.models import DBTaskResult

    from cakupan.core.selectors import task_health

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    tasks.import_check_task.using(backend="default").enqueue(record.pk)
    task = DBTaskResult.objects.get()
    now = timezone.now()
    assert import_task_alert(record=record, now=now) is None
    later = now + dt.timedelta(minutes=12)
    alert = import_task_alert(record=record, now=later)
    assert alert.code == "task_waiting" and "menunggu 12 menit" in alert.message
    assert task_health(now=later) == {"waiting_too_long": 1, "running_too_long": 0, "failed_last_7_days": 0}
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=now - dt.timedelta(minutes=30))
    client.force_login(record.submitted_by)
    page = client.get(f"/impor/{record.pk}/").content.decode()
    assert 'data-testid="task-alert"' in page and "pekerja latar tampaknya tidak berjalan" in page
    assert client.get("/healthz").json() == {"status": "degraded"}
    DBTaskResult.objects.filter(pk=task.pk).update(status="FAILED")
    assert import_task_alert(record=record).code == "task_failed"
