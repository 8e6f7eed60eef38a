"""A sender killed (SIGKILL) in the middle of a send never sends twice and loses nothing: the sender runs as
its own `cakupan messages send` process on an SQLite file, the gateway is the emulator, and the test kills
the process while the gateway holds its request (before or after taking the message)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cakupan.messaging.tests.conftest import control, sent_by_emulator
from cakupan.providers.emulators import Emulator

CAKUPAN = shutil.which("cakupan", path=str(Path(sys.executable).parent))

SETUP = """
from cakupan.messaging import services
t = services.template_create(key="p", purpose="reminder", subject="", body="Halo {n}", variables=["n"],
                             whatsapp_name="p")
services.consent_record(address="+6281234567001", channels=["sms"], purposes=["reminder"], granted=True,
                        source="registration")
services.message_queue(purpose="reminder", channel="sms", address="+6281234567001", template=t,
                       values={"n": "Siti"}, idempotency_key="k1")
"""
RECOVER = """
import json
from cakupan.messaging.sending import outbox_recover
print(json.dumps(outbox_recover()))
"""
STATE = """
from cakupan.messaging.models import Message
m = Message.objects.get()
print(m.state, m.attempts, m.provider_id, list(m.events.values_list("state", flat=True)))
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One migrated SQLite file for the module (migrating loads every region: done once)."""
    assert CAKUPAN, "the cakupan console script is not installed in the venv"
    folder = tmp_path_factory.mktemp("killed")
    env = {
        **os.environ,
        "CAKUPAN_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
    }
    env.pop("CAKUPAN_TASKS", None)
    subprocess.run([CAKUPAN, "migrate", "-v", "0"], env=env, check=True, timeout=600)
    (folder / "template.sqlite3").write_bytes((folder / "db.sqlite3").read_bytes())
    return folder, env


@pytest.fixture
def run(world):
    folder, env = world
    shutil.copyfile(folder / "template.sqlite3", folder / "db.sqlite3")
    for suffix in ("-wal", "-shm"):
        Path(f"{folder / 'db.sqlite3'}{suffix}").unlink(missing_ok=True)
    with Emulator() as emulator:
        env = {
            **env,
            "CAKUPAN_SMS_URL": emulator.url,
            "CAKUPAN_SMS_ACCOUNT_SID": emulator.config.sms_account_sid,
            "CAKUPAN_SMS_AUTH_TOKEN": emulator.config.sms_auth_token,
            "CAKUPAN_SMS_RATE": "1000",
        }

        def shell(code: str) -> str:
            # The lease is over at once: the sender was killed, and the test needs no wait for it.
            done = subprocess.run(
                [CAKUPAN, "shell", "-c", code],
                env={**env, "CAKUPAN_MESSAGE_LEASE_SECONDS": "0"},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
            return done.stdout.strip().splitlines()[-1]

        shell(SETUP)
        yield emulator, env, shell


def _send_and_kill(env, emulator, *, wait_for_message: bool) -> None:
    sender = subprocess.Popen(
        [CAKUPAN, "messages", "send", "--channel", "sms"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # generous: a busy machine starts Django slowly
        while time.monotonic() < deadline:
            if wait_for_message and sent_by_emulator(emulator, "sms"):
                break
            if not wait_for_message and not emulator.state.faults["sms"]:
                # The gateway has taken the request (its fault is used up) and is holding it.
                break
            assert sender.poll() is None, "the sender ended before it was killed"
            time.sleep(0.05)
        else:
            pytest.fail("the sender never reached the gateway")
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=60)


def test_killed_after_the_gateway_took_the_message_it_is_found_not_resent(run):
    emulator, env, shell = run
    control(emulator, "faults", {"channel": "sms", "faults": [{"accept_then_hang": 30}]})
    _send_and_kill(env, emulator, wait_for_message=True)
    assert shell(STATE).startswith("sending 1  ")
    assert shell(RECOVER) == '{"found_sent": 1}'
    [emulated] = sent_by_emulator(emulator, "sms")
    assert shell(STATE) == f"sent 1 {emulated['sid']} ['sending', 'sent']"
    # A later drain has nothing to send: exactly one SMS went out.
    subprocess.run([CAKUPAN, "messages", "send", "--channel", "sms"], env=env, check=True, timeout=300)
    assert len(sent_by_emulator(emulator, "sms")) == 1


def test_killed_before_the_gateway_took_it_the_message_is_sent_once_later(run):
    emulator, env, shell = run
    control(emulator, "faults", {"channel": "sms", "faults": [{"hang": 30}]})
    _send_and_kill(env, emulator, wait_for_message=False)
    assert sent_by_emulator(emulator, "sms") == []
    assert shell(RECOVER) == '{"requeued": 1}'
    subprocess.run([CAKUPAN, "messages", "send", "--channel", "sms"], env=env, check=True, timeout=300)
    [emulated] = sent_by_emulator(emulator, "sms")
    assert shell(STATE) == f"sent 2 {emulated['sid']} ['sending', 'queued', 'sending', 'sent']"
