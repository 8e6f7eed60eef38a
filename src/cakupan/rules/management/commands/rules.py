"""`cakupan rules …`: the rules engine from the terminal, JSON on stdout.

    cakupan rules contribution --income 1000000 --programs jkk,jkm --month 2026-05 \
        --funding self --sector nelayan
    cakupan rules benefit jkm [--member-since 2026-01-10 --on 2026-03-01]
    cakupan rules benefit jkk-death --income 1000000
    cakupan rules benefit scholarship --children 2 --months 36
    cakupan rules status --paid 2026-01,2026-02 --on 2026-06-20
    cakupan rules claim --event 2026-03-10T14:30 --complete 2026-03-20

Every value is handed to the engine as typed, so bad input gets the engine's error code and Bahasa message
(on stderr, exit status 2), exactly as the API and the calculator page report it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cakupan.rules.engine import RulesError
from cakupan.rules.engine.params import (
    BENEFIT_KINDS,
    benefit_from_params,
    claim_from_params,
    contribution_from_params,
    status_from_params,
)

# Options per benefit kind: (flag, help). Only these are accepted, so a misplaced option is an error.
_INCOME = ("--income", "penghasilan sebulan yang dilaporkan, rupiah (mis. 1000000)")
_ON = ("--on", "tanggal kejadian TTTT-BB-HH (bawaan: hari ini, WIB); memilih aturan yang berlaku")
BENEFIT_OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "jkm": (("--member-since", "tanggal mulai kepesertaan BPU, untuk masa tunggu 3 bulan"), _ON),
    "scholarship": (
        ("--children", "jumlah anak"),
        ("--months", "masa iur dalam bulan (wajib untuk penyebab jkm)"),
        ("--cause", "jkm (bawaan) atau jkk"),
        ("--child", "rincian anak jenjang:tahun-ke:usia, mis. sd:3:9; boleh diulang"),
        _ON,
    ),
    "jkk-death": (_INCOME, _ON),
    "jkk-total-disability": (_INCOME, _ON),
    "jkk-partial-disability": (
        _INCOME,
        ("--part", "bagian tubuh dari tabel cacat, mis. one_eye"),
        ("--percent", "persentase cacat dari formulir dokter, pengganti --part"),
        ("--function-loss", "persentase kehilangan fungsi (cacat fungsi)"),
        _ON,
    ),
    "stmb": (_INCOME, ("--months", "lama tidak mampu bekerja, bulan"), _ON),
    "jkk-transport": (
        ("--land", "biaya transportasi darat/sungai/danau, rupiah"),
        ("--sea", "biaya transportasi laut, rupiah"),
        ("--air", "biaya transportasi udara, rupiah"),
        _ON,
    ),
}


def _dest(flag: str) -> str:
    return flag.removeprefix("--").replace("-", "_")


class Command(BaseCommand):
    help = "Aturan jamsostek BPU: iuran, manfaat, status kepesertaan, batas waktu klaim (JSON)."
    # Pure calculation, no database or URLs: skipping the project checks keeps scripted calls fast.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{contribution,benefit,status,claim}"
        )

        contribution = actions.add_parser(
            "contribution", help="iuran satu bulan (dan beberapa bulan sekaligus)"
        )
        contribution.add_argument("--income", help="penghasilan sebulan, rupiah (mis. 1000000)")
        contribution.add_argument("--programs", help="jkk,jkm[,jht]")
        contribution.add_argument("--month", help="bulan iuran TTTT-BB")
        contribution.add_argument(
            "--months", help="jumlah bulan dibayar sekaligus: 1, 3, 6 atau 12 (bawaan 1)"
        )
        contribution.add_argument("--funding", help="self, sponsor, apbd, apbn, baznas, dana_desa, csr")
        contribution.add_argument("--sector", help="kode sektor registri, mis. nelayan, transportasi")

        benefit = actions.add_parser("benefit", help="manfaat (santunan) yang dibayar")
        kinds = benefit.add_subparsers(
            dest="kind", required=True, metavar="{" + ",".join(BENEFIT_KINDS) + "}"
        )
        for kind, options in BENEFIT_OPTIONS.items():
            kind_parser = kinds.add_parser(kind, help=BENEFIT_KINDS[kind])
            for flag, help_text in options:
                kind_parser.add_argument(flag, dest=_dest(flag), help=help_text, action="append")

        status = actions.add_parser("status", help="status kepesertaan pada suatu tanggal")
        status.add_argument("--paid", help="bulan yang dibayar, dipisah koma; rentang TTTT-BB..TTTT-BB boleh")
        status.add_argument("--on", help="tanggal TTTT-BB-HH (bawaan: hari ini, WIB)")
        status.add_argument("--start", help="bulan mulai kepesertaan TTTT-BB (bawaan: bulan dibayar pertama)")
        status.add_argument("--policy", help="kebijakan masuk kembali: continue atau reregister")

        claim = actions.add_parser("claim", help="batas waktu lapor, klaim dan pembayaran manfaat")
        claim.add_argument("--kind", help="jkk (bawaan) atau jkm")
        claim.add_argument("--event", help="tanggal kejadian TTTT-BB-HH atau TTTT-BB-HHTjj:mm")
        claim.add_argument(
            "--doctor-statement", dest="doctor_statement", help="tanggal surat keterangan dokter"
        )
        claim.add_argument("--complete", help="tanggal berkas klaim lengkap")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        params = {name: value for name, value in options.items() if isinstance(value, str | list)}
        try:
            if action == "contribution":
                result = contribution_from_params(params)
            elif action == "benefit":
                result = benefit_from_params(params)
            elif action == "status":
                result = status_from_params(params)
            else:
                result = claim_from_params(params)
        except RulesError as error:
            raise CommandError(f"{error.code}: {error.message}", returncode=2) from None
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
