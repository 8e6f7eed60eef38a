"""`cakupan task_worker`: django-tasks' `db_worker`, restarted whenever it stops.

The worker process can die (a lock it cannot wait out, a lost database connection); without a restart the
queued imports would wait for ever. Restarts back off from 1 to 60 seconds so a broken database does not
spin the machine; SIGTERM/SIGINT stop the worker and this supervisor together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

MAX_PAUSE_SECONDS = 60.0
# A worker that ran this long before stopping was healthy: the next restart starts from the short pause.
HEALTHY_RUN_SECONDS = 300.0


class Command(BaseCommand):
    help = "Jalankan pekerja latar (impor) dan mulai ulang bila berhenti."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="jeda memeriksa antrean (detik)")
        parser.add_argument(
            "--max-restarts", type=int, default=None, help="berhenti setelah sekian kali mulai ulang (uji)"
        )

    def handle(self, *args, interval, max_restarts, **options):
        stopping = {"flag": False, "child": None}

        def stop(signum, frame):
            stopping["flag"] = True
            child = stopping["child"]
            if child is not None and child.poll() is None:
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        pause, restarts = 1.0, 0
        while not stopping["flag"]:
            started = time.monotonic()
            child = subprocess.Popen(
                [sys.executable, "-m", "cakupan", "db_worker", "--interval", str(interval)]
            )
            stopping["child"] = child
            code = child.wait()
            if stopping["flag"]:
                break
            ran = time.monotonic() - started
            pause = 1.0 if ran > HEALTHY_RUN_SECONDS else min(pause * 2, MAX_PAUSE_SECONDS)
            self.stderr.write(
                f"Pekerja latar berhenti (kode {code}) setelah {ran:.0f} detik; dimulai ulang dalam "
                f"{pause:.0f} detik."
            )
            restarts += 1
            if max_restarts is not None and restarts >= max_restarts:
                break
            time.sleep(pause)
