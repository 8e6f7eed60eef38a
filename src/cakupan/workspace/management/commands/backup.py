"""`cakupan backup`: a backup of the whole database and its manifest (cakupan.core.backup)."""

import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from cakupan.core.backup import BackupRefused
from cakupan.core.errors import DomainError
from cakupan.core.formatting import number
from cakupan.workspace.services import database_backup


def command_error(error: DomainError) -> CommandError:
    """Refusals (nothing written, nothing changed) exit 2; failures on the way exit 1."""
    return CommandError(
        f"{error.message} [{error.code}]", returncode=2 if isinstance(error, BackupRefused) else 1
    )


class Command(BaseCommand):
    help = (
        "Cadangkan seluruh basis data (SQLite: salinan daring; PostgreSQL: pg_dump) beserta manifesnya. "
        "Bawaan: var/backups/cakupan-TTTTBBHH-JJMMDD.sqlite3 (atau .dump), waktu WIB."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="berkas tujuan (tidak ditimpa bila sudah ada)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="ringkasan sebagai JSON")

    def handle(self, *args, output, as_json: bool, **options):
        try:
            made = database_backup(output=output, actor_username=f"cli:{getpass.getuser()}")
        except DomainError as error:
            raise command_error(error) from error
        summary = made.summary()
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"Cadangan {made.engine} selesai: {number(summary['tables'])} tabel, {number(summary['rows'])} "
            f"baris, {number(summary['bytes'])} bita, SHA-256 {made.sha256}."
        )
        self.stdout.write(f"Manifes: {made.manifest_path}")
        self.stdout.write(str(made.path))
