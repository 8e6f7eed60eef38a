import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from cakupan.core.errors import DomainError
from cakupan.core.formatting import decimal_number, number
from cakupan.core.progress import TerminalProgress
from cakupan.coverage.services import coverage_refresh
from cakupan.registry import services, synthetic


def parse_month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(f"Bulan '{value}' tidak sah: gunakan format YYYY-MM, mis. 2026-11.") from error


class Command(BaseCommand):
    help = "Populasi pekerja sintetis Banten (deterministik, terkalibrasi ke data BPS dan BPJS TK)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="SUBPERINTAH")
        generate = sub.add_parser("generate", help="Bangkitkan populasi ke registri yang masih kosong.")
        generate.add_argument(
            "--scale", type=float, default=0.02, help="1.0 = 5.760.000 pekerja (bawaan 0.02)"
        )
        generate.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
        generate.add_argument(
            "--as-of", type=parse_month, default=None, help="bulan acuan YYYY-MM (bawaan: bulan ini)"
        )

    def handle(self, *args, action, scale, seed, as_of, **options):
        run = generate_with_progress(scale=scale, seed=seed, as_of=as_of, stream=self.stderr)
        self.stdout.write(
            f"{number(run.workers)} pekerja dan {number(run.memberships)} kepesertaan dibangkitkan "
            f"dalam {decimal_number(run.seconds)} detik."
        )


TREND_MONTHS = 12


def generate_with_progress(*, scale: float, seed: int, as_of, stream):
    progress = TerminalProgress("Memuat data", stream)
    try:
        run = services.population_generate(scale=scale, seed=seed, as_of=as_of, progress=progress)
    except DomainError as error:
        raise CommandError(f"{error.message} [{error.code}]") from error
    # Monthly snapshots for the trend: the memberships' paid-through months say who was paid in each of
    # the last twelve months (a synthetic population has no other history).
    for months_back in range(TREND_MONTHS - 1, -1, -1):
        index = run.as_of.year * 12 + run.as_of.month - 1 - months_back
        coverage_refresh(month=dt.date(index // 12, index % 12 + 1, 1))
    return run
