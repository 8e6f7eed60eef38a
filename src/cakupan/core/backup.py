"""Backups of the whole database and their restore: the mechanics behind `cakupan backup` and
`cakupan restore` (the audited services are in `cakupan.workspace.services`).

SQLite: the online backup API copies the live database page by page in one read transaction, so the app
keeps writing meanwhile (WAL readers never block writers) and the copy is one consistent moment. A restore
copies the backup into a temporary file beside the target, checks it there, then writes it into the target
with the same API: one write transaction on the target, so a crash leaves the old database whole, never a
half-written one (replacing the file itself under a live WAL database would pair it with a stale `-wal`).

PostgreSQL: `pg_dump --format=custom` reads a snapshot exported by a REPEATABLE READ transaction that also
counts the rows, so the manifest's counts are exactly the dump's; `pg_restore --single-transaction` puts it
back all or nothing. Passwords go to the tools through PGPASSWORD, never on their command line.

Each backup file has a manifest beside it (`<file>.manifest.json`): the engine, when it was made, the latest
migration per app, the rows of every table and the file's SHA-256. A restore refuses (before touching the
target) a missing or corrupt file, one whose SHA-256 differs from its manifest, one made by the other engine,
one whose migrations this code does not know (newer than the code), and a target holding data unless
confirmed; after the restore it counts the rows again against the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.backends.sqlite3 import _functions as sqlite_functions
from django.utils import timezone

from cakupan.core.errors import DomainError

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Rows that `cakupan migrate` writes itself (reference data, permissions): a database holding only these is
# as good as empty, so a restore into a freshly migrated database needs no confirmation.
SEEDED_BY_MIGRATIONS = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "auth_group",
        "auth_group_permissions",
        "regions_region",
        "regions_labourstat",
        "messaging_messagetemplate",
        "cakupan_audit_maintenance",
    }
)
PG_BIN_CANDIDATES = (Path("/usr/lib/postgresql/15/bin"),)
# libpq reads these from the environment; the settings' OPTIONS may carry them.
_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupRefused(DomainError):
    """Refused before anything was written (the command exits 2)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest_path: Path
    engine: str
    tables: dict[str, int]
    size: int
    sha256: str
    created: str
    migrations: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "path": str(self.path),
            "manifest": str(self.manifest_path),
            "engine": self.engine,
            "created": self.created,
            "tables": len(self.tables),
            "rows": sum(self.tables.values()),
            "bytes": self.size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Restore:
    path: Path
    engine: str
    tables: dict[str, int]
    sha256: str
    created: str
    # Migrations of the code that the backup predates: `cakupan migrate` brings the database up to date.
    migrations_pending: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "path": str(self.path),
            "engine": self.engine,
            "created": self.created,
            "tables": len(self.tables),
            "rows": sum(self.tables.values()),
            "sha256": self.sha256,
            "migrations_pending": self.migrations_pending,
        }


def engine() -> str:
    vendor = connection.vendor
    if vendor not in SUFFIXES:
        raise BackupRefused(
            "backup_engine_unsupported", f"Basis data {vendor} tidak didukung untuk cadangan."
        )
    return vendor


def default_path(*, now: dt.datetime, engine_name: str) -> Path:
    """var/backups/cakupan-YYYYMMDD-HHMMSS.<suffix>, in Asia/Jakarta time."""
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"cakupan-{stamp}{SUFFIXES[engine_name]}"


def manifest_path_for(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(name: str) -> str:
    # Valid for SQLite and PostgreSQL alike.
    return '"' + name.replace('"', '""') + '"'


def _table_names(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "ORDER BY name"
        )
    else:
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY c.relname"
        )
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor, vendor: str) -> dict[str, int]:
    counts = {}
    for name in _table_names(cursor, vendor):
        cursor.execute(f"SELECT count(*) FROM {_quote(name)}")  # names from the catalogue, quoted
        counts[name] = int(cursor.fetchone()[0])
    return counts


def _latest_migrations(cursor, tables: dict[str, int]) -> dict[str, str]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return dict(sorted(latest.items()))


