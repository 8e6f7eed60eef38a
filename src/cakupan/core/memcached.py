"""Starts the memcached that holds the status check's shared counters, beside the server or the test run.
No Django import: it runs before settings are read (the settings take the address from CAKUPAN_MEMCACHED)."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time

_PR_SET_PDEATHSIG = 1
MEMORY_MB = 32


def _stop_with_parent() -> None:
    """Linux: memcached gets SIGTERM when the process that started it ends, however it ends."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _connect(location: str) -> socket.socket:
    if location.startswith("/"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(1.0)
        connection.connect(location)
        return connection
    host, _, port = location.rpartition(":")
    return socket.create_connection((host, int(port)), timeout=1.0)


def answers(location: str) -> bool:
    """Whether a memcached answers at `location`: a socket path, or host:port."""
    try:
        with _connect(location) as connection:
            connection.sendall(b"version\r\n")
            return connection.recv(64).startswith(b"VERSION")
    except (OSError, ValueError):
        return False


def start(location: str, *, wait_seconds: float = 30.0) -> subprocess.Popen | None:
    """A memcached listening at `location` — a Unix socket path (what the server and the tests use: a
    count there skips the TCP stack, which the status check pays six times a look-up) or 127.0.0.1:port —
    or None when the binary
    is missing or cannot listen there (the caller says what follows). Waits, bounded, until it answers."""
    binary = shutil.which("memcached")
    if binary is None:
        return None
    argv = [binary, "-m", str(MEMORY_MB)]
    if location.startswith("/"):
        # Only this user's processes can count or reset the limits.
        argv += ["-s", location, "-a", "0700"]
    else:
        argv += ["-l", "127.0.0.1", "-p", location.rpartition(":")[2], "-U", "0"]
    if os.geteuid() == 0:
        # memcached runs as root only when told so. Not "-u nobody": changing user clears the parent-death
        # signal, and memcached would outlive the server that started it.
        argv += ["-u", "root"]
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_stop_with_parent
    )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if answers(location):
            return process
        if process.poll() is not None:
            return None
        time.sleep(0.05)
    process.terminate()
    return None
