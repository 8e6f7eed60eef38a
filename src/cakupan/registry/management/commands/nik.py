"""`cakupan nik parse NIK [NIK...]`: one JSON object per NIK and line, exit status 1 if any is invalid."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cakupan.registry.nik import parse_nik


class Command(BaseCommand):
    help = "Alat bantu NIK (Nomor Induk Kependudukan)."
    # Parsing NIKs needs neither the database nor the project's checks; keep the tool quick in scripts.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        # A subcommand from the start, so that later ones (e.g. generating test NIKs) fit without breaking
        # the command lines already in scripts.
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="SUBPERINTAH", required=True, title="subperintah"
        )
        parse = subcommands.add_parser(
            "parse",
            help="Urai dan validasi NIK; cetak satu objek JSON per NIK per baris.",
            description=(
                "Urai dan validasi NIK. Setiap NIK dicetak sebagai satu objek JSON per baris; status "
                "keluar 1 jika ada NIK yang tidak sah, 0 jika semuanya sah."
            ),
        )
        parse.add_argument(
            "niks",
            nargs="+",
            metavar="NIK",
            help="NIK 16 digit; spasi, titik, dan tanda hubung di antaranya diabaikan.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Only one subcommand so far; argparse already refused anything else.
        self._parse(options["niks"])

    def _parse(self, niks: list[str]) -> None:
        invalid = 0
        # All lines are written before failing: a script reading stdout gets every result.
        for raw in niks:
            result = parse_nik(raw)
            invalid += not result.valid
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
        if invalid:
            raise CommandError(f"{invalid} dari {len(niks)} NIK tidak sah.", returncode=1)
