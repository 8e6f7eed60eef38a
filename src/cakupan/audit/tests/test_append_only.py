"""The database itself refuses to change or remove audit rows, whatever SQL the application sends."""

import pytest
from django.db import DatabaseError, connection, transaction

from cakupan.audit import append_only
from cakupan.audit.models import AppendOnlyError, AuditAction, AuditEvent, RowChange
from cakupan.audit.services import audit_record

STATEMENTS = [
    "UPDATE audit_auditevent SET actor_username = 'pemalsu'",
    "DELETE FROM audit_auditevent",
    "UPDATE audit_rowchange SET after = NULL",
    "DELETE FROM audit_rowchange",
]


def _rows():
    event = audit_record(action=AuditAction.EXPORT, actor_username="petugas")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_rowchange (event_id, kind, object_id, operation, region_code, before, after) "
            "VALUES (%s, 1, 7, 'i', '36.02', NULL, %s)",
            [event.pk, '["Siti"]'],
        )
    return event


@pytest.mark.django_db
@pytest.mark.parametrize("statement", STATEMENTS)
def test_raw_sql_cannot_rewrite_or_remove_the_trail(statement):
    event = _rows()
    with (
        pytest.raises(DatabaseError, match="audit_append_only"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).actor_username == "petugas"
    assert RowChange.objects.get(event=event).after == '["Siti"]'


@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _rows()
    for table in append_only.TABLES:
        with (
            pytest.raises(DatabaseError, match="audit_append_only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == 1 and RowChange.objects.count() == 1


@pytest.mark.django_db
def test_the_orm_refuses_first_with_a_clear_message():
    event = _rows()
    change = RowChange.objects.get(event=event)
    for call in (
        change.save,
        change.delete,
        RowChange.objects.all().delete,
        lambda: RowChange.objects.update(after=None),
    ):
        with pytest.raises(AppendOnlyError):
            call()


@pytest.mark.django_db
def test_maintenance_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(RuntimeError), append_only.maintenance():
        pass
