"""`cakupan backup` and `cakupan restore`: data made through the services, backed up, restored into a fresh
database by the console script (a new SQLite file, or a second database in the same PostgreSQL cluster),
then every table's rows, the ledger's balances and some rows compared exactly; and every refusal, which
leaves the target as it was."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.core import backup
from cakupan.funding import ledger
from cakupan.funding import services as funding
from cakupan.funding.models import FunderKind
from cakupan.registry.services import worker_register

pytestmark = [
    # The data must be committed for pg_dump (another session) to see it. The reference data the
    # migrations load is put back by the `reference` fixture: a transactional test before these may have
    # flushed it (serialized_rollback would clash with the content types that flush recreates).
    pytest.mark.django_db(transaction=True),
]

CAKUPAN = shutil.which("cakupan", path=str(Path(sys.executable).parent))
TODAY = dt.date(2026, 12, 3)
DESAS = ["36.02.01.2002", "36.02.01.2003", "36.71.01.1001"]
YEAR = 201_600  # 12 months of JKK+JKM at the lowest level, APBD price
# One console script run, on a busy shared machine.
TIMEOUT = 300


@pytest.fixture(autouse=True)
def reference():
    """What the migrations load (regions and labour statistics, the role groups, the message templates),
    back after any earlier flush; idempotent."""
    from django.apps import apps as installed

    from cakupan.accounts.roles import roles_seed
    from cakupan.messaging.models import MessageTemplate
    from cakupan.messaging.seed import seed_templates
    from cakupan.regions.loading import load_reference_data
    from cakupan.regions.models import LabourStat, Region

    load_reference_data(Region, LabourStat)
    roles_seed(installed)
    seed_templates(MessageTemplate)


@pytest.fixture(autouse=True)
def today(monkeypatch, settings, tmp_path):
    """The funding flows judge dates by today's month: these tests live on 3 December 2026."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def books():
    """Workers, a funder with two programs (budget postings) and an approved plan (commitments)."""
    admin = User.objects.create_superuser(username="admin", password="x")
    coordinator = User.objects.create_user(
        username="provinsi", password="x", role=Role.PROVINCIAL_COORDINATOR, area_id="36"
    )
    officer = User.objects.create_user(
        username="baznas", password="x", role=Role.FUNDER_OFFICER, area_id="36"
    )
    checker = User.objects.create_user(
        username="bendahara", password="x", role=Role.FUNDER_OFFICER, area_id="36"
    )
    workers = [
        worker_register(
            nik=f"{desa.replace('.', '')[:6]}1505900{serial:03d}",
            name=f"Pekerja {serial}",
            birth_date=dt.date(1990, 5, 15),
            sex="L",
            desa_code=desa,
            sector="nelayan",
            monthly_income=800_000,
            decile=1 + serial % 4,
            phone="+6281234567890",
        )
        for serial, desa in enumerate(DESAS * 2, start=1)
    ]
    funder = funding.funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    funding.funder_officer_add(funder=funder, user=checker, actor=admin)
    programs = [
        funding.program_create(
            funder=funder,
            actor=officer,
            name=name,
            budget=budget,
            fiscal_year=2026,
            start_month=dt.date(2026, 12, 1),
            months=12,
        )
        for name, budget in (("Program uji", YEAR * 3 + 1_000), ("Program cadangan", 500_000))
    ]
    plan = funding.allocation_plan_create(programs=[programs[0]], actor=coordinator)
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=checker)
    balances = {program.pk: ledger.balances(program) for program in programs}
    assert balances[programs[0].pk]["committed"] == YEAR * 3
    return {"workers": workers, "programs": programs, "balances": balances}


def _engine() -> str:
    return backup.engine()


