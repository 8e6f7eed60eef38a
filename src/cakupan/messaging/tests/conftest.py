import datetime as dt
import json
import urllib.request

import pytest

from cakupan.messaging import services
from cakupan.messaging.models import Purpose
from cakupan.providers.emulators import Emulator, EmulatorConfig, channel_settings

PUBLIC = "http://testserver"
PHONE = "+6281234567001"


@pytest.fixture
def emulator():
    with Emulator(
        EmulatorConfig(
            whatsapp_webhook_url=f"{PUBLIC}/pesan/kabar/whatsapp/",
            sms_inbound_url=f"{PUBLIC}/pesan/masuk/sms/",
        )
    ) as running:
        yield running


@pytest.fixture
def channels(settings, emulator):
    """Both phone channels pointed at the emulator, with a time-out generous for a busy machine (the
    time-out test shortens it for itself)."""
    settings.MESSAGING = {
        **settings.MESSAGING,
        **channel_settings(emulator, timeout=30.0),
        "public_url": PUBLIC,
        "rates": {"sms": 1000.0, "whatsapp": 1000.0, "email": 1000.0},
    }
    return emulator


def control(emulator, action: str, payload: dict | None = None, method: str = "POST") -> dict:
    data = json.dumps(payload or {}).encode() if method == "POST" else None
    request = urllib.request.Request(f"{emulator.url}/_emulator/{action}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sent_by_emulator(emulator, channel: str) -> list[dict]:
    return [m for m in control(emulator, "messages", method="GET")["messages"] if m["channel"] == channel]


def replay_callbacks(client, emulator, *, kind: str | None = None, after: int = 0) -> list:
    """Posts the emulator's signed receipts and replies to our webhooks, byte for byte, as the provider
    would; returns the responses."""
    responses = []
    for callback in control(emulator, f"callbacks?after={after}", method="GET")["callbacks"]:
        if kind and callback["kind"] != kind:
            continue
        path = callback["url"].removeprefix(PUBLIC)
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in callback["headers"].items()
            if k.lower() != "content-type"
        }
        responses.append(
            client.post(
                path, data=callback["body"], content_type=callback["headers"]["Content-Type"], **headers
            )
        )
    return responses


@pytest.fixture
def template(db):
    return services.template_create(
        key="uji_pengingat",
        purpose=Purpose.REMINDER,
        subject="Iuran {bulan}",
        body="Halo {nama_depan}, iuran {bulan} jatuh tempo {jatuh_tempo}.",
        variables=["nama_depan", "bulan", "jatuh_tempo"],
        whatsapp_name="pengingat_iuran",
    )


VALUES = {"nama_depan": "Siti", "bulan": "Januari 2027", "jatuh_tempo": "15 Januari 2027"}


def grant(address=PHONE, channels=("sms", "whatsapp"), purposes=(Purpose.REMINDER,)):
    return services.consent_record(
        address=address, channels=channels, purposes=purposes, granted=True, source="registration"
    )


def later(minutes: float):
    from django.utils import timezone

    return timezone.now() + dt.timedelta(minutes=minutes)
