import getpass

from django.core.management.base import BaseCommand, CommandError

from cakupan.accounts.models import User
from cakupan.core.errors import DomainError
from cakupan.workspace.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Token API (bearer) untuk integrasi."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="SUBPERINTAH")
        create = sub.add_parser(
            "create", help="Buat token baru; nilainya dicetak di baris terakhir, sekali saja."
        )
        create.add_argument("username")
        create.add_argument("--days", type=int, default=90, help="masa berlaku (hari, bawaan 90)")
        revoke = sub.add_parser(
            "revoke", help="Cabut satu token (nilainya) atau semua token seorang pengguna."
        )
        target = revoke.add_mutually_exclusive_group(required=True)
        target.add_argument("--token", help="nilai token yang dicabut")
        target.add_argument("--user", help="cabut semua token pengguna ini")

    def handle(self, *args, action, **options):
        # Who ran the command: no Cakupan user is signed in on a terminal.
        operator = f"cli:{getpass.getuser()}"
        try:
            if action == "create":
                user = self._user(options["username"])
                token, value = token_create(user=user, days=options["days"], actor_username=operator)
                self.stdout.write(f"Token untuk {user.username}, berlaku sampai {token.expires_at:%d/%m/%Y}:")
                self.stdout.write(value)
                return
            user = self._user(options["user"]) if options["user"] else None
            count = token_revoke(value=options["token"], user=user, actor_username=operator)
        except DomainError as error:
            raise CommandError(f"{error.message} [{error.code}]") from error
        if count == 0:
            raise CommandError("Tidak ada token aktif yang cocok. [token_not_found]")
        self.stdout.write(f"{count} token dicabut.")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Pengguna '{username}' tidak ditemukan. [user_unknown]")
        return user
