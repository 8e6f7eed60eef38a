"""The trail's arrays of values read back exactly as the database wrote them, on either database."""

import pytest
from django.db import connection

from cakupan.audit.rowchanges import values_sql
from cakupan.audit.tracked_rows import Tracked, parse_text_array

TRICKY = [
    "Siti",
    "",
    " ",
    "NULL",
    "null",
    "a,b",
    "{x}",
    '"kutip"',
    "garis\\miring",
    "Nur'aini",
    "Ünïcödé ✓",
    "tab\tx",
    "baris\nbaru",
    "  spasi di tepi  ",
    None,
]
FIELDS = tuple(f"f{number}" for number in range(len(TRICKY)))
PROBE = Tracked(code=250, object_type="tests.probe", table="cakupan_probe", fields=FIELDS, region_sql="''")


@pytest.mark.django_db
def test_values_written_by_the_database_decode_to_the_same_values():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE cakupan_probe ({', '.join(f'{f} TEXT' for f in FIELDS)})")
        cursor.execute(f"INSERT INTO cakupan_probe VALUES ({', '.join(['%s'] * len(FIELDS))})", TRICKY)
        cursor.execute(f"SELECT {values_sql(PROBE)} FROM cakupan_probe t")
        (stored,) = cursor.fetchone()
        cursor.execute("DROP TABLE cakupan_probe")
    assert stored[0] == ("{" if connection.vendor == "postgresql" else "[")
    assert PROBE.decode(stored) == dict(zip(FIELDS, TRICKY, strict=True))


def test_both_encodings_decode_alike():
    tracked = Tracked(code=251, object_type="tests.pair", table="x", fields=("a", "b", "c"), region_sql="''")
    assert (
        tracked.decode('["1", null, "x y"]')
        == tracked.decode('{1,NULL,"x y"}')
        == {
            "a": "1",
            "b": None,
            "c": "x y",
        }
    )
    assert tracked.decode(None) is None


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        ("{}", []),
        ('{""}', [""]),
        ('{"NULL",NULL}', ["NULL", None]),
        ('{"a\\"b","c\\\\d"}', ['a"b', "c\\d"]),
        (
            '{3602011501900022,"Nama Pekerja",1990-01-15,true}',
            ["3602011501900022", "Nama Pekerja", "1990-01-15", "true"],
        ),
    ],
)
def test_text_array_literals(literal, values):
    assert parse_text_array(literal) == values


@pytest.mark.parametrize("bad", ["", "{", "[1]", '{"a"b}', "a,b"])
def test_malformed_literals_are_refused(bad):
    with pytest.raises((ValueError, IndexError)):
        parse_text_array(bad)
