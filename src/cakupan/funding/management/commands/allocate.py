"""`cakupan allocate solve --instance FILE.json [--json]`: plan which candidates each program funds.

Subcommands so that a database mode (`--program ID`) can be added beside `solve` without changing it.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cakupan.allocation import AllocationInputError, instance_from_json, solution_to_json, solve
from cakupan.core.formatting import decimal_number, number, percent, rupiah


def solve_file(path: Path, *, max_seconds: float | None = None) -> dict:
    """Read an instance file, solve it and return the JSON answer; CommandError names what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CommandError(f"Berkas instans {path} tidak ditemukan.") from error
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Berkas instans {path} tidak dapat dibaca: {error}") from error
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"Berkas instans {path} bukan JSON yang sah (baris {error.lineno}, kolom {error.colno})."
        ) from error
    try:
        instance = instance_from_json(payload)
    except AllocationInputError as error:
        raise CommandError(f"Instans dalam {path} tidak sah: {error.message} [{error.code}]") from error
    return solution_to_json(instance, solve(instance, max_seconds=max_seconds))


class Command(BaseCommand):
    help = "Alokasi dana program ke kandidat (bulan iuran yang dibayarkan), dengan batas atas yang terbukti."

    def add_arguments(self, parser):
        # Database mode (funding engineer): `cakupan allocate --program ID [--program ID…] [--json]` plans
        # for stored programs and submits the plan for approval; `solve` stays the file mode.
        parser.add_argument(
            "--program",
            action="append",
            default=[],
            metavar="ID",
            help="ID program pendanaan (mode basis data; boleh diulang)",
        )
        parser.add_argument(
            "--json", dest="plan_json", action="store_true", help="mode basis data: keluaran satu objek JSON"
        )
        parser.add_argument("--user", default=None, help="mode basis data: pengaju rencana (bawaan: admin)")
        sub = parser.add_subparsers(dest="subcommand", required=False, metavar="SUBPERINTAH")
        solve_parser = sub.add_parser("solve", help="Hitung rencana alokasi dari berkas instans JSON.")
        solve_parser.add_argument("--instance", type=Path, required=True, help="berkas JSON instans")
        solve_parser.add_argument("--max-seconds", type=float, default=None, help="batas waktu iterasi dual")
        solve_parser.add_argument("--json", action="store_true", help="baris terakhir: satu objek JSON")

    def handle(self, *args, subcommand, **options):
        if subcommand == "solve":
            self._solve(options)
        elif options["program"]:
            self._plan(options)
        else:
            raise CommandError("Pilih subperintah 'solve --instance BERKAS' atau beri --program ID.")

    def _plan(self, options) -> None:
        from cakupan.core.errors import DomainError
        from cakupan.funding.cli import plan_command

        try:
            output = plan_command(
                program_ids=options["program"], as_json=options["plan_json"], username=options["user"]
            )
        except DomainError as error:
            raise CommandError(f"{error.message} [{error.code}]") from error
        self.stdout.write(output)

    def _solve(self, options) -> None:
        result = solve_file(options["instance"], max_seconds=options["max_seconds"])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        funded = len(result["assignments"])
        budget_spent = sum(result["spent"].values())
        self.stdout.write(
            f"{number(funded)} kandidat didanai dari {number(len(result['spent']))} program, "
            f"anggaran terpakai {rupiah(budget_spent)}.\n"
            f"Jumlah bobot {_decimal(result['objective'], 3)}; "
            f"batas atas {_decimal(result['upper_bound'], 3)}; "
            f"selisih paling banyak {percent(Decimal(repr(result['gap_pct'])), 4)}; "
            f"{_decimal(result['seconds'], 2)} detik."
        )


def _decimal(value: float, places: int) -> str:
    return decimal_number(Decimal(repr(value)), places)
