"""Benchmark: peak memory of a web import, whatever the file, against the 1 GB goal.

    .venv/bin/python bench/web_import_memory.py [--keep DIR]

Each file is checked the way the web flow checks an upload (`importing.import_check`: the dry run with
the web's size and XLSX limits, the preview and the report) in a child process of its own on a freshly
migrated SQLite database, and the child reports its own peak resident memory (VmHWM from
/proc/self/status; ru_maxrss would carry over the parent's peak across exec). The files:

* the largest XLSX the web accepts: 299,000 rows of the ten-column template (2,990,000 cells, just under
  the 3,000,000-cell limit), every row valid;
* a CSV of the web's 100 MB limit (about 1.15 million rows), every row valid;
* the same CSV with every row invalid (the issue collector keeps 10,000 of them for the report);
* hostile XLSX files: one cell at AD1048576, a 5-million-character string, 200 columns, one 32.000-
  character string referred to by 200.000 cells (6,4 billion characters once loaded): refused before
  anything is loaded.

The floor is the same child doing nothing but starting Django (what any import costs before reading).
Prints a table and, last, one JSON line. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
RESULT_PREFIX = "BENCH-RESULT "
GOAL_MB = 1024
HEADER = ("nik", "nama", "tanggal_lahir", "jenis_kelamin", "kode_desa", "sektor", "penghasilan", "desil",
          "telepon", "catatan")  # fmt: skip
WEB_XLSX_ROWS = 299_000


def vm_hwm_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def load_average() -> str:
    with open("/proc/loadavg", encoding="ascii") as handle:
        return " ".join(handle.read().split()[:3])


def _row(number: int, *, valid: bool) -> list[str]:
    day, month, year = 1 + number % 28, 1 + (number // 28) % 12, 1960 + number % 40
    serial = 1 + number % 9000
    nik = f"360201{day:02d}{month:02d}{year % 100:02d}{serial:04d}" if valid else "12345"
    income = "1500000" if valid else "-5"
    desa = "36.02.01.2002"
    return [nik, f"Pekerja {number}", f"{year}-{month:02d}-{day:02d}", "L", desa, "petani", income, "3",
            "", "catatan lapangan"]  # fmt: skip


def make_files(folder: Path) -> dict[str, Path]:
    import xlsxwriter

    files = {}
    xlsx = folder / "web-terbesar.xlsx"
    workbook = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True})
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, HEADER)
    for number in range(1, WEB_XLSX_ROWS + 1):
        sheet.write_row(number, 0, _row(number, valid=True))
    workbook.close()
    files["xlsx_at_the_web_limit"] = xlsx
    for valid, name in ((True, "csv_100mb_valid"), (False, "csv_100mb_invalid")):
        path = folder / f"{name}.csv"
        limit = 100 * 1024 * 1024 - 4096
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(";".join(HEADER) + "\n")
            number = 0
            while handle.tell() < limit:
                number += 1
                handle.write(";".join(_row(number, valid=valid)) + "\n")
        files[name] = path
    plain = folder / "biasa.xlsx"
    workbook = xlsxwriter.Workbook(str(plain))
    workbook.add_worksheet("Data").write_row(0, 0, HEADER)
    workbook.close()
    far = folder / "sel-jauh.xlsx"
    workbook = xlsxwriter.Workbook(str(far))
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, HEADER)
    sheet.write_string(1_048_575, 29, "x")
    workbook.close()
    files["hostile_far_cell"] = far
    huge = folder / "sel-raksasa.xlsx"
    strings = (
        "<sst xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'><si><t>"
        + "A" * 5_000_000
        + "</t></si></sst>"
    ).encode()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(
                item, strings if item.filename == "xl/sharedStrings.xml" else source.read(item.filename)
            )
    files["hostile_huge_string"] = huge
    wide = folder / "lebar.xlsx"
    workbook = xlsxwriter.Workbook(str(wide))
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, HEADER)
    sheet.write_string(1, 199, "x")
    workbook.close()
    files["hostile_200_columns"] = wide
    # One string within Excel's cell limit, referred to by 200.000 cells: the reader copies it into each.
    copies = folder / "salinan-teks.xlsx"
    workbook = xlsxwriter.Workbook(str(copies))
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, HEADER)
    text = "C" * 32_000
    for number in range(1, 200_001):
        sheet.write_string(number, 1, text)
    workbook.close()
    files["hostile_shared_copies"] = copies
    return files


def child(path: str | None) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
    django.setup()
    if path is None:
        return {"peak_mb": vm_hwm_mb()}
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cakupan.accounts.models import Role, User
    from cakupan.registry import importing

    operator = User.objects.create_user(
        username="operator", password="x", role=Role.VILLAGE_OPERATOR, area_id="36.02", is_staff=True
    )
    load_before = load_average()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(Path(path).name, handle.read())
    record = importing.import_submit(user=operator, upload=upload, kind="workers")
    del upload
    importing.import_check(import_id=record.pk)
    record.refresh_from_db()
    return {
        "status": record.status,
        "message": record.message[:120],
        "rows": record.rows,
        "inserted": record.inserted,
        "invalid": record.invalid,
        "seconds": time.perf_counter() - started,
        "peak_mb": vm_hwm_mb(),
        "load_before": load_before,
        "load_after": load_average(),
    }


def run_child(path: Path | None, workdir: Path) -> dict:
    database = workdir / f"db-{time.monotonic_ns()}.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "CAKUPAN_VAR_DIR": str(workdir / "var"),
        "CAKUPAN_TASKS": "immediate",
    }
    subprocess.run(
        [str(VENV_BIN / "cakupan"), "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    args = [sys.executable, __file__, "--child", *([str(path)] if path else [])]
    completed = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"child for {path} failed")
    line = next(line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX))
    return json.loads(line.removeprefix(RESULT_PREFIX))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", nargs="?", const="", default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    args = parser.parse_args(argv)
    if args.child is not None:
        print(RESULT_PREFIX + json.dumps(child(args.child or None)))
        return 0
    with tempfile.TemporaryDirectory(prefix="cakupan-webmem-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        files = make_files(folder)
        print(f"files made in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        floor = run_child(None, Path(scratch))
        results = {}
        for name, path in files.items():
            results[name] = {"bytes": path.stat().st_size, **run_child(path, Path(scratch))}
            print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
    print(
        f"\nPeak memory of a web import check (VmHWM); Django alone: {floor['peak_mb']:.0f} MB; "
        f"goal < {GOAL_MB} MB"
    )
    print(f"{'file':<24}{'MB':>8}{'rows':>11}{'status':>18}{'seconds':>9}{'peak MB':>9}  load")
    for name, r in results.items():
        print(
            f"{name:<24}{r['bytes'] / 2**20:>8.1f}{r['rows']:>11,}{r['status']:>18}{r['seconds']:>9.1f}"
            f"{r['peak_mb']:>9.0f}  {r['load_before']} → {r['load_after']}"
        )
    worst = max(r["peak_mb"] for r in results.values())
    print(f"worst peak {worst:.0f} MB = {worst / GOAL_MB:.2f} of the goal")
    print(json.dumps({"benchmark": "web_import_memory", "floor_mb": floor["peak_mb"], "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
