"""The status check's look-up records (StatusLookup), written in batches.

Every look-up is recorded, but one INSERT and one commit per look-up were a large share of what a look-up
cost the server (and on SQLite each commit takes the database's write lock from the other workers). Each
server process therefore keeps the rows of its last look-ups and writes them in one transaction when
`rows` have gathered, `seconds` after the first of them at the latest (one flusher thread per process,
with its own database connection), and when the process exits. What a crash of the process can lose is
the rows of its last `seconds`; a write the database refuses keeps its rows for the next one (up to
KEPT_BATCHES batches). `rows = 1` writes each row at once, in the request (what the tests use).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import connection, transaction

from cakupan.portal.models import StatusLookup

logger = logging.getLogger(__name__)

_INSERT_SQL = (
    f"INSERT INTO {StatusLookup._meta.db_table} (at, channel, outcome, network, ip_address, nik_digest) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)

Row = tuple[dt.datetime, str, str, str, str | None, str]
# How many batches' rows a process keeps while the database cannot take them.
KEPT_BATCHES = 16


class LookupJournal:
    def __init__(self, *, rows: int, seconds: float, threaded: bool = True):
        self.rows = max(1, rows)
        self.seconds = seconds
        self._lock = threading.Lock()
        self._pending: list[Row] = []
        # Set when a row arrives to an empty journal: the flusher writes it `seconds` later at the latest.
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._flusher: threading.Thread | None = None
        if threaded and self.rows > 1:
            self._flusher = threading.Thread(target=self._run, name="cek-journal", daemon=True)
            self._flusher.start()

    def add(self, row: Row) -> None:
        with self._lock:
            self._pending.append(row)
            if len(self._pending) >= self.rows:
                batch, self._pending = self._pending, []
            else:
                batch = []
                if len(self._pending) == 1:
                    self._wake.set()
        if batch:
            self._write(batch)

    def flush(self) -> int:
        """Writes what is pending, in the calling thread; the number of rows written."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            self._write(batch)
        return len(batch)

    def _write(self, batch: list[Row]) -> None:
        try:
            _write(batch)
        except Exception:
            # The database is away: the rows wait for the next write, the oldest dropped (and counted in
            # the log) beyond what a process may hold.
            with self._lock:
                kept = (batch + self._pending)[-self.rows * KEPT_BATCHES :]
                dropped = len(batch) + len(self._pending) - len(kept)
                self._pending = kept
            if dropped:
                logger.error("status check: %d look-up records dropped, the database was away", dropped)
            self._wake.set()
            raise

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def stop(self) -> None:
        """Ends the flusher thread (after its last write) and writes what is left."""
        self._stopping.set()
        self._wake.set()
        if self._flusher is not None:
            self._flusher.join(timeout=30)
        self.flush()

    def _run(self) -> None:
        # One thread and one database connection per process, for the whole life of the process.
        while not self._stopping.is_set():
            self._wake.wait()
            self._wake.clear()
            # The first row's time to wait, cut short when the process ends.
            self._stopping.wait(self.seconds)
            try:
                self.flush()
            except Exception:  # the thread has no caller to tell; the rows stay pending for the next try
                logger.exception("status check look-up records could not be written")
                connection.close()  # a broken connection is opened afresh for the next write
        connection.close()


def _write(batch: list[Row]) -> None:
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(_INSERT_SQL, [(adapt(at), *rest) for at, *rest in batch])


_journal: LookupJournal | None = None
_journal_lock = threading.Lock()


def journal() -> LookupJournal:
    """This process's journal, made on first use (after gunicorn forks its workers)."""
    global _journal
    with _journal_lock:
        if _journal is None:
            config = settings.STATUS_CHECK
            _journal = LookupJournal(rows=config["journal_rows"], seconds=config["journal_seconds"])
            atexit.register(_journal.stop)
        return _journal
