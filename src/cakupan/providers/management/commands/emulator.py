import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cakupan.providers.emulators import Emulator, EmulatorConfig


class Command(BaseCommand):
    help = (
        "Emulator lokal gateway SMS dan WhatsApp Cloud API untuk demo (hanya loopback). Tanda terima dan "
        "balasan dikirim ke webhook server ini (CAKUPAN_PUBLIC_URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8025)

    def handle(self, *args, port: int, **options):
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
            emulator = Emulator(config, port=port).start()
        except OSError as error:
            raise CommandError(f"Port {port} tidak dapat dipakai: {error}") from error
        self.stdout.write(f"Emulator SMS dan WhatsApp di {emulator.url} (Ctrl+C untuk berhenti)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            emulator.stop()
