"""Statements prepared once per PostgreSQL session; run as written on SQLite."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cakupan.core import prepared
from cakupan.core.prepared import _numbered

pytestmark = pytest.mark.django_db


def _run(name: str, sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        prepared.execute(cursor, name=name, sql=sql, params=params)
        return cursor.fetchall()


def test_placeholders_are_numbered_and_a_literal_percent_kept():
    assert _numbered("SELECT %s, MOD(a, 7) FROM t WHERE b = %s AND c LIKE '10%%'") == (
        "SELECT $1, MOD(a, 7) FROM t WHERE b = $2 AND c LIKE '10%'"
    )


def test_the_same_answers_as_the_plain_statement_each_time():
    sql = "SELECT %s || 'x', %s + 1"
    assert _run("cakupan_test_same", sql, ["a", 1]) == [("ax", 2)]
    assert _run("cakupan_test_same", sql, ["b", 41]) == [("bx", 42)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")
def test_prepared_once_per_session_then_only_executed():
    sql = "SELECT %s::int * 2"
    with CaptureQueriesContext(connection) as first:
        assert _run("cakupan_test_once", sql, [2]) == [(4,)]
    with CaptureQueriesContext(connection) as second:
        assert _run("cakupan_test_once", sql, [5]) == [(10,)]
    assert [query["sql"].split(" ")[0] for query in first] == ["PREPARE", "EXECUTE"]
    assert [query["sql"].split(" ")[0] for query in second] == ["EXECUTE"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")
def test_a_rollback_keeps_it_and_a_new_session_prepares_again():
    sql = "SELECT %s::int + 1"
    with transaction.atomic():
        assert _run("cakupan_test_session", sql, [1]) == [(2,)]
        transaction.set_rollback(True)
    assert _run("cakupan_test_session", sql, [2]) == [(3,)]
    # What a reconnection after CONN_MAX_AGE looks like: a new driver connection, nothing prepared on it.
    connection.connection._cakupan_prepared = set()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with CaptureQueriesContext(connection) as again:
        assert _run("cakupan_test_session", sql, [3]) == [(4,)]
    assert [query["sql"].split(" ")[0] for query in again] == ["PREPARE", "EXECUTE"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")
def test_switched_off_it_runs_the_plain_statement(settings):
    settings.PG_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as queries:
        assert _run("cakupan_test_off", "SELECT %s::int", [7]) == [(7,)]
    assert queries[0]["sql"].startswith("SELECT")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")
def test_a_name_that_is_not_an_identifier_is_refused():
    with pytest.raises(ValueError), connection.cursor() as cursor:
        prepared.execute(cursor, name="x; DROP TABLE y", sql="SELECT 1", params=[])
