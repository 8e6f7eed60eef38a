import json

from django.core.management.base import BaseCommand, CommandError

from cakupan.core.errors import DomainError
from cakupan.core.formatting import number, rupiah
from cakupan.funding.cycle import cycle_run
from cakupan.rules.engine import Month, RulesError


class Command(BaseCommand):
    help = (
        "Siklus bulanan pendanaan: perpanjang pekerja yang didanai program, tandai status aktif/menunggak/"
        "nonaktif, akui bulan terlindungi, perbarui data cakupan. Menjalankan bulan yang sama dua kali tidak "
        "mengubah apa pun."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="AKSI")
        run = sub.add_parser("run", help="Jalankan siklus untuk satu bulan.")
        run.add_argument("--month", required=True, help="bulan TTTT-BB, misalnya 2026-11")
        run.add_argument("--json", action="store_true", help="keluaran satu objek JSON")

    def handle(self, *args, action, month, json: bool, **options):
        try:
            first_day = Month.parse(month, field="month").first_day
            run, created = cycle_run(month=first_day)
        except (DomainError, RulesError) as error:
            raise CommandError(f"{error.message} [{error.code}]") from error
        summary = {**run.summary, "created": created}
        if json:
            self.stdout.write(_dumps(summary))
            return
        if not created:
            self.stdout.write(f"Siklus {month} sudah dijalankan sebelumnya; tidak ada yang diubah.")
        self.stdout.write(
            f"Siklus {summary.get('month', month)}: {number(summary.get('renewed', 0))} pekerja diperpanjang "
            f"({rupiah(summary.get('renewal_cost', 0))}); {number(summary.get('due', 0))} jatuh tempo; "
            f"{number(summary.get('about_to_lapse', 0))} hampir nonaktif; status diubah: "
            f"{summary.get('marked', {})}."
        )


def _dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)
