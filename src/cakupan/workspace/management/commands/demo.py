import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from cakupan.accounts.models import User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.core.formatting import decimal_number, number, rupiah
from cakupan.coverage.management.commands.population import generate_with_progress
from cakupan.coverage.selectors import latest_month
from cakupan.coverage.services import coverage_refresh
from cakupan.funding.models import AllocationPlan
from cakupan.funding.services import allocation_plan_create, funding_demo_seed
from cakupan.registry.models import Worker
from cakupan.registry.synthetic import DEFAULT_SEED

DEFAULT_DEMO_PASSWORD = "Banten-UCJ-2026"


class Command(BaseCommand):
    help = "Siapkan demo Cakupan (migrasi, wilayah, populasi sintetis, akun demo) lalu jalankan server."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=0.02, help="skala populasi, 1.0 = 5.760.000 pekerja"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="siapkan saja, jangan jalankan server")

    def handle(self, *args, scale, seed, port, host, no_serve, **options):
        self.stdout.write("1/7 Migrasi basis data dan data wilayah…")
        call_command("migrate", interactive=False, verbosity=0)
        if Worker.objects.exists():
            self.stdout.write("2/7 Registri sudah berisi pekerja; pembangkitan dilewati.")
            coverage_refresh(month=latest_month())
        else:
            self.stdout.write(f"2/7 Membangkitkan populasi sintetis Banten (skala {scale})…")
            run = generate_with_progress(scale=scale, seed=seed, as_of=None, stream=self.stderr)
            self.stdout.write(
                f"    {number(run.workers)} pekerja, {number(run.memberships)} kepesertaan, "
                f"{decimal_number(run.seconds)} detik."
            )
        self.stdout.write("3/7 Akun demo:")
        password = os.environ.get("CAKUPAN_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        for account in DEMO_ACCOUNTS:
            user_upsert_demo(account=account, password=password)
            self.stdout.write(f"    {account.username:<10} {account.description}")
        self.stdout.write(f"    kata sandi semua akun demo: {password}")
        self.stdout.write("4/7 Pendanaan demo: pemberi dana, program, satu rencana alokasi yang disetujui…")
        self._funding()
        self.stdout.write(
            "5/7 Pesan demo: persetujuan, pengingat iuran lewat emulator SMS/WhatsApp, kampanye…"
        )
        self._messages()
        self.stdout.write(
            "6/7 SERTAKAN, klaim dan agen lapangan: program penerima sumbangan, dana pendamping, sponsor, "
            "klaim demo, pendaftaran dari ponsel agen…"
        )
        self._sertakan()
        self._claims()
        # By name: field work is an app beside the workspace.
        call_command("agents", "demo", stdout=self.stdout)
        if no_serve:
            self.stdout.write(
                "7/7 Siap. Jalankan `cakupan serve --emulator` untuk membuka http://127.0.0.1:8000/"
            )
            return
        self.stdout.write(
            f"7/7 Membuka http://{host}:{port}/ dengan emulator SMS dan WhatsApp di http://127.0.0.1:8025/ "
            "dan emulator pembayaran Midtrans di http://127.0.0.1:8026/ (Ctrl+C untuk berhenti)"
        )
        call_command("serve", port=port, host=host, emulator=True)

    def _messages(self) -> None:
        from cakupan.funding.services.demo_messages import messages_demo_seed

        counts = messages_demo_seed(month=latest_month(), campaign_officer=User.objects.get(username="lebak"))
        if not counts:
            self.stdout.write("    Kotak keluar sudah berisi pesan; dilewati.")
            return
        self.stdout.write(
            f"    {number(counts['queued'])} pengingat dikirim ({number(counts['held_back'])} ditahan "
            f"sebagai pembanding), {number(counts['paid'])} pembayaran bulan berikutnya disimulasikan; "
            f"kampanye sosialisasi Kabupaten Lebak untuk {number(counts['campaign'])} nomor dikirim oleh "
            "server demo."
        )

    def _sertakan(self) -> None:
        # By name: SERTAKAN is an app beside the workspace, not below it.
        call_command("sertakan", "demo", stdout=self.stdout)

    def _claims(self) -> None:
        from cakupan.claims.services.demo import claims_demo_seed

        counts = claims_demo_seed()
        if counts is None:
            self.stdout.write("    Klaim demo sudah ada; dilewati.")
        elif counts["cases"]:
            self.stdout.write(
                f"    {counts['cases']} klaim di Kecamatan Malingping: berkas kurang, sesuai jadwal, "
                "berisiko, terlambat (dieskalasi), menunggu ahli waris, dibayar, beasiswa."
            )
        else:
            self.stdout.write("    Terlalu sedikit peserta aktif di Desa Cilangkahan untuk klaim demo.")

    def _funding(self) -> None:
        programs = funding_demo_seed()
        if AllocationPlan.objects.exists():
            self.stdout.write("    Rencana alokasi sudah ada; dilewati.")
            return
        # The coordinator makes the plan and the administrator checks it, as two people would.
        plan = allocation_plan_create(programs=programs, actor=User.objects.get(username="provinsi"))
        approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
        approval_approve(approval=approval, approver=User.objects.get(username="admin"))
        self.stdout.write(
            f"    {len(programs)} program; rencana #{plan.pk}: {number(plan.funded)} pekerja didanai, "
            f"{rupiah(plan.cost)}."
        )
