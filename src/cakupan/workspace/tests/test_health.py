"""The staff health page: background work, imports of my area it holds up, and failed imports."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from cakupan.accounts.models import User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.registry import tasks
from cakupan.registry.models import ImportStatus, WorkerImport


@pytest.fixture
def users(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password="Banten-UCJ-2026")
    return {user.username: user for user in User.objects.all()}


def _import(user, *, status=ImportStatus.CHECKING, name="desa.csv", message=""):
    return WorkerImport.objects.create(
        kind="workers", file_name=name, file_sha256="0" * 64, on_duplicate="keep", status=status,
        submitted_by=user, area_id=user.area_id, message=message,
    )  # fmt: skip


def _count(page, key):
    return re.search(rf'data-testid="tasks-{key}">([^<]*)<', page).group(1)


def test_all_well(users, client):
    client.force_login(users["desa"])
    page = client.get("/kerja/kesehatan/").content.decode()
    assert 'data-healthy="ya"' in page and "Berjalan normal" in page
    assert [_count(page, key) for key in ("waiting_too_long", "running_too_long", "failed_last_7_days")] == [
        "0", "0", "0",
    ]  # fmt: skip
    assert "Tidak ada impor yang tertahan." in page and "Tidak ada impor yang gagal." in page
    home = client.get("/kerja/").content.decode()
    assert 'data-testid="task-alert"' not in home and 'href="/kerja/kesehatan/"' in home


def test_a_task_nobody_takes_shows_to_staff_of_its_area_and_as_counts_to_all(users, client):
    from django_tasks_db.models import DBTaskResult

    record = _import(users["desa"])
    tasks.import_check_task.using(backend="default").enqueue(record.pk)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=30))
    failed = _import(users["desa"], status=ImportStatus.FAILED, name="rusak.csv", message="Basis data sibuk.")

    client.force_login(users["lebak"])  # Lebak holds the desa
    page = client.get("/kerja/kesehatan/").content.decode()
    assert 'data-healthy="tidak"' in page and 'data-testid="task-alert"' in page
    assert _count(page, "waiting_too_long") == "1"
    held = re.search(r'data-testid="held-up">(.*?)</section>', page, re.S).group(1)
    assert f'href="/impor/{record.pk}/"' in held and "menunggu 30 menit" in held
    failures = re.search(r'data-testid="failed-imports">(.*?)</section>', page, re.S).group(1)
    assert f'href="/impor/{failed.pk}/"' in failures and "Basis data sibuk." in failures
    assert 'data-testid="task-alert"' in client.get("/kerja/").content.decode()

    # Another regency sees the counts (the service is shared) but not Lebak's imports.
    kota = User.objects.create_user(username="serang", password="Banten-UCJ-2026")
    kota.role, kota.area_id = users["lebak"].role, "36.73"
    kota.save()
    client.force_login(kota)
    other = client.get("/kerja/kesehatan/").content.decode()
    assert _count(other, "waiting_too_long") == "1" and 'data-healthy="tidak"' in other
    assert f"/impor/{record.pk}/" not in other and f"/impor/{failed.pk}/" not in other
    assert "desa.csv" not in other and "rusak.csv" not in other


def test_the_health_page_is_for_staff_only(users, client):
    assert client.get("/kerja/kesehatan/").status_code == 302
    client.force_login(users["sponsor"])
    response = client.get("/kerja/kesehatan/")
    assert response.status_code == 403 and "Kesehatan sistem" not in response.content.decode()
