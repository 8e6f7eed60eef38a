"""Look-up records written in batches: by count, by a timer, at exit; nothing lost, nothing twice."""

import datetime as dt

import pytest

from cakupan.portal.journal import LookupJournal
from cakupan.portal.models import LookupOutcome, StatusLookup

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


class Timers:
    """Records the timers a journal asks for instead of starting threads."""

    def __init__(self):
        self.started: list[tuple[float, object]] = []

    def __call__(self, seconds, function):
        self.started.append((seconds, function))


def _row(n: int) -> tuple:
    at = AT + dt.timedelta(seconds=n)
    return (at, "api", LookupOutcome.NO_MATCH, "10.0.0.0/24", "10.0.0.7", f"{n:064x}")


def test_rows_are_written_together_when_the_batch_is_full():
    timers = Timers()
    journal = LookupJournal(rows=3, seconds=1.0, start_timer=timers)
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


def test_the_first_pending_row_starts_one_timer_that_writes_what_is_pending():
    timers = Timers()
    journal = LookupJournal(rows=64, seconds=1.5, start_timer=timers)
    journal.add(_row(1))
    journal.add(_row(2))
    assert [seconds for seconds, _ in timers.started] == [1.5]
    assert journal.flush() == 2
    assert StatusLookup.objects.count() == 2
    # The next row after a write starts the next timer; an empty flush writes nothing.
    journal.add(_row(3))
    assert len(timers.started) == 2
    assert journal.flush() == 1
    assert journal.flush() == 0
    assert StatusLookup.objects.count() == 3


def test_one_row_at_a_time_writes_at_once_without_a_timer():
    timers = Timers()
    journal = LookupJournal(rows=1, seconds=1.0, start_timer=timers)
    journal.add(_row(1))
    assert StatusLookup.objects.count() == 1
    assert timers.started == []


def test_a_failed_write_keeps_no_half_batch(monkeypatch):
    journal = LookupJournal(rows=2, seconds=1.0, start_timer=Timers())
    journal.add(_row(1))
    bad = (None, "api", "no_match", "10.0.0.0/24", None, "x")  # no time: the table refuses the row
    with pytest.raises(Exception):  # noqa: B017 - whichever error the database raises
        journal.add(bad)
    assert StatusLookup.objects.count() == 0