def current_row_counts() -> dict[str, int]:
    """Rows per table of the configured database, as the manifest counts them."""
    vendor = engine()
    with connection.cursor() as cursor:
        return _row_counts(cursor, vendor)


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _temporary_beside(path: Path, *, suffix: str = ".tmp") -> Path:
    """An empty file (mode 0600: backups hold personal data) in the same directory, for an atomic rename."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(descriptor)
    return Path(name)


def _write_atomically(path: Path, content: bytes) -> None:
    temporary = _temporary_beside(path)
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- PostgreSQL's tools ---------------------------------------------------------------------------------


def pg_tool(name: str) -> Path:
    """pg_dump or pg_restore of PostgreSQL 15, found as the test cluster finds its server (CAKUPAN_PG_BIN,
    then Debian's /usr/lib/postgresql/15/bin), else on PATH."""
    override = os.environ.get("CAKUPAN_PG_BIN")
    for candidate in [Path(override)] if override else PG_BIN_CANDIDATES:
        if (candidate / name).exists():
            return candidate / name
    found = None if override else shutil.which(name)
    if found:
        return Path(found)
    raise DomainError(
        "backup_tool_missing",
        f"{name} (PostgreSQL 15) tidak ditemukan. Pasang paket postgresql-client-15 atau setel "
        "CAKUPAN_PG_BIN.",
    )


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password never appears on a command line. The
    process's own PG* variables stay (the app's connection reads them too); the settings' values win."""
    settings_dict = connection.settings_dict
    environment = dict(os.environ)
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
    }
    for option, variable in _PG_OPTION_ENV.items():
        values[variable] = (settings_dict.get("OPTIONS") or {}).get(option)
    environment.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return environment


