"""BPJS TK's claim decisions as a CSV file (no Django here). Format version 1, documented in
docs/claims.md:

    nomor_klaim;keputusan;tanggal;jumlah;nomor_keputusan;alasan
    KL-26-000001;dibayar;2026-12-09;42000000;PTS-0091;
    KL-26-000002;ditolak;2026-12-09;;PTS-0092;Iuran bulan kejadian belum dibayar

Semicolon or comma separated, UTF-8 (a BOM is allowed), one header row with exactly these columns in any
order. `keputusan` is `dibayar` (with `jumlah`, whole rupiah, no separators) or `ditolak` (with `alasan`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

__all__ = ["COLUMNS", "Decision", "DecisionFileError", "parse_decisions"]

COLUMNS = ("nomor_klaim", "keputusan", "tanggal", "jumlah", "nomor_keputusan", "alasan")
DECISIONS = {"dibayar": "paid", "ditolak": "rejected"}
MAX_ROWS = 20_000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Decision:
    line: int
    number: str
    decision: str  # paid or rejected
    on: dt.date
    amount: int | None
    reference: str
    reason: str


class DecisionFileError(ValueError):
    """The file cannot be read at all, or some rows are wrong: `problems` lists (line, message)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(f"baris {line}: {text}" if line else text for line, text in problems))
        self.problems = problems


def parse_decisions(content: bytes) -> list[Decision]:
    if len(content) > MAX_BYTES:
        raise DecisionFileError([(0, "Berkas lebih dari 5 MB.")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DecisionFileError([(0, "Berkas bukan teks UTF-8.")]) from error
    if "\x00" in text:
        raise DecisionFileError([(0, "Berkas memuat karakter NUL; bukan CSV.")])
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration as error:
        raise DecisionFileError([(0, "Berkas kosong.")]) from error
    except csv.Error as error:
        raise DecisionFileError([(1, "Baris judul tidak dapat dibaca.")]) from error
    if sorted(header) != sorted(COLUMNS):
        raise DecisionFileError([(1, f"Kolom harus tepat: {';'.join(COLUMNS)}.")])
    decisions: list[Decision] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    try:
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(decisions) + len(problems) >= MAX_ROWS:
                raise DecisionFileError([(0, f"Paling banyak {MAX_ROWS} baris keputusan per berkas.")])
            if len(row) != len(COLUMNS):
                problems.append((line, f"jumlah kolom {len(row)}, seharusnya {len(COLUMNS)}"))
                continue
            cells = {name: value.strip() for name, value in zip(header, row, strict=True)}
            parsed = _row(line, cells, problems)
            if parsed is None:
                continue
            if parsed.number in seen:
                problems.append((line, f"klaim {parsed.number} sudah ada di baris {seen[parsed.number]}"))
                continue
            seen[parsed.number] = line
            decisions.append(parsed)
    except csv.Error as error:
        raise DecisionFileError([(0, "Berkas CSV rusak (tanda kutip tidak tertutup).")]) from error
    if problems:
        raise DecisionFileError(problems[:50])
    if not decisions:
        raise DecisionFileError([(0, "Tidak ada baris keputusan.")])
    return decisions


def _row(line: int, cells: dict[str, str], problems: list[tuple[int, str]]) -> Decision | None:
    before = len(problems)
    number = cells["nomor_klaim"].upper()
    if not number or len(number) > 16:
        problems.append((line, "nomor_klaim kosong atau terlalu panjang"))
    decision = DECISIONS.get(cells["keputusan"].lower())
    if decision is None:
        problems.append((line, "keputusan harus 'dibayar' atau 'ditolak'"))
    on = None
    if ISO_DATE.match(cells["tanggal"]):
        try:
            on = dt.date.fromisoformat(cells["tanggal"])
        except ValueError:
            on = None
    if on is None or not 2000 <= on.year <= 2100:
        problems.append((line, f"tanggal '{cells['tanggal'][:20]}' bukan TTTT-BB-HH yang sah"))
        on = None
    amount = None
    if cells["jumlah"]:
        if not cells["jumlah"].isascii() or not cells["jumlah"].isdigit() or len(cells["jumlah"]) > 12:
            problems.append((line, "jumlah harus rupiah bulat tanpa titik, paling banyak 12 digit"))
        else:
            amount = int(cells["jumlah"])
    if decision == "paid" and not amount:
        problems.append((line, "klaim dibayar memerlukan jumlah lebih dari 0"))
    if decision == "rejected" and not cells["alasan"]:
        problems.append((line, "klaim ditolak memerlukan alasan"))
    if len(cells["nomor_keputusan"]) > 40 or len(cells["alasan"]) > 200:
        problems.append((line, "nomor_keputusan paling panjang 40 dan alasan 200 karakter"))
    if len(problems) > before:
        return None
    return Decision(line, number, decision, on, amount, cells["nomor_keputusan"], cells["alasan"])
