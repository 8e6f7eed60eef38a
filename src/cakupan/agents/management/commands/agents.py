import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Agen lapangan: selesaikan rekaman ponsel yang impornya sudah selesai dan baca jawaban cek ulang "
        "(selesaikan, aman dijalankan berkali-kali, mis. tiap jam); data demo (demo)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="AKSI")
        sub.add_parser(
            "selesaikan",
            help="Tetapkan hasil rekaman lapangan yang impornya selesai; baca jawaban cek ulang.",
        )
        sub.add_parser("demo", help="Data agen lapangan untuk demo (sekali).")

    def handle(self, *args, action, **options):
        if action == "demo":
            self._demo()
            return
        from cakupan.agents.services.backcheck import back_checks_collect
        from cakupan.agents.services.filing import records_file
        from cakupan.agents.services.settle import records_settle

        filed = records_file(due_only=True)
        registered = len(records_settle())
        collected = back_checks_collect()
        answer = {"filed": len(filed), "registered": registered, "back_checks": collected}
        self.stdout.write(json.dumps(answer, sort_keys=True, default=str))

    def _demo(self) -> None:
        from cakupan.agents.services.demo import agents_demo_seed

        counts = agents_demo_seed()
        if counts is None:
            self.stdout.write("    Agen demo sudah punya rekaman lapangan; dilewati.")
            return
        self.stdout.write(
            f"    Akun `agen` ({counts['institution']}) mengirim {counts['sent']} pendaftaran dari ponsel; "
            f"{counts['registered']} terdaftar setelah disetujui `lebak`, "
            f"{counts['conflicts']} perubahan bentrok menunggu diselesaikan."
        )
