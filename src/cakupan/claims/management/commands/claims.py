"""`cakupan claims …`: the claim clock from the terminal, the daily clock run, and BPJS TK's decision files.

    cakupan claims deadline --kind jkm --complete 2026-12-07 [--json]
    cakupan claims refresh [--date 2026-12-10]
    cakupan claims import-decisions keputusan.csv --user bpjs

`deadline` prints the last day to pay a claim whose documents were complete on the given day: the N-th
working day after it (N from the rules data: JKK 7, JKM 3, beasiswa 7), skipping weekends, national
holidays and cuti bersama, with the holiday corrections recorded in Cakupan. Bad input exits with status 2
and a Bahasa message on stderr, as `cakupan rules` does.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long
from cakupan.rules.engine.claims import PAYMENT_KINDS, payment_due
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.params import parse_date


def _fail(code: str, message: str) -> CommandError:
    return CommandError(f"{code}: {message}", returncode=2)


def _date(text: str | None, *, flag: str) -> dt.date:
    """The rules engine's own date parser: TTTT-BB-HH only, within the years its calendar knows."""
    try:
        return parse_date(text, field=flag, label=flag)
    except RulesError as error:
        raise _fail(error.code, error.message) from None


def _calendar_changes() -> dict:
    """The decrees recorded in Cakupan; none when the database is not set up (the clock alone still works)."""
    from cakupan.claims.selectors import holiday_changes

    try:
        return holiday_changes()
    except DatabaseError:
        return {}


class Command(BaseCommand):
    help = "Klaim: batas waktu pembayaran, jalankan jam layanan, impor keputusan BPJS TK."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{deadline,refresh,import-decisions}"
        )
        deadline = actions.add_parser("deadline", help="batas bayar klaim setelah berkas lengkap")
        deadline.add_argument("--kind", help="jkk, jkm atau beasiswa")
        deadline.add_argument("--complete", help="tanggal berkas lengkap TTTT-BB-HH")
        deadline.add_argument("--json", action="store_true", help="keluaran JSON")
        refresh = actions.add_parser("refresh", help="hitung ulang jam semua klaim terbuka dan eskalasi")
        refresh.add_argument("--date", help="hari yang dihitung (bawaan: hari ini, WIB)")
        decisions = actions.add_parser("import-decisions", help="terapkan berkas keputusan klaim BPJS TK")
        decisions.add_argument("file", help="berkas CSV (lihat docs/claims.md)")
        decisions.add_argument("--user", required=True, help="akun penghubung BPJS TK yang mengimpor")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "deadline":
            self._deadline(options)
        elif action == "refresh":
            self._refresh(options)
        else:
            self._import(options)

    def _deadline(self, options: dict) -> None:
        kind = options.get("kind")
        if kind not in PAYMENT_KINDS:
            raise _fail(
                "claim_kind_unknown",
                f"Jenis klaim '{str(kind or '')[:20]}' tidak dikenal; pilihan: {', '.join(PAYMENT_KINDS)}.",
            )
        complete = _date(options.get("complete"), flag="--complete")
        try:
            due = payment_due(kind=kind, complete=complete, changes=_calendar_changes())
        except RulesError as error:
            raise _fail(error.code, error.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(due.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"Klaim {kind.upper()} dengan berkas lengkap {date_long(complete)}: dibayar paling lambat "
            f"{date_long(due.due)} ({due.working_days} hari kerja)."
        )

    def _refresh(self, options: dict) -> None:
        from cakupan.claims.services import claims_clock_refresh

        day = _date(options["date"], flag="--date") if options.get("date") else None
        count = claims_clock_refresh(day=day)
        self.stdout.write(f"{count} klaim terbuka dihitung ulang.")

    def _import(self, options: dict) -> None:
        from cakupan.claims.services import decisions_import

        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise _fail("user_unknown", f"Akun '{options['user'][:40]}' tidak ada.")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError:
            raise _fail("file_unreadable", f"Berkas {path.name} tidak dapat dibaca.") from None
        try:
            record = decisions_import(actor=user, file_name=path.name, content=content)
        except DomainError as error:
            raise _fail(error.code, error.message) from None
        self.stdout.write(
            f"{record.rows} keputusan diterapkan: {record.paid} dibayar, {record.rejected} ditolak."
        )
