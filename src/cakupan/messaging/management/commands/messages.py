import json

from django.core.management.base import BaseCommand

from cakupan.messaging.models import Channel
from cakupan.messaging.sending import outbox_drain, outbox_recover


class Command(BaseCommand):
    help = (
        "Kotak keluar pesan: kirim yang sudah waktunya (send) sesuai batas kecepatan tiap saluran, atau "
        "periksa pesan yang tertinggal oleh pengirim yang terhenti (recover)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="AKSI")
        send = sub.add_parser("send", help="Kirim pesan yang sudah waktunya.")
        send.add_argument(
            "--channel", choices=Channel.values, action="append", help="saluran (boleh berulang)"
        )
        send.add_argument("--max", type=int, default=None, help="paling banyak sekian pesan per saluran")
        sub.add_parser("recover", help="Periksa pesan yang tertinggal 'sedang dikirim'.")

    def handle(self, *args, action, **options):
        if action == "recover":
            self.stdout.write(json.dumps(outbox_recover(), sort_keys=True))
            return
        for channel in options["channel"] or Channel.values:
            counts = outbox_drain(channel=channel, max_messages=options["max"])
            self.stdout.write(json.dumps({"channel": channel, **counts}, sort_keys=True))
