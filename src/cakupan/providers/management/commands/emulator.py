import os
import time
import urllib.parse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cakupan.providers.emulators import Emulator, EmulatorConfig
from cakupan.providers.emulators import midtrans as midtrans_emulator


def app_midtrans() -> dict[str, str]:
    """What the app calls Midtrans with: settings.SERTAKAN["midtrans"] (read from CAKUPAN_MIDTRANS_URL,
    _SERVER_KEY and _CLIENT_KEY), or those variables themselves where the settings have no such entry."""
    configured = (getattr(settings, "SERTAKAN", None) or {}).get("midtrans") or {}
    return {
        name: str(configured.get(name) or os.environ.get(f"CAKUPAN_MIDTRANS_{variable}", ""))
        for name, variable in (
            ("base_url", "URL"),
            ("server_key", "SERVER_KEY"),
            ("client_key", "CLIENT_KEY"),
        )
    }


def default_midtrans_port() -> int:
    """The port of the app's Midtrans URL when that is on loopback (the emulator answers where the app
    calls), else the demo's own (what `cakupan serve --emulator` points the app at)."""
    try:
        url = urllib.parse.urlsplit(app_midtrans()["base_url"])
        port = url.port
    except ValueError:
        return midtrans_emulator.DEMO_PORT
    if url.scheme == "http" and url.hostname in ("127.0.0.1", "localhost") and port:
        return port
    return midtrans_emulator.DEMO_PORT


def start(*, port: int, midtrans_port: int) -> tuple[Emulator, midtrans_emulator.MidtransEmulator]:
    """The demo's two emulators, running: SMS and WhatsApp on `port`, Midtrans on `midtrans_port` (0: any
    free port, for the tests). Both send their callbacks to this server's public URL (CAKUPAN_PUBLIC_URL)."""
    sms = settings.MESSAGING.get("sms") or {}
    whatsapp = settings.MESSAGING.get("whatsapp") or {}
    public = settings.MESSAGING["public_url"].rstrip("/")
    config = EmulatorConfig(
        sms_account_sid=sms.get("account_sid") or "ACemulator",
        sms_auth_token=sms.get("auth_token") or "emulator-token",
        sms_inbound_url=f"{public}/pesan/masuk/sms/",
        whatsapp_token=whatsapp.get("access_token") or "emulator-wa-token",
        whatsapp_app_secret=whatsapp.get("app_secret") or "emulator-app-secret",
        whatsapp_phone_number_id=whatsapp.get("phone_number_id") or "100200300",
        whatsapp_webhook_url=f"{public}/pesan/kabar/whatsapp/",
        deliver=True,
    )
    try:
        messaging = Emulator(config, port=port)
    except OSError as error:
        raise CommandError(f"Port {port} tidak dapat dipakai: {error}") from error
    keys = app_midtrans()
    try:
        payments = midtrans_emulator.MidtransEmulator(
            midtrans_emulator.demo_config(
                public_url=public, server_key=keys["server_key"], client_key=keys["client_key"]
            ),
            port=midtrans_port,
        )
    except OSError as error:
        messaging.server.server_close()  # bound, not serving yet: shutdown() would wait for ever
        raise CommandError(f"Port {midtrans_port} tidak dapat dipakai: {error}") from error
    return messaging.start(), payments.start()


class Command(BaseCommand):
    help = (
        "Emulator lokal gateway SMS dan WhatsApp Cloud API, dan Midtrans Core API (pembayaran SERTAKAN), "
        "untuk demo (hanya loopback). Tanda terima, balasan dan notifikasi pembayaran dikirim ke server ini "
        "(CAKUPAN_PUBLIC_URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument(
            "--midtrans-port",
            type=int,
            help=f"port emulator Midtrans (bawaan: port CAKUPAN_MIDTRANS_URL bila di loopback, selain itu "
            f"{midtrans_emulator.DEMO_PORT})",
        )

    def handle(self, *args, port: int, midtrans_port: int | None, **options):
        if midtrans_port is None:
            midtrans_port = default_midtrans_port()
        messaging, payments = start(port=port, midtrans_port=midtrans_port)
        self.stdout.write(f"Emulator SMS dan WhatsApp di {messaging.url}")
        self.stdout.write(
            f"Emulator Midtrans di {payments.url}, notifikasi ke {payments.config.notification_url}; server "
            f"memakainya dengan CAKUPAN_MIDTRANS_URL={payments.url} "
            f"CAKUPAN_MIDTRANS_SERVER_KEY={payments.config.server_key} "
            f"CAKUPAN_MIDTRANS_CLIENT_KEY={payments.config.client_key} (Ctrl+C untuk berhenti)"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            payments.stop()
            messaging.stop()
