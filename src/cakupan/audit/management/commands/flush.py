"""Django's flush, with the audit tables' triggers lifted for its duration (tests reset the database with
it between transactional tests). Refused in production: the trail is never emptied there."""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS

from cakupan.audit.append_only import maintenance


class Command(flush.Command):
    def handle(self, **options):
        with maintenance(options.get("database") or DEFAULT_DB_ALIAS):
            return super().handle(**options)
