import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Jalankan server produksi (gunicorn) pada basis data yang dikonfigurasi."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("CAKUPAN_WORKERS", "2")))

    def handle(self, *args, port, host, workers, **options):
        argv = [
            sys.executable, "-m", "gunicorn", "cakupan.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--access-logfile", "-",
            "--forwarded-allow-ips", "127.0.0.1",
        ]  # fmt: skip
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
        self.stdout.flush()
        # Replace this process so signals (Ctrl+C, SIGTERM) go straight to gunicorn.
        os.execv(sys.executable, argv)
