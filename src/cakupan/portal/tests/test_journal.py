"""Look-up records written in batches: by count, by a timer, at exit; nothing lost, nothing twice."""

import contextlib
import datetime as dt
import time

import pytest
from django.db import OperationalError

from cakupan.portal.journal import LookupJournal
from cakupan.portal.models import LookupOutcome, StatusLookup

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


def _row(n: int) -> tuple:
    at = AT + dt.timedelta(seconds=n)
    return (at, "api", LookupOutcome.NO_MATCH, "10.0.0.0/24", "10.0.0.7", f"{n:064x}")


def test_rows_are_written_together_when_the_batch_is_full():
    journal = LookupJournal(rows=3, seconds=1.0, threaded=False)
    journal.add(_row(1))
    journal.add(_row(2))
    assert StatusLookup.objects.count() == 0
    assert journal.pending() == 2
    journal.add(_row(3))
    assert journal.pending() == 0
    assert list(StatusLookup.objects.order_by("at").values_list("nik_digest", flat=True)) == [
        f"{n:064x}" for n in (1, 2, 3)
    ]
    row = StatusLookup.objects.order_by("at").first()
    assert (row.at, row.channel, row.outcome, row.network, row.ip_address) == (
        AT + dt.timedelta(seconds=1), "api", "no_match", "10.0.0.0/24", "10.0.0.7",
    )  # fmt: skip


def test_a_flush_writes_what_is_pending_once():
    journal = LookupJournal(rows=64, seconds=1.5, threaded=False)
    journal.add(_row(1))
    journal.add(_row(2))
    assert journal.flush() == 2
    assert StatusLookup.objects.count() == 2
    journal.add(_row(3))
    assert journal.flush() == 1
    assert journal.flush() == 0
    assert StatusLookup.objects.count() == 3


def _written(*numbers: int) -> list[str]:
    # Only this test's rows: a transactional test sees what other connections committed.
    digests = [f"{n:064x}" for n in numbers]
    query = StatusLookup.objects.filter(nik_digest__in=digests).values_list("nik_digest", flat=True)
    for _ in range(600):
        try:
            return sorted(query)
        except OperationalError as error:
            # The test database is SQLite's shared in-memory cache, where a read that meets the flusher
            # thread's write fails at once with "table is locked" instead of waiting: ask again.
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    return sorted(query)


@pytest.mark.django_db(transaction=True)
def test_the_flusher_thread_writes_a_lone_row_soon_after_it_came():
    journal = LookupJournal(rows=64, seconds=0.05)
    try:
        journal.add(_row(101))
        deadline = time.monotonic() + 30  # generous: the thread writes it 0,05 s after it came
        while not _written(101) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _written(101) == [f"{101:064x}"]
        journal.add(_row(102))
    finally:
        journal.stop()
    assert _written(101, 102) == [f"{101:064x}", f"{102:064x}"]
    assert journal.pending() == 0


def test_one_row_at_a_time_writes_at_once_without_a_thread():
    journal = LookupJournal(rows=1, seconds=1.0)
    journal.add(_row(1))
    assert StatusLookup.objects.count() == 1
    assert journal._flusher is None


def test_a_failed_write_keeps_no_half_batch_and_its_rows_wait_for_the_next(monkeypatch):
    journal = LookupJournal(rows=2, seconds=1.0, threaded=False)
    journal.add(_row(1))
    bad = (None, "api", "no_match", "10.0.0.0/24", None, "x")  # no time: the table refuses the row
    with pytest.raises(Exception):  # noqa: B017 - whichever error the database raises
        journal.add(bad)
    assert StatusLookup.objects.count() == 0
    assert journal.pending() == 2


def test_rows_beyond_what_a_process_keeps_are_dropped_oldest_first(monkeypatch):
    from cakupan.portal import journal as module

    def refuse(batch):
        raise RuntimeError("database away")

    monkeypatch.setattr(module, "_write", refuse)
    monkeypatch.setattr(module, "KEPT_BATCHES", 2)
    journal = LookupJournal(rows=2, seconds=1.0, threaded=False)
    for n in range(1, 6):
        with contextlib.suppress(RuntimeError):
            journal.add(_row(n))
    assert journal.pending() == 4
    monkeypatch.undo()
    assert journal.flush() == 4
    assert sorted(StatusLookup.objects.values_list("nik_digest", flat=True)) == [
        f"{n:064x}" for n in (2, 3, 4, 5)
    ]


@pytest.mark.django_db(transaction=True)
def test_stopping_writes_what_is_pending_without_waiting_for_the_flusher():
    journal = LookupJournal(rows=64, seconds=3600)
    journal.add(_row(201))
    journal.add(_row(202))
    journal.stop()  # what a server process does as it exits; it does not wait out the hour
    assert not journal._flusher.is_alive()
    assert _written(201, 202) == [f"{201:064x}", f"{202:064x}"]
