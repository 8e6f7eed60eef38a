from django.core.management.base import BaseCommand

from cakupan.coverage.management.commands.population import parse_month
from cakupan.coverage.services import coverage_refresh


class Command(BaseCommand):
    help = "Agregat cakupan UCJ per wilayah."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="SUBPERINTAH")
        refresh = sub.add_parser("refresh", help="Hitung ulang cakupan semua wilayah untuk satu bulan.")
        refresh.add_argument("--month", type=parse_month, default=None, help="YYYY-MM (bawaan: bulan ini)")

    def handle(self, *args, action, month, **options):
        rows = coverage_refresh(month=month)
        self.stdout.write(f"{rows} baris cakupan wilayah diperbarui.")
