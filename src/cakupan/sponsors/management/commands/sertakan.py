import json

from django.core.management.base import BaseCommand

from cakupan.sponsors.services.notices import sponsorship_notices_run


class Command(BaseCommand):
    help = (
        "SERTAKAN: kabari sponsor bila BPJS TK sudah mencatat perlindungan dan seminggu sebelum habis, dan "
        "tagih kartu untuk dukungan berulang (kabar). Dijalankan sekali sehari."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="AKSI")
        sub.add_parser("kabar", help="Kirim kabar perlindungan dan tagih dukungan berulang yang jatuh tempo.")
        sub.add_parser("demo", help="Data SERTAKAN untuk demo (sekali; dilewati bila sudah ada dukungan).")

    def handle(self, *args, action, **options):
        if action == "demo":
            self._demo()
            return
        self.stdout.write(json.dumps(sponsorship_notices_run(), sort_keys=True))

    def _demo(self) -> None:
        from cakupan.sponsors.services.demo import sertakan_demo_seed

        counts = sertakan_demo_seed()
        if not counts:
            self.stdout.write("    Sudah ada dukungan SERTAKAN; dilewati.")
            return
        self.stdout.write(
            f"    {counts['listings']} program menerima sumbangan, {counts['rules']} aturan dana pendamping; "
            f"akun `sponsor` mendukung {counts['paid']} pekerja (dibayar) dan menunggu persetujuan "
            f"{counts['waiting']} pekerja."
        )
