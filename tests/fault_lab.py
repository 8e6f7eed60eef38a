"""The fault tests' laboratory: databases the children use (SQLite files, or databases in the test
run's PostgreSQL cluster), snapshots of every table compared row by row, and the scenarios: a seed, a
clean run, and runs killed at a fault point (tests/test_faults.py)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from fault_steps import MIDTRANS_CLIENT_KEY, MIDTRANS_KEY, TIMEOUT

STEPS_SCRIPT = Path(__file__).with_name("fault_steps.py")


# --- Databases ----------------------------------------------------------------------------------------------


class Databases:
    """Databases the children use, by label: SQLite files in a folder, or databases in the PostgreSQL
    cluster the test run uses (the children then connect like the server would)."""

    def __init__(self, root: Path):
        from django.db import connection

        self.root = root
        self.vendor = connection.vendor
        self.params = dict(connection.settings_dict)
        self.prefix = f"faults_{uuid.uuid4().hex[:8]}_"
        self.made: list[str] = []

    # Naming and connecting.
    def _pg_name(self, label: str) -> str:
        return self.prefix + label

    def url(self, label: str) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{self.root / f'{label}.sqlite3'}"
        from urllib.parse import quote

        params = self.params
        credentials = quote(params["USER"] or "", safe="")
        if params["PASSWORD"]:
            credentials += ":" + quote(params["PASSWORD"], safe="")
        host, port = params["HOST"] or "localhost", params["PORT"] or 5432
        return f"postgres://{credentials}@{host}:{port}/{self._pg_name(label)}"

    def connect(self, label: str):
        if self.vendor == "sqlite":
            return sqlite3.connect(self.root / f"{label}.sqlite3")
        return self._pg(self._pg_name(label))

    def _pg(self, dbname: str, *, autocommit: bool = False):
        import psycopg

        params = self.params
        return psycopg.connect(
            dbname=dbname,
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            user=params["USER"] or None,
            password=params["PASSWORD"] or None,
            autocommit=autocommit,
        )

    def _maintenance(self):
        # The cluster's maintenance database: never the test database, which pytest-django drops at the end.
        return self._pg("postgres", autocommit=True)

    # Making, copying and dropping.
    def create(self, label: str) -> None:
        """An empty database (SQLite makes its file when first opened)."""
        if self.vendor == "sqlite":
            return
        with self._maintenance() as maintenance:
            maintenance.execute(f'CREATE DATABASE "{self._pg_name(label)}"')
        self.made.append(label)

    def copy(self, source: str, target: str) -> None:
        if self.vendor == "sqlite":
            # The backup API reads through the WAL, as a reader would, whatever a killed writer left.
            origin = sqlite3.connect(self.root / f"{source}.sqlite3")
            copy = sqlite3.connect(self.root / f"{target}.sqlite3")
            try:
                origin.backup(copy)
            finally:
                origin.close()
                copy.close()
            return
        self.settle(source)
        with self._maintenance() as maintenance:
            maintenance.execute(
                f'CREATE DATABASE "{self._pg_name(target)}" TEMPLATE "{self._pg_name(source)}"'
            )
        self.made.append(target)

    def settle(self, label: str) -> None:
        """PostgreSQL: wait until no session uses the database. A killed client's server process notices
        the closed socket, rolls back and ends a moment later; a copy (TEMPLATE) needs it gone."""
        if self.vendor == "sqlite":
            return
        deadline = time.monotonic() + TIMEOUT
        with self._maintenance() as maintenance:
            while True:
                (sessions,) = maintenance.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self._pg_name(label)]
                ).fetchone()
                if sessions == 0:
                    return
                assert time.monotonic() < deadline, f"sessions still open on {label}"
                time.sleep(0.1)

    def drop(self, label: str) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (self.root / f"{label}.sqlite3{suffix}").unlink(missing_ok=True)
            return
        with self._maintenance() as maintenance:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{self._pg_name(label)}" WITH (FORCE)')
        if label in self.made:
            self.made.remove(label)

    def drop_all(self) -> None:
        for label in list(self.made):
            self.drop(label)

    # Sequences: PostgreSQL never rolls them back.
    def sequences(self, label: str) -> dict[str, int | None]:
        if self.vendor == "sqlite":
            return {}  # sqlite_sequence is a table, rolled back with the transaction
        with self.connect(label) as database:
            rows = database.execute(
                "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences"
            ).fetchall()
        return dict(rows)

    def sequences_restore(self, label: str, values: dict[str, int | None]) -> None:
        """A killed run's inserts were rolled back, but the ids they drew stay drawn: put the sequences back
        where the clean run started, so that the run again draws the same ids and can be compared row by
        row. (Safe: the data were checked to be exactly "before" first, so no row holds those ids.)"""
        if not values:
            return
        with self.connect(label) as database:
            for name, last in values.items():
                if last is None:
                    database.execute("SELECT setval(%s::regclass, 1, false)", [name])
                else:
                    database.execute("SELECT setval(%s::regclass, %s, true)", [name, last])


# --- Snapshots ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[str]
    order: str | None  # None: rows sorted after reading (a random or rebuilt primary key, not compared)


def tables() -> list[Table]:
    """Every table of the project's models, with the columns compared: not date-times (each run has its own
    clock) and not random UUIDs (a message's public reference, a task's id)."""
    from django.apps import apps
    from django.db import models

    tables, seen = [], set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        ignored = IGNORED.get(meta.db_table, ())
        columns = [
            f.column
            for f in meta.local_concrete_fields
            if not isinstance(f, models.DateTimeField | models.UUIDField) and f.column not in ignored
        ]
        # A random or rebuilt primary key: rows are compared as a sorted list, without it.
        keyed = meta.pk.column in columns
        tables.append(Table(meta.db_table, columns, meta.pk.column if keyed else None))
    return sorted(tables, key=lambda table: table.name)


# Columns whose values differ between two runs of the same work for reasons other than the data.
IGNORED: dict[str, tuple[str, ...]] = {
    # The dashboards' roll-ups are rebuilt by each refresh (the month's rows deleted and inserted again):
    # a refresh run twice gives the same rows under new ids, which nothing refers to.
    "coverage_regioncoverage": ("id",),
    "coverage_regionbreakdown": ("id",),
    "coverage_coveragefact": ("id",),
    # Salted hashes, and the random unusable password of the SERTAKAN system account made by the booking.
    "accounts_user": ("password",),
}


# A date-time written as text: inside the audit trail's JSON (django-auditlog's "changes" of a row carry its
# created_at), in a JSON summary.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def _timeless(value):
    """The value with every date-time inside it (text, or PostgreSQL's decoded JSON) replaced by a marker;
    JSON kept as text (SQLite) decoded, as PostgreSQL gives it, so that the order of its keys, which
    django-auditlog's changes do not keep from run to run, does not count."""
    if isinstance(value, str):
        if value[:1] in ("{", "["):
            try:
                return _timeless(json.loads(value))
            except ValueError:
                pass
        return TIMESTAMP.sub("<waktu>", value)
    if isinstance(value, dict):
        return {key: _timeless(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return value


def _sort_key(row: tuple) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def snapshot(databases: Databases, label: str) -> dict[str, list[tuple]]:
    databases.settle(label)
    database = databases.connect(label)
    try:
        cursor = database.cursor()
        result = {}
        for table in tables():
            columns = ", ".join(f'"{column}"' for column in table.columns)
            order = f' ORDER BY "{table.order}"' if table.order else ""
            cursor.execute(f'SELECT {columns} FROM "{table.name}"{order}')
            rows = [tuple(_timeless(value) for value in row) for row in cursor.fetchall()]
            result[table.name] = rows if table.order else sorted(rows, key=_sort_key)
        return result
    finally:
        database.close()


def differences(actual: dict, expected: dict, *, limit: int = 3) -> list[str]:
    """What differs, table by table, briefly: for an assertion's message."""
    found = []
    for name in sorted(set(actual) | set(expected)):
        mine, theirs = actual.get(name, []), expected.get(name, [])
        if mine == theirs:
            continue
        extra = [row for row in mine if row not in theirs][:limit]
        missing = [row for row in theirs if row not in mine][:limit]
        found.append(f"{name}: {len(mine)} rows, expected {len(theirs)}; extra {extra}; missing {missing}")
    return found


# --- The lab: databases, seeds and clean runs, shared by the tests of this module -------------------------


@dataclass
class Scenario:
    seed: str  # the database label every run copies
    folder: Path  # the children's var/ (files the operation reads or writes)
    before: dict
    after: dict
    sequences: dict
    clean: str  # the database of the clean run

    @property
    def changed(self) -> set[str]:
        """The tables the clean run changed."""
        return {name for name, rows in self.after.items() if rows != self.before[name]}


# Operations that start where another one ended.
FOLLOWS = {"apply_import": "approve_import", "booking": "payment"}
SEEDS = {"approve_import": "web_import"}


class Lab:
    def __init__(self, root: Path, emulator):
        self.root = root
        self.emulator = emulator
        self.databases = Databases(root)
        self.scenarios: dict[str, Scenario] = {}
        self.migrated = False
        self.runs = 0

    def environment(self, label: str, folder: Path, fault: str | None = None) -> dict:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cakupan.settings",
            "DATABASE_URL": self.databases.url(label),
            "CAKUPAN_VAR_DIR": str(folder),
            "CAKUPAN_MIDTRANS_URL": self.emulator.url,
            "CAKUPAN_MIDTRANS_SERVER_KEY": MIDTRANS_KEY,
            "CAKUPAN_MIDTRANS_CLIENT_KEY": MIDTRANS_CLIENT_KEY,
        }
        # Tasks go to the database queue, as in production (the booking is a task queued with the payment).
        environment.pop("CAKUPAN_TASKS", None)
        environment.pop("CAKUPAN_FAULT", None)
        if fault:
            environment["CAKUPAN_FAULT"] = fault
        return environment

    def child(self, step: str, label: str, folder: Path, *, fault: str | None = None):
        return subprocess.run(
            [sys.executable, str(STEPS_SCRIPT.resolve()), step, str(folder)],
            env=self.environment(label, folder, fault),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def migrate(self) -> str:
        if not self.migrated:
            folder = self.root / "migrate"
            self.databases.create("migrated")
            cakupan = Path(sys.executable).with_name("cakupan")
            done = subprocess.run(
                [str(cakupan), "migrate", "-v0"],
                env=self.environment("migrated", folder),
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            self.migrated = True
        return "migrated"

    def fresh(self, source: str) -> str:
        self.runs += 1
        label = f"run{self.runs}"
        self.databases.copy(source, label)
        return label

    def scenario(self, operation: str) -> Scenario:
        if operation in self.scenarios:
            return self.scenarios[operation]
        if operation in FOLLOWS:
            # Starts where a clean run of the step before it ended.
            previous = self.scenario(FOLLOWS[operation])
            seed, folder = previous.clean, previous.folder
        else:
            folder = self.root / operation
            folder.mkdir(exist_ok=True)
            seed = self.fresh(self.migrate())
            seeded = self.child(f"seed_{SEEDS.get(operation, operation)}", seed, folder)
            assert seeded.returncode == 0, seeded.stderr[-4000:]
        before = snapshot(self.databases, seed)
        sequences = self.databases.sequences(seed)
        clean = self.fresh(seed)
        done = self.child(f"run_{operation}", clean, folder)
        assert done.returncode == 0, done.stderr[-4000:]
        scenario = Scenario(seed=seed, folder=folder, before=before, after=snapshot(self.databases, clean),
                            sequences=sequences, clean=clean)  # fmt: skip
        self.scenarios[operation] = scenario
        return scenario