def _pg_run(arguments: list[str], *, code: str, message: str, refused: bool = False) -> str:
    result = subprocess.run(
        arguments,
        env=_pg_environment(),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        detail = (result.stderr or "").strip().splitlines()
        error = BackupRefused if refused else DomainError
        raise error(code, f"{message}: {detail[-1] if detail else f'kode keluar {result.returncode}'}")
    return result.stdout


# --- backup ---------------------------------------------------------------------------------------------


def backup_create(*, output: Path | None = None, now: dt.datetime | None = None) -> Backup:
    """Write a backup of the configured database to `output` (by default var/backups/cakupan-<time>) and
    its manifest beside it; neither appears under its name before it is complete."""
    engine_name = engine()
    now = now or timezone.now()
    path = Path(output) if output else default_path(now=now, engine_name=engine_name)
    path = path.resolve()
    manifest_path = manifest_path_for(path)
    if path.exists() or manifest_path.exists():
        raise BackupRefused("backup_exists", f"Berkas {path} sudah ada; cadangan tidak ditimpa.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = _temporary_beside(path)
    except OSError as error:
        raise BackupRefused(
            "backup_output_unwritable", f"Tidak dapat menulis ke {path.parent}: {error}."
        ) from error
    try:
        if engine_name == "sqlite":
            tables, migrations = _sqlite_backup(temporary)
        else:
            tables, migrations = _pg_backup(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        digest, size = file_sha256(temporary), temporary.stat().st_size
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    created = timezone.localtime(now).isoformat(timespec="seconds")
    manifest = {
        "format": MANIFEST_FORMAT,
        "engine": engine_name,
        "created": created,
        "file": path.name,
        "bytes": size,
        "sha256": digest,
        "migrations": migrations,
        "tables": tables,
    }
    _write_atomically(manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    _fsync_directory(path.parent)
    return Backup(
        path=path,
        manifest_path=manifest_path,
        engine=engine_name,
        tables=tables,
        size=size,
        sha256=digest,
        created=created,
        migrations=migrations,
    )


def _sqlite_backup(temporary: Path) -> tuple[dict[str, int], dict[str, str]]:
    connection.ensure_connection()
    target = sqlite3.connect(temporary)
    try:
        # One step (pages=-1): a single read transaction, a consistent copy even while others write.
        connection.connection.backup(target)
        # The copy keeps the live database's WAL flag; a backup is one self-contained file.
        target.execute("PRAGMA journal_mode=DELETE")
        cursor = target.cursor()
        tables = _row_counts(cursor, "sqlite")
        migrations = _latest_migrations(cursor, tables)
    finally:
        target.close()
    return tables, migrations


def _pg_backup(temporary: Path) -> tuple[dict[str, int], dict[str, str]]:
    import psycopg

    pg_dump = pg_tool("pg_dump")
    raw = psycopg.connect(**connection.get_connection_params())
    try:
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.cursor() as cursor:
            # pg_dump reads the very snapshot the counts were taken in.
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = _row_counts(cursor, "postgresql")
            migrations = _latest_migrations(cursor, tables)
            _pg_run(
                [
                    str(pg_dump),
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={temporary}",
                ],
                code="backup_failed",
                message="pg_dump gagal",
            )
        raw.rollback()
    finally:
        raw.close()
    return tables, migrations


# --- restore --------------------------------------------------------------------------------------------


def manifest_read(path: Path) -> dict:
    manifest_path = manifest_path_for(path)
    if not path.is_file():
        raise BackupRefused("backup_missing", f"Berkas cadangan {path} tidak ditemukan.")
    if not manifest_path.is_file():
        raise BackupRefused(
            "backup_manifest_missing", f"Manifes {manifest_path.name} tidak ada di samping berkas cadangan."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        valid = (
            isinstance(manifest, dict)
            and manifest.get("format") == MANIFEST_FORMAT
            and isinstance(manifest.get("engine"), str)
            and isinstance(manifest.get("sha256"), str)
            and isinstance(manifest.get("migrations"), dict)
            and isinstance(manifest.get("tables"), dict)
            and all(isinstance(count, int) for count in manifest["tables"].values())
        )
    except (OSError, UnicodeDecodeError, ValueError):
        valid = False
    if not valid:
        raise BackupRefused(
            "backup_manifest_invalid", f"Manifes {manifest_path.name} rusak atau tidak dikenal."
        )
    return manifest


def migrations_unknown(migrations: dict[str, str]) -> list[str]:
    """The backup's latest migrations that this code does not have: the backup is newer than the code."""
    from django.db.migrations.loader import MigrationLoader

    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return sorted(f"{app}.{name}" for app, name in migrations.items() if (app, name) not in known)


def migrations_pending(migrations: dict[str, str]) -> list[str]:
    """Migrations of this code that come after the backup's latest ones."""
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    applied: set[tuple[str, str]] = set()
    for app, name in migrations.items():
        if (app, name) in graph.nodes:
            applied.update(graph.forwards_plan((app, name)))
    return sorted(f"{app}.{name}" for app, name in graph.nodes if (app, name) not in applied)


def target_has_data() -> bool:
    """Rows beyond what `cakupan migrate` writes itself."""
    return any(count for name, count in current_row_counts().items() if name not in SEEDED_BY_MIGRATIONS)


def backup_restore(*, path: Path, confirmed: bool = False) -> Restore:
    """Replace the configured database's content with a backup's, after checking the backup; then count the
    rows against its manifest."""
    engine_name = engine()
    path = Path(path).resolve()
    manifest = manifest_read(path)
    if manifest["engine"] != engine_name:
        made_by = ENGINE_NAMES.get(manifest["engine"], manifest["engine"])
        raise BackupRefused(
            "backup_engine_mismatch",
            f"Cadangan ini dibuat dari {made_by}, sedangkan basis data tujuan {ENGINE_NAMES[engine_name]}.",
        )
    digest = file_sha256(path)
    if digest != manifest["sha256"]:
        raise BackupRefused(
            "backup_checksum_mismatch",
            "SHA-256 berkas cadangan tidak sama dengan manifesnya: berkas berubah atau rusak.",
        )
    unknown = migrations_unknown(manifest["migrations"])
    if unknown:
        raise BackupRefused(
            "backup_migrations_newer",
            "Cadangan dibuat oleh versi Cakupan yang lebih baru (migrasi tidak dikenal: "
            f"{', '.join(unknown[:5])}). Perbarui Cakupan dahulu.",
        )
    if not confirmed and target_has_data():
        raise BackupRefused(
            "restore_target_not_empty",
            "Basis data tujuan sudah berisi data. Ulangi dengan --yes untuk menimpanya dengan isi cadangan.",
        )
    expected = manifest["tables"]
    # A backup that is not whole is refused inside _staged, before anything is written.
    with _staged(path, engine_name, expected) as staged:
        if engine_name == "sqlite":
            _sqlite_write(staged)
        else:
            _pg_write(path)
    actual = current_row_counts()
    # The backup's tables only: on PostgreSQL, --clean leaves alone tables the archive does not know.
    differences = sorted(name for name in expected if expected[name] != actual.get(name))
    if differences:
        raise DomainError(
            "restore_verification_failed",
            "Jumlah baris setelah pemulihan tidak sama dengan manifes pada tabel: "
            f"{', '.join(differences[:10])}.",
        )
    return Restore(
        path=path,
        engine=engine_name,
        tables={name: actual[name] for name in expected},
        sha256=digest,
        created=str(manifest.get("created", "")),
        migrations_pending=migrations_pending(manifest["migrations"]),
    )


@contextlib.contextmanager
def _sqlite_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        yield source
    finally:
        source.close()


def _sqlite_target() -> Path | None:
    """The target database's file; None for an in-memory database (the test suite's)."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        return None
    return Path(name).resolve()


@contextlib.contextmanager
def _staged(path: Path, engine_name: str, expected: dict[str, int]) -> Iterator[sqlite3.Connection | None]:
    """Check the backup's content before anything is written. SQLite: a copy in a temporary file beside the
    target (same disk), checked whole and counted against the manifest, then yielded for the write;
    PostgreSQL: pg_restore reads the archive's whole table of contents."""
    if engine_name != "sqlite":
        _pg_run(
            [str(pg_tool("pg_restore")), "--list", str(path)],
            code="backup_corrupt",
            message="Berkas cadangan bukan arsip pg_dump yang utuh",
            refused=True,
        )
        yield None
        return
    target = _sqlite_target()
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        copy = _temporary_beside(target, suffix=".restore")
    else:
        descriptor, name = tempfile.mkstemp(prefix="cakupan-restore-", suffix=".sqlite3")
        os.close(descriptor)
        copy = Path(name)
    try:
        staged = sqlite3.connect(copy)
        # The schema's CHECK constraints call the functions Django adds to its connections (REGEXP…), which
        # the integrity check evaluates.
        sqlite_functions.register(staged)
        try:
            try:
                with _sqlite_readonly(path) as source:
                    source.backup(staged)
                status = staged.execute("PRAGMA integrity_check").fetchone()[0]
                counts = _row_counts(staged.cursor(), "sqlite")
            except sqlite3.DatabaseError as error:
                raise BackupRefused(
                    "backup_corrupt", f"Berkas cadangan bukan basis data SQLite yang utuh: {error}."
                ) from error
            if status != "ok" or counts != expected:
                raise BackupRefused(
                    "backup_corrupt", "Berkas cadangan tidak utuh: isinya tidak sama dengan manifesnya."
                )
            yield staged
        finally:
            staged.close()
    finally:
        copy.unlink(missing_ok=True)


def _sqlite_write(staged: sqlite3.Connection) -> None:
    target = _sqlite_target()
    if target is None:
        raise BackupRefused("restore_target_memory", "Basis data di memori tidak dapat dipulihkan.")
    # Our own connection must not hold the target open while it is written.
    connections.close_all()
    live = sqlite3.connect(target, timeout=60)
    try:
        live.execute("PRAGMA journal_mode=WAL")
        # One write transaction on the target: readers see the old content until it commits, and a crash
        # half-way leaves the old content (SQLite rolls the transaction back).
        staged.backup(live)
    finally:
        live.close()


def _pg_write(path: Path) -> None:
    connections.close_all()
    _pg_run(
        [
            str(pg_tool("pg_restore")), "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
            "--no-owner", "--no-privileges", "--no-password", f"--dbname={connection.settings_dict['NAME']}",
            str(path),
        ],
        code="restore_failed",
        message="pg_restore gagal; basis data tujuan tidak berubah",
    )  # fmt: skip
