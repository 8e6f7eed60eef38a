"""Faults: a process killed with SIGKILL at chosen points of the long writes leaves the data exactly as
before or exactly as after, and running the work again gives the same result as a run that was never
interrupted.

The writes: a worker import (`cakupan import workers`), the monthly cycle (`cakupan cycle run`), a coverage
refresh (`cakupan coverage refresh`), a plan's commit (its approval on the checker's page), a payment
notification from Midtrans and the booking of the paid order that follows it (the task queued with the
payment). The points are `cakupan.core.faults.fault_point` calls inside them, in the transaction after its
big write, just before its commit, and just after it; a child process given CAKUPAN_FAULT=<point> kills
itself there, as the OOM killer or a power cut would (no exception, no clean-up, no rollback sent).

Each scenario starts from one database migrated once (a SQLite file, or a database in the test run's
PostgreSQL cluster) and seeded through the services by a child process. Every run gets its own copy of the
seed (SQLite's backup API; CREATE DATABASE … TEMPLATE): one clean run gives "after"; then, per point, the
killed run, whose data must be exactly "before" or exactly "after" (which one is fixed by where the point
is), and a run without the fault, whose data must be exactly the clean run's.

Compared: every row of every table of the project's models, in primary-key order. Left out, because two
runs of the same work differ there whatever the data: date-time columns and date-times written inside text
or JSON (each run has its own clock), random UUIDs, password hashes, and the ids of the dashboards' roll-ups
(rebuilt by every refresh). JSON is compared decoded (django-auditlog does not keep its keys' order).
Two outcomes are more than "before" or "after", by design, and checked as such:
- the monthly cycle killed after its commit: what the commit wrote is all there, and the work that follows
  it in transactions of its own (coverage refresh, reminders, funders' notices, their counts in the run's
  summary) is not there at all yet; the next run of the month finishes it;
- a payment notification delivered again after its commit is kept as a duplicate, which changes nothing else.
On PostgreSQL a killed transaction's inserts are rolled back but the ids they drew stay drawn (sequences are
not transactional): before the run again the sequences are put back where the clean run started, so the run
draws the same ids and can be compared row by row.

The children run tests/fault_steps.py (`python tests/fault_steps.py STEP FOLDER`), with the clock pinned to
3 December 2026, 10:00 WIB like the service tests, and tasks queued in the database as in production.
"""

from __future__ import annotations

import json

import pytest
from fault_lab import Lab, Scenario, differences, snapshot, tables
from fault_steps import KILLED, MIDTRANS_CLIENT_KEY, MIDTRANS_KEY


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from cakupan.providers.emulators.midtrans import MidtransConfig, MidtransEmulator

    config = MidtransConfig(server_key=MIDTRANS_KEY, client_key=MIDTRANS_CLIENT_KEY)
    with MidtransEmulator(config) as emulator:
        made = Lab(tmp_path_factory.mktemp("faults"), emulator)
        try:
            yield made
        finally:
            made.databases.drop_all()


# --- The tests ----------------------------------------------------------------------------------------------

# Tables each operation must change in its clean run (among others).
CHANGES = {
    "import": {"registry_worker", "registry_workerimport", "audit_rowchange", "coverage_regioncoverage"},
    # The import's state, the approval, and the apply's task queued.
    "approve_import": {"registry_workerimport", "approvals_approval", "django_tasks_database_dbtaskresult"},
    "apply_import": {"registry_worker", "registry_workerimport", "audit_rowchange",
                     "coverage_regioncoverage"},
    "cycle": {"funding_cyclerun", "funding_fundedmonth", "funding_ledgerentry", "funding_invoice",
              "registry_membership", "approvals_approval", "messaging_message"},
    "coverage": {"coverage_coveragefact", "coverage_regioncoverage", "coverage_regionbreakdown"},
    "plan": {"funding_allocationplan", "funding_fundedmonth", "funding_ledgerentry", "approvals_approval"},
    # The order paid, the notification kept, the booking queued (a task row).
    "payment": {"sponsors_paymentorder", "sponsors_paymentnotification",
                "django_tasks_database_dbtaskresult"},
    "booking": {"sponsors_paymentorder", "funding_planline", "funding_fundedmonth", "funding_ledgerentry",
                "messaging_message"},
}  # fmt: skip

