"""The database itself refuses malformed memberships, with CHECK constraints in native SQL on both
databases (no Python callback per row on SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from cakupan.core.dbfunctions import DayOfMonth
from cakupan.registry import services
from cakupan.registry.models import Membership
from cakupan.registry.tests.test_services import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    return services.worker_register(**VALID)


def _insert(worker, **values):
    fields = {"worker": worker, "kpj": "01234567890", "segment": "BPU", "status": "aktif",
              "paid_through": dt.date(2026, 12, 1), **values}  # fmt: skip
    with transaction.atomic():
        return Membership.objects.create(**fields)


def test_a_well_formed_membership_is_stored(worker):
    member = _insert(worker, since=dt.date(2026, 1, 1))
    assert Membership.objects.filter(pk=member.pk, kpj="01234567890").exists()


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"kpj": "0123456789"}, "membership_kpj_11_digits"),
        ({"kpj": "0123456789a"}, "membership_kpj_11_digits"),
        ({"kpj": "0123 456789"}, "membership_kpj_11_digits"),
        ({"paid_through": dt.date(2026, 12, 2)}, "membership_paid_through_first_of_month"),
        ({"paid_through": dt.date(2026, 12, 31)}, "membership_paid_through_first_of_month"),
        ({"since": dt.date(2026, 1, 10)}, "membership_since_first_of_month"),
    ],
)
def test_the_database_refuses_a_malformed_membership(worker, values, constraint):
    with pytest.raises(IntegrityError) as error:
        _insert(worker, **values)
    # SQLite names the failed constraint; PostgreSQL too, in its message.
    assert constraint in str(error.value)
    assert Membership.objects.count() == 0


def test_a_kpj_is_unique_with_a_message_in_bahasa(worker):
    _insert(worker)
    with pytest.raises(IntegrityError) as error:
        _insert(worker, paid_through=dt.date(2027, 1, 1))
    assert "membership_kpj_unique" in str(error.value) or "registry_membership.kpj" in str(error.value)
    duplicate = Membership(worker=worker, kpj="01234567890", segment="BPU", status="aktif",
                           paid_through=dt.date(2027, 1, 1))  # fmt: skip
    with pytest.raises(ValidationError) as invalid:
        duplicate.full_clean()
    assert "Nomor KPJ ini sudah dipakai kepesertaan lain." in invalid.value.messages


def test_day_of_month_is_plain_sql_on_both_databases(worker):
    _insert(worker)
    days = Membership.objects.annotate(day=DayOfMonth("paid_through")).values_list("day", flat=True)
    assert list(days) == [1]
    sql = str(Membership.objects.annotate(day=DayOfMonth("paid_through")).query)
    assert "django_date_extract" not in sql
    with connection.cursor() as cursor:
        table = Membership._meta.db_table
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table])
            schema = cursor.fetchone()[0]
            assert "django_date_extract" not in schema and "REGEXP" not in schema
