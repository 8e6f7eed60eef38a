"""The set-based helpers of registry.bulk on the database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cakupan.registry import bulk

pytestmark = pytest.mark.django_db

SCHEMA = {"id": pl.Int64, "day": pl.Date, "flag": pl.Boolean, "word": pl.String}


def _staged() -> str:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "day": [dt.date(2026, 12, 1), None, dt.date(2027, 1, 1)],
            "flag": [True, False, None],
            "word": ["a;b", None, 'kutip "x"'],
        },
        schema=SCHEMA,
    )
    return bulk.stage_frame(
        name="test", frame=frame, columns={"id": "BIGINT", "day": "DATE", "flag": "BOOLEAN", "word": "TEXT"}
    )


def test_a_staged_frame_reads_back_as_it_was():
    stage = _staged()
    back = bulk.query_frame(
        f"SELECT id, day, flag, word FROM {stage} WHERE id >= %s ORDER BY id", [1], SCHEMA
    )
    assert back.schema == pl.Schema(SCHEMA)
    assert back.rows() == [
        (1, dt.date(2026, 12, 1), True, "a;b"),
        (2, None, False, None),
        (3, dt.date(2027, 1, 1), None, 'kutip "x"'),
    ]


def test_an_empty_result_has_the_schema():
    stage = _staged()
    back = bulk.query_frame(f"SELECT id, day, flag, word FROM {stage} WHERE id > %s", [9], SCHEMA)
    assert (back.height, back.schema) == (0, pl.Schema(SCHEMA))


def test_staged_update_sets_only_the_given_rows():
    stage = _staged()
    updated = bulk.staged_update(
        table=stage,
        name="test_update",
        columns={"day": "DATE", "word": "TEXT"},
        frame=pl.DataFrame({"id": [2, 9], "day": [dt.date(2027, 3, 1)] * 2, "word": ["b", "z"]}),
    )
    assert updated == 1
    back = bulk.query_frame(f"SELECT id, day, flag, word FROM {stage} ORDER BY id", [], SCHEMA)
    assert back.select("id", "day", "word").rows() == [
        (1, dt.date(2026, 12, 1), "a;b"),
        (2, dt.date(2027, 3, 1), "b"),
        (3, dt.date(2027, 1, 1), 'kutip "x"'),
    ]
    assert (
        bulk.staged_update(table=stage, name="test_update", columns={"word": "TEXT"}, frame=back.clear()) == 0
    )
