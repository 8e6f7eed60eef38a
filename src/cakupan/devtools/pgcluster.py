"""A throwaway PostgreSQL 15 cluster for the test suite and the benchmarks.

`python -m cakupan.devtools.pgcluster -- CMD …` starts a cluster in a temporary directory, listening on
a private Unix socket and a free loopback port, runs CMD with DATABASE_URL pointing at it, then stops
the cluster and deletes it. initdb refuses to run as root, so as root the server runs as the `postgres`
system user that Debian's package creates.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_BIN_CANDIDATES = [Path("/usr/lib/postgresql/15/bin")]


class ClusterError(RuntimeError):
    pass


def find_pg_bin() -> Path:
    override = os.environ.get("CAKUPAN_PG_BIN")
    for candidate in [Path(override)] if override else PG_BIN_CANDIDATES:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise ClusterError(
        "PostgreSQL 15 tidak ditemukan (initdb/pg_ctl). Jalankan `make system` atau "
        "`bash scripts/install-system-packages.sh`."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def throwaway_cluster(*, tuned_for_bulk: bool = False) -> Iterator[str]:
    """Yield a DATABASE_URL for a fresh cluster; everything is removed afterwards."""
    pg_bin = find_pg_bin()
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="cakupan-pg-"))
    data_dir, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    if owner is not None:
        for path in (root, socket_dir):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    try:
        subprocess.run(
            [*run_as, str(pg_bin / "initdb"), "-D", str(data_dir), "-U", "cakupan", "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        # Durability is pointless for a throwaway cluster; turning it off makes tests and loads faster.
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {port}",
            f"unix_socket_directories = '{socket_dir}'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 50",
        ]
        if tuned_for_bulk:
            settings += ["shared_buffers = 1GB", "maintenance_work_mem = 1GB", "work_mem = 128MB",
                         "max_wal_size = 8GB", "checkpoint_timeout = 30min"]  # fmt: skip
        with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(settings) + "\n")
        subprocess.run(
            [*run_as, str(pg_bin / "pg_ctl"), "-D", str(data_dir), "-l", str(root / "server.log"),
             "-w", "start"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            subprocess.run(
                [str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "cakupan", "cakupan"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            yield f"postgres://cakupan@127.0.0.1:{port}/cakupan"
        finally:
            subprocess.run(
                [*run_as, str(pg_bin / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
                check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace").strip()
        raise ClusterError(f"PostgreSQL gagal dijalankan: {detail}") from error
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: python -m cakupan.devtools.pgcluster -- COMMAND [ARG…]", file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    with throwaway_cluster() as url:
        print(f"PostgreSQL 15 sementara siap: {url}", file=sys.stderr)
        return subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
