"""Database functions that both databases evaluate natively.

Django's own date extracts run on SQLite as a Python callback per row (`django_date_extract`); in a CHECK
constraint that callback runs for every inserted row, which cost 4 s of a 500.000-row acknowledgement.
"""

from __future__ import annotations

from django.db import models


class DayOfMonth(models.Func):
    """The day of the month of a date (1–31), as an integer."""

    arity = 1
    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="EXTRACT(DAY FROM %(expressions)s)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite keeps a date as its ISO text, YYYY-MM-DD.
        return super().as_sql(
            compiler, connection, template="CAST(substr(%(expressions)s, 9, 2) AS INTEGER)", **extra
        )
