import ctypes
import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


def _stop_with_parent() -> None:
    """Linux: the task worker gets SIGTERM when the server (this process, after exec) ends."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1
# Background work (imports, bookings of payments) yields the CPU to the web workers: what a person waits
# for on a page comes first; the queue catches up when they are idle.
TASK_WORKER_NICENESS = 10


def _background() -> None:
    _stop_with_parent()
    os.nice(TASK_WORKER_NICENESS)


class Command(BaseCommand):
    help = "Jalankan server produksi (gunicorn) pada basis data yang dikonfigurasi."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("CAKUPAN_WORKERS", "2")))
        parser.add_argument(
            "--no-task-worker", action="store_true", help="tanpa pekerja latar (impor) di samping server"
        )
        parser.add_argument(
            "--emulator", action="store_true",
            help="demo: jalankan emulator lokal gateway SMS dan WhatsApp (port 8025) dan Midtrans "
                 "(port 8026), lalu kirim pesan dan pembayaran ke sana",
        )  # fmt: skip

    def handle(self, *args, port, host, workers, no_task_worker, emulator, **options):
        # Hashed, compressed static files for WhiteNoise (settings.STORAGES); quick when nothing changed.
        call_command("collectstatic", interactive=False, verbosity=0)
        if emulator:
            from cakupan.providers.emulators import demo_environment
            from cakupan.providers.emulators import midtrans as midtrans_emulator

            # The web server, the task worker and the emulators all read the same settings from these: set
            # here, before gunicorn (exec'd below) and the children read theirs. `cakupan emulator` starts
            # the Midtrans emulator on this port, with these keys, notifying this server.
            os.environ.update(demo_environment(public_url=f"http://{host}:{port}"))
            os.environ.update(midtrans_emulator.demo_environment())
            subprocess.Popen([sys.executable, "-m", "cakupan", "emulator"], preexec_fn=_stop_with_parent)
        if not os.environ.get("CAKUPAN_MEMCACHED"):
            # The status check's shared counters: one memcached on the settings' Unix socket beside gunicorn's
            # workers, unless one answers there already (another server on the same var/ directory).
            from django.conf import settings

            from cakupan.core import memcached

            location = settings.CACHES["limits"]["LOCATION"]
            if not memcached.answers(location) and memcached.start(location) is None:
                self.stderr.write(
                    "memcached tidak ditemukan: pemeriksaan status /cek/ akan menjawab 'sedang sibuk' "
                    "(pasang paket Debian memcached atau tetapkan CAKUPAN_MEMCACHED)."
                )
        if not no_task_worker:
            # Imports run as background tasks; one worker beside the web server processes them, restarted
            # by its supervisor whenever it stops. It shares the terminal's process group, so Ctrl+C stops
            # both.
            subprocess.Popen(
                [sys.executable, "-m", "cakupan", "task_worker", "--interval", "1"],
                preexec_fn=_background,
            )
        argv = [
            sys.executable, "-m", "gunicorn", "cakupan.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--access-logfile", "-",
            "--forwarded-allow-ips", "127.0.0.1",
        ]  # fmt: skip
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
        self.stdout.flush()
        # Replace this process so signals (Ctrl+C, SIGTERM) go straight to gunicorn.
        os.execv(sys.executable, argv)
