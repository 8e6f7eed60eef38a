"""Reading a bank statement (mutasi rekening) exported from Indonesian internet banking as CSV. Plain
Python, no Django: the layouts, the amounts and the invoice numbers a transfer's description carries.

The layouts are recognised by their header row, which may follow a few lines of account details, and
are described in docs/bank-statement-format.md. Amounts are whole rupiah; a line with sen other than
,00 is reported, not rounded.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass

__all__ = [
    "INVOICE_NUMBER",
    "LAYOUTS",
    "StatementError",
    "StatementLine",
    "invoice_numbers",
    "parse_amount",
    "read_statement",
]

MAX_LINES = 20_000
HEADER_SEARCH_ROWS = 30


class StatementError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    date: str
    description: str
    # Either one signed/flagged amount column, or separate debit and credit columns.
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    reference: str | None = None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        key="bca",
        label="BCA (KlikBCA Bisnis / myBCA, mutasi rekening)",
        date="tanggaltransaksi",
        description="keterangan",
        amount="jumlah",
    ),
    Layout(
        key="mandiri",
        label="Mandiri (Kopra / Livin', mutasi rekening)",
        date="tgl",
        description="rinciantransaksi",
        debit="debit",
        credit="kredit",
        reference="noreferensi",
    ),
    Layout(
        key="bri",
        label="BRI (Qlola / internet banking, mutasi rekening)",
        date="tanggaltransaksi",
        description="uraiantransaksi",
        debit="debet",
        credit="kredit",
    ),
    Layout(
        key="cakupan",
        label="Templat Cakupan (tanggal;referensi;jumlah;keterangan)",
        date="tanggal",
        description="keterangan",
        amount="jumlah",
        reference="referensi",
    ),
)


@dataclass(frozen=True)
class StatementLine:
    number: int  # the line in the file, from 1, as the treasurer finds it in a spreadsheet
    date: dt.date | None
    description: str
    reference: str
    debit: int  # money out of the account (a payment to BPJS TK); 0 for a credit
    credit: int
    problem: str = ""  # why the line cannot be read as a transfer (Bahasa)

    @property
    def key(self) -> str:
        """A stable identity for a line without a bank reference: the same line in a statement uploaded
        again gives the same key, so a payment is never recorded twice."""
        text = f"{self.date}|{self.description}|{self.debit}|{self.credit}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# An invoice number as Cakupan prints it (TAG-000012-0003); banks drop or change the dashes in the
# transfer's news field, so spaces, dots or no separator are accepted too.
INVOICE_NUMBER = re.compile(r"TAG[\s.\-/]*(\d{6})[\s.\-/]*(\d{4})", re.IGNORECASE)


def invoice_numbers(text: str) -> list[str]:
    seen = []
    for plan, funder in INVOICE_NUMBER.findall(text or ""):
        number = f"TAG-{plan}-{funder}"
        if number not in seen:
            seen.append(number)
    return seen


def parse_amount(text: str) -> tuple[int, str]:
    """'1.234.567,00', '1,234,567.00', 'Rp 1.234.567' → (1234567, ''); a trailing DB/CR (or D/K) or a
    sign comes back as 'DB' or 'CR'. Raises ValueError for anything else, and for sen other than zero."""
    value = (text or "").upper().replace("RP", "").replace("\u00a0", " ").strip()
    flag = ""
    match = re.fullmatch(r"(.*?)\s*(DB|CR|D|K)", value)
    if match and match.group(1)[-1:].isdigit():
        value, flag = match.group(1), {"D": "DB", "K": "CR"}.get(match.group(2), match.group(2))
    if value[:1] in "+-" and value:
        flag, value = ("DB" if value[0] == "-" else "CR"), value[1:]
    value = value.replace(" ", "")
    if not value:
        return 0, flag
    if not re.fullmatch(r"[\d.,]+", value) or not value[0].isdigit() or not value[-1].isdigit():
        raise ValueError(text)
    cents = ""
    last = max(value.rfind("."), value.rfind(","))
    if last >= 0:
        separator = value[last]
        tail = value[last + 1 :]
        other = "," if separator == "." else "."
        # The last separator is the decimal one when the other kind also appears, or when it appears
        # once with one or two digits after it ('1234,00'); three digits after it are a thousands group.
        if other in value or (value.count(separator) == 1 and len(tail) in (1, 2)):
            value, cents = value[:last], tail
    groups = re.split(r"[.,]", value)
    if len(groups) > 1 and (len({c for c in value if c in ".,"}) > 1 or not 1 <= len(groups[0]) <= 3
                            or any(len(g) != 3 for g in groups[1:])):  # fmt: skip
        raise ValueError(text)
    if cents and int(cents) != 0:
        raise ValueError(text)
    return int("".join(groups)), flag


def _parse_date(text: str) -> dt.date | None:
    # Spreadsheet exports keep a date as text with a leading apostrophe ('02/12/2026); a time may follow.
    value = (text or "").strip().lstrip("'").split(" ")[0]
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%y", "%d.%m.%Y", "%d-%b-%Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementError("statement_encoding", "Berkas mutasi tidak dapat dibaca sebagai teks (CSV).")


def _rows(text: str) -> list[list[str]]:
    sample = "\n".join(text.splitlines()[: HEADER_SEARCH_ROWS + 5])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _find_header(rows: list[list[str]]) -> tuple[Layout, int, dict[str, int]]:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [_norm(cell) for cell in row]
        for layout in LAYOUTS:
            wanted = [
                c for c in (layout.date, layout.description, layout.amount, layout.debit, layout.credit) if c
            ]
            if all(name in names for name in wanted):
                columns = {name: names.index(name) for name in names if name}
                return layout, index, columns
    known = ", ".join(layout.label for layout in LAYOUTS)
    raise StatementError(
        "statement_layout_unknown",
        f"Tata letak mutasi rekening tidak dikenali. Yang dapat dibaca: {known}. Lihat panduan format.",
    )


def read_statement(content: bytes) -> tuple[Layout, list[StatementLine]]:
    """The statement's transfers, in file order. Lines that are not transfers (opening and closing
    balances, blank lines, totals) are skipped; lines that look like transfers but cannot be read carry
    a `problem`."""
    if not content.strip():
        raise StatementError("statement_empty", "Berkas mutasi kosong.")
    rows = _rows(_decode(content))
    layout, header, columns = _find_header(rows)

    def cell(row: list[str], name: str | None) -> str:
        if name is None or columns.get(name) is None or columns[name] >= len(row):
            return ""
        return row[columns[name]].strip()

    lines: list[StatementLine] = []
    for offset, row in enumerate(rows[header + 1 :], start=header + 2):
        if not any(value.strip() for value in row):
            continue
        description = cell(row, layout.description)
        raw_date = cell(row, layout.date)
        date = _parse_date(raw_date)
        if date is None and not raw_date.replace("'", "").strip()[:1].isdigit():
            continue  # saldo awal / akhir, mutasi debet / kredit totals, footers, 'PEND' lines
        if len(lines) >= MAX_LINES:
            raise StatementError(
                "statement_too_long",
                f"Berkas mutasi lebih dari {MAX_LINES:,} baris; bagi per bulan.".replace(",", "."),
            )
        reference = cell(row, layout.reference)
        problem, debit, credit = "", 0, 0
        try:
            if layout.amount is not None:
                amount, flag = parse_amount(cell(row, layout.amount))
                if flag == "CR":
                    credit = amount
                elif flag == "DB":
                    debit = amount
                else:
                    problem = "Jumlah tanpa tanda DB/CR: tidak jelas masuk atau keluar."
            else:
                debit, _ = parse_amount(cell(row, layout.debit))
                credit, _ = parse_amount(cell(row, layout.credit))
        except ValueError:
            problem = "Jumlah tidak terbaca sebagai rupiah utuh (sen harus ,00)."
        if date is None and not problem:
            problem = f"Tanggal {raw_date!r} tidak terbaca (dd/mm/yyyy)."
        lines.append(
            StatementLine(
                number=offset, date=date, description=description, reference=reference,
                debit=debit, credit=credit, problem=problem,
            )
        )  # fmt: skip
    if not lines:
        raise StatementError("statement_no_lines", "Berkas mutasi tidak berisi transaksi.")
    return layout, lines