def _run(*arguments: str, database_url: str, var_dir: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": database_url, "CAKUPAN_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [CAKUPAN, *arguments], env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def _backup(path: Path) -> dict:
    out = io.StringIO()
    call_command("backup", "--output", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def _refusal(*arguments: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("restore", *arguments, stdout=io.StringIO())
    return caught.value


@pytest.fixture
def fresh_database(tmp_path):
    """A database that has never been migrated: (its DATABASE_URL, a function opening a DB-API connection)."""
    if _engine() == "sqlite":
        path = tmp_path / "fresh" / "cakupan.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg

    name = f"cakupan_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    params = connection.settings_dict
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    url = f"postgres://{credentials}@{params['HOST'] or 'localhost'}:{params['PORT'] or 5432}/{name}"
    try:
        yield url, lambda: psycopg.connect(**{**connection.get_connection_params(), "dbname": name})
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _read(open_connection, query: str) -> list[tuple]:
    database = open_connection()
    try:
        cursor = database.cursor()
        cursor.execute(query)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        database.close()


def _counts(open_connection) -> dict[str, int]:
    database = open_connection()
    try:
        return backup._row_counts(database.cursor(), _engine())
    finally:
        database.close()


def _here(query: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return [tuple(row) for row in cursor.fetchall()]


EXACT_ROWS = [
    "SELECT id, nik, name, desa_id, sector, monthly_income, decile, phone FROM registry_worker ORDER BY id",
    "SELECT program_id, kind, balance FROM funding_ledgeraccount ORDER BY id",
    "SELECT id, transaction_id, account_id, amount FROM funding_ledgerentry ORDER BY id",
    "SELECT id, username, role, area_id FROM accounts_user ORDER BY id",
]


def test_restore_into_a_fresh_database_gives_back_every_row_and_balance(books, fresh_database, tmp_path):
    url, open_restored = fresh_database
    before = backup.current_row_counts()
    rows_before = {query: _here(query) for query in EXACT_ROWS}
    events_before = _here("SELECT id, action, object_type, object_id FROM audit_auditevent ORDER BY id")

    summary = _backup(tmp_path / "cadangan" / ("cakupan" + backup.SUFFIXES[_engine()]))
    path = Path(summary["path"])
    manifest = json.loads(backup.manifest_path_for(path).read_text())
    assert (manifest["engine"], manifest["sha256"], manifest["bytes"]) == (
        _engine(),
        backup.file_sha256(path),
        path.stat().st_size,
    )
    assert manifest["tables"] == before
    assert summary["rows"] == sum(before.values()) and summary["tables"] == len(before)
    assert (
        manifest["migrations"]["funding"]
        == _here("SELECT name FROM django_migrations WHERE app = 'funding' ORDER BY id DESC")[0][0]
    )
    # Private: a backup holds everyone's personal data.
    assert path.stat().st_mode & 0o077 == 0
    # The backup itself is in the live trail, after the snapshot.
    assert _here("SELECT action, object_type FROM audit_auditevent ORDER BY id DESC")[0] == (
        "export",
        "database.backup",
    )

    restored = _run("restore", str(path), "--json", database_url=url, var_dir=tmp_path / "var-fresh")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["rows"] == sum(before.values())

    after = _counts(open_restored)
    # One row more than the backup: the restored trail records the restore.
    assert after == {**before, "audit_auditevent": before["audit_auditevent"] + 1}
    for query, rows in rows_before.items():
        assert _read(open_restored, query) == rows, query
    events = _read(
        open_restored, "SELECT id, action, object_type, object_id FROM audit_auditevent ORDER BY id"
    )
    assert events[:-1] == events_before
    assert events[-1][1:] == ("import", "database.backup", manifest["sha256"][:16])
    balances = {}
    for program_id, kind, balance in _read(open_restored, EXACT_ROWS[1]):
        balances.setdefault(program_id, {})[kind] = balance
    assert balances == books["balances"]
    # The committed money is still where the approved plan put it, and every transaction still sums to zero.
    assert balances[books["programs"][0].pk]["committed"] == YEAR * 3
    assert _read(open_restored, "SELECT transaction_id FROM funding_ledgerentry GROUP BY transaction_id "
                                "HAVING sum(amount) <> 0") == []  # fmt: skip

    # The restored database now holds data: a second restore needs --yes and leaves it as it was.
    again = _run("restore", str(path), database_url=url, var_dir=tmp_path / "var-fresh")
    assert again.returncode == 2
    assert "sudah berisi data" in again.stderr and "[restore_target_not_empty]" in again.stderr
    assert _counts(open_restored) == after
    forced = _run("restore", str(path), "--yes", database_url=url, var_dir=tmp_path / "var-fresh")
    assert forced.returncode == 0, forced.stderr
    assert "sama dengan manifesnya" in forced.stdout
    assert _counts(open_restored) == after


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file's own checks")
def test_sqlite_backup_is_one_self_contained_file(books, tmp_path):
    path = Path(_backup(tmp_path / "b.sqlite3")["path"])
    copy = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT count(*) FROM registry_worker").fetchone()[0] == 6
    finally:
        copy.close()
    assert not Path(f"{path}-wal").exists()


def test_refusals_leave_the_target_untouched(books, tmp_path):
    suffix = backup.SUFFIXES[_engine()]
    path = Path(_backup(tmp_path / f"b{suffix}")["path"])
    manifest_path = backup.manifest_path_for(path)
    manifest = json.loads(manifest_path.read_text())
    before = backup.current_row_counts()

    def copy_with(name: str, content: bytes | None = None, **changes) -> Path:
        other = tmp_path / f"{name}{suffix}"
        other.write_bytes(path.read_bytes() if content is None else content)
        written = {**manifest, "sha256": backup.file_sha256(other), **changes}
        backup.manifest_path_for(other).write_text(json.dumps(written))
        return other

    # The target holds data: only with --yes.
    error = _refusal(str(path))
    assert (error.returncode, "[restore_target_not_empty]" in str(error)) == (2, True)
    assert "--yes" in str(error)
    # Missing file, missing or broken manifest.
    error = _refusal(str(tmp_path / f"tidak-ada{suffix}"), "--yes")
    assert (error.returncode, "[backup_missing]" in str(error)) == (2, True)
    orphan = tmp_path / f"yatim{suffix}"
    orphan.write_bytes(path.read_bytes())
    assert "[backup_manifest_missing]" in str(_refusal(str(orphan), "--yes"))
    broken = copy_with("rusak-manifes")
    backup.manifest_path_for(broken).write_text("{bukan json")
    assert "[backup_manifest_invalid]" in str(_refusal(str(broken), "--yes"))
    # A file changed after its manifest was written.
    tampered = tmp_path / f"diubah{suffix}"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    tampered.write_bytes(bytes(content))
    backup.manifest_path_for(tampered).write_text(manifest_path.read_text())
    error = _refusal(str(tampered), "--yes")
    assert (error.returncode, "[backup_checksum_mismatch]" in str(error)) == (2, True)
    # The other engine's backup.
    other_engine = "postgresql" if _engine() == "sqlite" else "sqlite"
    error = _refusal(str(copy_with("mesin-lain", engine=other_engine)), "--yes")
    assert (error.returncode, "[backup_engine_mismatch]" in str(error)) == (2, True)
    # Not a backup at all, though its manifest agrees with it.
    error = _refusal(str(copy_with("sampah", b"bukan cadangan " * 1000)), "--yes")
    assert (error.returncode, "[backup_corrupt]" in str(error)) == (2, True)
    # Made by a newer Cakupan: a migration this code does not have.
    newer = copy_with("lebih-baru", migrations={**manifest["migrations"], "registry": "9999_dari_masa_depan"})
    error = _refusal(str(newer), "--yes")
    assert (error.returncode, "registry.9999_dari_masa_depan" in str(error)) == (2, True)
    assert "[backup_migrations_newer]" in str(error)

    assert backup.current_row_counts() == before
    # Nothing but the backups themselves was left behind (no temporary copies).
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]


def test_backup_never_overwrites_and_names_files_by_jakarta_time(books, tmp_path, settings):
    suffix = backup.SUFFIXES[_engine()]
    path = Path(_backup(tmp_path / f"b{suffix}")["path"])
    with pytest.raises(CommandError) as caught:
        call_command("backup", "--output", str(path), stdout=io.StringIO())
    assert caught.value.returncode == 2 and "[backup_exists]" in str(caught.value)
    three_am_utc = dt.datetime(2026, 12, 3, 3, 4, 5, tzinfo=dt.UTC)
    assert backup.default_path(now=three_am_utc, engine_name="sqlite") == (
        settings.VAR_DIR / "backups" / "cakupan-20261203-100405.sqlite3"
    )
    made = backup.backup_create(now=three_am_utc)
    assert made.path == settings.VAR_DIR / "backups" / f"cakupan-20261203-100405{suffix}"
    assert made.created == "2026-12-03T10:04:05+07:00"


def test_restore_of_an_older_backup_names_the_migrations_to_run():
    latest = {"registry": "0001_initial"}
    assert backup.migrations_unknown(latest) == []
    pending = backup.migrations_pending(latest)
    assert "funding.0001_initial" in pending and "registry.0001_initial" not in pending
