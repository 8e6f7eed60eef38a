"""The adapters' HTTP client: GETs reuse one connection per thread and host, other methods never do, and a
kept connection the server closed is opened again once."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cakupan.providers import http
from cakupan.providers.base import ProviderError


class Recorder:
    def __init__(self, *, close_after: int | None = None):
        self.seen: list[tuple[str, int]] = []  # (method, client port)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                recorder.seen.append((self.command, self.client_address[1]))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = json.dumps({"n": len(recorder.seen)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if close_after is not None and len(recorder.seen) >= close_after:
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.stop()


def test_gets_share_one_connection_and_posts_do_not(recorder):
    answers = [http.request("GET", f"{recorder.url}/v2/a/status", timeout=30)[1]["n"] for _ in range(3)]
    http.request("POST", f"{recorder.url}/v2/charge", body=b"{}", timeout=30)
    http.request("POST", f"{recorder.url}/v2/charge", body=b"{}", timeout=30)
    assert answers == [1, 2, 3]
    ports = [port for _, port in recorder.seen]
    assert len(set(ports[:3])) == 1
    assert len(set(ports[3:]) | {ports[0]}) == 3


def test_a_connection_the_server_closed_is_opened_again_once():
    server = Recorder(close_after=1)  # every answer closes its connection
    try:
        assert [http.request("GET", f"{server.url}/x", timeout=30)[0] for _ in range(3)] == [200, 200, 200]
        assert len({port for _, port in server.seen}) == 3
    finally:
        server.stop()


def test_a_kept_connection_to_a_stopped_emulator_fails_cleanly():
    from cakupan.providers.emulators.midtrans import MidtransConfig, MidtransEmulator

    with MidtransEmulator(MidtransConfig(server_key="k", client_key="c")) as emulator:
        url = emulator.url
        assert http.request("GET", f"{url}/v2/nothing/status", timeout=30)[0] in (200, 401, 404)
    with pytest.raises(ProviderError) as caught:
        http.request("GET", f"{url}/v2/nothing/status", timeout=30)
    assert (caught.value.code, caught.value.transient) == ("unreachable", True)
