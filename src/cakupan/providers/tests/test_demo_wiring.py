"""The demo's wiring of the Midtrans emulator: `cakupan emulator` starts it beside the messaging emulator
and it notifies the app's endpoint; `cakupan serve --emulator` points the app's settings at it."""

import os
import queue
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from cakupan.providers import midtrans
from cakupan.providers.emulators import demo_environment
from cakupan.providers.emulators import midtrans as midtrans_emulator
from cakupan.providers.management.commands import emulator as emulator_command
from cakupan.workspace.management.commands import serve as serve_command


@pytest.fixture
def app():
    """A stand-in for the app on a loopback port: records every POST it gets."""
    received: queue.Queue = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.put((self.path, self.headers.get("Content-Type"), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", received
    server.shutdown()
    server.server_close()


def test_the_emulator_command_starts_midtrans_with_the_apps_keys_and_notifies_the_app(
    app, settings, monkeypatch
):
    url, received = app
    settings.MESSAGING = {**settings.MESSAGING, "public_url": url + "/"}
    settings.SERTAKAN = {
        **getattr(settings, "SERTAKAN", {}),
        "midtrans": {
            "base_url": "http://127.0.0.1:9",
            "server_key": "SB-Mid-server-WIRING",
            "client_key": "SB-Mid-client-WIRING",
        },
    }
    messaging, payments = emulator_command.start(port=0, midtrans_port=0)
    try:
        assert messaging.url != payments.url  # each on its own loopback port
        assert payments.url.startswith("http://127.0.0.1:")
        api = midtrans.MidtransCoreApi(
            base_url=payments.url,
            server_key="SB-Mid-server-WIRING",
            client_key="SB-Mid-client-WIRING",
            timeout=10,
        )
        token = api.card_token(
            card_number=midtrans_emulator.ACCEPTED_CARD, exp_month=12, exp_year=2099, cvv="123"
        )
        api.charge_card(order_id="SRT-W1", gross_amount=16_800, token_id=token, save_card=True)
        path, content_type, body = received.get(timeout=10)
    finally:
        payments.stop()
        messaging.stop()
    assert (path, content_type) == ("/api/v1/sertakan/midtrans/notifikasi", "application/json")
    notified = api.verify_notification(body)
    assert (notified.order_id, notified.state, notified.transaction_status) == ("SRT-W1", "paid", "capture")
    assert notified.saved_token_id


def test_without_sertakan_settings_the_emulator_reads_the_environment(settings, monkeypatch):
    if hasattr(settings, "SERTAKAN"):
        del settings.SERTAKAN
    monkeypatch.setenv("CAKUPAN_MIDTRANS_URL", "http://localhost:8766")
    monkeypatch.setenv("CAKUPAN_MIDTRANS_SERVER_KEY", "SB-Mid-server-ENV")
    monkeypatch.setenv("CAKUPAN_MIDTRANS_CLIENT_KEY", "SB-Mid-client-ENV")
    assert emulator_command.app_midtrans() == {
        "base_url": "http://localhost:8766",
        "server_key": "SB-Mid-server-ENV",
        "client_key": "SB-Mid-client-ENV",
    }
    assert emulator_command.default_midtrans_port() == 8766  # where the app calls


@pytest.mark.parametrize(
    "url",
    ["https://api.sandbox.midtrans.com", "http://10.0.0.5:8766", "http://127.0.0.1", "http://127.0.0.1:x"],
)
def test_the_emulator_keeps_its_own_port_when_the_app_calls_elsewhere(settings, url):
    settings.SERTAKAN = {**getattr(settings, "SERTAKAN", {}), "midtrans": {"base_url": url}}
    assert emulator_command.default_midtrans_port() == midtrans_emulator.DEMO_PORT


def test_the_emulator_command_refuses_a_midtrans_port_in_use():
    with midtrans_emulator.MidtransEmulator() as taken:
        port = int(taken.url.rsplit(":", 1)[1])
        with pytest.raises(emulator_command.CommandError, match=str(port)):
            emulator_command.start(port=0, midtrans_port=port)


class _Exec(Exception):
    """Stands for gunicorn replacing the process."""


def test_serve_with_the_emulator_points_the_app_at_the_midtrans_emulator(settings, monkeypatch):
    environment = {
        **demo_environment(public_url="http://127.0.0.1:8123"),
        **midtrans_emulator.demo_environment(),
    }
    for name in environment:  # whatever serve sets is put back after the test
        monkeypatch.setenv(name, "before")
    monkeypatch.setenv("CAKUPAN_MEMCACHED", "127.0.0.1:1")  # no memcached started
    started = []
    monkeypatch.setattr(serve_command, "call_command", lambda *args, **kwargs: None)  # collectstatic
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kwargs: started.append(argv))

    def execv(path, argv):
        raise _Exec(argv)

    monkeypatch.setattr(os, "execv", execv)
    with pytest.raises(_Exec):
        call_command("serve", port=8123, host="127.0.0.1", emulator=True, no_task_worker=True)

    assert os.environ["CAKUPAN_MIDTRANS_URL"] == f"http://127.0.0.1:{midtrans_emulator.DEMO_PORT}"
    defaults = midtrans_emulator.MidtransConfig()
    assert os.environ["CAKUPAN_MIDTRANS_SERVER_KEY"] == defaults.server_key
    assert os.environ["CAKUPAN_MIDTRANS_CLIENT_KEY"] == defaults.client_key
    assert os.environ["CAKUPAN_PUBLIC_URL"] == "http://127.0.0.1:8123"
    assert [argv[-2:] for argv in started] == [["cakupan", "emulator"]]
    # The emulator that serve starts is a new process, whose settings come from these variables; this one
    # read its settings before, so the emulator's fallback to the environment stands for them. It listens
    # where the app was pointed, with the same keys, and notifies the app's endpoint.
    if hasattr(settings, "SERTAKAN"):
        del settings.SERTAKAN
    assert emulator_command.default_midtrans_port() == midtrans_emulator.DEMO_PORT
    assert emulator_command.app_midtrans() == {
        "base_url": f"http://127.0.0.1:{midtrans_emulator.DEMO_PORT}",
        "server_key": defaults.server_key,
        "client_key": defaults.client_key,
    }
    config = midtrans_emulator.demo_config(public_url=os.environ["CAKUPAN_PUBLIC_URL"])
    assert config.notification_url == "http://127.0.0.1:8123/api/v1/sertakan/midtrans/notifikasi"
