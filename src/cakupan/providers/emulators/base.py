"""What the local emulators share: an HTTP server on loopback in a thread of its own, and the delivery of
the callbacks they send (receipts, notifications) to their configured URLs with retries, as providers do."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.request
from collections import deque
from http.server import ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    """Keeps its open connections, so that stopping the emulator drops them as a stopped provider would:
    with HTTP/1.1 a client's kept connection would otherwise still be answered by its handler thread."""

    daemon_threads = True

    def __init__(self, *args, **kwargs):
        self.open_connections: set[socket.socket] = set()
        self.open_lock = threading.Lock()
        self.dropping = False
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self.open_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.open_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        if not self.dropping:  # a connection dropped on stop is expected, not worth a traceback
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        self.dropping = True
        with self.open_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # closed by the client meanwhile
                connection.shutdown(socket.SHUT_RDWR)


class LoopbackEmulator:
    """Start with `with SomeEmulator(…) as emulator:`; `emulator.url` is its base URL. A subclass passes the
    request handler class made for it."""

    def __init__(self, handler: type, *, host: str, port: int, name: str):
        self.server = _Server((host, port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name=name, daemon=True)
        self.outgoing: deque[dict] = deque()
        self.wake = threading.Event()
        self.sender = threading.Thread(target=self._deliver_loop, name=f"{name}-callbacks", daemon=True)
        self.stopping = False

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        self.sender.start()
        return self

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        self.server.shutdown()
        self.server.server_close()
        self.server.drop_connections()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def deliver(self, record: dict) -> None:
        """POSTs record["body"] (text) with record["headers"] to record["url"], in the sender thread."""
        self.outgoing.append(record)
        self.wake.set()

    def _deliver_loop(self) -> None:
        while not self.stopping:
            self.wake.wait(0.5)
            self.wake.clear()
            while self.outgoing and not self.stopping:
                record = self.outgoing.popleft()
                for attempt in range(5):
                    try:
                        call = urllib.request.Request(
                            record["url"],
                            data=record["body"].encode(),
                            headers=record.get("headers", {}),
                            method="POST",
                        )
                        with urllib.request.urlopen(call, timeout=10):
                            break
                    except OSError:  # refused, timed out, or answered other than 2xx: tried again
                        time.sleep(min(2**attempt, 8))
