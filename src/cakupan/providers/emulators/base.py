"""What the local emulators share: an HTTP server on loopback in a thread of its own, and the delivery of
the callbacks they send (receipts, notifications) to their configured URLs with retries, as providers do."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections import deque
from http.server import ThreadingHTTPServer


class LoopbackEmulator:
    """Start with `with SomeEmulator(…) as emulator:`; `emulator.url` is its base URL. A subclass passes the
    request handler class made for it."""

    def __init__(self, handler: type, *, host: str, port: int, name: str):
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
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
