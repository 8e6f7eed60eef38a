import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cakupan.core.errors import DomainError
from cakupan.core.formatting import number
from cakupan.core.progress import TerminalProgress
from cakupan.regions.models import Region
from cakupan.registry import importing
from cakupan.registry.models import OnDuplicate


class Command(BaseCommand):
    help = (
        "Impor berkas CSV/XLSX ke registri, langsung dan tercatat di jejak audit (alat administrator sistem; "
        "lewat antarmuka web, impor menunggu persetujuan)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True, metavar="JENIS")
        workers = sub.add_parser("workers", help="Daftar pekerja (templat: nik, nama, tanggal_lahir, …).")
        workers.add_argument("file", type=Path)
        workers.add_argument("--on-duplicate", choices=OnDuplicate.values, default=OnDuplicate.KEEP)
        roster = sub.add_parser("roster", help="Data kepesertaan BPJS TK (nik, kpj, segmen, program, …).")
        roster.add_argument("file", type=Path)
        roster.add_argument("--add-missing", action="store_true", help="tambahkan NIK yang belum terdaftar")
        for parser_ in (workers, roster):
            parser_.add_argument("--dry-run", action="store_true", help="periksa saja, jangan ubah registri")
            parser_.add_argument("--json", action="store_true", help="baris terakhir: satu objek JSON")
            parser_.add_argument(
                "--area",
                default=None,
                metavar="KODE",
                help="hanya baris yang desanya di wilayah ini (bawaan: seluruh registri)",
            )

    def handle(self, *args, kind, file, dry_run, json: bool, area, **options):
        progress = TerminalProgress("Membaca", self.stderr)
        # No size limit here (the web upload limit is for browsers): files are streamed in chunks, so a
        # roster of millions of rows imports in bounded memory.
        common = {"path": file, "dry_run": dry_run, "progress": progress, "max_bytes": None, "scope": area}
        region = Region.objects.filter(code=area).first() if area else None
        # Administrators act outside any area: say so, so that nobody takes a province-wide import for a
        # local one.
        scope_text = f"{region.code} {region.name}" if region else "seluruh registri (administrator sistem)"
        if area and region is None:
            raise CommandError(f"Kode wilayah '{area}' tidak dikenal. [region_unknown]")
        self.stderr.write(f"Wilayah impor: {scope_text}\n")
        try:
            if kind == "workers":
                result = importing.workers_import(on_duplicate=options["on_duplicate"], **common)
            else:
                result = importing.roster_import(add_missing=options["add_missing"], **common)
        except DomainError as error:
            raise CommandError(f"{error.message} [{error.code}]") from error
        self.stderr.write("\n")
        for note in result.notes:
            self.stdout.write(note)
        if json:
            self.stdout.write(_json_dumps({**result.as_json(), "scope": area}))
            return
        prefix = "Uji coba (tidak ada yang disimpan): " if dry_run else ""
        self.stdout.write(
            f"{prefix}{number(result.rows)} baris: {number(result.inserted)} ditambahkan, "
            f"{number(result.updated)} diperbarui, {number(result.duplicates)} duplikat, "
            f"{number(result.invalid)} tidak sah, {number(result.unchanged)} tidak berubah; "
            f"{number(result.warnings)} peringatan."
        )
        if result.errors_file:
            self.stdout.write(f"Laporan kesalahan: {result.errors_file}")


def _json_dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)