# (operation, fault point, what the data must be right after the kill).
POINTS = [
    ("import", "import.after_apply", "before"),
    ("import", "import.before_commit", "before"),
    ("import", "import.after_commit", "after"),
    # The web flow's approval queues the apply in its transaction; the apply is the same all-or-nothing run.
    ("approve_import", "approval.after_commit", "after"),
    ("apply_import", "import.after_apply", "before"),
    ("apply_import", "import.before_commit", "before"),
    ("apply_import", "import.after_commit", "after"),
    ("cycle", "cycle.before_commit", "before"),
    ("cycle", "cycle.after_commit", "committed"),
    ("coverage", "coverage.after_facts", "before"),
    ("coverage", "coverage.before_commit", "before"),
    ("coverage", "coverage.after_commit", "after"),
    ("plan", "plan.after_funded_months", "before"),
    ("plan", "plan.before_commit", "before"),
    ("plan", "approval.after_commit", "after"),
    ("payment", "payment.before_commit", "before"),
    ("payment", "payment.after_commit", "after"),
    ("booking", "booking.before_commit", "before"),
    ("booking", "booking.after_commit", "after"),
]


# The work that follows a commit, in transactions of its own: (tables it writes, keys it adds to a summary).
FOLLOW_UPS = {
    # The cycle's commit, then the coverage refresh, the renewal reminders and the funders' notices (outbox
    # rows and the tasks that send them), whose counts go into the run's summary last.
    "cycle.after_commit": (
        (
            "coverage_coveragefact",
            "coverage_regioncoverage",
            "coverage_regionbreakdown",
            "messaging_message",
            "django_tasks_database_dbtaskresult",
        ),
        {"funding_cyclerun": ("reminders", "funder_notices")},
    ),
}


def _summaries(rows: list[tuple], table: str) -> list[dict]:
    """The JSON column `summary` of each row (text on SQLite, decoded on PostgreSQL)."""
    [columns] = [t.columns for t in tables() if t.name == table]
    index = columns.index("summary")
    return [json.loads(row[index]) if isinstance(row[index], str) else row[index] for row in rows]


def _without(rows: list[tuple], table: str, keys: tuple[str, ...]) -> list[tuple]:
    """The rows with `keys` taken out of their summary (as dicts), the other columns as they are."""
    [columns] = [t.columns for t in tables() if t.name == table]
    index = columns.index("summary")
    return [
        (*row[:index], {key: value for key, value in summary.items() if key not in keys}, *row[index + 1 :])
        for row, summary in zip(rows, _summaries(rows, table), strict=True)
    ]


def _assert_committed_with_follow_ups_pending(state: dict, scenario: Scenario, follow_ups) -> None:
    """Killed between a commit and the work that follows it: the commit's rows exactly as in the clean run,
    the follow-ups' tables exactly as before, and the summary without what the follow-ups add to it."""
    tables, summaries = follow_ups
    expected = {**scenario.after, **{name: scenario.before[name] for name in tables}}
    for name, keys in summaries.items():
        assert _without(state[name], name, keys) == _without(scenario.after[name], name, keys)
        assert all(set(keys).isdisjoint(summary) for summary in _summaries(state[name], name))
        expected[name] = state[name]
    assert state == expected, "\n".join(differences(state, expected))


# A run again after the commit that is itself recorded: (table, its outcome column's value). The provider's
# notification is delivered again and kept as a duplicate, which changes nothing else.
RERUN_RECORDED = {"payment.after_commit": ("sponsors_paymentnotification", "duplicate")}


def _without_last_record(state: dict, table: str, outcome: str) -> dict:
    [columns] = [t.columns for t in tables() if t.name == table]
    *kept, last = state[table]
    assert last[columns.index("outcome")] == outcome, last
    return {**state, table: kept}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("operation", "point", "outcome"), POINTS, ids=[f"{operation}:{point}" for operation, point, _ in POINTS]
)
def test_killed_at_a_fault_point_leaves_before_or_after_and_a_rerun_finishes(lab, operation, point, outcome):
    scenario = lab.scenario(operation)
    # The clean run did the work (a scenario where it changes nothing would prove nothing).
    assert CHANGES[operation] <= scenario.changed, sorted(scenario.changed)
    label = lab.fresh(scenario.seed)
    killed = lab.child(f"run_{operation}", label, scenario.folder, fault=point)
    assert killed.returncode == KILLED, f"not killed at {point}: {killed.returncode}\n{killed.stderr[-4000:]}"

    state = snapshot(lab.databases, label)
    if outcome == "committed":
        _assert_committed_with_follow_ups_pending(state, scenario, FOLLOW_UPS[point])
    else:
        expected = scenario.before if outcome == "before" else scenario.after
        assert state == expected, "\n".join(differences(state, expected))

    if outcome == "before":
        lab.databases.sequences_restore(label, scenario.sequences)
    again = lab.child(f"run_{operation}", label, scenario.folder)
    assert again.returncode == 0, again.stderr[-4000:]
    finished = snapshot(lab.databases, label)
    if point in RERUN_RECORDED:
        finished = _without_last_record(finished, *RERUN_RECORDED[point])
    assert finished == scenario.after, "\n".join(differences(finished, scenario.after))
    lab.databases.drop(label)
