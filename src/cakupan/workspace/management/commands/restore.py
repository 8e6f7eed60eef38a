"""`cakupan restore PATH [--yes]`: put a backup made by `cakupan backup` back (cakupan.core.backup)."""

import getpass
import json

from django.core.management.base import BaseCommand

from cakupan.core.errors import DomainError
from cakupan.core.formatting import number
from cakupan.workspace.management.commands.backup import command_error
from cakupan.workspace.services import database_restore


class Command(BaseCommand):
    help = (
        "Pulihkan basis data dari cadangan `cakupan backup` (memeriksa manifes, SHA-256, mesin basis data "
        "dan migrasi dahulu). Basis data yang sudah berisi data hanya ditimpa dengan --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="berkas cadangan (manifesnya di sampingnya)")
        parser.add_argument("--yes", action="store_true", help="timpa basis data yang sudah berisi data")
        parser.add_argument("--json", dest="as_json", action="store_true", help="ringkasan sebagai JSON")

    def handle(self, *args, path, yes: bool, as_json: bool, **options):
        try:
            restored = database_restore(path=path, confirmed=yes, actor_username=f"cli:{getpass.getuser()}")
        except DomainError as error:
            raise command_error(error) from error
        summary = restored.summary()
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"Dipulihkan dari {restored.path} (dibuat {restored.created}): "
            f"{number(summary['tables'])} tabel, {number(summary['rows'])} baris, sama dengan manifesnya."
        )
        if restored.migrations_pending:
            self.stdout.write(
                f"Cadangan ini lebih lama dari kode ({len(restored.migrations_pending)} migrasi belum "
                "diterapkan): jalankan `cakupan migrate`."
            )
